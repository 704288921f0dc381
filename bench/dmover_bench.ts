/**
 * `deno task bench:dmover`: the data mover's throughput per function and size for the `ts` and
 * `native` backends and the automatic choice, against a C reference (the shim's own kernels timed
 * in a tight C loop by bench/dmover_ref.c, built here) and against `Uint8Array.prototype.set` for
 * copy; the crossover sizes where `native` overtakes `ts`; and the small-request rate (64-byte
 * copies through a session of depth 64). Writes bench/out/dmover.json and prints markdown tables.
 *
 * ```sh
 * deno task bench:dmover            # builds the shim and the C reference, then measures
 * deno run -A bench/dmover_bench.ts --quick   # shorter rounds, for a smoke run
 * deno run -A bench/dmover_bench.ts --print   # the tables of the last run, from the JSON
 * ```
 *
 * Every figure is the best of several rounds, in GB/s of request length (a 64 KiB xor8 request
 * counts 64 KiB, not 9 x 64 KiB). Only ratios within one run mean anything on a shared machine.
 *
 * @module
 */

import { BASE_FLAGS, findCompiler } from "../native/build.ts";
import { nativeStatus } from "../native/mod.ts";
import {
  copy,
  crc32c,
  type DmoverRequest,
  fill8,
  type OneShotOptions,
  openSession,
  xor,
  zero,
} from "../dmover/mod.ts";

const quick = Deno.args.includes("--quick");
// Many short rounds, best taken: on a shared machine a short round often runs undisturbed.
const ROUND_MS = quick ? 2 : 5;
const ROUNDS = quick ? 8 : 30;
const WARM_MS = quick ? 10 : 40;

const SIZES = [4096, 65536, 1 << 20, 16 << 20];
const SWEEP = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const SWEPT = ["copy", "fill8", "xor2", "xor4", "xor8", "iscsi-crc32c"];
const FUNCTIONS = [
  "copy",
  "zero",
  "fill8",
  "xor2",
  "xor3",
  "xor4",
  "xor5",
  "xor6",
  "xor7",
  "xor8",
  "iscsi-crc32c",
];

