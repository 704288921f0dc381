// Every validation rule, through a session on each backend: a rejected request throws EINVAL
// before it takes a slot, and a request at the edge of each rule is accepted.
import assert from "node:assert/strict";
import {
  type DmoverBuffer,
  DmoverError,
  type DmoverIovec,
  openSession,
  type Session,
} from "../../dmover/mod.ts";
import { BACKENDS } from "./_support.ts";

function einval(error: unknown): boolean {
  return error instanceof DmoverError && error.code === "EINVAL";
}

/** Asserts that `submit` rejects the request with EINVAL and that no slot was taken. */
function rejects(session: Session, request: Parameters<Session["submit"]>[0], hint = ""): void {
  const before = session.inFlight;
  assert.throws(() => session.submit(request), einval, hint);
  assert.equal(session.inFlight, before, `a rejected request took a slot ${hint}`);
}

function accepts(session: Session, request: Parameters<Session["submit"]>[0]): void {
  assert.equal(session.submit(request), undefined);
  const completion = session.read() as { id: number; error: unknown };
  assert.equal(completion.id, request.id);
  assert.equal(completion.error, undefined);
}

function iov(buffer: Uint8Array, offset: number, length: number): DmoverIovec {
  return { buffer, offset, length };
}

for (const { name, backend, ignore } of BACKENDS) {
  const open = (fn: string) => openSession(fn, { backend, nonBlocking: true });

  Deno.test({
    name: `Session.submit (${name}) takes 0 to 1024 iovecs per buffer`,
    ignore,
    fn() {
      using session = open("zero");
      const arena = new Uint8Array(2048);
      accepts(session, { id: 1, output: [] });
      const many = Array.from({ length: 1025 }, (_, i) => iov(arena, i, 1));
      rejects(session, { id: 2, output: many }, "1025 iovecs");
      accepts(session, { id: 3, output: many.slice(0, 1024) });
      using copy = open("copy");
      rejects(copy, { id: 4, output: arena.subarray(0, 1025), inputs: [many] }, "input with 1025");
    },
  });

  Deno.test({
    name: `Session.submit (${name}) checks each length and offset before summing`,
    ignore,
    fn() {
      using session = open("zero");
      const b = new Uint8Array(64);
      for (
        const length of [-1, 1.5, NaN, Infinity, 2 ** 53, 2 ** 64 - 1, "8" as unknown as number]
      ) {
        rejects(session, { id: 1, output: [iov(b, 0, length)] }, `length ${length}`);
      }
      for (const offset of [-1, 0.5, 2 ** 53, 65, undefined as unknown as number]) {
        rejects(session, { id: 2, output: [iov(b, offset, 0)] }, `offset ${offset}`);
      }
      rejects(session, { id: 3, output: [iov(b, 60, 5)] }, "past the end");
      rejects(session, { id: 4, output: [iov(b, 0, 2 ** 53 - 1), iov(b, 0, 1)] }, "sum > 2^53-1");
      rejects(session, {
        id: 5,
        output: [{ buffer: [1, 2] as unknown as Uint8Array, offset: 0, length: 1 }],
      });
      rejects(session, { id: 6, output: [null as unknown as DmoverIovec] });
      rejects(session, { id: 7, output: "bytes" as unknown as DmoverBuffer });
      accepts(session, { id: 8, output: [iov(b, 64, 0), iov(b, 0, 64)] });
    },
  });

  Deno.test({
    name: `Session.submit (${name}) accepts a total length of 0 and rejects detached buffers`,
    ignore,
    fn() {
      using session = open("fill8");
      accepts(session, { id: 1, output: new Uint8Array(0), immediate: 1 });
      const b = new Uint8Array(8);
      accepts(session, { id: 2, output: [iov(b, 0, 0), iov(b, 8, 0)], immediate: 1 });
      assert.deepEqual(b, new Uint8Array(8));
      const detached = new Uint8Array(new ArrayBuffer(8));
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      rejects(session, { id: 3, output: detached, immediate: 1 });
      rejects(session, { id: 4, output: [iov(detached, 0, 4)], immediate: 1 });
    },
  });

  Deno.test({
    name: `Session.submit (${name}) needs every input total to equal the output's`,
    ignore,
    fn() {
      using session = open("xor3");
      const out = new Uint8Array(16);
      const a = new Uint8Array(16);
      const arena = new Uint8Array(64);
      rejects(session, { id: 1, output: out, inputs: [a, a, new Uint8Array(15)] });
      rejects(session, {
        id: 2,
        output: out,
        inputs: [a, [iov(arena, 0, 8), iov(arena, 8, 9)], a],
      });
      accepts(session, {
        id: 3,
        output: out,
        inputs: [a, [iov(arena, 0, 8), iov(arena, 30, 8)], a],
      });
      using crc = open("iscsi-crc32c");
      accepts(crc, { id: 4, inputs: [[iov(arena, 0, 3), iov(arena, 10, 0), iov(arena, 20, 5)]] });
    },
  });

  Deno.test({
    name: `Session.submit (${name}) refuses inputs that overlap the output, except for copy`,
    ignore,
    fn() {
      using session = open("xor2");
      const arena = new Uint8Array(256);
      const out = arena.subarray(0, 64);
      rejects(session, {
        id: 1,
        output: out,
        inputs: [arena.subarray(63, 127), arena.subarray(128, 192)],
      });
      rejects(session, { id: 2, output: out, inputs: [arena.subarray(128, 192), out] });
      // Touching but not overlapping is fine; so is the same bytes in another ArrayBuffer.
      accepts(session, {
        id: 3,
        output: out,
        inputs: [arena.subarray(64, 128), new Uint8Array(64)],
      });
      // Iovec lists: a piece of an input inside a piece of the output.
      const pieces = Array.from({ length: 32 }, (_, i) => iov(arena, i * 8, 2));
      const inputPieces = Array.from({ length: 32 }, (_, i) => iov(arena, 100 + i, 2));
      rejects(session, { id: 4, output: pieces, inputs: [inputPieces, new Uint8Array(64)] });
      const clear = Array.from({ length: 32 }, (_, i) => iov(arena, i * 8 + 2, 2));
      accepts(session, { id: 5, output: pieces, inputs: [clear, new Uint8Array(64)] });
      // Zero-length pieces touch nothing.
      accepts(session, {
        id: 6,
        output: [iov(arena, 0, 4)],
        inputs: [[iov(arena, 2, 0), iov(arena, 200, 4)], new Uint8Array(4)],
      });

      // Different views of one ArrayBuffer meet by their absolute bytes, not their offsets.
      const memory = new ArrayBuffer(4096);
      const left = new Uint8Array(memory, 0, 2048);
      const right = new Uint8Array(memory, 1024, 3072);
      const other = new Uint8Array(4096);
      const outList = Array.from({ length: 40 }, (_, i) => iov(left, 1024 + i * 16, 8));
      const clearList = Array.from({ length: 40 }, (_, i) => iov(right, i * 16 + 8, 8));
      const meetList = Array.from(
        { length: 40 },
        (_, i) => iov(right, i === 39 ? 39 * 16 + 4 : i * 16 + 8, 8),
      );
      accepts(session, { id: 8, output: outList, inputs: [clearList, [iov(other, 0, 320)]] });
      rejects(session, { id: 9, output: outList, inputs: [meetList, [iov(other, 0, 320)]] });
      rejects(session, {
        id: 10,
        output: [iov(left, 1100, 4)],
        inputs: [[iov(right, 78, 4)], other.subarray(0, 4)],
      });
      accepts(session, {
        id: 11,
        output: [iov(left, 1100, 4)],
        inputs: [[iov(right, 72, 4)], other.subarray(0, 4)],
      });
      rejects(session, {
        id: 12,
        output: right.subarray(0, 4),
        inputs: [left.subarray(1022, 1026), other.subarray(0, 4)],
      });

      using copy = open("copy");
      const bytes = new Uint8Array([1, 2, 3, 4, 5, 6]);
      accepts(copy, { id: 7, output: bytes.subarray(1), inputs: [bytes.subarray(0, 5)] });
      assert.deepEqual(bytes, new Uint8Array([1, 1, 2, 3, 4, 5]));
    },
  });

  Deno.test({
    name: `Session.submit (${name}) needs the function's number of inputs and output`,
    ignore,
    fn() {
      const b = new Uint8Array(8);
      using xor = open("xor2");
      rejects(xor, { id: 1, output: b, inputs: [new Uint8Array(8)] });
      rejects(xor, {
        id: 2,
        output: b,
        inputs: [new Uint8Array(8), new Uint8Array(8), new Uint8Array(8)],
      });
      rejects(xor, { id: 3, inputs: [new Uint8Array(8), new Uint8Array(8)] });
      using zero = open("zero");
      rejects(zero, { id: 4, output: b, inputs: [new Uint8Array(8)] });
      accepts(zero, { id: 5, output: b, inputs: [] });
      using crc = open("iscsi-crc32c");
      rejects(crc, { id: 6, output: b, inputs: [b] });
      rejects(crc, { id: 7, inputs: [] });
      rejects(crc, { id: 8 });
      rejects(crc, null as unknown as { id: number });
      rejects(crc, { id: "8" as unknown as number, inputs: [b] });
    },
  });

  Deno.test({
    name: `Session.submit (${name}) needs the immediate the function takes`,
    ignore,
    fn() {
      const b = new Uint8Array(8);
      using fill = open("fill8");
      rejects(fill, { id: 1, output: b });
      for (const immediate of [-1, 256, 1.5, NaN]) rejects(fill, { id: 2, output: b, immediate });
      accepts(fill, { id: 3, output: b, immediate: 255 });
      assert.deepEqual(b, new Uint8Array(8).fill(255));
      using zero = open("zero");
      rejects(zero, { id: 4, output: b, immediate: 0 });
      using crc = open("iscsi-crc32c");
      rejects(crc, { id: 5, inputs: [b], immediate: 2 ** 32 });
      accepts(crc, { id: 6, inputs: [b], immediate: 2 ** 32 - 1 });
      accepts(crc, { id: 7, inputs: [b] });
    },
  });
}

