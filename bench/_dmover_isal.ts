/**
 * The `isal` section of bench/dmover_bench.ts: dray's native backend (through FFI, as a caller
 * gets it) against Intel ISA-L called from C (bench/dmover_isal.c, a tight loop linked with
 * -lisal, built as a library and loaded into this process), for crc32c, xor2, xor8, pq 6+2 and
 * pq-recover 6+2 (data blocks 0 and 1 lost) at 4 KiB, 64 KiB, 1 MiB and 16 MiB, both on the same
 * buffers. The two run in interleaved rounds (dray's round, then ISA-L's, ...), and each side's
 * figure is its median over the rounds, so that both see the same machine; only their ratio means
 * much on a shared machine. Also the cost of one small
 * request: ns per one-shot 64-byte copy and 4 KiB crc32c, and per 64-byte request through a
 * session of depth 64.
 *
 * @module
 */

import { BASE_FLAGS, findCompiler } from "../native/build.ts";

/** The functions compared, by their row in bench/out/dmover.json, and ISA-L's name for each. */
export const ISAL_FUNCTIONS: Record<string, string> = {
  "iscsi-crc32c": "crc32c",
  xor2: "xor2",
  xor8: "xor8",
  pq: "pq",
  "pq-recover": "pq-recover",
};

/**
 * A row's figures in GB/s of request length: medians over the interleaved rounds and their ratio,
 * and each side's best round (on a busy machine the best rounds are the least disturbed ones).
 */
export interface IsalRow {
  native_median: number;
  isal: number;
  native_per_isal: number;
  native_best: number;
  isal_best: number;
  /** The shim's kernels called from C in the same program as ISA-L (no FFI), median. */
  dray_c: number;
  dray_c_per_isal: number;
}

/** Builds bench/dmover_isal.c as a shared library, or says why it cannot. */
export async function buildIsal(root: string): Promise<{ path: string } | { reason: string }> {
  const compiler = await findCompiler();
  if (compiler === undefined) return { reason: "no C compiler" };
  const out = `${root}.tmp/libdmover_isal.so`;
  Deno.mkdirSync(`${root}.tmp`, { recursive: true });
  // The shim's own flags (its kernels are included), linked with ISA-L.
  const result = await new Deno.Command(compiler, {
    args: [...BASE_FLAGS, "-o", out, `${root}bench/dmover_isal.c`, "-lisal"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    return {
      reason: `ISA-L did not build (libisal-dev?): ${new TextDecoder().decode(result.stderr)}`,
    };
  }
  return { path: out };
}

/** The C loops, loaded into this process: ISA-L and dray's kernels over the given buffers. */
class IsalLoops implements Disposable {
  readonly #library: Deno.DynamicLibrary<{
    dray_isal_time: { parameters: ["buffer", "u32", "u32", "buffer", "u32"]; result: "f64" };
  }>;
  readonly #addresses: BigUint64Array;
  readonly #capacity: number;
  readonly #keep: readonly Uint8Array[];

  constructor(path: string, buffers: readonly Uint8Array[]) {
    this.#library = Deno.dlopen(path, {
      dray_isal_time: { parameters: ["buffer", "u32", "u32", "buffer", "u32"], result: "f64" },
    });
    this.#keep = buffers;
    this.#addresses = new BigUint64Array(
      buffers.map((b) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)))),
    );
    this.#capacity = Math.min(...buffers.map((b) => b.length));
  }

  /** Nanoseconds of `iterations` calls of `fn` over `size` bytes of the buffers. */
  time(fn: string, size: number, iterations: number): number {
    const name = new TextEncoder().encode(`${fn}\0`);
    const ns = this.#library.symbols.dray_isal_time(
      name,
      size,
      iterations,
      this.#addresses,
      this.#capacity,
    );
    if (!(ns >= 0) || this.#keep.length === 0) throw new Error(`ISA-L's ${fn} at ${size} failed`);
    return ns;
  }

  [Symbol.dispose](): void {
    this.#library.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Calls of `run` that take about `ms` milliseconds (at least one), after a warm-up. */
function iterationsFor(run: () => void, ms: number): number {
  // Warm up first, long enough for the JIT to reach its top tier on this call: at least 100 ms,
  // since a 4 KiB row measured in the JIT's middle tier ran at a third of its speed.
  const warmUntil = performance.now() + Math.max(8 * ms, 100);
  for (let i = 0; i < 1000 || performance.now() < warmUntil; i++) run();
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) run();
    const took = performance.now() - t0;
    if (took >= ms / 2) return Math.max(1, Math.round((n * ms) / took));
    n *= 2;
  }
}

/**
 * Medians of dray native and ISA-L over interleaved rounds, for every function and size.
 *
 * @param native A runner of dray's native backend for a row's function and size.
 */
export function isalSection(
  path: string,
  buffers: readonly Uint8Array[],
  native: (name: string, size: number) => () => void,
  sizes: readonly number[],
  options: { rounds: number; roundMs: number },
): Record<string, Record<string, IsalRow>> {
  using server = new IsalLoops(path, buffers);
  const out: Record<string, Record<string, IsalRow>> = {};
  for (const [name, fn] of Object.entries(ISAL_FUNCTIONS)) {
    out[name] = {};
    for (const size of sizes) {
      const run = native(name, size);
      const dray = iterationsFor(run, options.roundMs);
      // ISA-L's loop: as many calls as fill a round at its own speed.
      const probe = Math.max(1, dray >> 2);
      const probeNs = server.time(fn, size, probe);
      const isalIterations = Math.max(1, Math.round((probe * options.roundMs * 1e6) / probeNs));
      const drayRates: number[] = [];
      const isalRates: number[] = [];
      const drayCRates: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        const t0 = performance.now();
        for (let i = 0; i < dray; i++) run();
        drayRates.push((size * dray) / ((performance.now() - t0) * 1e6));
        const ns = server.time(fn, size, isalIterations);
        isalRates.push((size * isalIterations) / ns);
        const cns = server.time(`dray-${fn}`, size, isalIterations);
        drayCRates.push((size * isalIterations) / cns);
      }
      const nativeMedian = median(drayRates);
      const isal = median(isalRates);
      out[name]![String(size)] = {
        native_median: nativeMedian,
        isal,
        native_per_isal: nativeMedian / isal,
        native_best: Math.max(...drayRates),
        isal_best: Math.max(...isalRates),
        dray_c: median(drayCRates),
        dray_c_per_isal: median(drayCRates) / isal,
      };
    }
  }
  return out;
}

