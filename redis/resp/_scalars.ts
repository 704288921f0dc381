// Scalar elements of RESP, read at a position of the reader's buffer: lines and their bounds,
// length headers, integers, nulls, booleans, doubles, big numbers, and bulk, verbatim and blob
// error strings (small ones from the buffer, large ones received directly). Each returns the
// value, or `undefined` while its bytes are incomplete, and advances `pos` past what it read.

import type { ReplyDecodeError } from "../errors.ts";
import { bigInteger, isCanonicalInteger, parseDouble } from "./_number.ts";
import {
  badHeader,
  BLOB_ERROR,
  BULK,
  CR,
  FALSE_TEXT,
  fixedEnd,
  headerEnd,
  LF,
  MAX_INTEGER_TEXT,
  MAX_LENGTH_TEXT,
  MAX_STRING_LENGTH,
  NAMES,
  NULL_TEXT,
  TRUE_TEXT,
  VERBATIM,
} from "./_protocol.ts";
import { quote } from "./_text.ts";
import type { RespValue } from "./types.ts";
import { fail, failAt, type ReadState } from "./_read_state.ts";

const NEED = -2; // from readLength: the line is not complete yet
export { NEED };
// A bulk string at least this long that is still incomplete is received straight into its own
// array: later bytes are copied once, into place, and never pass through the internal buffer.
const DIRECT_BULK = 16 * 1024;
// Its array is allocated at its final size up to this length; a longer one starts here and
// doubles as bytes arrive, so a bare header cannot make the reader allocate 512 MiB at once.
const DIRECT_EXACT = 16 * 1024 * 1024;

/**
 * Finds the CR of the line that starts with the type byte at `p` and checks the LF after it.
 * Returns -1 while the line is incomplete, remembering how far it has looked.
 */
export function lineEnd(st: ReadState, p: number, limit: number): number {
  const buf = st.buf;
  const end = st.end;
  let i = p + 1 + st.scanned;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === CR) {
      if (i + 1 === end) break;
      // Over the limit already: say so, as a reader fed a byte at a time would have.
      if (i - p - 1 > limit) lineTooLong(st, p, limit);
      if (buf[i + 1] !== LF) {
        fail(st, `Carriage return without a line feed in a ${NAMES[buf[p]!]}`, i);
      }
      st.scanned = 0;
      return i;
    }
    if (c === LF) {
      if (i - p - 1 > limit) lineTooLong(st, p, limit);
      fail(st, `Line feed inside a ${NAMES[buf[p]!]}`, i);
    }
  }
  st.scanned = i - p - 1;
  if (st.scanned > limit) lineTooLong(st, p, limit);
  return -1;
}

export function lineTooLong(st: ReadState, p: number, limit: number): never {
  const name = NAMES[st.buf[p]!];
  return fail(st, `A ${name} is longer than the limit of ${limit} bytes`, p);
}

export function overBytes(st: ReadState, p: number): never {
  return fail(st, st.budget.message("bytes"), p);
}

/**
 * Checks that the reply may extend to buffer index `end`; `p` is the element's start, and the
 * reply's when no aggregate or attribute opened it (a string alone).
 */
export function within(st: ReadState, p: number, end: number): void {
  const start = st.budget.start;
  if (end - (start < 0 ? p : start - st.base) > st.budget.maxBytes) overBytes(st, p);
}

/**
 * Reads the length line of a bulk or aggregate header at `p`. Returns the length, -1 for a
 * null (only when `nullable`), or NEED; sets `after` past the CRLF.
 */
export function readLength(st: ReadState, p: number, nullable: boolean): number {
  const buf = st.buf;
  const end = st.end;
  let i = p + 1;
  let n = 0;
  let c = -1;
  for (; i < end; i++) {
    c = buf[i]!;
    const digit = c - 48;
    if (digit >>> 0 > 9) break;
    n = n * 10 + digit;
  }
  const digits = i - p - 1;
  if (i === end) {
    if (digits > MAX_LENGTH_TEXT) failHeader(st, p, MAX_LENGTH_TEXT);
    return NEED;
  }
  if (c !== CR || digits === 0 || digits > MAX_LENGTH_TEXT || (digits > 1 && buf[p + 1] === 48)) {
    return oddLength(st, p, nullable);
  }
  if (i + 1 === end) return NEED;
  if (buf[i + 1] !== LF) failHeader(st, p, MAX_LENGTH_TEXT);
  st.after = i + 2;
  return n;
}