const here = new URL(".", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;

// ---- the C reference ----------------------------------------------------------------------------

async function buildReference(): Promise<string | undefined> {
  const compiler = await findCompiler();
  if (compiler === undefined) return undefined;
  const out = `${root}.tmp/dmover_ref`;
  Deno.mkdirSync(`${root}.tmp`, { recursive: true });
  const flags = BASE_FLAGS.filter((f) =>
    f !== "-shared" && f !== "-fPIC" && f !== "-fvisibility=hidden"
  );
  const result = await new Deno.Command(compiler, {
    args: [...flags, "-o", out, `${here}dmover_ref.c`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(`Cannot build the C reference:\n${new TextDecoder().decode(result.stderr)}`);
  }
  return out;
}

type Figures = Record<string, Record<string, number>>;
type Row = Record<string, number>;

async function runReference(binary: string, name: string, sizes: number[]): Promise<Row> {
  const result = await new Deno.Command(binary, {
    args: ["-f", name, ...sizes.map(String)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error("The C reference failed");
  const figures: Figures = JSON.parse(new TextDecoder().decode(result.stdout));
  return figures[name]!;
}

// ---- timing -------------------------------------------------------------------------------------

/** Iterations of `run` that take about ROUND_MS (at least one), after a warm-up. */
function calibrate(run: () => void): number {
  // Warm up first: let the JIT reach its top tier on this call before anything is timed.
  const warmUntil = performance.now() + WARM_MS;
  for (let i = 0; i < 1000 || performance.now() < warmUntil; i++) run();
  let iterations = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) run();
    const ms = performance.now() - t0;
    if (ms >= ROUND_MS / 2) return Math.max(1, Math.round((iterations * ROUND_MS) / ms));
    iterations *= 2;
  }
}

/**
 * Best GB/s of each runner, measured in interleaved rounds (ts, native, auto, ts, ...) so that
 * they share whatever the machine is doing.
 */
function gbps(runs: Record<string, () => void>, bytes: number): Record<string, number> {
  const names = Object.keys(runs);
  const iterations = names.map((name) => calibrate(runs[name]!));
  const best = names.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < names.length; j++) {
      const k = (j + round) % names.length;
      const run = runs[names[k]!]!;
      const n = iterations[k]!;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) run();
      const ns = (performance.now() - t0) * 1e6;
      best[k] = Math.max(best[k]!, (bytes * n) / ns);
    }
  }
  return Object.fromEntries(names.map((name, k) => [name, best[k]!]));
}

// Buffers: an output and eight inputs of the largest size, filled with a pattern. Buffer k starts
// 1040 * k bytes into its ArrayBuffer (as bench/dmover_ref.c places its buffers), so that no two
// share an offset within a 4 KiB page: otherwise both sides would measure 4K aliasing, loads and
// stores whose low 12 address bits agree stalling each other, which costs the xor loop 10-30%.
const largest = Math.max(...SIZES, ...SWEEP);
const buffers = Array.from({ length: 9 }, (_, k) => {
  const b = new Uint8Array(largest + 1040 * k).subarray(1040 * k);
  for (let i = 0; i < b.length; i += 4096) b[i] = (i * 131 + k) & 0xff;
  return b;
});

function runner(name: string, size: number, options: OneShotOptions): () => void {
  const out = buffers[0]!.subarray(0, size);
  const ins = buffers.slice(1).map((b) => b.subarray(0, size));
  if (name === "copy") return () => copy(out, ins[0]!, options);
  if (name === "zero") return () => zero(out, options);
  if (name === "fill8") return () => fill8(out, 0xa5, options);
  if (name === "iscsi-crc32c") return () => void crc32c(ins[0]!, 0, options);
  const n = Number(name.slice(3));
  const inputs = ins.slice(0, n);
  return () => xor(out, inputs, options);
}

const live = nativeStatus();
const backends = live.available ? ["ts", "native", "auto"] : ["ts", "auto"];

function measureAt(name: string, size: number): Record<string, number> {
  const runs: Record<string, () => void> = {};
  for (const backend of backends) runs[backend] = runner(name, size, { backend });
  if (name === "copy") {
    const out = buffers[0]!.subarray(0, size);
    const src = buffers[1]!.subarray(0, size);
    runs.set = () => out.set(src);
  }
  return gbps(runs, size);
}

// ---- many iovecs: one FFI call per request against one per piece --------------------------------

/** xor2 and crc32c over 1024 iovecs of 64 bytes (64 KiB a request), in GB/s. */
function iovecCase(): Record<string, Record<string, number>> {
  const pieces = 1024;
  const piece = 64;
  const arenas = [0, 1, 2].map((k) => {
    const arena = new Uint8Array(pieces * piece * 2);
    for (let i = 0; i < arena.length; i += 64) arena[i] = i + k;
    return arena;
  });
  // Every other 64-byte slot of each arena: scattered, as a real gather list would be.
  const lists = arenas.map((arena) =>
    Array.from(
      { length: pieces },
      (_, i) => ({ buffer: arena, offset: i * piece * 2, length: piece }),
    )
  );
  const bytes = pieces * piece;
  const out: Record<string, Record<string, number>> = {};
  const xorRuns: Record<string, () => void> = {
    ts: () => xor(lists[0]!, [lists[1]!, lists[2]!], { backend: "ts" }),
  };
  const crcRuns: Record<string, () => void> = {
    ts: () => void crc32c(lists[1]!, 0, { backend: "ts" }),
  };
  if (live.available) {
    const lib = live.library;
    const [o, a, b] = arenas as [Uint8Array, Uint8Array, Uint8Array];
    xorRuns["native, one call"] = () =>
      xor(lists[0]!, [lists[1]!, lists[2]!], { backend: "native" });
    xorRuns["native, a call per iovec"] = () => {
      for (let i = 0; i < pieces; i++) {
        const at = i * piece * 2;
        lib.xor(o, at, [a, b], [at, at], piece);
      }
    };
    crcRuns["native, one call"] = () => void crc32c(lists[1]!, 0, { backend: "native" });
    crcRuns["native, a call per iovec"] = () => {
      let crc = 0;
      for (let i = 0; i < pieces; i++) crc = lib.crc32c(a, i * piece * 2, piece, crc);
    };
  }
  out.xor2 = gbps(xorRuns, bytes);
  out["iscsi-crc32c"] = gbps(crcRuns, bytes);
  return out;
}

// ---- the small-request rate ---------------------------------------------------------------------

/**
 * Requests per second: 64-byte copies through a session of depth 64, each submitted on its own
 * (`submit`) or as one batch (`submitMany`), then all read with one `readMany`.
 */
function requestRate(batched: boolean): number {
  const depth = 64;
  using session = openSession("copy", { maxInFlight: depth });
  const requests: DmoverRequest[] = Array.from({ length: depth }, (_, i) => ({
    id: i,
    output: new Uint8Array(64),
    inputs: [new Uint8Array(64).fill(i)],
  }));
  const run = batched
    ? () => {
      session.submitMany(requests);
      session.readMany();
    }
    : () => {
      for (let i = 0; i < depth; i++) session.submit(requests[i]!);
      session.readMany();
    };
  return gbps({ run }, depth).run! * 1e9;
}

// ---- report ----------------------------------------------------------------------------------

type Report = Record<string, unknown> & {
  requests_per_s: number;
  requests_per_s_batched: number;
  iovecs_1024x64: Record<string, Row>;
};

function fmt(x: number | undefined): string {
  return x === undefined ? "–" : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function label(size: number): string {
  return size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? "–" : (a / b).toFixed(2);
}

/** Prints the markdown tables of a report (as written to bench/out/dmover.json). */
function print(report: Report): void {
  const row = (name: string, size: number): Row =>
    (report[name] as Record<string, Row>)[String(size)]!;
  console.log("| function | size | ts | native | auto | C | native/C | auto/best | set |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const name of FUNCTIONS) {
    for (const size of SIZES) {
      const r = row(name, size);
      const best = Math.max(r.ts ?? 0, r.native ?? 0);
      const cells = [r.ts, r.native, r.auto, r.c].map(fmt);
      const set = name === "copy" ? fmt(r.set) : "";
      console.log(
        `| ${name} | ${label(size)} | ${cells.join(" | ")} | ${ratio(r.native, r.c)} | ${
          ratio(r.auto, best)
        } | ${set} |`,
      );
    }
  }
  console.log(
    "\nCrossovers: GB/s from 16 B to 4 KiB, and auto against the faster of ts and native\n",
  );
  console.log(`| function | ${SWEEP.map(label).join(" | ")} |`);
  console.log(`|---|${SWEEP.map(() => "---").join("|")}|`);
  for (const name of SWEPT) {
    for (const backend of ["ts", "native", "auto", "auto/best"]) {
      const cells = SWEEP.map((size) => {
        const r = row(name, size);
        if (backend === "auto/best") return ratio(r.auto, Math.max(r.ts ?? 0, r.native ?? 0));
        return fmt(r[backend]);
      });
      console.log(`| ${name} ${backend} | ${cells.join(" | ")} |`);
    }
  }
  const iovecs = report.iovecs_1024x64;
  const columns = Object.keys(iovecs.xor2 ?? {});
  console.log("\n1024 iovecs of 64 bytes per request (GB/s)\n");
  console.log(`| function | ${columns.join(" | ")} |`);
  console.log(`|---|${columns.map(() => "---").join("|")}|`);
  for (const [name, r] of Object.entries(iovecs)) {
    console.log(`| ${name} | ${columns.map((c) => fmt(r[c])).join(" | ")} |`);
  }
  console.log(
    `\n64-byte copies through a session of depth 64: ${
      (report.requests_per_s / 1e6).toFixed(2)
    } M requests/s submitted one by one, ${
      (report.requests_per_s_batched / 1e6).toFixed(2)
    } M requests/s with submitMany`,
  );
}

// ---- main ---------------------------------------------------------------------------------------

const OUT = `${here}out/dmover.json`;

if (Deno.args.includes("--print")) {
  // Print the tables of the last run without measuring again.
  print(JSON.parse(Deno.readTextFileSync(OUT)));
  Deno.exit(0);
}

// Each function is measured in TypeScript right after its C reference, so that both see the
// same machine (a shared machine's load drifts over a run).
const binary = await buildReference();
const results: Record<string, Record<string, Row>> = {};
for (const name of FUNCTIONS) {
  const c = binary === undefined ? undefined : await runReference(binary, name, SIZES);
  results[name] = {};
  for (const size of SIZES) {
    const row = measureAt(name, size);
    if (c?.[String(size)] !== undefined) row.c = c[String(size)]!;
    results[name][String(size)] = row;
  }
}
const sweep: Record<string, Record<string, Row>> = {};
for (const name of SWEPT) {
  const c = binary === undefined ? undefined : await runReference(binary, name, SWEEP);
  sweep[name] = {};
  for (const size of SWEEP) {
    const row = measureAt(name, size);
    if (c?.[String(size)] !== undefined) row.c = c[String(size)]!;
    sweep[name][String(size)] = row;
  }
}
const rate = requestRate(false);
const rateBatched = requestRate(true);
const iovecs = iovecCase();

// Merge the sweep into the per-function map (same shape; the sizes differ: 4 KiB is in both and
// the main table's figure is kept).
const merged: Record<string, unknown> = {};
for (const name of FUNCTIONS) {
  merged[name] = { ...(sweep[name] ?? {}), ...results[name] };
}
merged.requests_per_s = Math.round(rate);
merged.requests_per_s_batched = Math.round(rateBatched);
merged.iovecs_1024x64 = iovecs;
merged.meta = {
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  v8: Deno.version.v8,
  native: live.available
    ? `${live.version} crc32c=${live.library.crc32cImplementation}`
    : live.reason,
  c_reference: binary === undefined ? "no C compiler" : "bench/dmover_ref.c (the shim's kernels)",
  unit: "GB/s of request length; best of rounds",
  quick,
};
Deno.mkdirSync(`${here}out`, { recursive: true });
Deno.writeTextFileSync(OUT, JSON.stringify(merged, null, 2) + "\n");
print(merged as Report);
console.log(`\nwrote bench/out/dmover.json`);
