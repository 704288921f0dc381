// The RESP wire format: type bytes, their names, and the bounds that follow from int64 lengths
// and from what JavaScript collections can hold.

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
export const MAX_ELEMENTS = 2 ** 32 - 1; // the longest JavaScript array
export const DEFAULT_MAX_BULK = 512 * 1024 * 1024; // Redis's proto-max-bulk-len
export const JS_COLLECTION_LIMIT = 2 ** 24; // entries a V8 Map or Set can hold
// Longest text of a length (19 digits) and of an integer (a sign and 19 digits): anything longer
// is beyond int64, so a header line never needs more than a few bytes of buffer.
export const MAX_LENGTH_TEXT = 19;
export const MAX_INTEGER_TEXT = 20;

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

/**
 * Index of the CR that ends a header line whose type byte is at `p` and whose text may be at
 * most `limit` bytes, when the LF after it is there too; -1 when more bytes are needed; -2 when
 * the line is too long or its CR is not followed by LF.
 */
export function headerEnd(buf: Uint8Array, p: number, end: number, limit: number): number {
  const stop = Math.min(end, p + 2 + limit);
  for (let i = p + 1; i < stop; i++) {
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
