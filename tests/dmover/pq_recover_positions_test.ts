// pq-recover takes its lost blocks as a list of positions (issue 16 item 4), so that stripes of 31
// and more data blocks, whose masks do not fit JavaScript's 32-bit bit operations, can be named.
// Parity comes from an independent GF(2^8) written here; recovery is checked against the original
// blocks.
import assert from "node:assert/strict";
import {
  type DmoverCompletion,
  DmoverError,
  openSession,
  pqRecoverAsync,
} from "../../dmover/mod.ts";
import { ALL_BACKENDS, randomBytes, within } from "./_support.ts";

/** a·b in GF(2^8) with the RAID-6 polynomial x^8 + x^4 + x^3 + x^2 + 1, bit by bit. */
function gfMul(a: number, b: number): number {
  let product = 0;
  for (let x = a, y = b; y !== 0; y >>= 1) {
    if (y & 1) product ^= x;
    x = (x << 1) ^ (x & 0x80 ? 0x11d : 0);
    x &= 0xff;
  }
  return product;
}

/** The stripe: n data blocks, then P (their xor) and Q (Σ 2^k · block k). */
function stripe(n: number, length: number): Uint8Array[] {
  const data = Array.from({ length: n }, (_, k) => randomBytes(length, 100 + k));
  const p = new Uint8Array(length);
  const q = new Uint8Array(length);
  let g = 1;
  for (const block of data) {
    for (let i = 0; i < length; i++) {
      p[i]! ^= block[i]!;
      q[i]! ^= gfMul(g, block[i]!);
    }
    g = gfMul(g, 2);
  }
  return [...data, p, q];
}

const LOSSES = (n: number): [number, number][] => [
  [n - 2, n - 1],
  [0, n - 1],
  [n - 1, n],
  [30, n + 1],
  [n, n + 1],
];

for (const factory of ALL_BACKENDS) {
  Deno.test({
    name:
      `Session (${factory.name}) recovers pq-recover losses given as positions in stripes of 31 and 32 data blocks`,
    ignore: factory.ignore,
    async fn() {
      using backend = factory.open();
      for (const n of [31, 32]) {
        const blocks = stripe(n, 96);
        await using session = openSession("pq-recover", { backend });
        for (const [a, b] of LOSSES(n)) {
          const survivors = blocks.filter((_, k) => k !== a && k !== b);
          const outputs = [new Uint8Array(96), new Uint8Array(96)];
          await session.submit({ id: a * 64 + b, outputs, inputs: survivors, immediate: [a, b] });
          const completion = await within(session.read() as Promise<DmoverCompletion>);
          assert.equal(completion.error, undefined, `${n}: ${a}, ${b}`);
          assert.deepEqual(outputs[0], blocks[a], `n ${n}, lost ${a} and ${b}: first`);
          assert.deepEqual(outputs[1], blocks[b], `n ${n}, lost ${a} and ${b}: second`);
        }
      }
    },
  });

  Deno.test({
    name: `pqRecoverAsync (${factory.name}) takes the lost positions beyond bit 31`,
    ignore: factory.ignore,
    async fn() {
      using backend = factory.open();
      const n = 32;
      const blocks = stripe(n, 64);
      const [a, b] = [31, 33];
      const outputs: [Uint8Array, Uint8Array] = [new Uint8Array(64), new Uint8Array(64)];
      const survivors = blocks.filter((_, k) => k !== a && k !== b);
      await pqRecoverAsync(outputs, survivors, [a, b], { backend });
      assert.deepEqual(outputs, [blocks[a], blocks[b]]);
    },
  });
}

Deno.test("Session.submit refuses pq-recover positions that do not name two of the stripe", () => {
  using session = openSession("pq-recover", { nonBlocking: true, backend: "ts" });
  const blocks = stripe(32, 8);
  const survivors = blocks.slice(0, 32);
  const outputs = [new Uint8Array(8), new Uint8Array(8)];
  const einval = (error: unknown) => error instanceof DmoverError && error.code === "EINVAL";
  for (const immediate of [[3, 3], [3], [1, 2, 3], [0, 34], [-1, 2], [1.5, 2], 1 << 31]) {
    assert.throws(
      () => session.submit({ id: 1, outputs, inputs: survivors, immediate }),
      einval,
      JSON.stringify(immediate),
    );
  }
  // The mask as a number still works past bit 31.
  session.submit({ id: 2, outputs, inputs: survivors, immediate: 2 ** 32 + 2 ** 33 });
  const completion = session.read() as DmoverCompletion;
  assert.equal(completion.error, undefined);
  assert.deepEqual(outputs, [blocks[32], blocks[33]]);
});
