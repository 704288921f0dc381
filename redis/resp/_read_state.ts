// The state of a RespReader, shared by the parts of the parser (scalars, aggregates, frames),
// and what manages its bytes: the internal buffer (appended to, moved, shrunk back after a large
// reply), a large bulk string received straight into its own array, and the first error.

import { ProtocolError } from "../errors.ts";
import { ReplyBudget } from "./_budget.ts";
import { readerLimits } from "./_protocol.ts";
import { StringMaker } from "./_strings.ts";
import { TextValues } from "./_decode.ts";
import type { PushHandler, RespAttribute, RespReaderOptions, RespValue } from "./types.ts";

// The internal buffer starts at this size, and is dropped when it is empty and larger than
// RETAINED_CAPACITY, so one large reply does not pin memory for the life of the connection.
const DEFAULT_CAPACITY = 64 * 1024;
export const RETAINED_CAPACITY = 256 * 1024;
export const EMPTY = new Uint8Array(0);

/** An open aggregate's value as it fills. */
export type Aggregate = RespValue[] | Map<RespValue, RespValue> | Set<RespValue>;

/** Everything a reader knows; plain fields, read and written by the parser's functions. */
export class ReadState {
  readonly reader: { readonly onPush: PushHandler | undefined };
  readonly returnBuffers: boolean;
  readonly pushBuffers: boolean;
  readonly maxDepth: number;
  readonly maxElements: number;
  readonly maxBulkLength: number;
  readonly maxLineLength: number;
  readonly maxNumberLength: number; // of doubles and big numbers, never above maxLineLength
  readonly okFast: boolean; // `+OK` alone breaks no bound
  // What the reply in progress holds so far (see _budget.ts).
  readonly budget: ReplyBudget;

  // Unparsed bytes are buf[pos, end); base is the stream offset of buf[0].
  buf: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  base = 0;
  error: ProtocolError | undefined = undefined;

  // The element being parsed: how much of its line was already scanned, and where the line
  // ends (set by readLength).
  scanned = 0;
  after = 0;

  // Makes strings and byte strings out of buf (a decoded window, a pool).
  strings: StringMaker = new StringMaker();

  // A large bulk string received directly into its own array.
  bulk: Uint8Array | undefined = undefined;
  bulkLength = 0;
  bulkFilled = 0;
  bulkType = 0;
  bulkAt = 0;

  // The reply in progress: its string mode, and the stack of open aggregates (parallel arrays,
  // reused from one reply to the next).
  buffers = false;
  depth = 0;
  containers: (Aggregate | undefined)[] = [];
  kinds: number[] = [];
  left: number[] = [];
  totals: number[] = [];
  keys: RespValue[] = [];
  pendingAttributes: RespAttribute[] | undefined = undefined;
  delivering = false; // onPush is running
  attributes: readonly RespAttribute[] | undefined = undefined;
  // Texts that may be too long to decode; the first failure replaces the reply in progress
  // when it completes (a push keeps it in the string's place).
  texts: TextValues = new TextValues();
  pushThrew = false; // what nextReply is unwinding was thrown by onPush

  /** @throws {RangeError} When a bound is not an integer in its range. */
  constructor(options: RespReaderOptions, reader: { readonly onPush: PushHandler | undefined }) {
    this.reader = reader;
    this.returnBuffers = options.returnBuffers ?? false;
    this.pushBuffers = options.pushBuffers ?? this.returnBuffers;
    const limits = readerLimits(options);
    this.maxDepth = limits.maxDepth;
    this.maxElements = limits.maxElements;
    this.maxBulkLength = limits.maxBulkLength;
    this.maxLineLength = limits.maxLineLength;
    this.maxNumberLength = limits.maxNumberLength;
    this.budget = new ReplyBudget(limits.maxReplyBytes, limits.maxReplyElements);
    this.okFast = limits.maxLineLength >= 2 && limits.maxReplyBytes >= 5;
  }
}

