// The shim's generic dmover entry points (dray_op4, dray_op12) and their runtime dispatch: the
// TypeScript checks of NativeLibrary.dmoverOp, the C checks on their own (called raw, past the
// wrapper), every instruction-set level this CPU runs (a library built per level) against
// references written here, with the direct entry points (dray_dop3..9, _direct_check.ts) at each,
// the DRAY_ISA override, and the arm64 NEON path under qemu.
import assert from "node:assert/strict";
import { buildNative, findCompiler } from "../../native/build.ts";
import { loadNative, type NativeLibrary } from "../../native/mod.ts";
import { nativeLibrary as lib } from "../_helpers/native.ts";
import { bitwiseCrc32c, pqRef, randomBytes, rng } from "./_support.ts";
import { commandRuns } from "../_helpers/command_runs.ts";
import { checkDirect } from "./_direct_check.ts";

const ignore = lib === undefined;
const EFAULT = -1;
const ERANGE = -2;
const EIOV = -3;
const EARG = -4;

// Op codes, as in shim.c.
const COPY = 0, FILL = 1, XOR = 2, CRC32C = 3, COMPARE = 4, COMPARE_PATTERN = 5, COPY_CRC32C = 6;
const DUALCAST = 7, XOR_CHECK = 8, PQ = 9, PQ_RECOVER = 10;

function memoryParams(n: number): Deno.NativeType[] {
  const out: Deno.NativeType[] = ["buffer", "u32"];
  for (let i = 0; i < n; i++) out.push("buffer", "u32");
  return out;
}

const RAW = {
  dray_op4: { parameters: memoryParams(4), result: "i32" },
  dray_op12: { parameters: memoryParams(12), result: "i32" },
} as const;
const raw = lib === undefined ? undefined : Deno.dlopen(lib.path, RAW).symbols;

/** A table: header (op, outputs, inputs, four arguments, two results), then sides. */
function table(
  op: number,
  outputs: number,
  inputs: number,
  args: number[],
  sides: [number, ...number[]][],
): Uint32Array {
  const words = [op, outputs, inputs, ...args, 0, 0, 0, 0].slice(0, 7);
  words.push(0, 0);
  for (const [memory, ...pairs] of sides) words.push(memory, pairs.length / 2, ...pairs);
  return new Uint32Array(words);
}

Deno.test({
  name: "NativeLibrary.dmoverOp checks the table and the memories before calling C",
  ignore,
  fn() {
    const m = new Uint8Array(64);
    const ok = (): Uint32Array => table(XOR, 1, 2, [], [[0, 0, 16], [0, 16, 16], [0, 32, 16]]);
    lib!.dmoverOp(ok(), [m]);
    const bad: [string, Uint32Array, Uint8Array[]][] = [
      ["an unknown op", table(11, 1, 2, [], [[0, 0, 16], [0, 16, 16], [0, 32, 16]]), [m]],
      ["too few inputs", table(XOR, 1, 1, [], [[0, 0, 16], [0, 16, 16]]), [m]],
      ["33 inputs", table(XOR, 1, 33, [], []), [m]],
      ["an output too many", table(COMPARE, 1, 2, [], [[0, 0, 8], [0, 8, 8], [0, 16, 8]]), [m]],
      ["a fill byte over 255", table(FILL, 1, 0, [256], [[0, 0, 8]]), [m]],
      ["a recovery mask of one block", table(PQ_RECOVER, 2, 2, [1], []), [m]],
      ["a recovery mask of three blocks", table(PQ_RECOVER, 2, 2, [7], []), [m]],
      ["a recovery mask past the stripe", table(PQ_RECOVER, 2, 2, [0b10001], []), [m]],
      ["a memory index past the memories", table(COPY, 1, 1, [], [[0, 0, 8], [1, 8, 8]]), [m]],
      ["a pair past its memory", table(COPY, 1, 1, [], [[0, 60, 8], [0, 0, 8]]), [m]],
      ["unequal totals", table(COPY, 1, 1, [], [[0, 0, 8], [0, 8, 7]]), [m]],
      ["a missing side", table(COPY, 1, 1, [], [[0, 0, 8]]), [m]],
      ["a header cut short", new Uint32Array([XOR, 1, 2]), [m]],
      ["no memories", ok(), []],
      ["13 memories", ok(), Array(13).fill(m)],
    ];
    for (const [what, t, memories] of bad) {
      assert.throws(() => lib!.dmoverOp(t, memories), RangeError, what);
    }
    const zeroCount = ok();
    zeroCount[10] = 0;
    assert.throws(() => lib!.dmoverOp(zeroCount, [m]), RangeError);
    assert.throws(() => lib!.dmoverOp(ok(), [m], 100), RangeError);
    assert.throws(() => lib!.dmoverOp([1, 2] as unknown as Uint32Array, [m]), TypeError);
    const detached = new Uint8Array(new ArrayBuffer(64));
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    assert.throws(() => lib!.dmoverOp(ok(), [detached]), TypeError);
    assert.throws(() => lib!.dmoverOp(ok(), [[1] as unknown as Uint8Array]), TypeError);
  },
});

