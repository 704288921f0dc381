// Feeds RESP test vectors to a RespReader in every way the issue asks for — whole, one byte at a
// time, and split in two at every position — and records what comes out in a form that
// node:assert compares exactly.

import assert from "node:assert/strict";
import {
  type NextOptions,
  ProtocolError,
  ReplyError,
  type RespAttribute,
  RespReader,
  type RespReaderOptions,
  VerbatimString,
} from "../../redis/mod.ts";

const encoder = new TextEncoder();

/** A vector as bytes, or as a string of bytes (each char one byte: "\xff" is the byte 0xff). */
export type Input = string | Uint8Array;

export function bytes(input: Input): Uint8Array {
  if (typeof input !== "string") return input;
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code > 0xff) throw new RangeError(`Char ${code} is not a byte: use utf8()`);
    out[i] = code;
  }
  return out;
}

/** The UTF-8 bytes of `text`, as a string of bytes for building vectors. */
export function utf8(text: string): string {
  return String.fromCharCode(...encoder.encode(text));
}

/** Plain data for a reply: classes become tagged objects so deepEqual sees every detail. */
export function plain(value: unknown): unknown {
  if (value instanceof ReplyError) return { replyError: value.message, code: value.code };
  if (value instanceof VerbatimString) {
    return { verbatim: plain(value.value), format: value.format };
  }
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [plain(k), plain(v)]) };
  if (value instanceof Set) return { set: [...value].map(plain) };
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function plainAttributes(attributes: readonly RespAttribute[] | undefined): unknown {
  return attributes?.map((a) => ({ path: [...a.path], attributes: plain(a.attributes) }));
}

export interface Outcome {
  /** Replies and pushes in the order they came out. */
  events: unknown[];
  /** The protocol error, if one was thrown. */
  error?: { message: string; offset: number };
  /** Whether the reader was idle at the end (no partial reply). */
  idle: boolean;
}

export interface RunOptions {
  reader?: RespReaderOptions;
  /** Options of the next() calls for the reply at each index (default: none). */
  calls?: NextOptions[];
}

/** The pieces a strategy cuts `input` into. */
export type Strategy = { name: string; cuts: number[] };

export function strategies(length: number, splits: "all" | number[] = "all"): Strategy[] {
  const out: Strategy[] = [{ name: "whole", cuts: [] }];
  if (length > 1) {
    out.push({
      name: "byte at a time",
      cuts: [...Array(length - 1).keys()].map((i) => i + 1),
    });
  }
  const points = splits === "all"
    ? [...Array(Math.max(length - 1, 0)).keys()].map((i) => i + 1)
    : splits;
  for (const at of points) out.push({ name: `split at ${at}`, cuts: [at] });
  return out;
}

/**
 * Feeds `input` cut at `cuts` and drains next() after each piece. Each piece is copied into one
 * scratch array that is overwritten right after feed() returns, so a reader that kept a
 * reference to its input would produce garbage.
 */
export function feed(input: Uint8Array, cuts: number[], options: RunOptions = {}): Outcome {
  const events: unknown[] = [];
  const reader = new RespReader({
    ...options.reader,
    onPush: (push, attributes) => {
      events.push({
        push: plain(push),
        ...(attributes ? { attributes: plainAttributes(attributes) } : {}),
      });
    },
  });
  const scratch = new Uint8Array(input.length);
  let replies = 0;
  const bounds = [0, ...cuts, input.length];
  try {
    for (let i = 0; i + 1 < bounds.length; i++) {
      const piece = input.subarray(bounds[i], bounds[i + 1]);
      scratch.set(piece);
      reader.feed(scratch.subarray(0, piece.length));
      scratch.fill(0xee);
      for (;;) {
        const reply = reader.next(options.calls?.[replies]);
        if (reply === undefined) break;
        replies++;
        const attributes = reader.attributes;
        events.push(
          attributes
            ? { reply: plain(reply), attributes: plainAttributes(attributes) }
            : { reply: plain(reply) },
        );
      }
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    // The reader stays stopped on the same error.
    assert.throws(() => reader.next(), (again) => again === error);
    assert.throws(() => reader.feed(new Uint8Array([43])), (again) => again === error);
    assert.equal(reader.error, error);
    return { events, error: { message: error.message, offset: error.offset }, idle: reader.idle };
  }
  return { events, idle: reader.idle };
}

/** Runs every strategy and asserts that all give `expected`. */
export function check(
  input: Input,
  expected: Omit<Outcome, "idle"> & { idle?: boolean },
  options: RunOptions & { splits?: "all" | number[] } = {},
): void {
  const data = bytes(input);
  const want: Outcome = { idle: true, ...expected };
  if (want.error) want.idle = false;
  for (const strategy of strategies(data.length, options.splits)) {
    const got = feed(data, strategy.cuts, options);
    if (want.error && got.error) want.idle = got.idle; // idleness after an error is not specified
    assert.deepEqual(got, want, `fed ${strategy.name}`);
  }
}

/** Shorthand: the vector parses to these replies, in order, with nothing left over. */
export function replies(
  input: Input,
  values: unknown[],
  options: RunOptions & { splits?: "all" | number[] } = {},
): void {
  check(input, { events: values.map((v) => ({ reply: plain(v) })) }, options);
}

/** Shorthand: the vector fails with a message matching `pattern` at `offset`. */
export function fails(
  input: Input,
  offset: number,
  pattern: RegExp,
  options: RunOptions & { splits?: "all" | number[]; before?: unknown[] } = {},
): void {
  const data = bytes(input);
  const before = (options.before ?? []).map((v) => ({ reply: plain(v) }));
  let message: string | undefined;
  for (const strategy of strategies(data.length, options.splits)) {
    const got = feed(data, strategy.cuts, options);
    assert.ok(
      got.error,
      `fed ${strategy.name}: expected a protocol error, got ${JSON.stringify(got.events)}`,
    );
    assert.equal(got.error.offset, offset, `fed ${strategy.name}: offset`);
    assert.match(got.error.message, pattern, `fed ${strategy.name}`);
    message ??= got.error.message;
    assert.equal(got.error.message, message, `fed ${strategy.name}: same message every way`);
    assert.deepEqual(got.events, before, `fed ${strategy.name}: replies before the error`);
  }
}
