// Request validation: every rule a request must meet before it may take a session slot. Pure: it
// reads the request and throws a DmoverError with code EINVAL, or returns the request's length.

import { DmoverError } from "./errors.ts";
import type { DmoverFunction } from "./functions.ts";
import type { DmoverBuffer, DmoverIovec, DmoverRequest } from "./types.ts";

/** The most iovecs one buffer may have (the IOV_MAX of dmover_io). */
export const IOV_MAX = 1024;

function invalid(message: string): DmoverError {
  return new DmoverError("EINVAL", message);
}

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}

function isDetached(view: Uint8Array): boolean {
  const buffer = view.buffer;
  return buffer instanceof ArrayBuffer && buffer.detached;
}

// The request being checked and, for one-shot helpers, the helper's name: only read to build
// messages, so that the common path builds no strings.
let current: DmoverRequest | undefined;
let oneShotName: string | undefined;

function verb(): string {
  return oneShotName === undefined ? "submit" : "run";
}

function subject(): string {
  return oneShotName === undefined ? `request '${describe(current?.id)}'` : `'${oneShotName}'`;
}

/** "the output of request '7'", "input 1 of 'xor'". */
function sideName(which: number): string {
  return `${which < 0 ? "the output" : `input ${which}`} of ${subject()}`;
}

/**
 * The total length of a buffer, after checking it: a non-empty Uint8Array, or 1..IOV_MAX iovecs,
 * each with an integer offset and length in its buffer, lengths checked one by one before they are
 * added, and a total from 1 to 2^53 - 1. `which` is -1 for the output, else the input's index.
 */
function bufferLength(buffer: DmoverBuffer | undefined, which: number): number {
  if (buffer instanceof Uint8Array) {
    const n = buffer.length;
    if (n === 0) {
      throw invalid(
        isDetached(buffer)
          ? `Cannot use ${sideName(which)}: its buffer is detached or was transferred`
          : `Cannot use ${sideName(which)}: it is empty`,
      );
    }
    return n;
  }
  if (!Array.isArray(buffer)) {
    throw invalid(
      `Cannot use ${sideName(which)} '${
        describe(buffer)
      }': expected a Uint8Array or a list of iovecs`,
    );
  }
  const list = buffer as readonly DmoverIovec[];
  const count = list.length;
  if (count < 1 || count > IOV_MAX) {
    throw invalid(`Cannot use ${sideName(which)}: '${count}' iovecs, expected 1 to ${IOV_MAX}`);
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const iov = list[i];
    if (typeof iov !== "object" || iov === null) {
      throw invalid(
        `Cannot use ${sideName(which)} iovec ${i} '${describe(iov)}': expected an object`,
      );
    }
    const view = iov.buffer;
    const offset = iov.offset;
    const length = iov.length;
    if (!(view instanceof Uint8Array)) {
      throw invalid(`Cannot use ${sideName(which)} iovec ${i}: its buffer is not a Uint8Array`);
    }
    if (!Number.isSafeInteger(length) || length < 0) {
      throw invalid(
        `Cannot use ${sideName(which)} iovec ${i} length '${
          describe(length)
        }': expected an integer from 0 to 2^53 - 1`,
      );
    }
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw invalid(
        `Cannot use ${sideName(which)} iovec ${i} offset '${
          describe(offset)
        }': expected an integer from 0 to 2^53 - 1`,
      );
    }
    if (offset > view.length || length > view.length - offset) {
      throw invalid(
        isDetached(view)
          ? `Cannot use ${sideName(which)} iovec ${i}: its buffer is detached or was transferred`
          : `Cannot use ${sideName(which)} iovec ${i} bytes ${offset}..${
            offset + length
          }: the buffer holds ${view.length}`,
      );
    }
    if (length > Number.MAX_SAFE_INTEGER - total) {
      throw invalid(`Cannot use ${sideName(which)}: its lengths add up to more than 2^53 - 1`);
    }
    total += length;
  }
  if (total === 0) throw invalid(`Cannot use ${sideName(which)}: its total length is 0`);
  return total;
}

// A span of memory by its ArrayBuffer and absolute byte range, for overlap checks.
interface Span {
  memory: ArrayBufferLike;
  start: number;
  end: number;
}

function spansOf(buffer: DmoverBuffer, into: Span[]): void {
  if (buffer instanceof Uint8Array) {
    into.push({
      memory: buffer.buffer,
      start: buffer.byteOffset,
      end: buffer.byteOffset + buffer.length,
    });
    return;
  }
  for (const iov of buffer) {
    if (iov.length === 0) continue;
    const start = iov.buffer.byteOffset + iov.offset;
    into.push({ memory: iov.buffer.buffer, start, end: start + iov.length });
  }
}

function byStart(a: Span, b: Span): number {
  return a.start - b.start;
}