Deno.test({
  name: "dray_op4 and dray_op12 check their arguments in C too, touching nothing when they refuse",
  ignore,
  fn() {
    const a = randomBytes(64, 1);
    const out = new Uint8Array(64).fill(0xee);
    const e = new Uint8Array(0);
    const before = out.slice();
    const op4 = (t: Uint32Array, words = t.length, c0 = 64, c1 = 64) =>
      raw!.dray_op4(t, words, out, c0, a, c1, e, 0, e, 0);
    const xor = (sides: [number, ...number[]][]) => table(XOR, 1, 2, [], sides);
    const good = xor([[0, 0, 16], [1, 0, 16], [1, 16, 16]]);
    const cases: [string, () => number, number][] = [
      [
        "no table",
        () => raw!.dray_op4(e as unknown as Uint32Array, 0, out, 64, a, 64, e, 0, e, 0),
        EIOV,
      ],
      [
        "a null table with words",
        () => raw!.dray_op4(e as unknown as Uint32Array, 9, out, 64, a, 64, e, 0, e, 0),
        EFAULT,
      ],
      ["a header cut short", () => op4(good, 8), EIOV],
      ["an unknown op", () => op4(table(99, 1, 2, [], [])), EARG],
      ["too many inputs", () => op4(table(XOR, 1, 40, [], [])), EARG],
      ["three outputs", () => op4(table(PQ, 3, 2, [], [])), EARG],
      ["a fill byte over 255", () => op4(table(FILL, 1, 0, [300], [[0, 0, 1]])), EARG],
      ["a bad recovery mask", () => op4(table(PQ_RECOVER, 2, 2, [0b11, 1], [])), EARG],
      ["a memory index of 4", () => op4(xor([[4, 0, 16], [1, 0, 16], [1, 16, 16]])), EARG],
      ["a side missing", () => op4(xor([[0, 0, 16], [1, 0, 16]])), EIOV],
      [
        "a count of 0",
        () => op4(new Uint32Array([...good.subarray(0, 10), 0, ...good.subarray(11)])),
        EIOV,
      ],
      [
        "a count past the table",
        () => op4(xor([[0, 0, 16], [1, 0, 16], [1, 16, 16]]), good.length - 1),
        EIOV,
      ],
      ["a pair past its memory", () => op4(xor([[0, 56, 16], [1, 0, 16], [1, 16, 16]])), ERANGE],
      [
        "an offset + length that wraps",
        () => op4(xor([[0, 8, 0xffff_fff8], [1, 0, 16], [1, 16, 16]])),
        ERANGE,
      ],
      ["a capacity smaller than the pair", () => op4(good, good.length, 8), ERANGE],
      ["unequal totals", () => op4(xor([[0, 0, 16], [1, 0, 15], [1, 16, 16]])), EIOV],
      [
        "a null memory with a capacity",
        () => raw!.dray_op4(good, good.length, e, 64, a, 64, e, 0, e, 0),
        EFAULT,
      ],
    ];
    for (const [what, call, code] of cases) {
      assert.equal(call(), code, what);
      assert.deepEqual(out, before, `${what}: the output was touched`);
    }
    assert.equal(op4(good), 0);
    assert.deepEqual(out.subarray(0, 16), a.subarray(0, 16).map((x, i) => x ^ a[16 + i]!));
    // dray_op12 takes memory indexes up to 11.
    const memories = Array.from({ length: 12 }, (_, k) => randomBytes(8, k + 1));
    const sides: [number, ...number[]][] = [[0, 0, 8]];
    for (let k = 1; k < 12; k++) sides.push([k, 0, 8]);
    const t = table(XOR, 1, 11, [], sides);
    const args: (Uint8Array | number)[] = [];
    for (const memory of memories) args.push(memory, 8);
    const call = raw!.dray_op12 as unknown as (...x: unknown[]) => number;
    assert.equal(call(t, t.length, ...args), 0);
    const expected = new Uint8Array(8);
    for (let k = 1; k < 12; k++) {
      for (let i = 0; i < 8; i++) xorInto(expected, i, randomBytes(8, k + 1)[i]!);
    }
    assert.deepEqual(memories[0], expected);
    const beyond = table(XOR, 1, 2, [], [[0, 0, 8], [12, 0, 8], [1, 0, 8]]);
    assert.equal(call(beyond, beyond.length, ...args), EARG);
  },
});

