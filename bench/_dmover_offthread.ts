// bench:dmover's off-thread sections: the throughput and round trip of the off-thread backends
// (native-async, worker) against the synchronous ones, and the event loop's lag (the longest gap
// of a 1 ms timer) during a 256 MiB request on each. Used by bench/dmover_bench.ts.

import { type DmoverBackend, type DmoverRequest, openSession } from "../dmover/mod.ts";
import { createWorkerBackend } from "../dmover/backends/mod.ts";

/** What the sections need from the bench: a smoke run or not, and whether the shim is live. */
export interface OffThreadSetup {
  quick: boolean;
  native: boolean;
}

function label(size: number): string {
  return size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;
}

// ---- off-thread backends: throughput, round trip -------------------------------------------------

export const MIB = 1 << 20;

function allocate(length: number, shared: boolean): Uint8Array {
  const view = shared ? new Uint8Array(new SharedArrayBuffer(length)) : new Uint8Array(length);
  return view.fill(0xa5);
}

/** The backends a request may be handed to, by name; off-thread ones opened for the section. */
function openBackends(native: boolean): {
  names: string[];
  get(name: string): string | DmoverBackend;
  close(): void;
} {
  const pool = createWorkerBackend();
  const names = native ? ["ts", "native", "native-async", "worker"] : ["ts", "worker"];
  return {
    names,
    get: (name) => (name === "worker" ? pool : name),
    close: () => pool.close(),
  };
}

/** GB/s of `request` through a session on `backend`: best of `rounds` timed runs after a warm-up. */
async function sessionRate(
  backend: string | DmoverBackend,
  fn: string,
  request: DmoverRequest,
  bytes: number,
  rounds: number,
): Promise<number> {
  using session = openSession(fn, { backend });
  let best = 0;
  for (let round = -1; round < rounds; round++) {
    const t0 = performance.now();
    await session.submit(request);
    await session.read();
    const ns = (performance.now() - t0) * 1e6;
    if (round >= 0) best = Math.max(best, bytes / ns);
  }
  return best;
}

/** Microseconds from submit to completion of a 64-byte request, median of many. */
async function roundTrip(backend: string | DmoverBackend, quick: boolean): Promise<number> {
  using session = openSession("xor2", { backend });
  const [a, b, out] = [0, 1, 2].map(() => allocate(64, true));
  const times: number[] = [];
  for (let i = 0; i < (quick ? 50 : 400); i++) {
    const t0 = performance.now();
    await session.submit({ id: i, output: out!, inputs: [a!, b!] });
    await session.read();
    times.push((performance.now() - t0) * 1000);
  }
  times.sort((x, y) => x - y);
  return times[times.length >> 1]!;
}

/** The off-thread section: xor2 GB/s by size, memory and backend; round trips in µs. */
export async function offThreadSection(
  { quick, native }: OffThreadSetup,
): Promise<Record<string, unknown>> {
  const opened = openBackends(native);
  try {
    const out: Record<string, unknown> = {};
    const rates: Record<string, Record<string, number>> = {};
    for (const size of [MIB, 16 * MIB, 256 * MIB]) {
      for (const shared of [true, false]) {
        const [a, b, o] = [0, 1, 2].map(() => allocate(size, shared));
        const key = `${label(size)} ${shared ? "SharedArrayBuffer" : "ArrayBuffer"}`;
        rates[key] = {};
        for (const name of opened.names) {
          const rounds = size >= 256 * MIB ? (quick ? 1 : 3) : quick ? 3 : 10;
          rates[key]![name] = await sessionRate(
            opened.get(name),
            "xor2",
            { id: 1, output: o!, inputs: [a!, b!] },
            size,
            rounds,
          );
        }
      }
    }
    out.xor2 = rates;
    const trips: Record<string, number> = {};
    for (const name of opened.names) trips[name] = await roundTrip(opened.get(name), quick);
    out.round_trip_us = trips;
    return out;
  } finally {
    opened.close();
  }
}

// ---- the event loop's lag during a 256 MiB request -----------------------------------------------

async function lagOf(
  backend: string | DmoverBackend,
  sides: Uint8Array[],
  quick: boolean,
): Promise<{ lag: number; ms: number }> {
  const [a, b, o] = sides as [Uint8Array, Uint8Array, Uint8Array];
  using session = openSession("xor2", { backend });
  // Warm up (threads, workers, code) on a small request.
  await session.submit({
    id: 0,
    output: o.subarray(0, 4096),
    inputs: [a.subarray(0, 4096), b.subarray(0, 4096)],
  });
  await session.read();
  let best = { lag: Infinity, ms: 0 };
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    let last = performance.now();
    let gap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      gap = Math.max(gap, now - last);
      last = now;
    }, 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    last = performance.now();
    gap = 0;
    const t0 = last;
    await session.submit({ id: 1, output: o, inputs: [a, b] });
    await session.read();
    const ms = performance.now() - t0;
    gap = Math.max(gap, performance.now() - last);
    clearInterval(timer);
    // The best round, as for throughput: a shared machine adds its own stalls to some rounds.
    if (gap < best.lag) best = { lag: gap, ms };
  }
  return best;
}

/** The lag section: the longest timer gap and the request time, by backend and memory. */
export async function lagSection(
  { quick, native }: OffThreadSetup,
): Promise<Record<string, Record<string, number>>> {
  const opened = openBackends(native);
  try {
    const out: Record<string, Record<string, number>> = {};
    // One set of buffers per kind of memory, for every backend: allocating (and freeing) 768 MiB
    // per case would time the allocator and the collector instead.
    for (const shared of [true, false]) {
      const sides = [0, 1, 2].map(() => allocate(256 * MIB, shared));
      for (const name of opened.names) {
        if (!shared && (name === "ts" || name === "native")) continue; // the same in place
        const key = `${name} ${shared ? "SharedArrayBuffer" : "ArrayBuffer"}`;
        const { lag, ms } = await lagOf(opened.get(name), sides, quick);
        out[key] = { lag_ms: lag, request_ms: ms };
      }
    }
    return out;
  } finally {
    opened.close();
  }
}
