/**
 * The sanitizer step of `.ci/run`: the shim under AddressSanitizer and UndefinedBehaviorSanitizer,
 * with zero reports allowed.
 *
 * 1. `tests/native/shim_driver.c` is compiled together with `native/shim.c` (twice: with the CPU's
 *    CRC32 instruction and with the table path alone), with recv/send wrapped so that EINTR,
 *    partial transfers and EAGAIN happen on demand, and run over every entry point: the first
 *    build once per kernel level this CPU has (`DRAY_ISA=avx512`, `avx2`, `baseline`, `scalar`),
 *    and at avx512 and avx2 once more without GFNI and VPCLMULQDQ (`avx512,nogfni,novpclmul`,
 *    `avx2,nogfni`), so that every vector kernel (CRC folding, GF(2^8) tables) and its alignment
 *    peeling runs under the sanitizers.
 * 2. On Linux, the shim is built once more as a sanitized library, and the native fuzz suite and the
 *    native tests run in Deno against it, with the sanitizer runtime preloaded (`LD_PRELOAD`): Deno's
 *    ArrayBuffers then come from the sanitizer's malloc, so an access one byte outside a view is a
 *    report, where the guard bytes of the fuzz suite only see writes.
 *
 * ```sh
 * deno run -A tests/native/sanitize.ts            # a random seed, printed
 * DRAY_FUZZ_SEED=42 deno run -A tests/native/sanitize.ts
 * ```
 *
 * Prints one line `sanitizers: ok (...)` or `sanitizers: FAILED (...)` at the end and exits with 0
 * or 1; without a C compiler it prints `sanitizers: skipped (no C compiler)` and exits 0.
 *
 * @module
 */

import { buildNative, findCompiler, SANITIZER_FLAGS } from "../../native/build.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const driverSource = `${root}tests/native/shim_driver.c`;

/** The tests that run against the sanitized library (every test that calls into the shim). */
const PRELOADED_TESTS = [
  "tests/native/exercised_test.ts", // prints which library was loaded
  "tests/native/fuzz_native_test.ts",
  "tests/native/fuzz_dmover_test.ts",
  "tests/native/pin_test.ts",
  "tests/native/library_test.ts",
  "tests/native/sockets_test.ts",
  "tests/dmover/native_kernels_test.ts",
  "tests/dmover/direct_path_test.ts", // the one-shots' direct path, getters that detach or shrink
  "tests/dmover/direct_fuzz_test.ts",
  // Its children inherit LD_PRELOAD and DRAY_NATIVE: every kernel level against ISA-L, sanitized.
  "tests/dmover/isal_diff_test.ts",
];

/** The kernel levels of shim.c (DRAY_ISA), lowest first: the index is what dray_isa() returns. */
const ISA_LEVELS = ["scalar", "baseline", "avx2", "avx512"] as const;

/** The DRAY_ISA values the C driver runs at, highest first, with the level each asks for. */
const ISA_RUNS: readonly { isa: string; level: number }[] = [
  { isa: "avx512", level: 3 },
  { isa: "avx512,nogfni,novpclmul", level: 3 },
  { isa: "avx2", level: 2 },
  { isa: "avx2,nogfni", level: 2 },
  { isa: "baseline", level: 1 },
  { isa: "scalar", level: 0 },
];

const SANITIZER_ENV = {
  // Deno and V8 keep memory until exit on purpose: leaks are not what this step looks for.
  ASAN_OPTIONS: "detect_leaks=0:halt_on_error=1:abort_on_error=0",
  UBSAN_OPTIONS: "halt_on_error=1:print_stacktrace=1",
};

/** A line of a sanitizer report, in any output. */
const REPORT =
  /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;

const decoder = new TextDecoder();

function seed(): number {
  const text = Deno.env.get("DRAY_FUZZ_SEED");
  return text ? Number(text) >>> 0 : Math.floor(Math.random() * 2 ** 32);
}

