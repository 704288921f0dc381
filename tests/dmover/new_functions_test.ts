// The functions beyond dmover_io, on every backend (ts, native, native-async, a worker pool),
// each against a reference written here from its definition: byte loops, CRC-32C bit by bit,
// GF(2^8) multiplication bit by bit. Buffers are whole views, iovecs in one buffer or across
// buffers, over ArrayBuffers and SharedArrayBuffers; off-thread backends stage in 64 KiB parts so
// that requests are cut into many.
import assert from "node:assert/strict";
import {
  type DmoverBackend,
  type DmoverCompletion,
  type DmoverRequest,
  openSession,
} from "../../dmover/mod.ts";
import {
  ALL_BACKENDS,
  bitwiseCrc32c,
  makeSide,
  type Memory,
  pqRef,
  randomBytes,
  rng,
  type Shape,
  type Side,
} from "./_support.ts";

const SHAPES: Shape[] = ["whole", "one-buffer", "many-buffers"];
const MEMORIES: Memory[] = ["array", "shared"];

async function run(
  backend: DmoverBackend,
  fn: string,
  request: Omit<DmoverRequest, "id">,
): Promise<DmoverCompletion> {
  using session = openSession(fn, { backend });
  await session.submit({ id: 1, ...request });
  const completion = await session.read();
  assert.equal(completion.error, undefined, `${fn}: ${completion.error?.message}`);
  return completion;
}

function sizes(next: (n: number) => number, large: number): number[] {
  const out = [1, 3, 8, 63, 64, 65, 200, 4096, 65_535, 65_536 + 17];
  for (let i = 0; i < 4; i++) out.push(1 + next(large));
  return out;
}

function laidOut(
  bytes: Uint8Array,
  next: (n: number) => number,
): Side {
  return makeSide(bytes, SHAPES[next(3)]!, next, MEMORIES[next(2)]!);
}

function flip(bytes: Uint8Array, at: number, bits: number): void {
  bytes[at] = bytes[at]! ^ bits;
}

/** The first index where `f(i)` is true, or -1. */
function firstWhere(length: number, f: (i: number) => boolean): number {
  for (let i = 0; i < length; i++) if (f(i)) return i;
  return -1;
}

