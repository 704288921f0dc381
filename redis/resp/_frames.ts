// The frame state machine of the reader: one element at a time by its type byte, scalars straight
// into the innermost open aggregate, and the loop that attaches each value to the open aggregates
// until a whole reply is complete. Nothing recurses: nesting is the explicit stack in ReadState.

import { ProtocolError } from "../errors.ts";
import {
  ARRAY,
  ATTRIBUTE,
  BIG_NUMBER,
  BLOB_ERROR,
  BOOLEAN,
  BULK,
  cached,
  CR,
  DOUBLE,
  ERROR,
  INTEGER,
  LF,
  MAP,
  NULL,
  PUSH,
  SET,
  SIMPLE,
  VERBATIM,
} from "./_protocol.ts";
import { quote } from "./_text.ts";
import type { RespValue } from "./types.ts";
import { fail, needMore, type ReadState, RETAINED_CAPACITY } from "./_read_state.ts";
import {
  bulkString,
  finishBulk,
  lineEnd,
  makeBytes,
  makeString,
  overBytes,
  readBigNumber,
  readBoolean,
  readDouble,
  readInteger,
  readNull,
  within,
} from "./_scalars.ts";
import { add, close, CONTINUE, openAggregate } from "./_aggregates.ts";

/**
 * Parses scalar elements straight into open aggregate `i` (the innermost), the common case,
 * without the attach loop of next(). Stops at an aggregate or attribute header, when bytes run
 * out or a large bulk string starts, or when the aggregate is full; returns whether it is full.
 */
export function fill(st: ReadState, i: number): boolean {
  const container = st.containers[i]!;
  const kind = st.kinds[i]!;
  const buf = st.buf;
  const total = st.totals[i]!;
  // The reply may extend to this index of the buffer (base does not change in here).
  const room = st.budget.maxBytes + st.budget.start - st.base;
  let left = st.left[i]!;
  while (left > 0) {
    const pos = st.pos;
    if (pos === st.end) break;
    const type = buf[pos]!;
    if (type === ARRAY || type === MAP || type === SET || type === PUSH || type === ATTRIBUTE) {
      break;
    }
    let value: RespValue | undefined;
    if (type === BULK) {
      // Inline: a whole, valid `$<n>\r\n<body>\r\n` already in the buffer. Anything else
      // (a null, a partial or large one, a malformed one) goes through element().
      const end = st.end;
      let i = pos + 1;
      let n = 0;
      let c = 0;
      for (; i < end; i++) {
        c = buf[i]!;
        const digit = c - 48;
        if (digit >>> 0 > 9) break;
        n = n * 10 + digit;
      }
      const start = i + 2;
      const stop = start + n;
      if (
        c === CR && i > pos + 1 && i < pos + 12 && (i === pos + 2 || buf[pos + 1] !== 48) &&
        stop + 1 < end && buf[i + 1] === LF && buf[stop] === CR && buf[stop + 1] === LF &&
        n <= st.maxBulkLength && stop + 2 <= room
      ) {
        value = st.buffers ? makeBytes(st, start, stop) : makeString(st, start, stop);
        st.pos = stop + 2;
      } else {
        value = element(st, pos) as RespValue | undefined;
      }
    } else {
      value = element(st, pos) as RespValue | undefined; // scalars never CONTINUE
    }
    if (value === undefined) break;
    left--;
    if (kind === ARRAY || kind === PUSH) {
      (container as RespValue[])[total - left - 1] = value;
    } else if (kind === SET) {
      (container as Set<RespValue>).add(value);
    } else if ((left & 1) === 1) {
      st.keys[i] = value;
    } else {
      (container as Map<RespValue, RespValue>).set(st.keys[i]!, value);
    }
  }
  st.left[i] = left;
  return left === 0;
}

