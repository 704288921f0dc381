// The shim's dmover kernels: the TypeScript checks of their NativeLibrary wrappers, the C checks
// on their own (called raw, past the wrappers), and the crc32c table path built on purpose.
import assert from "node:assert/strict";
import { buildNative, findCompiler } from "../../native/build.ts";
import { loadNative } from "../../native/mod.ts";
import { nativeLibrary as lib } from "../_helpers/native.ts";
import { bitwiseCrc32c, randomBytes, rng } from "./_support.ts";

const ignore = lib === undefined;

// The raw entry points, opened once for the whole file (like the shared library itself).
const RAW = {
  dray_xor2: {
    parameters: ["buffer", "u32", "buffer", "u32", "buffer", "u32", "buffer", "u32"],
    result: "i32",
  },
  dray_crc32c: { parameters: ["buffer", "u32", "buffer", "u32"], result: "i32" },
} as const;
const raw = lib === undefined ? undefined : Deno.dlopen(lib.path, RAW).symbols;

const EFAULT = -1;
const ERANGE = -2;
const EIOV = -3;

Deno.test({
  name: "NativeLibrary.xor and crc32c check every span before calling C",
  ignore,
  fn() {
    const a = new Uint8Array(16);
    const b = new Uint8Array(16);
    const out = new Uint8Array(16);
    assert.throws(() => lib!.xor(out, 0, [a], [0], 4), RangeError);
    assert.throws(() => lib!.xor(out, 0, Array(9).fill(a), Array(9).fill(0), 4), RangeError);
    assert.throws(() => lib!.xor(out, 0, [a, b], [0], 4), RangeError);
    assert.throws(() => lib!.xor(out, 13, [a, b], [0, 0], 4), RangeError);
    assert.throws(() => lib!.xor(out, 0, [a, b], [0, 13], 4), RangeError);
    assert.throws(() => lib!.xor(out, 0, [a, b], [0, -1], 4), RangeError);
    assert.throws(() => lib!.xor(out, 0.5, [a, b], [0, 0], 4), RangeError);
    assert.throws(() => lib!.xor(out, 0, [a, [1] as unknown as Uint8Array], [0, 0], 1), TypeError);
    lib!.xor(out, 16, [a, b], [16, 16], 0); // empty spans at the ends are fine
    assert.throws(() => lib!.crc32c(a, 10, 7), RangeError);
    assert.throws(() => lib!.crc32c(a, 0, 4, 2 ** 32), RangeError);
    assert.throws(() => lib!.crc32c(a, 0, 4, -1), RangeError);
    assert.equal(lib!.crc32c(a, 16, 0, 1234), 1234);
    const detached = new Uint8Array(new ArrayBuffer(8));
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    assert.throws(() => lib!.crc32c(detached, 0, 0), TypeError);
    assert.throws(() => lib!.xor(detached, 0, [a, b], [0, 0], 0), TypeError);
  },
});

Deno.test({
  name: "NativeLibrary.xorv and crc32cv check the iovec table before calling C",
  ignore,
  fn() {
    const a = new Uint8Array(8);
    const b = new Uint8Array(8);
    const out = new Uint8Array(8);
    const bad: [string, number[]][] = [
      ["a side with no pairs", [0, 1, 0, 8, 1, 0, 8]],
      ["a count over 1024", [1025, 0, 8, 1, 0, 8, 1, 0, 8]],
      ["a truncated table", [1, 0, 8, 1, 0, 8, 1, 0]],
      ["a missing side", [1, 0, 8, 1, 0, 8]],
      ["a pair past the end", [1, 1, 8, 1, 0, 8, 1, 0, 8]],
      ["unequal totals", [1, 0, 8, 1, 0, 7, 1, 0, 8]],
    ];
    for (const [what, words] of bad) {
      assert.throws(() => lib!.xorv(out, [a, b], new Uint32Array(words)), RangeError, what);
    }
    const good = new Uint32Array([2, 0, 4, 4, 4, 1, 0, 8, 2, 4, 4, 0, 4]);
    lib!.xorv(out, [a, b], good);
    assert.throws(() => lib!.xorv(out, [a, b], good, 14), RangeError);
    assert.throws(() => lib!.xorv(out, [a, b], good, 12), RangeError);
    assert.throws(() => lib!.xorv(out, [a, b], [1, 0, 8] as unknown as Uint32Array), TypeError);
    assert.throws(() => lib!.crc32cv(a, new Uint32Array([0, 1, 4, 5])), RangeError);
    assert.throws(() => lib!.crc32cv(a, new Uint32Array([0])), RangeError);
    const table = new Uint32Array([0, 2, 4, 4, 0, 4]);
    const bytes = randomBytes(8, 1);
    const swapped = new Uint8Array([...bytes.subarray(4), ...bytes.subarray(0, 4)]);
    assert.equal(lib!.crc32cv(bytes, table), bitwiseCrc32c(swapped));
    assert.equal(table[0], bitwiseCrc32c(swapped)); // the seed word receives the CRC
  },
});