/** Runs one op through dmoverOp with every side in one arena at random offsets. */
function runOp(
  library: NativeLibrary,
  op: number,
  outputs: number,
  inputs: Uint8Array[],
  args: number[],
  length: number,
  next: (n: number) => number,
): { outputs: Uint8Array[]; result: [number, number] } {
  const sides = outputs + inputs.length;
  const offsets: number[] = [];
  let size = 0;
  for (let s = 0; s < sides; s++) {
    size += next(70);
    offsets.push(size);
    size += length;
  }
  const arena = new Uint8Array(size + 64);
  inputs.forEach((input, k) => arena.set(input, offsets[outputs + k]!));
  const t = table(op, outputs, inputs.length, args, offsets.map((at) => [0, at, length]));
  library.dmoverOp(t, [arena]);
  return {
    outputs: offsets.slice(0, outputs).map((at) => arena.slice(at, at + length)),
    result: [t[7]!, t[8]!],
  };
}

function xorInto(bytes: Uint8Array, at: number, bits: number): void {
  bytes[at] = bytes[at]! ^ bits;
}

function offsetOf(result: [number, number]): number {
  return result[0] === 0xffff_ffff && result[1] === 0xffff_ffff
    ? -1
    : result[0] + result[1] * 2 ** 32;
}

function first(length: number, f: (i: number) => boolean): number {
  for (let i = 0; i < length; i++) if (f(i)) return i;
  return -1;
}