/** Parses the element at `p`: a value, CONTINUE when an aggregate opened, undefined for more. */
export function element(st: ReadState, p: number): RespValue | undefined | typeof CONTINUE {
  const buf = st.buf;
  const type = buf[p]!;
  switch (type) {
    case SIMPLE: {
      if (
        p + 4 < st.end && buf[p + 1] === 79 && buf[p + 2] === 75 && buf[p + 3] === CR &&
        buf[p + 4] === LF && st.okFast
      ) {
        // As within(), inline: `+OK` alone fits (okFast), in a reply it may not.
        const start = st.budget.start;
        if (start >= 0 && st.base + p + 5 - start > st.budget.maxBytes) overBytes(st, p);
        st.pos = p + 5;
        st.scanned = 0;
        return "OK";
      }
      const e = lineEnd(st, p, st.maxLineLength);
      if (e < 0) return undefined;
      within(st, p, e + 2);
      st.pos = e + 2;
      return cached(buf, p + 1, e) ?? makeString(st, p + 1, e);
    }
    case BULK:
      return bulkString(st, p, BULK);
    case INTEGER:
      return readInteger(st, p);
    case ARRAY:
    case MAP:
    case SET:
    case PUSH:
    case ATTRIBUTE:
      return openAggregate(st, p, type);
    case ERROR: {
      const e = lineEnd(st, p, st.maxLineLength);
      if (e < 0) return undefined;
      within(st, p, e + 2);
      st.pos = e + 2;
      return st.texts.errorReply(buf, p + 1, e, ERROR);
    }
    case NULL:
      return readNull(st, p);
    case DOUBLE:
      return readDouble(st, p);
    case BOOLEAN:
      return readBoolean(st, p);
    case BIG_NUMBER:
      return readBigNumber(st, p);
    case BLOB_ERROR:
    case VERBATIM:
      return bulkString(st, p, type);
    default:
      return fail(st, `Unknown RESP type byte ${quote(buf, p, p + 1)}`, p);
  }
}

/**
 * Parses the next complete reply with bulk strings as bytes when `buffers`; `undefined` while
 * more bytes are needed. Anything thrown but a ProtocolError or an exception of onPush stops the
 * reader with a ProtocolError whose cause it is.
 */
export function nextReply(st: ReadState, buffers: boolean): RespValue | undefined {
  try {
    for (;;) {
      let value: RespValue | undefined | typeof CONTINUE;
      const depth = st.depth;
      if (st.bulk !== undefined) {
        value = finishBulk(st);
      } else if (depth > 0 && fill(st, depth - 1)) {
        value = close(st, depth - 1);
      } else {
        if (st.bulk !== undefined) continue; // fill() started receiving a large bulk string
        const pos = st.pos;
        if (pos === st.end) return needMore(st);
        if (depth === 0) {
          st.buffers = st.buf[pos] === PUSH ? st.pushBuffers : buffers;
        }
        value = element(st, pos);
      }
      if (value === undefined) return needMore(st);
      // Attach the value to the open aggregates, closing each one it completes.
      while (value !== CONTINUE) {
        const top = st.depth - 1;
        if (top < 0) {
          const budget = st.budget;
          if (budget.start >= 0) {
            // An aggregate or attribute opened the reply: count what followed its last check.
            const at = st.pos;
            if (st.base + at - budget.start > budget.maxBytes) overBytes(st, at);
            budget.start = -1;
          }
          if (st.texts.undecodable !== undefined) value = st.texts.take()!;
          st.attributes = st.pendingAttributes;
          st.pendingAttributes = undefined;
          if (st.pos === st.end && st.buf.length > RETAINED_CAPACITY) needMore(st);
          return value;
        }
        if (!add(st, top, value)) break;
        value = close(st, top);
      }
    }
  } catch (error) {
    // Anything but these (memory ran out) leaves the stream as untrustworthy as bad input.
    if (!(error instanceof ProtocolError) && !st.pushThrew) {
      fail(st, `The reply could not be read (${(error as Error)?.message})`, st.pos, error);
    }
    st.pushThrew = false;
    throw error;
  }
}
