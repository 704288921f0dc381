// The shim's dmover kernels: the TypeScript checks of their NativeLibrary wrappers, the C checks
// on their own (called raw, past the wrappers), and the crc32c table path built on purpose.
import assert from "node:assert/strict";
import { buildNative, findCompiler } from "../../native/build.ts";
import { loadNative } from "../../native/mod.ts";
import { nativeLibrary as lib } from "../_helpers/native.ts";
import { bitwiseCrc32c, randomBytes, rng } from "./_support.ts";
import { commandRuns } from "../_helpers/command_runs.ts";

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
    assert.throws(() => lib!.xor(out, 0, Array(33).fill(a), Array(33).fill(0), 4), RangeError);
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
  name: "NativeLibrary.xor takes 2 to 32 sources at their own offsets, across 64 KiB chunks",
  ignore,
  fn() {
    const random = rng(32);
    for (const n of [2, 8, 9, 15, 16, 22, 31, 32]) {
      for (const length of [1, 100, (1 << 16) + 37]) {
        const offsets = Array.from({ length: n }, () => random(9));
        const sources = offsets.map((off, k) => randomBytes(off + length + 3, n * 1000 + k));
        const dstOffset = n % 5;
        const dst = new Uint8Array(dstOffset + length + 2).fill(0xee);
        lib!.xor(dst, dstOffset, sources, offsets, length);
        const expected = new Uint8Array(length);
        sources.forEach((s, k) => {
          for (let i = 0; i < length; i++) expected[i]! ^= s[offsets[k]! + i]!;
        });
        assert.deepEqual(dst.subarray(dstOffset, dstOffset + length), expected, `${n} x ${length}`);
        assert.ok(dst.subarray(0, dstOffset).every((x) => x === 0xee), "the guard before");
        assert.ok(dst.subarray(dstOffset + length).every((x) => x === 0xee), "the guard after");
      }
    }
    const a = new Uint8Array(4);
    assert.throws(() => lib!.xor(a, 0, Array(12).fill(a), Array(12).fill(1), 4), RangeError);
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

// The arm64 CRC path, when a cross compiler and qemu are installed (gcc-aarch64-linux-gnu,
// qemu-user on Debian): a static test program built from shim.c runs under qemu and its CRCs are
// checked against the bitwise CRC here.
const armTools = await commandRuns("aarch64-linux-gnu-gcc") && await commandRuns("qemu-aarch64");

const ARM_HARNESS = `
#include "${decodeURIComponent(new URL("../../native/shim.c", import.meta.url).pathname)}"
#include <stdio.h>
static uint8_t data[70000];
int main(void) {
  uint32_t x = 9;
  for (size_t i = 0; i < sizeof data; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    data[i] = (uint8_t)(x & 0xff);
  }
  printf("%u", dray_crc32c_impl());
  uint32_t lengths[] = {0, 1, 7, 8, 9, 767, 768, 769, 24575, 24576, 24577, 69990};
  for (uint32_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
    for (uint32_t off = 0; off < 9; off += 4) {
      uint32_t tab[4] = {12345u * i, 1, off, lengths[i]};
      if (dray_crc32c(tab, 4, data, sizeof data) != 0) return 1;
      printf(" %u", tab[0]);
    }
  }
  printf("\\n");
  return 0;
}
`;

Deno.test({
  name: "dray_crc32c's arm64 CRC-extension path matches the bitwise CRC (under qemu)",
  ignore: !armTools,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dray-arm64-" });
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
      const [impl, ...crcs] = new TextDecoder().decode(run.stdout).trim().split(" ").map(Number);
      assert.equal(impl, 2, "the CRC extension was not detected");
      const data = randomBytes(70000, 9);
      const lengths = [0, 1, 7, 8, 9, 767, 768, 769, 24575, 24576, 24577, 69990];
      const expected: number[] = [];
      lengths.forEach((length, i) => {
        for (let off = 0; off < 9; off += 4) {
          expected.push(bitwiseCrc32c(data.subarray(off, off + length), (12345 * i) >>> 0));
        }
      });
      assert.deepEqual(crcs, expected);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