/** Median nanoseconds per call of each runner, in interleaved rounds. */
export function nsPerCall(
  runs: Record<string, () => void>,
  options: { rounds: number; roundMs: number },
): Record<string, number> {
  const names = Object.keys(runs);
  const iterations = names.map((name) => iterationsFor(runs[name]!, options.roundMs));
  const samples: number[][] = names.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    names.forEach((name, k) => {
      const run = runs[name]!;
      const n = iterations[k]!;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) run();
      samples[k]!.push(((performance.now() - t0) * 1e6) / n);
    });
  }
  return Object.fromEntries(names.map((name, k) => [name, median(samples[k]!)]));
}

/** ISA-L's own ns per call, from C, for one function and size (median of rounds). */
export function isalNsPerCall(
  path: string,
  buffers: readonly Uint8Array[],
  fn: string,
  size: number,
  options: { rounds: number; roundMs: number },
): number {
  using server = new IsalLoops(path, buffers);
  const probe = 1000;
  const probeNs = server.time(fn, size, probe);
  const n = Math.max(1, Math.round((probe * options.roundMs * 1e6) / probeNs));
  const samples: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    samples.push(server.time(fn, size, n) / n);
  }
  return median(samples);
}

/** The targets of issue 16: native / ISA-L at least this, by size (none at 16 MiB). */
export const ISAL_TARGETS: Record<string, number> = { "4096": 0.9, "65536": 1.0, "1048576": 1.0 };

/** Prints the ISA-L table and the small-request costs of a report. */
export function printIsal(
  report: Record<string, unknown>,
  sizes: readonly number[],
  label: (size: number) => string,
  fmt: (x: number | undefined) => string,
): void {
  if (typeof report.isal_missing === "string") {
    console.log(`\nISA-L: not measured (${report.isal_missing})`);
  }
  const rows = (name: string): Record<string, Partial<IsalRow>> =>
    (report[name] ?? {}) as Record<string, Partial<IsalRow>>;
  if (Object.keys(ISAL_FUNCTIONS).some((name) => rows(name)["65536"]?.isal !== undefined)) {
    console.log(
      "\ndray native (FFI) against ISA-L from C: GB/s, medians of interleaved rounds; pq and pq-recover 6+2\n",
    );
    console.log(
      "| function | size | native | ISA-L | native/ISA-L | target | met | best rounds: native, ISA-L | dray from C | dray C/ISA-L |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    for (const name of Object.keys(ISAL_FUNCTIONS)) {
      for (const size of sizes) {
        const r = rows(name)[String(size)] ?? {};
        const target = ISAL_TARGETS[String(size)];
        const ratio = r.native_per_isal;
        const met = target === undefined || ratio === undefined
          ? ""
          : ratio >= target
          ? "yes"
          : "no";
        console.log(
          `| ${name} | ${label(size)} | ${fmt(r.native_median)} | ${fmt(r.isal)} | ${
            ratio === undefined ? "–" : ratio.toFixed(2)
          } | ${target === undefined ? "–" : `≥ ${target.toFixed(1)}`} | ${met} | ${
            fmt(r.native_best)
          }, ${fmt(r.isal_best)} | ${fmt(r.dray_c)} | ${
            r.dray_c_per_isal === undefined ? "–" : r.dray_c_per_isal.toFixed(2)
          } |`,
        );
      }
    }
  }
  const ns = report.ns_per_request as Record<string, Record<string, number>> | undefined;
  if (ns !== undefined) {
    console.log("\nns per request (medians)\n");
    console.log("| request | figures |");
    console.log("|---|---|");
    for (const [what, r] of Object.entries(ns)) {
      const cells = Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ");
      console.log(`| ${what} | ${cells} |`);
    }
  }
}

/**
 * The buffers of the `isal` section, which dray's one-shots and ISA-L's C loop (loaded into this
 * process) both run on: each 64-byte aligned, as ISA-L's SIMD code wants, then 1088 * k bytes on,
 * so that each sits at its own offset in a 4 KiB page. The address comes from
 * Deno.UnsafePointer.of (the bench runs with --allow-ffi); without it, the views start 16 bytes
 * past a boundary, V8's placement of large ArrayBuffers. Each view is `largest` bytes of 0xa5.
 */
export function alignedLikeIsal(largest: number): Uint8Array[] {
  return Array.from({ length: 12 }, (_, k) => {
    const raw = new Uint8Array(largest + 64 + 1088 * k);
    let skip = 48;
    try {
      const address = Deno.UnsafePointer.value(Deno.UnsafePointer.of(raw));
      skip = Number((64n - (BigInt(address) % 64n)) % 64n);
    } catch {
      // no FFI permission: V8's usual placement, 16 bytes past a boundary
    }
    return raw.subarray(skip + 1088 * k, skip + 1088 * k + largest).fill(0xa5);
  });
}
