/**
 * `deno task bench:dmover`: the data mover's throughput per function and size for the `ts` and
 * `native` backends and the automatic choice, against C references built here from
 * bench/dmover_ref.c: the shim's own kernels in a tight C loop with the shim's flags (what FFI
 * calls), and the best C of this machine (the same kernels and plain C loops, -O3 -march=native);
 * the crossover sizes where `native` overtakes `ts`; the small-request rate; the off-thread
 * backends (`native-async`, `worker`): their throughput, their round trip, and the event loop's lag
 * (the longest gap of a 1 ms timer) during a 256 MiB request on each backend; and the CLI on a
 * 1 GiB file set against the checksum tools of the machine (cksum, md5sum, ...). Writes
 * bench/out/dmover.json and prints markdown tables.
 *
 * ```sh
 * deno task bench:dmover            # builds the shim and the C references, then measures
 * deno run -A bench/dmover_bench.ts --quick   # shorter rounds, for a smoke run
 * deno run -A bench/dmover_bench.ts --only lag,cli   # some sections (functions, sweep, iovecs,
 *                                                    # rate, offthread, lag, cli); the others
 *                                                    # keep their figures from the last run
 * deno run -A bench/dmover_bench.ts --print   # the tables of the last run, from the JSON
 * ```
 *
 * Every figure is the best of several rounds, in GB/s of request length (a 64 KiB xor8 request
 * counts 64 KiB, not 9 x 64 KiB). Only ratios within one run mean anything on a shared machine.
 *
 * @module
 */

import { BASE_FLAGS, findCompiler } from "../native/build.ts";
import {
  alignedLikeIsal,
  buildIsal,
  isalNsPerCall,
  isalSection,
  nsPerCall,
  printIsal,
} from "./_dmover_isal.ts";
import { nativeStatus } from "../native/mod.ts";
import { lagSection, offThreadSection } from "./_dmover_offthread.ts";
import { cliSection } from "./_dmover_cli.ts";
import { cpuModel, pinFastestCpu } from "./_cpu.ts";
import {
  compare,
  comparePattern,
  copy,
  copyCrc32c,
  crc32c,
  type DmoverRequest,
  dualcast,
  fill8,
  type OneShotOptions,
  openSession,
  pq,
  pqRecover,
  xor,
  xorCheck,
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
  "compare",
  "compare-pattern",
  "copy-crc32c",
  "dualcast",
  "xor-check",
  "pq",
  "pq-recover",
];
/** Plain C loops that may be the best C for a function (bench/dmover_ref.c). */
const PLAIN: Record<string, string> = {
  xor2: "xor2-plain",
  xor8: "xor8-plain",
  "iscsi-crc32c": "crc32c-plain",
};
const SECTIONS = ["functions", "isal", "sweep", "iovecs", "rate", "offthread", "lag", "cli"];
const onlyIndex = Deno.args.indexOf("--only");
const only = onlyIndex >= 0 ? new Set((Deno.args[onlyIndex + 1] ?? "").split(",")) : undefined;
function wanted(section: string): boolean {
  return only === undefined || only.has(section);
}

