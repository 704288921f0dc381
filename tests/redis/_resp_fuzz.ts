// The RESP reader's fuzzer: a seeded generator of RESP3 values and of the streams that encode
// them, structure-aware mutations (lengths and counts swapped for edge numbers, type bytes
// swapped, line ends broken, nesting bombs, tokens dropped or repeated) and byte-level ones (bit
// flips, inserts, deletes, duplicated chunks, splices), and the properties every input must keep:
// the reader returns replies or throws a ProtocolError — never another exception —, the same
// whichever way the bytes are split, and every reply it returns encodes back to itself.

import {
  type NextOptions,
  ProtocolError,
  ReplyError,
  RespReader,
  type RespReaderOptions,
  type RespValue,
  VerbatimString,
} from "../../redis/mod.ts";
import { plain } from "./_resp_harness.ts";

/** mulberry32: a small deterministic PRNG, so a failure can be replayed from its seed. */
export function random(seed: number): () => number {
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

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Encodes a value the way a server would (test-side, independent of the reader). Strings go out
 * as bulk strings when they hold a line end, else as simple or bulk strings by their length
 * (both kinds get exercised) — or always simple with `simple`, so that a string comes back a
 * string even when read with `returnBuffers`.
 */
export function encode(value: unknown, parts: Uint8Array[], simple = false): void {
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
    if (/[\r\n]/.test(value) || (!simple && value.length % 2)) {
      text(`$${body.length}\r\n`);
      parts.push(body);
      text("\r\n");
    } else {
      text(`+${value}\r\n`);
    }
  } else if (value instanceof Uint8Array) {
    text(`$${value.length}\r\n`);
    parts.push(value);
    text("\r\n");
  } else if (value instanceof ReplyError) {
    const body = encoder.encode(value.message);
    text(`!${body.length}\r\n`);
    parts.push(body);
    text("\r\n");
  } else if (value instanceof VerbatimString) {
    const inner = typeof value.value === "string" ? encoder.encode(value.value) : value.value;
    const body = concat([encoder.encode(`${value.format}:`), inner]);
    text(`=${body.length}\r\n`);
    parts.push(body);
    text("\r\n");
  } else if (Array.isArray(value)) {
    text(`*${value.length}\r\n`);
    for (const item of value) encode(item, parts, simple);
  } else if (value instanceof Set) {
    text(`~${value.size}\r\n`);
    for (const item of value) encode(item, parts, simple);
  } else if (value instanceof Map) {
    text(`%${value.size}\r\n`);
    for (const [k, v] of value) {
      encode(k, parts, simple);
      encode(v, parts, simple);
    }
  } else {
    throw new TypeError(`cannot encode ${String(value)}`);
  }
}

const WORDS = ["", "OK", "a", "key:1", "héllo", "a\r\nb", "✓✓", "x".repeat(40), "日本", "\u0000"];