/** Appends bytes from the stream, the first ones into a large bulk string being received. */
export function feedBytes(st: ReadState, bytes: Uint8Array): void {
  if (st.error !== undefined) throw st.error;
  const length = bytes.length;
  let from = 0;
  let bulk = st.bulk;
  if (bulk !== undefined) {
    // The internal buffer is empty while a direct bulk is still filling.
    const filled = st.bulkFilled;
    const take = Math.min(st.bulkLength - filled, length);
    if (take > 0) {
      if (filled + take > bulk.length) bulk = growBulk(st, filled + take);
      bulk.set(take === length ? bytes : bytes.subarray(0, take), filled);
      st.bulkFilled = filled + take;
      st.base += take;
      from = take;
    }
  }
  if (from < length) append(st, from === 0 ? bytes : bytes.subarray(from));
}

/** Forgets everything; the stream offset starts again from 0. */
export function resetState(st: ReadState): void {
  st.buf = EMPTY;
  st.pos = st.end = st.base = 0;
  st.error = undefined;
  st.scanned = 0;
  st.bulk = undefined;
  st.bulkFilled = 0;
  st.depth = 0;
  st.containers.length = 0;
  st.kinds.length = 0;
  st.left.length = 0;
  st.totals.length = 0;
  st.keys.length = 0;
  st.pendingAttributes = undefined;
  st.attributes = undefined;
  st.budget.close();
  st.texts.undecodable = undefined;
  st.pushThrew = false;
  st.strings.forget();
}

export function append(st: ReadState, bytes: Uint8Array): void {
  const n = bytes.length;
  let buf = st.buf;
  let end = st.end;
  if (end + n > buf.length) {
    const pos = st.pos;
    const live = end - pos;
    const need = live + n;
    const cap = buf.length;
    if (cap > RETAINED_CAPACITY && need <= RETAINED_CAPACITY >> 1) {
      // Shrink back after a large reply.
      buf = move(st, pos, end, capacityFor(need, 0));
    } else if (need <= cap && (live <= n || live <= pos)) {
      // Moving `live` bytes costs no more than copying the bytes that arrive now (or those
      // consumed since the last move), so repeated moves stay linear in the input.
      buf.copyWithin(0, pos, end);
    } else {
      buf = move(st, pos, end, capacityFor(need, cap));
    }
    st.base += pos;
    st.pos = 0;
    end = live;
    st.strings.forget();
  }
  buf.set(bytes, end);
  st.end = end + n;
}

export function growBulk(st: ReadState, need: number): Uint8Array {
  const old = st.bulk!;
  const bulk = new Uint8Array(Math.min(st.bulkLength, Math.max(old.length * 2, need)));
  bulk.set(old.subarray(0, st.bulkFilled));
  st.bulk = bulk;
  return bulk;
}

export function move(st: ReadState, pos: number, end: number, capacity: number): Uint8Array {
  const next = new Uint8Array(capacity);
  if (end > pos) next.set(st.buf.subarray(pos, end));
  st.buf = next;
  return next;
}

export function needMore(st: ReadState): undefined {
  if (st.pos === st.end) {
    st.base += st.end;
    st.pos = st.end = 0;
    st.strings.forget();
    if (st.buf.length > RETAINED_CAPACITY) st.buf = EMPTY;
  }
  return undefined;
}

export function fail(st: ReadState, message: string, at: number, cause?: unknown): never {
  const offset = st.base + at;
  const error = new ProtocolError(
    `${message} at offset ${offset}`,
    cause === undefined ? { offset } : { offset, cause },
  );
  st.error = error;
  // Nothing will be parsed until reset(): let go of what was held.
  st.bulk = undefined;
  st.containers.length = 0;
  st.keys.length = 0;
  throw error;
}

export function failAt(st: ReadState, message: string, streamOffset: number): never {
  return fail(st, message, streamOffset - st.base);
}

function capacityFor(need: number, current: number): number {
  let capacity = DEFAULT_CAPACITY;
  while (capacity < need) capacity *= 2;
  return capacity > current ? capacity : current * 2;
}