function rangesMeet(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

/**
 * Whether any byte of `input` is also a byte of `output` (views of one ArrayBuffer whose ranges
 * meet). Both must have passed bufferLength.
 */
export function overlaps(output: DmoverBuffer, input: DmoverBuffer): boolean {
  if (output instanceof Uint8Array && input instanceof Uint8Array) {
    return output.buffer === input.buffer && rangesMeet(output, input);
  }
  const outs: Span[] = [];
  const ins: Span[] = [];
  spansOf(output, outs);
  spansOf(input, ins);
  if (outs.length * ins.length <= 64) {
    for (const o of outs) {
      for (const i of ins) {
        if (o.memory === i.memory && o.start < i.end && i.start < o.end) return true;
      }
    }
    return false;
  }
  // Many pieces: sort the output's spans per ArrayBuffer, then binary-search each input span.
  const byMemory = new Map<ArrayBufferLike, Span[]>();
  for (const o of outs) {
    const list = byMemory.get(o.memory);
    if (list === undefined) byMemory.set(o.memory, [o]);
    else list.push(o);
  }
  const sorted = new Map<ArrayBufferLike, { starts: number[]; maxEnd: number[] }>();
  for (const [memory, list] of byMemory) {
    list.sort(byStart);
    const starts: number[] = [];
    const maxEnd: number[] = [];
    let reach = -1;
    for (const s of list) {
      starts.push(s.start);
      reach = Math.max(reach, s.end);
      maxEnd.push(reach);
    }
    sorted.set(memory, { starts, maxEnd });
  }
  for (const i of ins) {
    const entry = sorted.get(i.memory);
    if (entry === undefined) continue;
    // The last output span starting before i.end; any span up to it that reaches past i.start meets i.
    let lo = 0;
    let hi = entry.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entry.starts[mid]! < i.end) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && entry.maxEnd[lo - 1]! > i.start) return true;
  }
  return false;
}

/**
 * Checks a request against its function and returns its length. Throws DmoverError EINVAL naming
 * the first rule broken.
 */
export function checkRequest(fn: DmoverFunction, request: DmoverRequest): number {
  oneShotName = undefined;
  current = request;
  return check(fn, request);
}

/** checkRequest for a one-shot helper: messages name the helper instead of a request id. */
export function checkOneShot(name: string, fn: DmoverFunction, request: DmoverRequest): number {
  oneShotName = name;
  current = request;
  try {
    return check(fn, request);
  } finally {
    oneShotName = undefined;
  }
}

function check(fn: DmoverFunction, request: DmoverRequest): number {
  if (typeof request !== "object" || request === null) {
    throw invalid(`Cannot ${verb()} '${describe(request)}': expected a request object`);
  }
  if (typeof request.id !== "number") {
    throw invalid(`Cannot submit a request with id '${describe(request.id)}': expected a number`);
  }
  const output = request.output;
  let length = 0;
  if (fn.output) {
    if (output === undefined) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${fn.name}' needs an output`);
    }
    length = bufferLength(output, -1);
  } else if (output !== undefined) {
    throw invalid(`Cannot ${verb()} ${subject()}: '${fn.name}' takes no output`);
  }
  const inputs = request.inputs;
  const n = fn.inputs;
  if (n === 0) {
    if (inputs !== undefined && (!Array.isArray(inputs) || inputs.length !== 0)) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${fn.name}' takes no inputs`);
    }
  } else {
    if (!Array.isArray(inputs) || inputs.length !== n) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${fn.name}' takes ${n} input${n === 1 ? "" : "s"}, got '${
          describe(inputs)
        }'`,
      );
    }
    for (let i = 0; i < n; i++) {
      const total = bufferLength(inputs[i], i);
      if (i === 0 && !fn.output) {
        length = total;
      } else if (total !== length) {
        throw invalid(
          `Cannot ${verb()} ${subject()}: input ${i} holds '${total}' bytes, expected ${length}`,
        );
      }
    }
    if (fn.output && !fn.overlap) {
      // One ArrayBuffer lookup for a whole output (the .buffer getter is the costly part).
      const memory = output instanceof Uint8Array ? output.buffer : undefined;
      for (let i = 0; i < n; i++) {
        const input = inputs[i]!;
        const meets = memory !== undefined && input instanceof Uint8Array
          ? memory === input.buffer && rangesMeet(output as Uint8Array, input)
          : overlaps(output!, input);
        if (meets) {
          const what = `Cannot ${verb()} ${subject()}: input ${i} overlaps the output`;
          throw invalid(`${what}, which '${fn.name}' does not allow`);
        }
      }
    }
  }
  const rule = fn.immediateIn;
  const immediate = request.immediate;
  if (rule === undefined) {
    if (immediate !== undefined) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${fn.name}' takes no immediate, got '${
          describe(immediate)
        }'`,
      );
    }
  } else if (immediate === undefined) {
    if (rule.default === undefined) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${fn.name}' needs an immediate`);
    }
  } else if (!Number.isInteger(immediate) || immediate < 0 || immediate > rule.max) {
    throw invalid(
      `Cannot ${verb()} ${subject()}: immediate '${
        describe(immediate)
      }' is not an integer from 0 to ${rule.max}`,
    );
  }
  return length;
}