Deno.test({
  name: "dray_xor2 and dray_crc32c check their arguments in C too",
  ignore,
  fn() {
    const a = randomBytes(16, 1);
    const b = randomBytes(16, 2);
    const out = new Uint8Array(16).fill(0xee);
    const before = out.slice();
    const t = (words: number[]) => new Uint32Array(words);
    const ok = t([1, 0, 16, 1, 0, 16, 1, 0, 16]);
    const cases: [string, () => number, number][] = [
      ["count 0", () => raw!.dray_xor2(t([0, 1, 0, 16, 1, 0, 16]), 7, out, 16, a, 16, b, 16), EIOV],
      [
        "count past the table",
        () => raw!.dray_xor2(t([5, 0, 16, 1, 0, 16, 1, 0, 16]), 9, out, 16, a, 16, b, 16),
        EIOV,
      ],
      ["words beyond what was given", () => raw!.dray_xor2(ok, 8, out, 16, a, 16, b, 16), EIOV],
      ["no table", () => raw!.dray_xor2(new Uint32Array(0), 0, out, 16, a, 16, b, 16), EIOV],
      [
        "a null table with words",
        () => raw!.dray_xor2(new Uint32Array(0), 9, out, 16, a, 16, b, 16),
        EFAULT,
      ],
      [
        "an output span past its capacity",
        () => raw!.dray_xor2(ok, 9, out, 15, a, 16, b, 16),
        ERANGE,
      ],
      [
        "an input span past its capacity",
        () => raw!.dray_xor2(ok, 9, out, 16, a, 16, b, 8),
        ERANGE,
      ],
      [
        "an offset past the end",
        () => raw!.dray_xor2(t([1, 17, 0, 1, 0, 0, 1, 0, 0]), 9, out, 16, a, 16, b, 16),
        ERANGE,
      ],
      [
        "an offset + length that wraps",
        () => raw!.dray_xor2(t([1, 8, 0xffff_fff8, 1, 0, 16, 1, 0, 16]), 9, out, 16, a, 16, b, 16),
        ERANGE,
      ],
      [
        "a null buffer with a capacity",
        () => raw!.dray_xor2(ok, 9, new Uint8Array(0), 16, a, 16, b, 16),
        EFAULT,
      ],
      [
        "unequal totals",
        () => raw!.dray_xor2(t([1, 0, 16, 1, 0, 15, 1, 0, 16]), 9, out, 16, a, 16, b, 16),
        EIOV,
      ],
      ["a crc table without its side", () => raw!.dray_crc32c(t([0]), 1, a, 16), EIOV],
      ["a crc pair past the end", () => raw!.dray_crc32c(t([0, 1, 8, 9]), 4, a, 16), ERANGE],
      [
        "a crc on a null buffer",
        () => raw!.dray_crc32c(t([0, 1, 0, 1]), 4, new Uint8Array(0), 1),
        EFAULT,
      ],
    ];
    for (const [what, call, code] of cases) {
      assert.equal(call(), code, what);
      assert.deepEqual(out, before, `${what}: the output was touched`);
    }
    assert.equal(raw!.dray_xor2(ok, 9, out, 16, a, 16, b, 16), 0);
    assert.deepEqual(out, a.map((x, i) => x ^ b[i]!));
    // An empty buffer is acceptable when nothing is accessed.
    assert.equal(raw!.dray_crc32c(t([7, 1, 0, 0]), 4, new Uint8Array(0), 0), 0);
  },
});

Deno.test({
  name: "NativeLibrary.crc32cImplementation uses the CPU's CRC32 instruction when it has one",
  ignore,
  fn() {
    const impl = lib!.crc32cImplementation;
    let flags = "";
    try {
      flags = Deno.readTextFileSync("/proc/cpuinfo");
    } catch {
      // not Linux: nothing more to check
    }
    if (Deno.build.arch === "x86_64" && /\bsse4_2\b/.test(flags)) assert.equal(impl, "sse4.2");
    else if (Deno.build.arch === "aarch64" && /\bcrc32\b/.test(flags)) {
      assert.equal(impl, "armv8-crc");
    } else assert.ok(["sse4.2", "armv8-crc", "table"].includes(impl));
  },
});

const compiler = await findCompiler();

Deno.test({
  name: "dray_crc32c's table path, built on its own, matches the bitwise CRC",
  ignore: ignore || compiler === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dray-crc-table-" });
    try {
      const out = `${dir}/libdray_table.so`;
      await buildNative({ out, force: true, extraFlags: ["-DDRAY_CRC32C_TABLE_ONLY"] });
      const status = loadNative({ path: out });
      assert.ok(status.available, status.available ? "" : status.message);
      try {
        const table = status.library;
        assert.equal(table.crc32cImplementation, "table");
        const data = randomBytes(70_000, 9);
        const next = rng(5);
        for (let trial = 0; trial < 60; trial++) {
          const offset = next(9);
          const length = trial < 30 ? next(100) : next(data.length - 9);
          const seed = next(0x7fff_ffff);
          const bytes = data.subarray(offset, offset + length);
          assert.equal(table.crc32c(bytes, 0, length, seed), bitwiseCrc32c(bytes, seed));
          if (lib !== undefined) {
            assert.equal(lib.crc32c(bytes, 0, length, seed), bitwiseCrc32c(bytes, seed));
          }
        }
      } finally {
        status.library.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