async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ ok: boolean; text: string; ms: number }> {
  const started = performance.now();
  const out = await new Deno.Command(command, {
    args,
    env,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  return { ok: out.success && !REPORT.test(text), text, ms: performance.now() - started };
}

/** The sanitizer runtime to preload: gcc's libasan, or clang's compiler-rt library. */
async function asanRuntime(compiler: string): Promise<string | undefined> {
  const arch = Deno.build.arch;
  for (const name of ["libasan.so", `libclang_rt.asan-${arch}.so`, `libclang_rt.asan.so`]) {
    const found = await run(compiler, [`-print-file-name=${name}`]);
    const path = found.text.trim();
    if (found.ok && path.includes("/")) {
      try {
        if (Deno.statSync(path).isFile) return path;
      } catch {
        // not there: try the next name
      }
    }
  }
  return undefined;
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

async function main(): Promise<number> {
  const compiler = await findCompiler();
  if (compiler === undefined) {
    console.log("sanitizers: skipped (no C compiler)");
    return 0;
  }
  const runSeed = seed();
  console.log(
    `sanitize: seed ${runSeed} (repeat with DRAY_FUZZ_SEED=${runSeed}), compiler ${compiler}`,
  );
  const dir = await Deno.makeTempDir({ prefix: "dray-sanitize-" });
  const notes: string[] = [];
  try {
    for (
      const [label, extra] of [["cpu crc", []], ["table crc", [
        "-DDRAY_CRC32C_TABLE_ONLY",
      ]]] as const
    ) {
      const exe = `${dir}/shim_driver${extra.length ? "_table" : ""}`;
      const build = await run(compiler, [
        "-std=c11",
        ...SANITIZER_FLAGS,
        "-Wall",
        "-Wextra",
        "-Werror",
        ...extra,
        "-Wl,--wrap=recv,--wrap=send",
        "-o",
        exe,
        driverSource,
      ]);
      if (!build.ok) {
        console.log(tail(build.text));
        console.log(`sanitizers: FAILED (the C driver (${label}) did not build with ${compiler})`);
        return 1;
      }
      // The CPU CRC build runs at every kernel level this CPU has, the highest first (its output
      // names it); the table CRC build at the highest alone.
      let best = ISA_LEVELS.length - 1;
      for (const { isa, level } of ISA_RUNS) {
        if (level > best) continue; // a level this CPU lacks: it ran as the highest it has
        const driven = await run(exe, [String(runSeed), "1"], { ...SANITIZER_ENV, DRAY_ISA: isa });
        console.log(driven.text.trimEnd());
        if (!driven.ok) {
          console.log(
            `sanitizers: FAILED (the C driver (${label}, DRAY_ISA=${isa}) reported an error)`,
          );
          return 1;
        }
        const reached = Number(/, isa (\d)\)/.exec(driven.text)?.[1] ?? NaN);
        if (!(reached >= 0 && reached <= level)) {
          console.log(
            `sanitizers: FAILED (the C driver (${label}) did not report its kernel level)`,
          );
          return 1;
        }
        notes.push(
          `C driver (${label}, ${isa} as ${ISA_LEVELS[reached]}) ${
            (driven.ms / 1000).toFixed(1)
          } s`,
        );
        if (extra.length > 0) break;
        if (reached < level) best = reached;
      }
    }

    if (Deno.build.os !== "linux") {
      notes.push("fuzz suite not preloaded (LD_PRELOAD is Linux only)");
    } else {
      const runtime = await asanRuntime(compiler);
      if (runtime === undefined) {
        console.log(`sanitizers: FAILED (no AddressSanitizer runtime found for ${compiler})`);
        return 1;
      }
      const library = `${dir}/libdray-sanitized.so`;
      await buildNative({ sanitize: true, out: library, force: true });
      const tested = await run(Deno.execPath(), [
        "test",
        "-A",
        "--parallel", // the modules are independent: both cores
        "--preload",
        "tests/_helpers/native.ts",
        ...PRELOADED_TESTS,
      ], {
        ...SANITIZER_ENV,
        LD_PRELOAD: runtime,
        DRAY_NATIVE: library,
        DRAY_REQUIRE_NATIVE: "1",
        DRAY_FUZZ_SEED: String(runSeed),
        NO_COLOR: "1",
      });
      const summary = tested.text.split("\n").filter((l) => /^(ok|FAILED) \|/.test(l)).pop();
      console.log(tested.ok ? summary ?? "" : tail(tested.text, 80));
      if (!tested.ok || summary === undefined || !summary.startsWith("ok")) {
        console.log("sanitizers: FAILED (the fuzz suite against the sanitized library)");
        return 1;
      }
      if (!tested.text.includes(`native path: exercised (`) || !tested.text.includes(library)) {
        console.log(tail(tested.text, 20));
        console.log("sanitizers: FAILED (the tests did not load the sanitized library)");
        return 1;
      }
      notes.push(`fuzz suite preloaded ${(tested.ms / 1000).toFixed(1)} s (${summary.trim()})`);
    }
    console.log(`sanitizers: ok (${notes.join("; ")})`);
    return 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main());