for (const factory of ALL_BACKENDS) {
  const { name, ignore } = factory;

  Deno.test({
    name: `compare (${name}) returns the first differing offset, or -1, like a byte loop`,
    ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const next = rng(101);
      for (const length of sizes(next, 400_000)) {
        const a = randomBytes(length, length);
        const b = a.slice();
        // No difference, then one at the start, the end, around part boundaries and at random.
        const spots = [-1, 0, length - 1, (64 << 10) - 1, 64 << 10, next(length)];
        for (const spot of spots) {
          if (spot >= length) continue;
          const c = b.slice();
          if (spot >= 0) c[spot] = c[spot]! ^ (1 + next(255));
          if (spot >= 0 && next(2) === 0) flip(c, Math.min(length - 1, spot + 1 + next(9)), 0xff);
          const expected = firstWhere(length, (i) => a[i] !== c[i]);
          const done = await run(backend, "compare", {
            inputs: [laidOut(a, next).buffer, laidOut(c, next).buffer],
          });
          assert.equal(done.immediate, expected, `${length} B, difference at ${spot}`);
        }
      }
    },
  });

  Deno.test({
    name: `compare-pattern (${name}) checks bytes against an 8-byte pattern from offset 0`,
    ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const next = rng(202);
      for (const length of sizes(next, 300_000)) {
        const pattern = randomBytes(8, length + 1);
        const value = pattern.reduce((v, byte, j) => v | (BigInt(byte) << BigInt(8 * j)), 0n);
        const bytes = new Uint8Array(length);
        for (let i = 0; i < length; i++) bytes[i] = pattern[i % 8]!;
        for (const spot of [-1, 0, length - 1, 5 + (64 << 10), next(length)]) {
          if (spot >= length) continue;
          const c = bytes.slice();
          if (spot >= 0) c[spot] = c[spot]! ^ (1 + next(255));
          const expected = firstWhere(length, (i) => c[i] !== pattern[i % 8]);
          const side = laidOut(c, next).buffer;
          const done = await run(backend, "compare-pattern", { inputs: [side], immediate: value });
          assert.equal(done.immediate, expected, `${length} B, difference at ${spot}`);
        }
        // A pattern of one repeated byte may also be given as a number.
        const zeros = new Uint8Array(length);
        const done = await run(backend, "compare-pattern", { inputs: [zeros], immediate: 0 });
        assert.equal(done.immediate, -1);
      }
    },
  });

  Deno.test({
    name: `xor-check (${name}) finds where 2 to 32 inputs do not xor to zero`,
    ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const next = rng(303);
      for (const length of sizes(next, 200_000)) {
        const n = 2 + next(31);
        const inputs = Array.from({ length: n - 1 }, (_, k) => randomBytes(length, k + length));
        const parity = new Uint8Array(length);
        for (const input of inputs) {
          for (let i = 0; i < length; i++) parity[i] = parity[i]! ^ input[i]!;
        }
        inputs.push(parity);
        const spot = next(3) === 0 ? -1 : next(length);
        if (spot >= 0) flip(inputs[next(n)]!, spot, 1 + next(255));
        const expected = firstWhere(
          length,
          (i) => inputs.reduce((x, input) => x ^ input[i]!, 0) !== 0,
        );
        const done = await run(backend, "xor-check", {
          inputs: inputs.map((input) => laidOut(input, next).buffer),
        });
        assert.equal(done.immediate, expected, `${n} inputs of ${length} B`);
      }
    },
  });

  Deno.test({
    name: `xor (${name}) writes the xor of 2 to 32 inputs`,
    ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const next = rng(404);
      for (const length of sizes(next, 200_000)) {
        const n = 2 + next(31);
        const inputs = Array.from({ length: n }, (_, k) => randomBytes(length, 7 * k + length));
        const expected = new Uint8Array(length);
        for (const input of inputs) {
          for (let i = 0; i < length; i++) expected[i] = expected[i]! ^ input[i]!;
        }
        const out = laidOut(randomBytes(length, 9), next);
        await run(backend, "xor", {
          output: out.buffer,
          inputs: inputs.map((input) => laidOut(input, next).buffer),
        });
        assert.deepEqual(out.read(), expected, `${n} inputs of ${length} B`);
      }
    },
  });

  Deno.test({
    name: `copy-crc32c and dualcast (${name}) copy in one pass, with the CRC of what was copied`,
    ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const next = rng(505);
      for (const length of sizes(next, 500_000)) {
        const bytes = randomBytes(length, length + 5);
        const seed = next(2) === 0 ? 0 : next(0x7fff_ffff);
        const out = laidOut(new Uint8Array(length), next);
        const done = await run(backend, "copy-crc32c", {
          output: out.buffer,
          inputs: [laidOut(bytes, next).buffer],
          immediate: seed,
        });
        assert.equal(done.immediate, bitwiseCrc32c(bytes, seed), `${length} B`);
        assert.deepEqual(out.read(), bytes);
        const first = laidOut(new Uint8Array(length), next);
        const second = laidOut(new Uint8Array(length), next);
        await run(backend, "dualcast", {
          outputs: [first.buffer, second.buffer],
          inputs: [laidOut(bytes, next).buffer],
        });
        assert.deepEqual(first.read(), bytes);
        assert.deepEqual(second.read(), bytes);
      }
    },
  });

  Deno.test({
    name: `pq (${name}) matches P and Q computed bit by bit for 2 to 32 data blocks`,
    ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const next = rng(606);
      for (const length of sizes(next, 100_000)) {
        const n = 2 + next(31);
        const data = Array.from({ length: n }, (_, k) => randomBytes(length, 13 * k + length));
        const [p, q] = pqRef(data);
        const pSide = laidOut(new Uint8Array(length), next);
        const qSide = laidOut(new Uint8Array(length), next);
        await run(backend, "pq", {
          outputs: [pSide.buffer, qSide.buffer],
          inputs: data.map((block) => laidOut(block, next).buffer),
        });
        assert.deepEqual(pSide.read(), p, `P of ${n} blocks of ${length} B`);
        assert.deepEqual(qSide.read(), q, `Q of ${n} blocks of ${length} B`);
      }
    },
  });

  Deno.test({
    name:
      `pq-recover (${name}) rebuilds any two lost blocks: two data, data and P, data and Q, P and Q`,
    ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const next = rng(707);
      const cases: [number, number, number][] = []; // [n, lostA, lostB]
      for (const n of [2, 3, 5, 32]) {
        cases.push([n, 0, 1], [n, 0, n], [n, n - 1, n + 1], [n, n, n + 1], [n, 0, n - 1]);
      }
      for (let i = 0; i < 8; i++) {
        const n = 2 + next(31);
        const a = next(n + 2);
        let b = next(n + 2);
        while (b === a) b = next(n + 2);
        cases.push([n, Math.min(a, b), Math.max(a, b)]);
      }
      for (const [n, a, b] of cases) {
        const length = [1, 63, 4097, 70_001][next(4)]!;
        const data = Array.from({ length: n }, (_, k) => randomBytes(length, 31 * k + n));
        const stripe = [...data, ...pqRef(data)];
        const survivors = stripe.filter((_, k) => k !== a && k !== b);
        const first = laidOut(new Uint8Array(length), next);
        const second = laidOut(new Uint8Array(length), next);
        await run(backend, "pq-recover", {
          outputs: [first.buffer, second.buffer],
          inputs: survivors.map((block) => laidOut(block, next).buffer),
          immediate: 2 ** a + 2 ** b,
        });
        assert.deepEqual(first.read(), stripe[a], `block ${a} of ${n} + 2 (${length} B)`);
        assert.deepEqual(second.read(), stripe[b], `block ${b} of ${n} + 2 (${length} B)`);
      }
    },
  });
}
