/**
 * Pins the benchmark's main thread to one CPU, the fastest of those it may run on, for the
 * sections that time dray against a reference in the same thread (functions, sweep, isal, iovecs,
 * rate).
 *
 * Why: on the 2-vCPU VMs this project is measured on, one vCPU at times ran vector and memory work
 * 1.3-1.7x slower than the other (2026-12-06: an ISA-L xor of 4 KiB in a C loop 40 ns on CPU 0,
 * 52-57 ns on CPU 1; 64-byte requests through a dmover session 65-70 ns against 110-130 ns), and an
 * unpinned process lands on either and may move between them, so per-call figures looked "bimodal
 * per process" and ratios depended on where each side happened to run. Pinned, both sides of every
 * ratio run on one CPU; the choice and each CPU's calibration time go into the report.
 *
 * Linux only (libc's sched_setaffinity through FFI); elsewhere, or without FFI, nothing is pinned.
 *
 * @module
 */

/** What pinning did. */
export interface CpuPin {
  /** The CPU the main thread now runs on. */
  readonly cpu: number;
  /** The calibration loop's ns on each CPU tried (90th percentile of its samples), by CPU. */
  readonly calibrationNs: Readonly<Record<string, number>>;
  /** Puts the thread's original CPU set back (before sections that use other threads). */
  restore(): void;
  /** The command and arguments that run `binary` pinned to the same CPU (through taskset). */
  pinned(binary: string, args: readonly string[]): [string, string[]];
}

const SET_BYTES = 128; // a cpu_set_t: 1024 CPUs

type Libc = {
  symbols: {
    sched_setaffinity: (pid: number, size: bigint, mask: Uint8Array) => number;
    sched_getaffinity: (pid: number, size: bigint, mask: Uint8Array) => number;
  };
};

function openLibc(): Libc | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    return Deno.dlopen("libc.so.6", {
      sched_setaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
      sched_getaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
    }) as unknown as Libc;
  } catch {
    return undefined;
  }
}

// The calibration: 4 KiB copies (memmove, the vector loads and stores of the copies and kernels
// the benchmarks time). A neighbour on the host can slow one vCPU's vector and memory work while
// plain integer loops run level (seen on 2026-12-06: a C xor of 4 KiB 40 ns on one vCPU and 52-57
// on the other, a table-lookup loop in JavaScript within 2%), and it comes and goes, so the choice
// goes by the slow tail of many short samples (their 90th percentile), not by their best.
const from = new Uint8Array(4096).fill(7);
const to = new Uint8Array(4096);
let sink = 0;
function work(): void {
  for (let k = 0; k < 64; k++) to.set(from);
  sink ^= to[sink & 4095]!;
}

function timeWork(ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 8; k++) work();
    n += 8;
    t = performance.now();
  }
  return ((t - t0) * 1e6) / n;
}

function maskOf(cpu: number): Uint8Array {
  const mask = new Uint8Array(SET_BYTES);
  mask[cpu >> 3] = 1 << (cpu & 7);
  return mask;
}

/** Pins the main thread to the fastest allowed CPU, or says why it did not. */
export function pinFastestCpu(): CpuPin | { reason: string } {
  const libc = openLibc();
  if (libc === undefined) return { reason: "not Linux, or libc.so.6 not loadable" };
  const original = new Uint8Array(SET_BYTES);
  if (libc.symbols.sched_getaffinity(0, BigInt(SET_BYTES), original) !== 0) {
    return { reason: "sched_getaffinity failed" };
  }
  const allowed: number[] = [];
  for (let cpu = 0; cpu < SET_BYTES * 8; cpu++) {
    if ((original[cpu >> 3]! >> (cpu & 7)) & 1) allowed.push(cpu);
  }
  if (allowed.length < 2) return { reason: `one CPU allowed (${allowed.join(",")})` };
  timeWork(100); // warm: the JIT's top tier before anything counts
  const samples: Record<number, number[]> = {};
  for (let round = 0; round < 20; round++) {
    for (const cpu of allowed) {
      libc.symbols.sched_setaffinity(0, BigInt(SET_BYTES), maskOf(cpu));
      timeWork(2); // settle on the CPU
      (samples[cpu] ??= []).push(timeWork(5));
    }
  }
  const calibrationNs: Record<string, number> = {};
  let best = allowed[0]!;
  for (const cpu of allowed) {
    const sorted = samples[cpu]!.sort((a, b) => a - b);
    calibrationNs[String(cpu)] = Math.round(sorted[Math.floor(sorted.length * 0.9)]!);
    if (calibrationNs[String(cpu)]! < calibrationNs[String(best)]!) best = cpu;
  }
  libc.symbols.sched_setaffinity(0, BigInt(SET_BYTES), maskOf(best));
  let taskset = false;
  try {
    taskset = new Deno.Command("taskset", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    // no taskset: children run where the kernel puts them
  }
  return {
    cpu: best,
    calibrationNs,
    restore: () => void libc.symbols.sched_setaffinity(0, BigInt(SET_BYTES), original),
    pinned: (binary, args) =>
      taskset ? ["taskset", ["-c", String(best), binary, ...args]] : [binary, [...args]],
  };
}

/** The CPU's model name. Deno wants --allow-all to read /proc/cpuinfo itself: cat reads it. */
export async function cpuModel(): Promise<string> {
  try {
    const out = await new Deno.Command("cat", { args: ["/proc/cpuinfo"], stderr: "null" }).output();
    const text = new TextDecoder().decode(out.stdout);
    return /model name\s*:\s*(.*)/.exec(text)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}