/** A random RESP3 value, nested at most a few levels. */
export function value(next: () => number, depth: number): unknown {
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

/** `count` distinct cut points in (0, length), sorted. */
export function pieces(next: () => number, length: number, count: number): number[] {
  const cuts = new Set<number>();
  for (let i = 0; i < count && length > 1; i++) cuts.add(1 + Math.floor(next() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}

// ---- structure-aware mutation ----

/** A stream as tokens: a header line (type byte and text), a bulk body, or a line end. */
type Token =
  | { kind: "header"; type: number; text: string }
  | { kind: "body"; bytes: Uint8Array }
  | { kind: "end" };

const TYPES = "+-:$*_,#!=(%~|>";
const EDGE_NUMBERS = [
  "-1",
  "-2",
  "0",
  "1",
  "2",
  "3",
  "-0",
  "+1",
  " 1",
  "1 ",
  "01",
  "1e3",
  "0x10",
  "",
  "?",
  "1.5",
  "255",
  "65535",
  "16777216",
  "16777217",
  "2147483647",
  "2147483648",
  "4294967295",
  "4294967296",
  "536870912",
  "536870913",
  "9007199254740991",
  "9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775809",
  "99999999999999999999999",
  "inf",
  "nan",
  "-inf",
  "1e400",
];
const LINE_ENDS = ["\r\n", "\r", "\n", "", "\n\r", "\r\r\n", "\r\n\r\n"];

/** The tokens of `value`'s encoding (the same bytes as `encode`). */
function tokens(value: unknown, out: Token[]): void {
  const parts: Uint8Array[] = [];
  encode(value, parts);
  // Re-read the encoding into tokens: header lines, bodies after bulk-like headers.
  const bytes = concat(parts);
  let at = 0;
  while (at < bytes.length) {
    const type = bytes[at]!;
    let end = at;
    while (end + 1 < bytes.length && !(bytes[end] === 13 && bytes[end + 1] === 10)) end++;
    const text = new TextDecoder().decode(bytes.subarray(at + 1, end));
    out.push({ kind: "header", type, text });
    out.push({ kind: "end" });
    at = end + 2;
    if ("$!=".includes(String.fromCharCode(type))) {
      const n = Number(text);
      out.push({ kind: "body", bytes: bytes.slice(at, at + n) });
      out.push({ kind: "end" });
      at += n + 2;
    }
  }
}

function flatten(list: Token[], ends: (token: Token) => string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const token of list) {
    if (token.kind === "header") {
      parts.push(new Uint8Array([token.type]), encoder.encode(token.text));
    } else if (token.kind === "body") parts.push(token.bytes);
    else parts.push(encoder.encode(ends(token)));
  }
  return concat(parts);
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** One structure-aware mutation of a token list, in place. */
function mutateTokens(next: () => number, list: Token[]): void {
  if (list.length === 0) return;
  const at = Math.floor(next() * list.length);
  const token = list[at]!;
  const headers = list.filter((t) => t.kind === "header") as Extract<Token, { kind: "header" }>[];
  switch (Math.floor(next() * 8)) {
    case 0: // a length or count becomes an edge number
    case 1: {
      const header = headers.length > 0 ? pick(next, headers) : undefined;
      if (header !== undefined) header.text = pick(next, EDGE_NUMBERS);
      return;
    }
    case 2: { // a type byte becomes another type, or garbage
      const header = headers.length > 0 ? pick(next, headers) : undefined;
      if (header === undefined) return;
      header.type = next() < 0.8
        ? TYPES.charCodeAt(Math.floor(next() * TYPES.length))
        : Math.floor(next() * 256);
      return;
    }
    case 3: // a token disappears
      list.splice(at, 1);
      return;
    case 4: // a token repeats
      list.splice(at, 0, structuredClone(token));
      return;
    case 5: // a body grows or shrinks
      if (token.kind === "body") {
        const grow = next() < 0.5;
        token.bytes = grow
          ? concat([token.bytes, encoder.encode("\r\n+x".slice(0, 1 + Math.floor(next() * 4)))])
          : token.bytes.subarray(0, Math.floor(next() * token.bytes.length));
      }
      return;
    case 6: { // a nesting bomb, or an aggregate with far fewer elements than announced
      const depth = 1 + Math.floor(next() * 3000);
      const open = pick(next, ["*", "%", "~", ">", "|"]);
      const bomb: Token[] = [];
      for (let i = 0; i < depth; i++) {
        bomb.push({ kind: "header", type: open.charCodeAt(0), text: "1" }, { kind: "end" });
      }
      list.splice(at, 0, ...bomb);
      return;
    }
    default: { // a header with a huge count and nothing after it
      list.splice(at, 0, {
        kind: "header",
        type: pick(next, ["*", "%", "~", "$", "=", "!", ">", "|"]).charCodeAt(0),
        text: pick(next, EDGE_NUMBERS.slice(17)),
      }, { kind: "end" });
      return;
    }
  }
}

/** One byte-level mutation. */
function mutateBytes(next: () => number, bytes: number[], other: Uint8Array): void {
  const at = Math.floor(next() * (bytes.length + 1));
  const interesting = [0, 10, 13, 36, 42, 43, 45, 48, 49, 58, 62, 124, 127, 128, 255];
  switch (Math.floor(next() * 6)) {
    case 0:
      if (at < bytes.length) bytes[at]! ^= 1 << Math.floor(next() * 8);
      return;
    case 1:
      if (at < bytes.length) bytes[at] = pick(next, interesting);
      return;
    case 2:
      bytes.splice(at, 0, pick(next, interesting));
      return;
    case 3:
      bytes.splice(at, 1 + Math.floor(next() * 4));
      return;
    case 4: { // a chunk repeats
      const length = 1 + Math.floor(next() * 16);
      bytes.splice(at, 0, ...bytes.slice(at, at + length));
      return;
    }
    default: { // a splice of another stream
      const from = Math.floor(next() * other.length);
      bytes.splice(at, 0, ...other.subarray(from, from + 1 + Math.floor(next() * 32)));
      return;
    }
  }
}

/** What feeding a stream gave: replies (raw and plain), pushes, or the ProtocolError. */
export interface Run {
  replies: unknown[];
  raw: RespValue[];
  error?: { message: string; offset: number };
}

/**
 * Feeds `input` cut at `cuts`, draining `next()` after each piece. Anything thrown but a
 * ProtocolError propagates (the property under test). `maxCalls` bounds the loop: a reader that
 * returned replies without consuming input would otherwise spin.
 */
export function run(
  input: Uint8Array,
  cuts: number[],
  options: RespReaderOptions,
  calls: (NextOptions | undefined)[],
): Run {
  const replies: unknown[] = [];
  const raw: RespValue[] = [];
  const reader = new RespReader({
    ...options,
    onPush: (push) => void replies.push({ push: plain(push) }),
  });
  const bounds = [0, ...cuts, input.length];
  const scratch = new Uint8Array(input.length);
  let budget = input.length + 2;
  try {
    for (let i = 0; i + 1 < bounds.length; i++) {
      const piece = input.subarray(bounds[i], bounds[i + 1]);
      scratch.set(piece);
      reader.feed(scratch.subarray(0, piece.length));
      scratch.fill(0xee); // the reader must have copied what it keeps
      for (;;) {
        const reply = reader.next(calls[raw.length]);
        if (reply === undefined) break;
        if (--budget < 0) throw new Error("The reader returned more replies than bytes fed");
        raw.push(reply);
        replies.push({ reply: plain(reply) });
      }
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { replies, raw, error: { message: error.message, offset: error.offset } };
  }
  return { replies, raw };
}

/** A fuzz case: the stream, how to read it, and what a valid stream must give. */
export interface FuzzCase {
  input: Uint8Array;
  options: RespReaderOptions;
  calls: (NextOptions | undefined)[];
  /** For an unmutated stream read with default bounds: the exact replies. */
  expected?: unknown[];
}

/** Builds case number `index` of the run seeded with `seed`. */
export function makeCase(seed: number, index: number): FuzzCase {
  const next = random((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const values = Array.from({ length: 1 + Math.floor(next() * 5) }, () => value(next, 0));
  const list: Token[] = [];
  for (const v of values) tokens(v, list);
  const mutate = next() < 0.85;
  const bounded = next() < 0.3;
  const options: RespReaderOptions = bounded
    ? {
      maxDepth: 1 + Math.floor(next() * 8),
      maxElements: Math.floor(next() * 10),
      maxBulkLength: Math.floor(next() * 64),
      maxLineLength: 1 + Math.floor(next() * 64),
      maxNumberLength: Math.floor(next() * 32),
      maxReplyBytes: Math.floor(next() * 256),
      maxReplyElements: Math.floor(next() * 24),
    }
    : {};
  const calls = Array.from(
    { length: 8 },
    () => next() < 0.3 ? { returnBuffers: true } : undefined,
  );
  if (!mutate) {
    const input = flatten(list, () => "\r\n");
    if (bounded) return { input, options, calls };
    return { input, options: {}, calls: [], expected: values.map((v) => ({ reply: plain(v) })) };
  }
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) mutateTokens(next, list);
  const input = flatten(list, () => next() < 0.9 ? "\r\n" : pick(next, LINE_ENDS));
  const bytes = Array.from(input);
  const other = flatten(
    (() => {
      const more: Token[] = [];
      tokens(value(next, 0), more);
      return more;
    })(),
    () => "\r\n",
  );
  for (let n = Math.floor(next() * 4); n > 0; n--) mutateBytes(next, bytes, other);
  return { input: Uint8Array.from(bytes), options, calls };
}

/** What a case gave: a broken property, or how the stream ended. */
export interface Verdict {
  problem?: string;
  ended: "error" | "replies" | "nothing";
}

/** Checks the properties on one case. */
export function check(fuzz: FuzzCase, seed: number, index: number): Verdict {
  const { input, options, calls } = fuzz;
  const next = random((seed ^ Math.imul(index + 7, 0x27d4eb2f)) >>> 0);
  let whole: Run | undefined;
  try {
    whole = run(input, [], options, calls);
    const byteAtATime = run(
      input,
      [...Array(Math.max(input.length - 1, 0)).keys()].map((i) => i + 1),
      options,
      calls,
    );
    const split = run(
      input,
      pieces(next, input.length, 1 + Math.floor(next() * 8)),
      options,
      calls,
    );
    if (!sameRun(whole, byteAtATime)) return broken("byte at a time differs from whole");
    if (!sameRun(whole, split)) return broken("random pieces differ from whole");
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    return broken(`threw ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (fuzz.expected !== undefined) {
    if (whole.error !== undefined) return broken(`a valid stream failed: ${whole.error.message}`);
    if (JSON.stringify(whole.replies, replacer) !== JSON.stringify(fuzz.expected, replacer)) {
      return broken("a valid stream gave other replies than it encodes");
    }
  }
  // Every reply encodes back to itself (but for a verbatim format that is not 3 ASCII bytes,
  // which the reader decodes with replacement characters: it cannot be written back as it was).
  for (let i = 0; i < whole.raw.length; i++) {
    const reply = whole.raw[i]!;
    if (!lossless(reply)) continue;
    const parts: Uint8Array[] = [];
    try {
      encode(reply, parts, true);
    } catch (error) {
      return broken(`reply ${i} cannot be encoded again: ${(error as Error).message}`);
    }
    const again = run(concat(parts), [], {}, [calls[i]]);
    if (again.error !== undefined || again.raw.length !== 1) {
      return broken(`reply ${i} encoded again does not parse: ${again.error?.message}`);
    }
    if (JSON.stringify(plain(again.raw[0]), replacer) !== JSON.stringify(plain(reply), replacer)) {
      return broken(`reply ${i} encoded again reads differently`);
    }
  }
  return {
    ended: whole.error !== undefined ? "error" : whole.replies.length > 0 ? "replies" : "nothing",
  };
}

function lossless(value: unknown): boolean {
  if (value instanceof VerbatimString) {
    const format = value.format;
    return format.length === 3 && [...format].every((c) => c.charCodeAt(0) < 0x80);
  }
  if (Array.isArray(value) || value instanceof Set) return [...value].every(lossless);
  if (value instanceof Map) return [...value].every(([k, v]) => lossless(k) && lossless(v));
  return true;
}

function broken(problem: string): Verdict {
  return { problem, ended: "error" };
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (Object.is(value, -0)) return "-0";
  return value;
}

function sameRun(a: Run, b: Run): boolean {
  return JSON.stringify([a.replies, a.error], replacer) ===
    JSON.stringify([b.replies, b.error], replacer);
}
