// Native never changes results: every function gives the same bytes (and immediates) on every
// backend and on the automatic choice, for random sizes from 1 byte to 1 MiB at unaligned offsets,
// over whole arrays, iovec lists in one buffer and iovec lists spread across buffers.
import assert from "node:assert/strict";
import {
  type DmoverBuffer,
  type DmoverCompletion,
  type DmoverIovec,
  listFunctions,
  openSession,
} from "../../dmover/mod.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import { randomBytes, rng } from "./_support.ts";

const MIB = 1 << 20;

type Shape = "whole" | "one-buffer" | "many-buffers";

/** A side of a request: its buffer and a way to read its bytes back in walk order. */
interface Side {
  buffer: DmoverBuffer;
  read(): Uint8Array;
}

function makeSide(bytes: Uint8Array, shape: Shape, next: (n: number) => number): Side {
  const length = bytes.length;
  if (shape === "whole") {
    const offset = next(13);
    const host = new Uint8Array(length + offset + next(5));
    host.set(bytes, offset);
    const view = host.subarray(offset, offset + length);
    return { buffer: view, read: () => view.slice() };
  }
  const list: DmoverIovec[] = [];
  const pieces = Math.min(1024, 1 + next(Math.min(length, 40)));
  const cuts = new Set<number>();
  while (cuts.size < pieces - 1) cuts.add(1 + next(length - 1 || 1));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), length];
  let arena = new Uint8Array(length + 64 + pieces * 4);
  let where = next(9);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i]!;
    const end = bounds[i + 1]!;
    if (shape === "many-buffers" && i % 3 === 2) {
      arena = new Uint8Array(length - start + 64 + pieces * 4);
      where = next(9);
    }
    arena.set(bytes.subarray(start, end), where);
    list.push({ buffer: arena, offset: where, length: end - start });
    if (next(7) === 0) list.push({ buffer: arena, offset: where, length: 0 }); // empty pieces are fine
    where += end - start + next(4);
  }
  const trimmed = list.slice(0, 1024);
  return {
    buffer: trimmed,
    read() {
      const out = new Uint8Array(length);
      let at = 0;
      for (const iov of trimmed) {
        out.set(iov.buffer.subarray(iov.offset, iov.offset + iov.length), at);
        at += iov.length;
      }
      return out;
    },
  };
}

function randomSize(next: (n: number) => number): number {
  // Log-uniform from 1 B to 1 MiB, so that small sizes (and the crossovers) get their share.
  const bits = next(21);
  return Math.min(MIB, (1 << bits) + next(1 << bits));
}

interface Outcome {
  output: Uint8Array | undefined;
  immediate: number | undefined;
}

function run(
  fn: string,
  backend: string,
  length: number,
  seed: number,
): Outcome {
  const next = rng(seed);
  const spec = listFunctions().find((f) => f.name === fn)!;
  const shapes: Shape[] = ["whole", "one-buffer", "many-buffers"];
  const shape = (): Shape => length < 4 ? "whole" : shapes[next(3)]!;
  const inputs = Array.from(
    { length: spec.inputs },
    (_, k) => makeSide(randomBytes(length, seed * 10 + k), shape(), next),
  );
  const output = spec.output ? makeSide(randomBytes(length, seed + 7), shape(), next) : undefined;
  using session = openSession(fn, { backend, nonBlocking: true });
  session.submit({
    id: seed,
    ...(output === undefined ? {} : { output: output.buffer }),
    inputs: inputs.map((side) => side.buffer),
    ...(fn === "fill8" ? { immediate: seed & 0xff } : {}),
    ...(fn === "iscsi-crc32c" ? { immediate: seed * 2654435761 >>> 0 } : {}),
  });
  const completion = session.read() as DmoverCompletion;
  assert.equal(completion.error, undefined);
  return { output: output?.read(), immediate: completion.immediate };
}

const BACKEND_NAMES = nativeLibrary === undefined ? ["ts", "auto"] : ["ts", "native", "auto"];

Deno.test("every function gives the same result on every backend for 1 B to 1 MiB", () => {
  const names = listFunctions()
    .map((f) => f.name)
    .filter((n) => ["zero", "fill8", "copy", "iscsi-crc32c"].includes(n) || /^xor[2-8]$/.test(n));
  assert.equal(names.length, 11);
  const next = rng(2024);
  let trials = 0;
  for (const fn of names) {
    const sizes = [1, 2, 3, 31, 32, 33, 63, 64, 65, 4095, 65_537, MIB];
    for (let i = 0; i < 6; i++) sizes.push(randomSize(next));
    for (const length of sizes) {
      const seed = 1 + next(1_000_000);
      const [reference, ...others] = BACKEND_NAMES.map((backend) => run(fn, backend, length, seed));
      others.forEach((outcome, i) => {
        const where = `${fn} ${length} B seed ${seed} on ${BACKEND_NAMES[i + 1]}`;
        assert.equal(outcome.immediate, reference!.immediate, where);
        assert.ok(
          outcome.output === undefined
            ? reference!.output === undefined
            : equalBytes(outcome.output, reference!.output!),
          where,
        );
      });
      trials++;
    }
  }
  assert.equal(trials, 11 * 18);
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

for (const backend of BACKEND_NAMES) {
  Deno.test(`copy (${backend}) behaves as memmove over overlapping buffers and iovec lists`, () => {
    using session = openSession("copy", { backend, nonBlocking: true });
    for (const length of [1, 17, 4096, 100_000]) {
      for (const shift of [-9, -1, 1, 9]) {
        const bytes = randomBytes(length + 20, length + shift);
        const expected = bytes.slice();
        expected.copyWithin(10 + shift, 10, 10 + length);
        session.submit({
          id: 1,
          output: bytes.subarray(10 + shift, 10 + shift + length),
          inputs: [bytes.subarray(10, 10 + length)],
        });
        session.read();
        assert.deepEqual(bytes, expected, `${length} shifted by ${shift}`);
        // The same move with both sides cut into iovecs at different places.
        const again = randomBytes(length + 20, length * 3 + shift);
        const want = again.slice();
        want.copyWithin(10 + shift, 10, 10 + length);
        const half = length >> 1;
        session.submit({
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
        session.read();
        assert.deepEqual(again, want, `iovecs, ${length} shifted by ${shift}`);
      }
    }
  });
}
