// Memory stays bounded: the internal buffer shrinks back after a large reply, a reply arriving in
// thousands of chunks is not copied quadratically, and the reader never keeps the caller's bytes.
// The large inputs below finish in well under a second when the work is linear and would take
// hours when quadratic; the deadline only keeps a regression from hanging the suite.

import assert from "node:assert/strict";
import { RespReader } from "../../redis/mod.ts";
import { bytes } from "./_resp_harness.ts";

const KIB = 1024;
const MIB = 1024 * KIB;
const DEFAULT_CAPACITY = 64 * KIB; // the reader's starting buffer
const RETAINED_CAPACITY = 256 * KIB; // the most it keeps once a reply is done

/** A check to call inside long loops: throws once `seconds` have passed, so nothing hangs. */
function deadline(seconds: number): () => void {
  const end = performance.now() + seconds * 1000;
  return () => {
    if (performance.now() > end) throw new Error(`not done after ${seconds} s: quadratic work?`);
  };
}

function pattern(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function bulk(body: Uint8Array): Uint8Array {
  const head = bytes(`$${body.length}\r\n`);
  const out = new Uint8Array(head.length + body.length + 2);
  out.set(head);
  out.set(body, head.length);
  out.set(bytes("\r\n"), head.length + body.length);
  return out;
}

Deno.test("RespReader shrinks its buffer back after a large reply", () => {
  const reader = new RespReader({ returnBuffers: true });
  const body = pattern(4 * MIB);
  reader.feed(bulk(body)); // one chunk: it passes through the internal buffer
  assert.ok(reader.bufferCapacity >= 4 * MIB);
  assert.deepEqual(reader.next(), body);
  assert.ok(reader.bufferCapacity <= RETAINED_CAPACITY, `${reader.bufferCapacity}`);
  // A small reply afterwards does not regrow it.
  reader.feed(bytes("+OK\r\n"));
  assert.equal(reader.next(), "OK");
  assert.ok(reader.bufferCapacity <= DEFAULT_CAPACITY);
  // Nor does a partial large reply leave it large once the rest is small.
  const line = `+${"x".repeat(MIB)}\r\n+tail`;
  reader.feed(bytes(line));
  assert.equal((reader.next() as string).length, MIB);
  assert.equal(reader.next(), undefined);
  reader.feed(bytes("\r\n"));
  assert.equal(reader.next(), "tail");
  assert.ok(reader.bufferCapacity <= DEFAULT_CAPACITY, `${reader.bufferCapacity}`);
});

Deno.test("RespReader receives a large bulk string in thousands of chunks without buffering it", () => {
  const pass = deadline(30);
  {
    const reader = new RespReader({ returnBuffers: true });
    const body = pattern(8 * MIB);
    const stream = bulk(body);
    let largest = 0;
    for (let at = 0; at < stream.length; at += KIB) {
      reader.feed(stream.subarray(at, at + KIB));
      largest = Math.max(largest, reader.bufferCapacity);
      if (at + KIB < stream.length) assert.equal(reader.next(), undefined);
      pass();
    }
    assert.ok(largest <= DEFAULT_CAPACITY, `buffer grew to ${largest}`);
    assert.deepEqual(reader.next(), body);
    assert.equal(reader.idle, true);
  }
});

Deno.test("RespReader receives a long simple string one byte at a time in linear time", () => {
  const pass = deadline(60);
  {
    const reader = new RespReader();
    const stream = bytes(`+${"y".repeat(MIB)}\r\n`);
    const one = new Uint8Array(1);
    for (let i = 0; i < stream.length; i++) {
      one[0] = stream[i]!;
      reader.feed(one);
      if (i % 4096 === 0 || i === stream.length - 1) {
        const reply = reader.next();
        if (i < stream.length - 1) assert.equal(reply, undefined);
        else assert.equal((reply as string).length, MIB);
        pass();
      }
    }
  }
});

Deno.test("RespReader keeps only the unparsed tail of a large aggregate", () => {
  const pass = deadline(60);
  {
    const reader = new RespReader();
    let text = "*100000\r\n";
    for (let i = 0; i < 100_000; i++) text += `$6\r\n${String(i).padStart(6, "0")}\r\n`;
    const stream = bytes(text);
    let largest = 0;
    for (let at = 0; at < stream.length; at += 7) {
      reader.feed(stream.subarray(at, at + 7));
      largest = Math.max(largest, reader.bufferCapacity, reader.bufferedBytes);
      if (at + 7 < stream.length) assert.equal(reader.next(), undefined);
      if (at % 7000 === 0) pass();
    }
    assert.ok(largest <= DEFAULT_CAPACITY, `held ${largest} bytes`);
    const list = reader.next() as string[];
    assert.equal(list.length, 100_000);
    assert.equal(list[99_999], "099999");
  }
});

Deno.test("RespReader allocates a huge announced bulk string only as its bytes arrive", () => {
  const reader = new RespReader({ returnBuffers: true });
  reader.feed(bytes(`$${256 * MIB}\r\n`));
  reader.feed(pattern(20 * KIB));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.bufferedBytes, 20 * KIB);
  // A stream that then breaks off leaves nothing large behind after reset.
  reader.reset();
  assert.equal(reader.bufferedBytes, 0);
  // A bulk longer than the exact-allocation size still comes out whole and exact.
  const body = pattern(24 * MIB);
  const stream = bulk(body);
  for (let at = 0; at < stream.length; at += MIB) reader.feed(stream.subarray(at, at + MIB));
  const value = reader.next() as Uint8Array;
  assert.equal(value.length, body.length);
  assert.equal(value.buffer.byteLength, body.length);
  assert.deepEqual(value, body);
});

Deno.test("RespReader never reads the caller's bytes after feed returns", () => {
  const reader = new RespReader({ returnBuffers: true });
  const body = pattern(40 * KIB);
  const stream = new Uint8Array([...bytes("+a\r\n"), ...bulk(body), ...bytes(":7\r\n")]);
  const scratch = new Uint8Array(3000);
  const got: unknown[] = [];
  for (let at = 0; at < stream.length; at += scratch.length) {
    const piece = stream.subarray(at, at + scratch.length);
    scratch.set(piece);
    reader.feed(scratch.subarray(0, piece.length));
    scratch.fill(0xee);
    for (let reply = reader.next(); reply !== undefined; reply = reader.next()) got.push(reply);
  }
  assert.deepEqual(got, ["a", body, 7]);
});
