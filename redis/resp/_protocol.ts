// The RESP wire format: type bytes, their names, and the bounds that follow from int64 lengths
// and from what JavaScript collections can hold.

import { quote } from "./_text.ts";

export const CR = 13;
export const LF = 10;

// Type bytes.
export const SIMPLE = 43; // +
export const ERROR = 45; // -
export const INTEGER = 58; // :
export const BULK = 36; // $
export const ARRAY = 42; // *
export const NULL = 95; // _
export const DOUBLE = 44; // ,
export const BOOLEAN = 35; // #
export const BLOB_ERROR = 33; // !
export const VERBATIM = 61; // =
export const BIG_NUMBER = 40; // (
export const MAP = 37; // %
export const SET = 126; // ~
export const ATTRIBUTE = 124; // |
export const PUSH = 62; // >

export const DEFAULT_MAX_DEPTH = 1024;
// The longest array V8 builds here: one element more throws "Invalid array length" (measured on
// Deno 2.9.6 by growing an array until it throws). Also the default and the largest maxElements.
export const MAX_ELEMENTS = 2 ** 27;
export const DEFAULT_MAX_BULK = 512 * 1024 * 1024; // Redis's proto-max-bulk-len
// One reply with its attributes (see _budget.ts): 1 GiB holds a 512 MiB bulk string twice over;
// 2^25 elements (an aggregate counting 8 more for itself) stay near 1 GB of V8 heap whatever
// the reply's shape, well under the ~4 GiB heap limit of these machines.
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_MAX_REPLY_ELEMENTS = 2 ** 25;
// Big numbers and doubles: BigInt() of a text costs more than linear time (10 million digits block
// the event loop for seconds, the CVE-2020-10735 class). 4300 digits, as Python's default
// int_max_str_digits, parse in microseconds; a double never needs more than a few dozen bytes.
export const DEFAULT_MAX_NUMBER_LENGTH = 4300;
// V8's longest string (2^29 - 24 UTF-16 units). UTF-8 never decodes to more units than it has
// bytes, so only a longer text can fail to decode.
export const MAX_STRING_LENGTH = 2 ** 29 - 24;
export const JS_COLLECTION_LIMIT = 2 ** 24; // entries a V8 Map or Set can hold
// Longest text of a length (19 digits) and of an integer (a sign and 19 digits): anything longer
// is beyond int64, so a header line never needs more than a few bytes of buffer.
export const MAX_LENGTH_TEXT = 19;
export const MAX_INTEGER_TEXT = 20;

// Values of a fixed text.
export const NULL_TEXT: Uint8Array = new Uint8Array([NULL, CR, LF]);
export const TRUE_TEXT: Uint8Array = new Uint8Array([BOOLEAN, 116, CR, LF]);
export const FALSE_TEXT: Uint8Array = new Uint8Array([BOOLEAN, 102, CR, LF]);

/**
 * Whether `text` (a fixed value such as `#t\r\n`) is at `p`: -1 when all of it is, -2 while
 * what has arrived is a prefix of it, else the index of the first byte that differs.
 */
export function fixedEnd(buf: Uint8Array, p: number, end: number, text: Uint8Array): number {
  const stop = Math.min(end, p + text.length);
  for (let i = p + 1; i < stop; i++) if (buf[i] !== text[i - p]) return i;
  return stop === p + text.length ? -1 : -2;
}

/** What each type byte is called in error messages. */
export const NAMES: Record<number, string> = {
  [SIMPLE]: "simple string",
  [ERROR]: "simple error",
  [INTEGER]: "integer",
  [BULK]: "bulk string",
  [ARRAY]: "array",
  [NULL]: "null",
  [DOUBLE]: "double",
  [BOOLEAN]: "boolean",
  [BLOB_ERROR]: "blob error",
  [VERBATIM]: "verbatim string",
  [BIG_NUMBER]: "big number",
  [MAP]: "map",
  [SET]: "set",
  [ATTRIBUTE]: "attribute",
  [PUSH]: "push",
};