/** Every op against its reference, over sizes that cross each level's vector widths. */
function checkOps(library: NativeLibrary, seed: number): void {
  const next = rng(seed);
  const lengths = [0, 1, 7, 15, 16, 17, 31, 63, 64, 65, 127, 255, 256, 257, 1000, 4099, 70_001];
  for (const length of lengths) {
    const where = `${library.dmoverIsa}, ${length} B`;
    const n = 2 + next(31);
    const data = Array.from({ length: n }, (_, k) => randomBytes(length, seed + 7 * k + length));
    const expectedXor = new Uint8Array(length);
    for (const block of data) for (let i = 0; i < length; i++) xorInto(expectedXor, i, block[i]!);
    assert.deepEqual(
      runOp(library, XOR, 1, data, [], length, next).outputs[0],
      expectedXor,
      `xor ${where}`,
    );
    assert.deepEqual(
      runOp(library, COPY, 1, [data[0]!], [], length, next).outputs[0],
      data[0],
      `copy ${where}`,
    );
    assert.deepEqual(
      runOp(library, FILL, 1, [], [0xa7], length, next).outputs[0],
      new Uint8Array(length).fill(0xa7),
      `fill ${where}`,
    );
    const seedCrc = next(0x7fff_ffff);
    assert.equal(
      runOp(library, CRC32C, 0, [data[1]!], [seedCrc], length, next).result[0],
      bitwiseCrc32c(data[1]!, seedCrc),
      `crc32c ${where}`,
    );
    const copied = runOp(library, COPY_CRC32C, 1, [data[1]!], [seedCrc], length, next);
    assert.equal(copied.result[0], bitwiseCrc32c(data[1]!, seedCrc), `copy-crc32c ${where}`);
    assert.deepEqual(copied.outputs[0], data[1]);
    const cast = runOp(library, DUALCAST, 2, [data[0]!], [], length, next);
    assert.deepEqual(cast.outputs, [data[0], data[0]], `dualcast ${where}`);
    // compare: equal, then a difference somewhere.
    const other = data[0]!.slice();
    if (length > 0) xorInto(other, next(length), 1 + next(255));
    assert.equal(
      offsetOf(runOp(library, COMPARE, 0, [data[0]!, data[0]!.slice()], [], length, next).result),
      -1,
    );
    assert.equal(
      offsetOf(runOp(library, COMPARE, 0, [data[0]!, other], [], length, next).result),
      first(length, (i) => data[0]![i] !== other[i]),
      `compare ${where}`,
    );
    const pattern = randomBytes(8, length + 3);
    const patterned = new Uint8Array(length).map((_, i) => pattern[i % 8]!);
    if (length > 0 && next(2) === 0) xorInto(patterned, next(length), 0x10);
    const words = new DataView(pattern.buffer);
    assert.equal(
      offsetOf(
        runOp(
          library,
          COMPARE_PATTERN,
          0,
          [patterned],
          [words.getUint32(0, true), words.getUint32(4, true)],
          length,
          next,
        ).result,
      ),
      first(length, (i) => patterned[i] !== pattern[i % 8]),
      `compare-pattern ${where}`,
    );
    const check = [...data, expectedXor.slice()];
    if (length > 0 && next(2) === 0) xorInto(check[next(check.length)]!, next(length), 0x40);
    if (check.length <= 32) {
      assert.equal(
        offsetOf(runOp(library, XOR_CHECK, 0, check, [], length, next).result),
        first(length, (i) => check.reduce((x, b) => x ^ b[i]!, 0) !== 0),
        `xor-check ${where}`,
      );
    }
    if (length === 0) continue;
    const [p, q] = pqRef(data);
    assert.deepEqual(runOp(library, PQ, 2, data, [], length, next).outputs, [p, q], `pq ${where}`);
    const stripe = [...data, p, q];
    const a = next(n + 2);
    let b = next(n + 2);
    while (b === a) b = next(n + 2);
    const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
    const mask = 2 ** lo + 2 ** hi;
    const rebuilt = runOp(
      library,
      PQ_RECOVER,
      2,
      stripe.filter((_, k) => k !== lo && k !== hi),
      [mask % 2 ** 32, Math.floor(mask / 2 ** 32)],
      length,
      next,
    );
    assert.deepEqual(
      rebuilt.outputs,
      [stripe[lo], stripe[hi]],
      `pq-recover ${lo}, ${hi} of ${n} ${where}`,
    );
  }
}

