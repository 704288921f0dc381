import assert from "node:assert/strict";
import { nativeLibrary as lib } from "../_helpers/native.ts";

const ignore = lib === undefined;

function random(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 131 + 17) & 0xff;
  return bytes;
}

Deno.test({
  name: "NativeLibrary.copy matches Uint8Array.prototype.set at unaligned offsets",
  ignore,
  fn() {
    for (const n of [0, 1, 7, 64, 1000, 65537]) {
      const src = random(n + 13);
      const expected = new Uint8Array(n + 20);
      const actual = new Uint8Array(n + 20);
      expected.set(src.subarray(5, 5 + n), 3);
      lib!.copy(actual, 3, src, 5, n);
      assert.deepEqual(actual, expected, `n=${n}`);
    }
  },
});

Deno.test({
  name: "NativeLibrary.copy handles overlap like memmove",
  ignore,
  fn() {
    const a = random(100);
    const b = a.slice();
    lib!.copy(a, 10, a, 0, 80);
    b.copyWithin(10, 0, 80);
    assert.deepEqual(a, b);
    lib!.copy(a, 0, a, 10, 80);
    b.copyWithin(0, 10, 90);
    assert.deepEqual(a, b);
  },
});

Deno.test({
  name: "NativeLibrary.fill matches Uint8Array.prototype.fill",
  ignore,
  fn() {
    const actual = random(300);
    const expected = actual.slice();
    lib!.fill(actual, 7, 0xa5, 250);
    expected.fill(0xa5, 7, 257);
    assert.deepEqual(actual, expected);
    lib!.fill(actual, 300, 1, 0); // empty span at the end is fine
  },
});

Deno.test({
  name: "NativeLibrary rejects spans outside their buffers before calling C",
  ignore,
  fn() {
    const buf = new Uint8Array(16);
    const sub = new Uint8Array(32).subarray(8, 24);
    assert.throws(() => lib!.copy(buf, 10, buf, 0, 7), RangeError);
    assert.throws(() => lib!.copy(buf, 0, buf, 17, 0), RangeError);
    assert.throws(() => lib!.copy(sub, 0, buf, 0, 17), RangeError);
    assert.throws(() => lib!.copy(buf, -1, buf, 0, 1), RangeError);
    assert.throws(() => lib!.copy(buf, 0.5, buf, 0, 1), RangeError);
    assert.throws(() => lib!.copy(buf, 2 ** 53, buf, 0, 1), RangeError);
    assert.throws(() => lib!.fill(buf, 0, 256, 1), RangeError);
    assert.throws(() => lib!.fill(buf, 16, 0, 1), RangeError);
    assert.throws(() => lib!.fill(buf, 2 ** 32, 0, 1), RangeError);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => lib!.fill([1, 2] as any, 0, 0, 1), TypeError);
  },
});

Deno.test({
  name: "NativeLibrary rejects a detached buffer",
  ignore,
  fn() {
    const buffer = new ArrayBuffer(8);
    const view = new Uint8Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    assert.throws(() => lib!.fill(view, 0, 1, 0), TypeError);
    assert.throws(() => lib!.copy(new Uint8Array(8), 0, view, 0, 0), TypeError);
  },
});

Deno.test({
  name: "NativeLibrary works on SharedArrayBuffer views",
  ignore,
  fn() {
    const shared = new Uint8Array(new SharedArrayBuffer(64)).subarray(8, 40);
    lib!.fill(shared, 0, 9, 32);
    assert.ok(shared.every((b) => b === 9));
    lib!.copy(shared, 1, random(4), 0, 4);
    assert.deepEqual(Array.from(shared.subarray(0, 6)), [9, 17, 148, 23, 154, 9]);
  },
});
