// The one-shot helpers: the same validation and results as a session, on each backend.
import assert from "node:assert/strict";
import {
  compare,
  comparePattern,
  copy,
  copyCrc32c,
  crc32c,
  type DmoverBackend,
  DmoverError,
  dualcast,
  fill8,
  type OneShotOptions,
  pq,
  pqRecover,
  xor,
  xorCheck,
  zero,
} from "../../dmover/mod.ts";
import { tsBackend } from "../../dmover/backends/mod.ts";
import { BACKENDS, bitwiseCrc32c, DeferredBackend, pqRef, randomBytes } from "./_support.ts";

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof DmoverError && error.code === code;
}

for (
  const { name, backend, ignore } of [...BACKENDS, { name: "auto", backend: "auto", ignore: false }]
) {
  const options: OneShotOptions = { backend };

  Deno.test({
    name: `copy, zero and fill8 (${name}) write whole arrays and iovec lists`,
    ignore,
    fn() {
      const src = randomBytes(1000, 3);
      const dst = new Uint8Array(1000);
      copy(dst, src, options);
      assert.deepEqual(dst, src);
      zero(dst.subarray(10, 20), options);
      assert.deepEqual(dst.subarray(10, 20), new Uint8Array(10));
      fill8(
        [{ buffer: dst, offset: 0, length: 2 }, { buffer: dst, offset: 998, length: 2 }],
        7,
        options,
      );
      assert.deepEqual([...dst.subarray(0, 2), ...dst.subarray(998)], [7, 7, 7, 7]);
      assert.equal(dst[2], src[2]);
      assert.throws(() => copy(dst, src.subarray(1), options), isCode("EINVAL"));
      assert.throws(() => fill8(dst, 256, options), isCode("EINVAL"));
      zero(new Uint8Array(0), options); // length 0: valid, nothing to do
    },
  });

  Deno.test({
    name: `xor and crc32c (${name}) compute parity and CRCs, with the same validation as sessions`,
    ignore,
    fn() {
      const a = randomBytes(4096, 1);
      const b = randomBytes(4096, 2);
      const c = randomBytes(4096, 3);
      const parity = new Uint8Array(4096);
      xor(parity, [a, b, c], options);
      const rebuilt = new Uint8Array(4096);
      xor(rebuilt, [parity, a, c], options);
      assert.deepEqual(rebuilt, b);
      assert.throws(() => xor(parity, [a], options), isCode("EINVAL"));
      assert.throws(() => xor(parity, Array(33).fill(a), options), isCode("EINVAL"));
      assert.throws(() => xor(parity, [a, parity], options), isCode("EINVAL"));
      assert.throws(
        () => xor(parity, [a, b.subarray(1)], options),
        /Cannot run 'xor': input 1 holds '4095' bytes, expected 4096/,
      );
      assert.equal(crc32c(a, 0, options), bitwiseCrc32c(a));
      assert.equal(crc32c(a, 12345, options), bitwiseCrc32c(a, 12345));
      assert.throws(() => crc32c(a, -1, options), isCode("EINVAL"));
      assert.equal(crc32c(new Uint8Array(0), 12345, options), 12345); // the CRC of nothing is the seed
    },
  });

  Deno.test({
    name:
      `copy, crc32c and xor (${name}) read whole views by their internal slots, not their properties`,
    ignore,
    fn() {
      class Liar extends Uint8Array {
        override get length(): number {
          return 1;
        }
        override set(): void {
          throw new Error("an own set was called");
        }
      }
      const bytes = randomBytes(3000, 9);
      const liar = new Liar(3000);
      liar.fill(0);
      copy(liar, bytes, options);
      assert.deepEqual(new Uint8Array(liar.buffer), bytes);
      assert.equal(crc32c(liar, 7, options), bitwiseCrc32c(bytes, 7));
      const arena = randomBytes(70, 4);
      const expected = arena.slice();
      expected.copyWithin(1, 0, 64);
      copy(arena.subarray(1, 65), arena.subarray(0, 64), options); // memmove, forwards
      assert.deepEqual(arena, expected);
      assert.throws(() => crc32c(bytes, 2 ** 32, options), isCode("EINVAL"));
      assert.throws(() => copy(bytes.subarray(1), bytes, options), isCode("EINVAL"));
      const other = randomBytes(3000, 5);
      const parity = new Uint8Array(3000);
      xor(parity, [liar, other], options);
      assert.deepEqual(parity, bytes.map((x, i) => x ^ other[i]!));
      const shared = new Uint8Array(new SharedArrayBuffer(96));
      const meets = () =>
        xor(shared.subarray(0, 64), [shared.subarray(32), other.subarray(0, 64)], options);
      assert.throws(meets, isCode("EINVAL"));
      xor(shared.subarray(0, 32), [shared.subarray(32, 64), shared.subarray(64)], options); // apart
    },
  });
}