/** The slow path of readLength: `-1`, or an error once the line is complete (or too long). */
export function oddLength(st: ReadState, p: number, nullable: boolean): number {
  const e = headerEnd(st.buf, p, st.end, MAX_LENGTH_TEXT);
  if (e === -1) return NEED;
  const buf = st.buf;
  if (nullable && e === p + 3 && buf[p + 1] === 45 && buf[p + 2] === 49) {
    st.after = e + 2;
    return -1;
  }
  return failHeader(st, p, MAX_LENGTH_TEXT);
}

export function failHeader(st: ReadState, p: number, limit: number): never {
  return fail(st, badHeader(st.buf, p, st.end, limit), p);
}

export function readInteger(st: ReadState, p: number): number | bigint | undefined {
  const buf = st.buf;
  const end = st.end;
  let i = p + 1;
  const negative = i < end && buf[i] === 45;
  if (negative || (i < end && buf[i] === 43)) i++; // the grammar allows a `+`
  const first = i;
  let n = 0;
  let c = -1;
  for (; i < end; i++) {
    c = buf[i]!;
    const digit = c - 48;
    if (digit >>> 0 > 9) break;
    n = n * 10 + digit;
  }
  const digits = i - first;
  if (i === end) {
    if (i - p - 1 > MAX_INTEGER_TEXT) failHeader(st, p, MAX_INTEGER_TEXT);
    return undefined;
  }
  if (
    c !== CR || digits === 0 || digits > 19 || (buf[first] === 48 && (digits > 1 || negative))
  ) {
    if (headerEnd(buf, p, end, MAX_INTEGER_TEXT) === -1) return undefined;
    failHeader(st, p, MAX_INTEGER_TEXT);
  }
  if (i + 1 === end) return undefined;
  if (buf[i + 1] !== LF) failHeader(st, p, MAX_INTEGER_TEXT);
  st.pos = i + 2;
  if (digits <= 15) return negative ? -n : n;
  const big = bigInteger(buf, p + 1, i);
  if (big === undefined) fail(st, `Integer ${quote(buf, p + 1, i)} is beyond 64 bits`, p);
  return big;
}

export function readNull(st: ReadState, p: number): null | undefined {
  if (!fixed(st, p, NULL_TEXT, "null")) return undefined;
  st.pos = p + 3;
  return null;
}

export function readBoolean(st: ReadState, p: number): boolean | undefined {
  const c = st.buf[p + 1];
  if (!fixed(st, p, c === 102 ? FALSE_TEXT : TRUE_TEXT, "boolean")) return undefined;
  st.pos = p + 4;
  return c === 116;
}

/** Whether `text` (`#t\r\n`…) is all here at `p`; fails at the first byte that differs. */
export function fixed(st: ReadState, p: number, text: Uint8Array, name: string): boolean {
  const at = fixedEnd(st.buf, p, st.end, text);
  if (at >= 0) fail(st, `Invalid ${name} ${quote(st.buf, p, at + 1)}`, p);
  return at === -1;
}

export function readDouble(st: ReadState, p: number): number | undefined {
  const e = lineEnd(st, p, st.maxNumberLength);
  if (e < 0) return undefined;
  within(st, p, e + 2);
  const buf = st.buf;
  const value = parseDouble(buf, p + 1, e);
  if (value === undefined) fail(st, `Invalid double ${quote(buf, p + 1, e)}`, p);
  st.pos = e + 2;
  return value ?? Number(st.strings.transient(buf, p + 1, e));
}

export function readBigNumber(st: ReadState, p: number): bigint | undefined {
  const e = lineEnd(st, p, st.maxNumberLength);
  if (e < 0) return undefined;
  within(st, p, e + 2);
  if (!isCanonicalInteger(st.buf, p + 1, e)) {
    fail(st, `Invalid big number ${quote(st.buf, p + 1, e)}`, p);
  }
  st.pos = e + 2;
  return BigInt(st.strings.transient(st.buf, p + 1, e));
}