const here = new URL(".", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;

// The sections that time dray and a reference in this thread run pinned to the fastest CPU
// (bench/_cpu.ts says why); the off-thread sections run on the process's whole CPU set.
const pin = Deno.args.includes("--no-pin")
  ? { reason: "--no-pin" }
  : ["functions", "sweep", "isal", "iovecs", "rate"].some(wanted)
  ? pinFastestCpu()
  : { reason: "no section that is pinned" };

// ---- the C reference ----------------------------------------------------------------------------

/** Builds bench/dmover_ref.c with the shim's flags, or with -O3 -march=native ("best"). */
async function buildReference(best: boolean): Promise<string | undefined> {
  const compiler = await findCompiler();
  if (compiler === undefined) return undefined;
  const out = `${root}.tmp/dmover_ref${best ? "_native" : ""}`;
  Deno.mkdirSync(`${root}.tmp`, { recursive: true });
  const flags = BASE_FLAGS.filter((f) =>
    f !== "-shared" && f !== "-fPIC" && f !== "-fvisibility=hidden" && (!best || f !== "-O2")
  );
  const result = await new Deno.Command(compiler, {
    args: [...flags, ...(best ? ["-O3", "-march=native"] : []), "-o", out, `${here}dmover_ref.c`],
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
  const argv = ["-f", name, ...sizes.map(String)];
  const [command, args] = "cpu" in pin ? pin.pinned(binary, argv) : [binary, argv];
  const result = await new Deno.Command(command, {
    args,
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

// Buffers: two outputs and ten inputs of the largest size, every byte 0xa5 (compares find
// nothing, the pattern matches, xor-check's four equal inputs xor to zero: each function runs the
// whole length). Buffer k starts 1040 * k bytes into its ArrayBuffer (as bench/dmover_ref.c places
// its buffers), so that no two share an offset within a 4 KiB page: otherwise both sides would
// measure 4K aliasing, loads and stores whose low 12 address bits agree stalling each other, which
// costs the xor loop 10-30%.
const largest = Math.max(...SIZES, ...SWEEP);
const buffers = Array.from({ length: 12 }, (_, k) => {
  return new Uint8Array(largest + 1040 * k).subarray(1040 * k).fill(0xa5);
});

function runner(
  name: string,
  size: number,
  options: OneShotOptions,
  from: readonly Uint8Array[] = buffers,
): () => void {
  const out = from[0]!.subarray(0, size);
  const out2 = from[1]!.subarray(0, size);
  const ins = from.slice(2).map((b) => b.subarray(0, size));
  switch (name) {
    case "copy":
      return () => copy(out, ins[0]!, options);
    case "zero":
      return () => zero(out, options);
    case "fill8":
      return () => fill8(out, 0xa5, options);
    case "iscsi-crc32c":
      return () => void crc32c(ins[0]!, 0, options);
    case "compare":
      return () => void compare(ins[0]!, ins[1]!, options);
    case "compare-pattern":
      return () => void comparePattern(ins[0]!, 0xa5a5a5a5a5a5a5a5n, options);
    case "copy-crc32c":
      return () => void copyCrc32c(out, ins[0]!, 0, options);
    case "dualcast":
      return () => dualcast([out, out2], ins[0]!, options);
    case "xor-check": {
      const four = ins.slice(0, 4);
      return () => void xorCheck(four, options);
    }
    case "pq": {
      const six = ins.slice(0, 6);
      return () => pq([out, out2], six, options);
    }
    case "pq-recover": {
      // Six data blocks, the first two lost: the survivors are four data blocks, P and Q.
      const stripe = [undefined, undefined, ...ins.slice(0, 6)];
      return () => pqRecover([out, out2], stripe, options);
    }
  }
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
  iovecs_1024x64?: Record<string, Row>;
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
    (report[name] as Record<string, Row> | undefined)?.[String(size)] ?? {};
  console.log(
    "| function | size | ts | native | auto | C | best C | native/best C | auto/best | set |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const name of FUNCTIONS) {
    for (const size of SIZES) {
      const r = row(name, size);
      const best = Math.max(r.ts ?? 0, r.native ?? 0);
      const cells = [r.ts, r.native, r.auto, r.c, r.best_c].map(fmt);
      const set = name === "copy" ? fmt(r.set) : "";
      console.log(
        `| ${name} | ${label(size)} | ${cells.join(" | ")} | ${ratio(r.native, r.best_c)} | ${
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
  printIsal(report, SIZES, label, fmt);
  const iovecs = report.iovecs_1024x64;
  if (iovecs !== undefined) {
    const columns = Object.keys(iovecs.xor2 ?? {});
    console.log("\n1024 iovecs of 64 bytes per request (GB/s)\n");
    console.log(`| function | ${columns.join(" | ")} |`);
    console.log(`|---|${columns.map(() => "---").join("|")}|`);
    for (const [name, r] of Object.entries(iovecs)) {
      console.log(`| ${name} | ${columns.map((c) => fmt(r[c])).join(" | ")} |`);
    }
  }
  if (report.requests_per_s !== undefined) {
    console.log(
      `\n64-byte copies through a session of depth 64: ${
        (report.requests_per_s / 1e6).toFixed(2)
      } M requests/s submitted one by one, ${
        (report.requests_per_s_batched / 1e6).toFixed(2)
      } M requests/s with submitMany`,
    );
  }
  const off = report.offthread as
    | { xor2: Record<string, Row>; round_trip_us: Row }
    | undefined;
  if (off !== undefined) {
    const names = Object.keys(Object.values(off.xor2)[0] ?? {});
    console.log("\nxor2 through a session, one request at a time (GB/s)\n");
    console.log(`| request | ${names.join(" | ")} |`);
    console.log(`|---|${names.map(() => "---").join("|")}|`);
    for (const [key, r] of Object.entries(off.xor2)) {
      console.log(`| ${key} | ${names.map((n) => fmt(r[n])).join(" | ")} |`);
    }
    console.log(
      `\nRound trip of a 64-byte xor2 through a session (µs, median): ${
        Object.entries(off.round_trip_us).map(([n, us]) => `${n} ${us.toFixed(1)}`).join(", ")
      }`,
    );
  }
  const lag = report.lag as Record<string, Row> | undefined;
  if (lag !== undefined) {
    console.log("\nThe event loop during a 256 MiB xor2: the longest gap of a 1 ms timer\n");
    console.log("| backend, memory | longest gap (ms) | request (ms) |");
    console.log("|---|---|---|");
    for (const [key, r] of Object.entries(lag)) {
      console.log(`| ${key} | ${fmt(r.lag_ms)} | ${r.request_ms!.toFixed(0)} |`);
    }
  }
  const cli = report.cli as Record<string, Row> | undefined;
  if (cli !== undefined) {
    console.log("\nThe CLI on a 1 GiB file set, whole process (GB/s of input, page cache warm)\n");
    console.log("| task | tool | GB/s |");
    console.log("|---|---|---|");
    for (const [task, r] of Object.entries(cli)) {
      for (const [tool, v] of Object.entries(r)) console.log(`| ${task} | ${tool} | ${fmt(v)} |`);
    }
  }
}

// ---- main ---------------------------------------------------------------------------------------

const OUT = `${here}out/dmover.json`;
const loadStart = Deno.loadavg();

if (Deno.args.includes("--print")) {
  // Print the tables of the last run without measuring again.
  print(JSON.parse(Deno.readTextFileSync(OUT)));
  Deno.exit(0);
}

// Each function is measured in TypeScript right after its C references, so that both see the
// same machine (a shared machine's load drifts over a run).
const previous: Record<string, unknown> = (() => {
  try {
    return JSON.parse(Deno.readTextFileSync(OUT));
  } catch {
    return {};
  }
})();
const merged: Record<string, unknown> = { ...previous };
if (wanted("functions") || wanted("sweep")) {
  const binary = await buildReference(false);
  const bestBinary = await buildReference(true);
  const reference = async (name: string, sizes: number[]): Promise<[Row?, Row?]> => {
    if (binary === undefined || bestBinary === undefined) return [];
    const c = await runReference(binary, name, sizes);
    let best = await runReference(bestBinary, name, sizes);
    const plain = PLAIN[name];
    if (plain !== undefined) {
      const p = await runReference(bestBinary, plain, sizes);
      best = Object.fromEntries(
        Object.entries(best).map(([size, v]) => [size, Math.max(v, p[size] ?? 0)]),
      );
    }
    return [c, best];
  };
  for (const name of wanted("functions") ? FUNCTIONS : []) {
    const [c, best] = await reference(name, SIZES);
    const rows: Record<string, Row> = {};
    for (const size of SIZES) {
      const row = measureAt(name, size);
      if (c?.[String(size)] !== undefined) row.c = c[String(size)]!;
      if (best?.[String(size)] !== undefined) row.best_c = best[String(size)]!;
      rows[String(size)] = row;
    }
    merged[name] = { ...(merged[name] as object ?? {}), ...rows };
  }
  for (const name of wanted("sweep") ? SWEPT : []) {
    // 4 KiB is in both tables: the main table's row is kept when it ran.
    const sizes = wanted("functions") ? SWEEP.filter((size) => !SIZES.includes(size)) : SWEEP;
    const [c] = await reference(name, sizes);
    const rows: Record<string, Row> = {};
    for (const size of sizes) {
      const row = measureAt(name, size);
      if (c?.[String(size)] !== undefined) row.c = c[String(size)]!;
      rows[String(size)] = row;
    }
    merged[name] = { ...(merged[name] as object ?? {}), ...rows };
  }
}
const isalBuild = wanted("isal") || wanted("rate") ? await buildIsal(root) : undefined;
if (wanted("isal")) {
  if (isalBuild !== undefined && "path" in isalBuild && live.available) {
    const isalBuffers = alignedLikeIsal(largest);
    const rows = isalSection(
      isalBuild.path,
      isalBuffers,
      (name, size) => runner(name, size, { backend: "native" }, isalBuffers),
      SIZES,
      { rounds: quick ? 5 : 15, roundMs: ROUND_MS },
    );
    for (const [name, bySize] of Object.entries(rows)) {
      const current = (merged[name] ?? {}) as Record<string, Row>;
      for (const [size, row] of Object.entries(bySize)) {
        current[size] = { ...(current[size] ?? {}), ...row };
      }
      merged[name] = current;
    }
    delete merged.isal_missing;
  } else {
    merged.isal_missing = isalBuild !== undefined && "reason" in isalBuild
      ? isalBuild.reason
      : "the native library is not loaded";
  }
}
if (wanted("rate")) {
  merged.requests_per_s = Math.round(requestRate(false));
  merged.requests_per_s_batched = Math.round(requestRate(true));
  // The cost of one small request, median ns per call, for each backend a caller can name.
  const options = { rounds: quick ? 5 : 15, roundMs: ROUND_MS };
  const small = (name: string, size: number): Record<string, () => void> =>
    Object.fromEntries(backends.map((b) => [b, runner(name, size, { backend: b })]));
  const ns: Record<string, Record<string, number>> = {
    "copy 64 B one-shot": nsPerCall(small("copy", 64), options),
    "crc32c 4 KiB one-shot": nsPerCall(small("iscsi-crc32c", 4096), options),
    "copy 64 B through a session of depth 64": {
      submit: 1e9 / (merged.requests_per_s as number),
      submitMany: 1e9 / (merged.requests_per_s_batched as number),
    },
  };
  if (isalBuild !== undefined && "path" in isalBuild) {
    ns["crc32c 4 KiB one-shot"]!.isal_c = isalNsPerCall(
      isalBuild.path,
      buffers,
      "crc32c",
      4096,
      options,
    );
  }
  merged.ns_per_request = ns;
}
if (wanted("iovecs")) merged.iovecs_1024x64 = iovecCase();
if ("cpu" in pin) pin.restore();
if (wanted("offthread")) {
  merged.offthread = await offThreadSection({ quick, native: live.available });
}
if (wanted("lag")) merged.lag = await lagSection({ quick, native: live.available });
if (wanted("cli")) merged.cli = await cliSection({ quick, root });
merged.meta = {
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  v8: Deno.version.v8,
  native: live.available
    ? `${live.version} isa=${live.library.dmoverIsa} crc32c=${live.library.crc32cImplementation}`
    : live.reason,
  c_reference:
    "bench/dmover_ref.c: the shim's kernels with its flags (c), and the best of them and plain loops at -O3 -march=native (best_c)",
  unit: "GB/s of request length; best of rounds",
  cpus: navigator.hardwareConcurrency,
  // The CPU the timed sections ran on, and the calibration loop's ns on each (lower is faster).
  pinned: "cpu" in pin ? { cpu: pin.cpu, calibration_ns: pin.calibrationNs } : pin.reason,
  cpu: await cpuModel(),
  // The machine is shared: its load average (1, 5, 15 min) when the run started and ended.
  load_start: loadStart,
  load_end: Deno.loadavg(),
  isal:
    "bench/dmover_isal.c: ISA-L from C (-O2 -lisal), a library loaded into the benchmark and run on the same 64-byte-aligned buffers as dray; isal and native_median are medians of interleaved rounds",
  // When each section was last measured (a run with --only keeps the others' figures).
  measured: {
    ...((previous.meta as { measured?: Record<string, string> } | undefined)?.measured ?? {}),
    ...Object.fromEntries(
      SECTIONS.filter(wanted).map((section) => [section, new Date().toISOString()]),
    ),
  },
  quick,
};
Deno.mkdirSync(`${here}out`, { recursive: true });
Deno.writeTextFileSync(OUT, JSON.stringify(merged, null, 2) + "\n");
print(merged as Report);
console.log(`\nwrote bench/out/dmover.json`);