for (
  const { name, backend, ignore } of [...BACKENDS, { name: "auto", backend: "auto", ignore: false }]
) {
  const options: OneShotOptions = { backend };

  Deno.test({
    name: `compare, comparePattern, xorCheck and xor of 32 (${name}) give offsets like a byte loop`,
    ignore,
    fn() {
      const a = randomBytes(5000, 1);
      const b = a.slice();
      assert.equal(compare(a, b, options), -1);
      b[4321] = b[4321]! ^ 1;
      assert.equal(compare(a, b, options), 4321);
      assert.throws(() => compare(a, b.subarray(1), options), isCode("EINVAL"));
      const stamp = randomBytes(8, 2);
      const block = new Uint8Array(4096).map((_, i) => stamp[i % 8]!);
      assert.equal(comparePattern(block, stamp, options), -1);
      const value = stamp.reduce((v, x, j) => v | (BigInt(x) << BigInt(8 * j)), 0n);
      assert.equal(comparePattern(block.subarray(8), value, options), -1);
      assert.equal(comparePattern(block.subarray(1), value, options), 0); // the pattern starts anew
      block[100] = block[100]! ^ 0x80;
      assert.equal(comparePattern(block, stamp, options), 100);
      assert.throws(() => comparePattern(block, stamp.subarray(1), options), isCode("EINVAL"));
      assert.throws(() => comparePattern(block, 2n ** 64n, options), isCode("EINVAL"));
      const inputs = Array.from({ length: 31 }, (_, k) => randomBytes(3000, 10 + k));
      const parity = new Uint8Array(3000);
      xor(parity, inputs, options);
      assert.equal(xorCheck([...inputs, parity], options), -1);
      inputs[7]![2999] = inputs[7]![2999]! ^ 4;
      assert.equal(xorCheck([...inputs, parity], options), 2999);
      assert.throws(() => xorCheck([parity], options), isCode("EINVAL"));
    },
  });

  Deno.test({
    name: `copyCrc32c, dualcast, pq and pqRecover (${name}) move, checksum and rebuild`,
    ignore,
    fn() {
      const bytes = randomBytes(10_000, 3);
      const out = new Uint8Array(10_000);
      assert.equal(copyCrc32c(out, bytes, 77, options), bitwiseCrc32c(bytes, 77));
      assert.deepEqual(out, bytes);
      assert.throws(
        () => copyCrc32c(bytes.subarray(1), bytes.subarray(0, 9999), 0, options),
        isCode("EINVAL"),
      );
      const [one, two] = [new Uint8Array(10_000), new Uint8Array(10_000)];
      dualcast([one, two], bytes, options);
      assert.deepEqual([one, two], [bytes, bytes]);
      const data = [4, 5, 6, 7].map((seed) => randomBytes(1000, seed));
      const [p, q] = [new Uint8Array(1000), new Uint8Array(1000)];
      pq([p, q], data, options);
      assert.deepEqual([p, q], pqRef(data));
      const [x, y] = [new Uint8Array(1000), new Uint8Array(1000)];
      pqRecover([x, y], [data[0], undefined, data[2], undefined, p, q], options);
      assert.deepEqual([x, y], [data[1], data[3]]);
      pqRecover([x, y], [data[0], data[1], data[2], data[3], undefined, undefined], options);
      assert.deepEqual([x, y], [p, q]);
      assert.throws(
        () => pqRecover([x, y], [data[0], undefined, data[2], data[3], p, q], options),
        /exactly two lost positions/,
      );
    },
  });
}

Deno.test("one-shot helpers refuse unknown and asynchronous backends", () => {
  const bytes = new Uint8Array(4);
  assert.throws(() => zero(bytes, { backend: "gpu" }), isCode("ENXIO"));
  assert.throws(() => zero(bytes, { backend: new DeferredBackend() }), TypeError);
  if (BACKENDS[1]!.ignore === false) {
    assert.throws(
      () => xor(bytes, [bytes.slice(), bytes.slice()], { backend: "native-async" }),
      TypeError,
    );
  }
  const custom: DmoverBackend = { ...tsBackend, name: "t-custom" };
  zero(bytes, { backend: custom });
});

Deno.test("one-shot helpers turn a failing backend into EIO", () => {
  const broken: DmoverBackend = {
    name: "t-broken",
    synchronous: true,
    speed: () => 1,
    kernel: () => () => {
      throw new Error("bus error");
    },
  };
  assert.throws(() => zero(new Uint8Array(4), { backend: broken }), (error) => {
    return isCode("EIO")(error) && /bus error/.test((error as Error).message);
  });
});