function cpuFlags(): Set<string> {
  try {
    const text = Deno.readTextFileSync("/proc/cpuinfo");
    const line = text.split("\n").find((l) => l.startsWith("flags")) ?? "";
    return new Set(line.split(":")[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/** The levels this CPU runs: names indexed by DRAY_ISA_MAX. */
function supportedLevels(): string[] {
  if (Deno.build.arch === "aarch64") return ["scalar", "neon"];
  if (Deno.build.arch !== "x86_64") return ["scalar", "vector"];
  const flags = cpuFlags();
  const levels = ["scalar", "sse2"];
  if (flags.has("avx2")) levels.push("avx2");
  if (flags.has("avx2") && flags.has("avx512f") && flags.has("avx512bw")) levels.push("avx512");
  return levels;
}

Deno.test({
  name:
    "NativeLibrary.dmoverIsa is the best level the CPU runs, and its kernels match the references",
  ignore,
  fn() {
    const levels = supportedLevels();
    if (cpuFlags().size > 0 || Deno.build.arch !== "x86_64") {
      assert.equal(lib!.dmoverIsa, levels[levels.length - 1]);
    }
    checkOps(lib!, 11);
    checkDirect(lib!.path, lib!.dmoverIsa, 12);
  },
});

const compiler = await findCompiler();

Deno.test({
  name: "every instruction-set level this CPU runs gives the reference results (a build per level)",
  ignore: ignore || compiler === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dray-isa-" });
    try {
      const levels = supportedLevels();
      for (let level = 0; level < levels.length; level++) {
        const out = `${dir}/libdray_isa${level}.so`;
        await buildNative({ out, force: true, extraFlags: [`-DDRAY_ISA_MAX=${level}`] });
        const status = loadNative({ path: out });
        assert.ok(status.available, status.available ? "" : status.message);
        try {
          assert.equal(status.library.dmoverIsa, levels[level]);
          if (level === 0) assert.equal(status.library.crc32cImplementation, "table");
          checkOps(status.library, 100 + level);
          checkDirect(out, levels[level]!, 200 + level);
        } finally {
          status.library.close();
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "DRAY_ISA lowers the instruction-set level when the library loads",
  ignore,
  async fn() {
    const script = `
      import { nativeStatus } from ${
      JSON.stringify(new URL("../../native/mod.ts", import.meta.url).href)
    };
      const s = nativeStatus();
      console.log(s.available ? s.library.dmoverIsa + " " + s.library.crc32cImplementation : s.reason);
    `;
    const levels = supportedLevels();
    const wanted: [string, string][] = [["scalar", "scalar"], ["baseline", levels[1]!]];
    if (levels.includes("avx2")) wanted.push(["avx2", "avx2"]);
    for (const [env, expected] of wanted) {
      const { stdout, success } = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--ext=ts", script],
        env: { DRAY_ISA: env, ...(lib!.path ? { DRAY_NATIVE: lib!.path } : {}) },
        stdout: "piped",
        stderr: "inherit",
      }).output();
      assert.ok(success);
      const [isa, crc] = new TextDecoder().decode(stdout).trim().split(" ");
      assert.equal(isa, expected, `DRAY_ISA=${env}`);
      if (env === "scalar") assert.equal(crc, "table");
    }
  },
});

// The arm64 path (NEON baseline, scalar), when a cross compiler and qemu are installed: a static
// program built from shim.c runs every op at both levels and prints the CRC-32C of each output
// and each result; the same is computed here from the references.
const armTools = await commandRuns("aarch64-linux-gnu-gcc") && await commandRuns("qemu-aarch64");

const ARM_HARNESS = `
#include "${decodeURIComponent(new URL("../../native/shim.c", import.meta.url).pathname)}"
#include <stdio.h>
#define N 5
#define LEN 4099
static uint8_t arena[(N + 4) * LEN];
static void run(uint32_t op, uint32_t nout, uint32_t nin, uint32_t a0, uint32_t a1, uint32_t from);
static uint32_t crc(const uint8_t *p, uint32_t len) {
  uint32_t t[4] = {0, 1, 0, len};
  dray_crc32c(t, 4, p, len);
  return t[0];
}
static void run(uint32_t op, uint32_t nout, uint32_t nin, uint32_t a0, uint32_t a1, uint32_t from) {
  uint32_t t[9 + 4 * (N + 4)] = {op, nout, nin, a0, a1, 0, 0, 0, 0};
  uint32_t w = 9;
  for (uint32_t s = 0; s < nout + nin; s++) {
    uint32_t at = s < nout ? (N + 2 + s) * LEN : (from + s - nout) * LEN;
    t[w++] = 0; t[w++] = 1; t[w++] = at; t[w++] = LEN;
  }
  if (dray_op4(t, w, arena, sizeof arena, NULL, 0, NULL, 0, NULL, 0) != 0) { printf("x"); return; }
  printf(" %u %u", t[7], t[8]);
  for (uint32_t s = 0; s < nout; s++) printf(" %u", crc(arena + (N + 2 + s) * LEN, LEN));
}
int main(void) {
  uint32_t x = 9;
  printf("%u", dray_isa());
  const dray_kernels *sets[2] = {&dray_kernels_base, &dray_kernels_scalar};
  for (int level = 0; level < 2; level++) {
    dray_k = sets[level];
    x = 9;
    for (size_t i = 0; i < (N + 2) * LEN; i++) {
      x ^= x << 13; x ^= x >> 17; x ^= x << 5;
      arena[i] = (uint8_t)(x & 0xff);
    }
    run(2, 1, N, 0, 0, 0);     /* xor of the N blocks */
    run(9, 2, N, 0, 0, 0);     /* pq: P and Q into blocks N+2, N+3 */
    memcpy(arena + N * LEN, arena + (N + 2) * LEN, 2 * LEN); /* P, Q as blocks N, N+1 */
    run(10, 2, N, 0x3u, 0, 2); /* lose blocks 0 and 1: the survivors are blocks 2..N+1 */
    run(4, 0, 2, 0, 0, 0);     /* compare block 0 and 1 */
    run(8, 0, N, 0, 0, 0);     /* xor-check */
  }
  printf("\\n");
  return 0;
}
`;

Deno.test({
  name: "the arm64 NEON and scalar kernels give the reference results (under qemu)",
  ignore: !armTools,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dray-arm64-ops-" });
    try {
      await Deno.writeTextFile(`${dir}/harness.c`, ARM_HARNESS);
      const build = await new Deno.Command("aarch64-linux-gnu-gcc", {
        args: [
          "-std=c11",
          "-O2",
          "-static",
          "-Wall",
          "-Wextra",
          "-Werror",
          "-o",
          `${dir}/harness`,
          `${dir}/harness.c`,
        ],
        stderr: "piped",
      }).output();
      assert.ok(build.success, new TextDecoder().decode(build.stderr));
      const run = await new Deno.Command("qemu-aarch64", {
        args: ["-cpu", "max", `${dir}/harness`],
        stdout: "piped",
      }).output();
      assert.ok(run.success);
      const [isa, ...values] = new TextDecoder().decode(run.stdout).trim().split(" ").map(Number);
      assert.equal(isa, 1, "NEON was not the level chosen");
      // The same arena, from the same generator, here.
      const N = 5, LEN = 4099;
      const arena = new Uint8Array((N + 2) * LEN);
      let x = 9;
      for (let i = 0; i < arena.length; i++) {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        arena[i] = x & 0xff;
      }
      const blocks = Array.from({ length: N }, (_, k) => arena.subarray(k * LEN, (k + 1) * LEN));
      const parity = new Uint8Array(LEN);
      for (const block of blocks) for (let i = 0; i < LEN; i++) xorInto(parity, i, block[i]!);
      const [p, q] = pqRef(blocks);
      const diff = first(LEN, (i) => blocks[0]![i] !== blocks[1]![i]);
      // Survivors of pq-recover: blocks 2..4, P, Q; lost: blocks 0 and 1. xor-check over 5 blocks.
      const checkAt = first(LEN, (i) => blocks.reduce((v, b) => v ^ b[i]!, 0) !== 0);
      const expectedOne = [
        0,
        0,
        bitwiseCrc32c(parity),
        0,
        0,
        bitwiseCrc32c(p),
        bitwiseCrc32c(q),
        0,
        0,
        bitwiseCrc32c(blocks[0]!),
        bitwiseCrc32c(blocks[1]!),
        diff,
        0,
        checkAt,
        0,
      ];
      assert.deepEqual(values, [...expectedOne, ...expectedOne]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
