// Seeded random tests: random RESP3 values encoded to bytes come back equal however the bytes
// are split; random corruptions of such streams give values or a ProtocolError (never another
// exception), the same way whole, byte by byte and in random pieces.

import assert from "node:assert/strict";
import { ReplyError, VerbatimString } from "../../redis/mod.ts";
import { feed, plain } from "./_resp_harness.ts";

/** mulberry32: a small deterministic PRNG, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const encoder = new TextEncoder();

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Encodes a value the way a server would (test-side, independent of the reader). */
function encode(value: unknown, parts: Uint8Array[]): void {
  const text = (s: string) => parts.push(encoder.encode(s));
  if (value === null) text("_\r\n");
  else if (typeof value === "boolean") text(value ? "#t\r\n" : "#f\r\n");
  else if (typeof value === "bigint") text(`(${value}\r\n`);
  else if (typeof value === "number") {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) text(`:${value}\r\n`);
    else if (Number.isNaN(value)) text(",nan\r\n");
    else if (!Number.isFinite(value)) text(value > 0 ? ",inf\r\n" : ",-inf\r\n");
    else text(`,${Object.is(value, -0) ? "-0" : String(value)}\r\n`);
  } else if (typeof value === "string") {
    const body = encoder.encode(value);
    if (/[\r\n]/.test(value) || value.length % 2) {
      text(`$${body.length}\r\n`);
      parts.push(body);
      text("\r\n");
    } else {
      text(`+${value}\r\n`);
    }
  } else if (value instanceof ReplyError) {
    const body = encoder.encode(value.message);
    text(`!${body.length}\r\n`);
    parts.push(body);
    text("\r\n");
  } else if (value instanceof VerbatimString) {
    const body = encoder.encode(`${value.format}:${value.value}`);
    text(`=${body.length}\r\n`);
    parts.push(body);
    text("\r\n");
  } else if (Array.isArray(value)) {
    text(`*${value.length}\r\n`);
    for (const item of value) encode(item, parts);
  } else if (value instanceof Set) {
    text(`~${value.size}\r\n`);
    for (const item of value) encode(item, parts);
  } else if (value instanceof Map) {
    text(`%${value.size}\r\n`);
    for (const [k, v] of value) {
      encode(k, parts);
      encode(v, parts);
    }
  } else {
    throw new TypeError(`cannot encode ${String(value)}`);
  }
}

const WORDS = ["", "OK", "a", "key:1", "héllo", "a\r\nb", "✓✓", "x".repeat(40), "日本", "\u0000"];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth < 4 ? 14 : 9));
  const int = () => Math.floor((next() - 0.5) * 2 ** (1 + Math.floor(next() * 63)));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return int();
    case 3: {
      const big = BigInt(int()) * BigInt(int()) * 1000003n;
      return big;
    }
    case 4:
      return [0.5, -1e-300, 1 / 3, 1e21, Infinity, -Infinity, NaN, -0][Math.floor(next() * 8)];
    case 5:
    case 6:
      return WORDS[Math.floor(next() * WORDS.length)]! + (next() < 0.3 ? String(int()) : "");
    case 7:
      return new ReplyError(`ERR ${WORDS[Math.floor(next() * WORDS.length)]}`);
    case 8:
      return new VerbatimString("txt", WORDS[Math.floor(next() * WORDS.length)]!);
    case 9:
    case 10:
      return Array.from({ length: Math.floor(next() * 5) }, () => value(next, depth + 1));
    case 11:
      return new Set(Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1)));
    default:
      return new Map(
        Array.from(
          { length: Math.floor(next() * 4) },
          () => [value(next, depth + 1), value(next, depth + 1)],
        ),
      );
  }
}

function pieces(next: () => number, length: number, count: number): number[] {
  const cuts = new Set<number>();
  for (let i = 0; i < count && length > 1; i++) cuts.add(1 + Math.floor(next() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}

Deno.test("RespReader returns random RESP3 values intact however their bytes are split", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const values = Array.from({ length: 1 + Math.floor(next() * 6) }, () => value(next, 0));
    const parts: Uint8Array[] = [];
    for (const v of values) encode(v, parts);
    const stream = concat(parts);
    const expected = values.map((v) => ({ reply: plain(v) }));
    for (const cuts of [[], pieces(next, stream.length, 3), pieces(next, stream.length, 40)]) {
      const outcome = feed(stream, cuts);
      assert.deepEqual(outcome, { events: expected, idle: true }, `seed ${seed}, cuts ${cuts}`);
    }
  }
});

Deno.test("RespReader meets corrupted streams with values or a ProtocolError, the same every way", () => {
  const garbage = [0, 10, 13, 36, 42, 43, 45, 48, 49, 58, 62, 124, 255];
  let failed = 0;
  let parsed = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const next = random(seed * 7919);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) encode(value(next, 0), parts);
    const stream = Array.from(concat(parts));
    for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
      const at = Math.floor(next() * stream.length);
      const byte = garbage[Math.floor(next() * garbage.length)]!;
      const kind = next();
      if (kind < 0.4) stream[at] = byte;
      else if (kind < 0.7) stream.splice(at, 0, byte);
      else stream.splice(at, 1);
    }
    const bytes = Uint8Array.from(stream);
    // feed() lets only a ProtocolError through as an outcome; anything else fails the test.
    const whole = feed(bytes, []);
    const cuts = [...Array(Math.max(bytes.length - 1, 0)).keys()].map((i) => i + 1);
    assert.deepEqual(feed(bytes, cuts), whole, `seed ${seed}, byte at a time`);
    assert.deepEqual(feed(bytes, pieces(next, bytes.length, 5)), whole, `seed ${seed}, pieces`);
    if (whole.error) failed++;
    else if (whole.events.length > 0) parsed++;
  }
  // Both outcomes occur, so the comparison above is not vacuous.
  assert.ok(failed > 100 && parsed > 50, `${failed} failed, ${parsed} parsed`);
});