for (const { name, backend, ignore } of BACKENDS) {
  const open = (fn: string) => openSession(fn, { backend, nonBlocking: true });

  Deno.test({
    name: `Session.submit (${name}) checks the outputs of functions with several`,
    ignore,
    fn() {
      using session = open("dualcast");
      const input = new Uint8Array(16);
      const [a, b] = [new Uint8Array(16), new Uint8Array(16)];
      rejects(session, { id: 1, output: a, inputs: [input] }, "output instead of outputs");
      rejects(session, { id: 1, outputs: [a], inputs: [input] }, "one output of two");
      rejects(session, { id: 1, outputs: [a, b, a], inputs: [input] }, "three outputs");
      rejects(session, { id: 1, outputs: [a, b.subarray(1)], inputs: [input] }, "unequal outputs");
      rejects(
        session,
        { id: 1, outputs: [a, a.subarray(8)], inputs: [input.subarray(8)] },
        "outputs overlap",
      );
      rejects(
        session,
        { id: 1, outputs: [a, input], inputs: [input] },
        "an output overlaps the input",
      );
      accepts(session, { id: 1, outputs: [a, b], inputs: [input] });
      using copy = open("copy");
      rejects(
        copy,
        { id: 2, outputs: [a], inputs: [input] },
        "outputs for a single-output function",
      );
      using compare = open("compare");
      rejects(compare, { id: 3, outputs: [a], inputs: [a, b] }, "outputs for a function without");
    },
  });

  Deno.test({
    name: `Session.submit (${name}) takes a variable number of inputs within the function's range`,
    ignore,
    fn() {
      using session = open("xor-check");
      const block = new Uint8Array(8);
      rejects(session, { id: 1, inputs: [block] }, "1 input");
      rejects(session, { id: 1, inputs: Array(33).fill(block) }, "33 inputs");
      accepts(session, { id: 1, inputs: [block, block] });
      accepts(session, { id: 2, inputs: Array(32).fill(block) });
      using pq = open("pq");
      const [p, q] = [new Uint8Array(8), new Uint8Array(8)];
      rejects(pq, { id: 3, outputs: [p, q], inputs: [block] }, "pq of one block");
      accepts(pq, { id: 3, outputs: [p, q], inputs: Array(32).fill(block) });
    },
  });

  Deno.test({
    name: `Session.submit (${name}) checks bigint immediates and pq-recover's lost positions`,
    ignore,
    fn() {
      using pattern = open("compare-pattern");
      const bytes = new Uint8Array(16);
      accepts(pattern, { id: 1, inputs: [bytes], immediate: 2n ** 64n - 1n });
      accepts(pattern, { id: 2, inputs: [bytes], immediate: 0 });
      rejects(pattern, { id: 3, inputs: [bytes], immediate: 2n ** 64n }, "a pattern over 64 bits");
      rejects(pattern, { id: 3, inputs: [bytes], immediate: -1n }, "a negative pattern");
      rejects(pattern, { id: 3, inputs: [bytes] }, "no pattern");
      using crc = open("iscsi-crc32c");
      rejects(
        crc,
        { id: 4, inputs: [bytes], immediate: 5n },
        "a bigint seed where the rule is a number",
      );
      using recover = open("pq-recover");
      const survivors = [1, 2, 3].map(() => new Uint8Array(8));
      const outputs = [new Uint8Array(8), new Uint8Array(8)];
      const bad: [number, string][] = [[0, "none"], [1, "one"], [7, "three"], [
        2 ** 5 + 1,
        "past Q",
      ]];
      for (const [mask, what] of bad) {
        rejects(recover, { id: 5, outputs, inputs: survivors, immediate: mask }, `lost: ${what}`);
      }
      accepts(recover, { id: 5, outputs, inputs: survivors, immediate: 2 ** 4 + 1 }); // block 0 and Q
      accepts(recover, { id: 6, outputs, inputs: survivors, immediate: 2 ** 3 + 2 ** 4 }); // P and Q
    },
  });
}