/** "A bulk string", "An array": the type's name with its article, for a message. */
export function article(type: number): string {
  const name = NAMES[type]!;
  return `${/^[aeiou]/.test(name) ? "An" : "A"} ${name}`;
}

/** Validates a bound given in the options, or returns its default. */
export function limit(
  name: string,
  value: number | undefined,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Cannot use ${name} "${value}": expected an integer from 0 to ${max}`);
  }
  return value;
}

/** The message for an invalid header line at `p`, quoting it up to its CR or `limit + 1` bytes. */
export function badHeader(buf: Uint8Array, p: number, end: number, limit: number): string {
  const stop = Math.min(end, p + 2 + limit);
  let e = p + 1;
  while (e < stop && buf[e] !== CR && buf[e] !== LF) e++;
  if (e < stop && buf[e] === LF) e++; // a bare LF ends the line too, wrongly: show it
  const what = buf[p] === INTEGER ? "integer" : `${NAMES[buf[p]!]} length`;
  return `Invalid ${what} ${quote(buf, p + 1, e, limit + 1)}`;
}

/** A reader's bounds, validated, with their defaults filled in. */
export interface ReaderLimits {
  maxDepth: number;
  maxElements: number;
  maxBulkLength: number;
  maxLineLength: number;
  /** Never above maxLineLength. */
  maxNumberLength: number;
  maxReplyBytes: number;
  maxReplyElements: number;
}

/** Validates the bounds among a reader's options (a RangeError names the first bad one). */
export function readerLimits(
  options: {
    readonly [K in keyof ReaderLimits]?: number | undefined;
  },
): ReaderLimits {
  const safe = Number.MAX_SAFE_INTEGER;
  const maxLineLength = limit("maxLineLength", options.maxLineLength, DEFAULT_MAX_BULK, safe);
  const maxNumber = limit(
    "maxNumberLength",
    options.maxNumberLength,
    DEFAULT_MAX_NUMBER_LENGTH,
    safe,
  );
  return {
    maxDepth: limit("maxDepth", options.maxDepth, DEFAULT_MAX_DEPTH, 2 ** 31),
    maxElements: limit("maxElements", options.maxElements, MAX_ELEMENTS, MAX_ELEMENTS),
    maxBulkLength: limit("maxBulkLength", options.maxBulkLength, DEFAULT_MAX_BULK, safe),
    maxLineLength,
    maxNumberLength: Math.min(maxNumber, maxLineLength),
    maxReplyBytes: limit("maxReplyBytes", options.maxReplyBytes, DEFAULT_MAX_REPLY_BYTES, safe),
    maxReplyElements: limit(
      "maxReplyElements",
      options.maxReplyElements,
      DEFAULT_MAX_REPLY_ELEMENTS,
      safe,
    ),
  };
}

/**
 * Index of the CR that ends a header line whose type byte is at `p` and whose text may be at
 * most `limit` bytes, when the LF after it is there too; -1 when more bytes are needed; -2 when
 * the line is too long, holds a bare LF, or its CR is not followed by LF.
 */
export function headerEnd(buf: Uint8Array, p: number, end: number, limit: number): number {
  const stop = Math.min(end, p + 2 + limit);
  for (let i = p + 1; i < stop; i++) {
    if (buf[i] === LF) return -2;
    if (buf[i] !== CR) continue;
    if (i + 1 === end) return -1;
    return buf[i + 1] === LF ? i : -2;
  }
  return stop === end && end < p + 2 + limit ? -1 : -2;
}

/** The shared string for a common simple string (`OK` is handled before), or undefined. */
export function cached(buf: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  if (length === 4 && buf[start] === 80 && buf[start + 1] === 79 && buf[start + 2] === 78) {
    if (buf[start + 3] === 71) return "PONG";
  } else if (length === 6 && buf[start] === 81 && buf[start + 1] === 85 && buf[start + 2] === 69) {
    if (buf[start + 3] === 85 && buf[start + 4] === 69 && buf[start + 5] === 68) return "QUEUED";
  }
  return undefined;
}
