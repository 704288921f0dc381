// The TypeScript half of the C checks on the shim's tables (dray_sides_parse for the iovec tables
// of xorv/crc32cv, dray_op_run for the op tables): the same rules, as TypeErrors and RangeErrors,
// so that a malformed table never reaches C. Private to dray.

import {
  checkSpan,
  isDetached,
  isUint32Array,
  isUint8Array,
  lengthOf,
  U32_MAX,
} from "./_checks.ts";
import { OP_ARG, OP_HEADER, OP_IOV_MAX, OP_MAX_INPUTS, opShapeError } from "./_dmover_ops.ts";
import { isPinned } from "./_pin.ts";

/** The number of xor sources, checked to be from 2 to `max`. */
export function xorArity(sources: readonly Uint8Array[], max: number): number {
  if (!Array.isArray(sources) || sources.length < 2 || sources.length > max) {
    throw new RangeError(
      `Cannot xor '${
        Array.isArray(sources) ? sources.length : typeof sources
      }' sources: expected 2 to ${max}`,
    );
  }
  return sources.length;
}

/**
 * Checks an iovec table of `views.length` sides from word `start` (1 for crc32cv's seed), each
 * side a count and that many (offset, length) pairs inside its view, all sides of one total.
 */
export function checkIovTable(
  table: Uint32Array,
  words: number,
  start: number,
  views: readonly Uint8Array[],
): void {
  if (!isUint32Array(table)) {
    throw new TypeError("Cannot use the iovec table: expected a Uint32Array");
  }
  if (isDetached(table)) {
    throw new TypeError("Cannot use the iovec table: its buffer is detached or was transferred");
  }
  if (!Number.isInteger(words) || words < 0 || words > lengthOf(table) || words > U32_MAX) {
    throw new RangeError(
      `Cannot use '${words}' words of the iovec table: it holds ${lengthOf(table)}`,
    );
  }
  views.forEach((view, s) => {
    checkSpan(s === 0 && start === 0 ? "dst" : `sources[${s - 1 + start}]`, view, 0, 0);
    if (lengthOf(view) > U32_MAX) {
      throw new RangeError(
        `Cannot use a buffer of '${lengthOf(view)}' bytes: the limit is 2^32 - 1`,
      );
    }
  });
  let at = start;
  let first = 0;
  for (let s = 0; s < views.length; s++) {
    if (at >= words) throw new RangeError(`Cannot use the iovec table: side ${s} is missing`);
    const count = table[at++]!;
    if (count < 1 || count > 1024 || count > (words - at) / 2) {
      throw new RangeError(
        `Cannot use the iovec table: side ${s} has count '${count}', expected 1 to 1024 pairs that fit`,
      );
    }
    const sum = sidePairs(table, at, count, lengthOf(views[s]!), s, "iovec");
    if (s === 0) first = sum;
    else if (sum !== first) unequal("iovec", s, sum, first);
    at += 2 * count;
  }
}

/**
 * Checks an op table and its memories: the header's shape, every side's memory index and pairs,
 * one total; off-thread (`shared`), that every buffer is a fixed-length SharedArrayBuffer.
 */
export function checkOpTable(
  table: Uint32Array,
  words: number,
  memories: readonly Uint8Array[],
  shared: boolean,
): void {
  if (!isUint32Array(table)) {
    throw new TypeError("Cannot use the op table: expected a Uint32Array");
  }
  if (isDetached(table)) {
    throw new TypeError("Cannot use the op table: its buffer is detached or was transferred");
  }
  if (shared && !isPinned(table)) {
    throw new TypeError(
      "Cannot use the op table off-thread: it must be backed by a fixed-length SharedArrayBuffer",
    );
  }
  if (!Array.isArray(memories) || memories.length < 1 || memories.length > 12) {
    throw new RangeError(
      `Cannot use '${
        Array.isArray(memories) ? memories.length : typeof memories
      }' memories: expected 1 to 12`,
    );
  }
  for (let i = 0; i < memories.length; i++) {
    const view = memories[i]!;
    // A live non-empty view passes without building a name; anything else gets the full check.
    if (!isUint8Array(view) || lengthOf(view) === 0) {
      checkSpan(`memories[${i}]`, view, 0, 0);
    }
    if (lengthOf(view) > U32_MAX) {
      throw new RangeError(
        `Cannot use a memory of '${lengthOf(view)}' bytes: the limit is 2^32 - 1`,
      );
    }
    if (shared && !isPinned(view)) {
      throw new TypeError(
        `Cannot use memories[${i}] off-thread: it must be backed by a fixed-length SharedArrayBuffer, which cannot be transferred while C uses it`,
      );
    }
  }
  if (!Number.isInteger(words) || words < 0 || words > lengthOf(table)) {
    throw new RangeError(
      `Cannot use '${words}' words of the op table: it holds ${lengthOf(table)}`,
    );
  }
  if (words < OP_HEADER) {
    throw new RangeError(
      `Cannot use the op table: '${words}' words, the header needs ${OP_HEADER}`,
    );
  }
  const outputs = table[1]!;
  const inputs = table[2]!;
  const why = outputs > 2 || inputs > OP_MAX_INPUTS
    ? `${outputs} outputs and ${inputs} inputs are too many`
    : opShapeError(table[0]!, outputs, inputs, table[OP_ARG]!, table[OP_ARG + 1]!);
  if (why !== undefined) throw new RangeError(`Cannot use the op table: ${why}`);
  let at = OP_HEADER;
  let first = 0;
  for (let s = 0; s < outputs + inputs; s++) {
    if (words - at < 2) throw new RangeError(`Cannot use the op table: side ${s} is missing`);
    const memory = table[at++]!;
    const count = table[at++]!;
    if (memory >= memories.length) {
      throw new RangeError(
        `Cannot use the op table: side ${s} names memory '${memory}' of ${memories.length}`,
      );
    }
    if (count < 1 || count > OP_IOV_MAX || count > (words - at) / 2) {
      throw new RangeError(
        `Cannot use the op table: side ${s} has count '${count}', expected 1 to 1024 pairs that fit`,
      );
    }
    const sum = sidePairs(table, at, count, lengthOf(memories[memory]!), s, "op");
    if (s === 0) first = sum;
    else if (sum !== first) unequal("op", s, sum, first);
    at += 2 * count;
  }
}

/** The total of one side's `count` (offset, length) pairs from word `at`, each inside `cap`. */
function sidePairs(
  table: Uint32Array,
  at: number,
  count: number,
  cap: number,
  side: number,
  kind: string,
): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const off = table[at + 2 * i]!;
    const len = table[at + 2 * i + 1]!;
    if (off > cap || len > cap - off) {
      throw new RangeError(
        `Cannot use the ${kind} table: side ${side} pair ${i} (${off}, ${len}) lies outside ${cap} bytes`,
      );
    }
    sum += len;
  }
  return sum;
}

function unequal(kind: string, side: number, sum: number, first: number): never {
  throw new RangeError(
    `Cannot use the ${kind} table: side ${side} holds '${sum}' bytes, side 0 holds ${first}`,
  );
}
