// Native never changes results, and neither does going off-thread: every function gives the same
// bytes (and immediates) on every backend and on the automatic choice, for random sizes from 1
// byte to 1 MiB at unaligned offsets, over whole arrays, iovec lists in one buffer and iovec lists
// spread across buffers, of ArrayBuffers and SharedArrayBuffers.
import assert from "node:assert/strict";
import {
  type DmoverBackend,
  type DmoverFunction,
  listFunctions,
  openSession,
} from "../../dmover/mod.ts";
import { ALL_BACKENDS, makeSide, type Memory, randomBytes, rng, type Shape } from "./_support.ts";

const MIB = 1 << 20;

function randomSize(next: (n: number) => number): number {
  // Log-uniform from 1 B to 1 MiB, so that small sizes (and the crossovers) get their share.
  const bits = next(21);
  return Math.min(MIB, (1 << bits) + next(1 << bits));
}

interface Outcome {
  outputs: Uint8Array[];
  immediate: number | undefined;
}

/** The number of inputs a request of `fn` gets for this seed. */
function inputCount(fn: DmoverFunction, seed: number): number {
  const fewest = fn.minInputs ?? fn.inputs;
  return fewest + (seed % (fn.inputs - fewest + 1));
}

function immediateFor(fn: DmoverFunction, seed: number, n: number): number | bigint | undefined {
  switch (fn.name) {
    case "fill8":
      return seed & 0xff;
    case "iscsi-crc32c":
    case "copy-crc32c":
      return seed * 2654435761 >>> 0;
    case "compare-pattern":
      return (BigInt(seed) * 0x9e3779b97f4a7c15n) % (1n << 64n);
    case "pq-recover": {
      const a = seed % (n + 2);
      const b = (a + 1 + ((seed >> 8) % (n + 1))) % (n + 2);
      return 2 ** a + 2 ** b;
    }
  }
  return undefined;
}

async function run(
  fn: DmoverFunction,
  backend: string | DmoverBackend,
  length: number,
  seed: number,
): Promise<Outcome> {
  const next = rng(seed);
  const shapes: Shape[] = ["whole", "one-buffer", "many-buffers"];
  const memories: Memory[] = ["array", "shared"];
  const side = (bytes: Uint8Array) => makeSide(bytes, shapes[next(3)]!, next, memories[next(2)]!);
  const n = fn.inputs === 0 ? 0 : inputCount(fn, seed);
  const inputs = Array.from({ length: n }, (_, k) => side(randomBytes(length, seed * 10 + k)));
  // compare and compare-pattern mostly find nothing unless the inputs agree: make some agree.
  if (fn.name === "compare" && seed % 2 === 0) {
    inputs[1] = side(randomBytes(length, seed * 10));
  }
  const outs = fn.output ? fn.outputs ?? 1 : 0;
  const outputs = Array.from({ length: outs }, (_, k) => side(randomBytes(length, seed + 7 + k)));
  const immediate = immediateFor(fn, seed, n);
  using session = openSession(fn.name, { backend });
  await session.submit({
    id: seed,
    ...(outs === 1 ? { output: outputs[0]!.buffer } : {}),
    ...(outs > 1 ? { outputs: outputs.map((o) => o.buffer) } : {}),
    ...(n === 0 ? {} : { inputs: inputs.map((o) => o.buffer) }),
    ...(immediate === undefined ? {} : { immediate }),
  });
  const completion = await session.read();
  assert.equal(completion.error, undefined, completion.error?.message);
  return { outputs: outputs.map((o) => o.read()), immediate: completion.immediate };
}

const BACKEND_CASES = ALL_BACKENDS.filter((b) => !b.ignore);

Deno.test("every function gives the same result on every backend for 1 B to 1 MiB", async () => {
  const functions = listFunctions().filter((f) => !f.name.startsWith("t-"));
  assert.equal(functions.length, 19);
  const opened = BACKEND_CASES.map((b) => b.open());
  const names = [...BACKEND_CASES.map((b) => b.name), "auto"];
  const backends: (string | DmoverBackend)[] = [...opened, "auto"];
  try {
    const next = rng(2024);
    let trials = 0;
    for (const fn of functions) {
      const heavy = fn.name.startsWith("pq") || fn.name === "xor" || fn.name === "xor-check";
      const sizes = [1, 2, 3, 31, 32, 33, 63, 64, 65, 4095, 65_537, heavy ? 200_000 : MIB];
      for (let i = 0; i < 4; i++) sizes.push(heavy ? 1 + next(100_000) : randomSize(next));
      for (const length of sizes) {
        const seed = 1 + next(1_000_000);
        const outcomes: Outcome[] = [];
        for (const backend of backends) outcomes.push(await run(fn, backend, length, seed));
        const [reference, ...others] = outcomes;
        others.forEach((outcome, i) => {
          const where = `${fn.name} ${length} B seed ${seed} on ${names[i + 1]}`;
          assert.equal(outcome.immediate, reference!.immediate, where);
          outcome.outputs.forEach((bytes, k) => {
            assert.ok(equalBytes(bytes, reference!.outputs[k]!), `${where}, output ${k}`);
          });
        });
        trials++;
      }
    }
    assert.equal(trials, 19 * 16);
  } finally {
    for (const backend of opened) backend[Symbol.dispose]();
  }
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

for (const factory of ALL_BACKENDS) {
  Deno.test({
    name: `copy (${factory.name}) behaves as memmove over overlapping buffers and iovec lists`,
    ignore: factory.ignore,
    async fn() {
      using backend = factory.open();
      using session = openSession("copy", { backend });
      for (const length of [1, 17, 4096, 100_000]) {
        for (const shift of [-9, -1, 1, 9]) {
          const bytes = randomBytes(length + 20, length + shift);
          const expected = bytes.slice();
          expected.copyWithin(10 + shift, 10, 10 + length);
          await session.submit({
            id: 1,
            output: bytes.subarray(10 + shift, 10 + shift + length),
            inputs: [bytes.subarray(10, 10 + length)],
          });
          await session.read();
          assert.deepEqual(bytes, expected, `${length} shifted by ${shift}`);
          // The same move with both sides cut into iovecs at different places.
          const again = randomBytes(length + 20, length * 3 + shift);
          const want = again.slice();
          want.copyWithin(10 + shift, 10, 10 + length);
          const half = length >> 1;
          await session.submit({
            id: 2,
            output: [
              { buffer: again, offset: 10 + shift, length: half },
              { buffer: again, offset: 10 + shift + half, length: length - half },
            ],
            inputs: [[
              { buffer: again, offset: 10, length: length - (length >> 2) },
              { buffer: again, offset: 10 + length - (length >> 2), length: length >> 2 },
            ]],
          });
          await session.read();
          assert.deepEqual(again, want, `iovecs, ${length} shifted by ${shift}`);
        }
      }
    },
  });
}