/** `$` bulk string, `=` verbatim string or `!` blob error. */
export function bulkString(st: ReadState, p: number, type: number): RespValue | undefined {
  const n = readLength(st, p, type === BULK);
  if (n === NEED) return undefined;
  if (n === -1) {
    st.pos = st.after;
    return null;
  }
  if (n > st.maxBulkLength) {
    const text = quote(st.buf, p + 1, st.after - 2);
    fail(st, `A ${NAMES[type]} of ${text} bytes exceeds the limit of ${st.maxBulkLength}`, p);
  }
  if (type === VERBATIM && n < 4) {
    fail(st, `A verbatim string of ${n} bytes cannot hold its format prefix`, p);
  }
  const buf = st.buf;
  const start = st.after;
  const stop = start + n;
  within(st, p, stop + 2);
  const end = st.end;
  if (stop < end && (buf[stop] !== CR || (stop + 1 < end && buf[stop + 1] !== LF))) {
    fail(st, `A ${NAMES[type]} is not followed by CRLF`, stop);
  }
  if (stop + 2 <= end) {
    if (type === VERBATIM && buf[start + 3] !== 58) badVerbatim(st, buf, start, p);
    st.pos = stop + 2;
    return bulkValue(st, buf, start, stop, type);
  }
  if (n >= DIRECT_BULK && stop > end) {
    const have = end - start;
    const bulk = new Uint8Array(n <= DIRECT_EXACT ? n : Math.max(DIRECT_EXACT, have));
    bulk.set(buf.subarray(start, end));
    st.bulk = bulk;
    st.bulkLength = n;
    st.bulkFilled = have;
    st.bulkType = type;
    st.bulkAt = st.base + p;
    st.pos = end;
  }
  return undefined;
}

export function bulkValue(
  st: ReadState,
  buf: Uint8Array,
  start: number,
  stop: number,
  type: number,
): RespValue {
  if (type === BULK) return st.buffers ? makeBytes(st, start, stop) : makeString(st, start, stop);
  if (type === BLOB_ERROR) return st.texts.errorReply(buf, start, stop, type);
  return st.texts.verbatim(
    buf,
    start,
    stop,
    st.buffers ? makeBytes(st, start + 4, stop) : null,
  );
}

export function makeBytes(st: ReadState, start: number, stop: number): Uint8Array {
  return st.strings.bytes(st.buf, start, stop);
}

export function makeString(st: ReadState, start: number, stop: number): string | ReplyDecodeError {
  if (stop - start > MAX_STRING_LENGTH) return st.texts.text(st.buf, start, stop, BULK);
  return st.strings.text(st.buf, start, stop, st.end);
}

export function badVerbatim(st: ReadState, buf: Uint8Array, start: number, p: number): never {
  const prefix = quote(buf, start, start + 4);
  return fail(st, `A verbatim string must start with "xxx:", got ${prefix}`, p);
}

/** Completes a bulk string received directly, once its bytes and CRLF are in. */
export function finishBulk(st: ReadState): RespValue | undefined {
  const bulk = st.bulk!;
  if (st.bulkFilled < st.bulkLength) return undefined;
  const p = st.pos;
  const type = st.bulkType;
  const have = st.end - p;
  if (have === 0 || (have === 1 && st.buf[p] === CR)) return undefined;
  if (st.buf[p] !== CR || st.buf[p + 1] !== LF) {
    fail(st, `A ${NAMES[type]} is not followed by CRLF`, p);
  }
  if (type === VERBATIM && bulk[3] !== 58) {
    failAt(st, `A verbatim string must start with "xxx:", got ${quote(bulk, 0, 4)}`, st.bulkAt);
  }
  st.pos = p + 2;
  st.bulk = undefined;
  const n = bulk.length;
  if (type === BULK) return st.buffers ? bulk : st.texts.text(bulk, 0, n, BULK);
  if (type === BLOB_ERROR) return st.texts.errorReply(bulk, 0, n, type);
  return st.texts.verbatim(bulk, 0, n, st.buffers ? bulk.subarray(4) : null);
}
