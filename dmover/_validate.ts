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

/**
 * "the output of request '7'", "output 1 of 'pq'", "input 1 of 'xor'": `which` is -1 for the
 * output, -1 - k for output k of several, else the input's index.
 */
function sideName(which: number): string {
  const what = which >= 0 ? `input ${which}` : several ? `output ${-1 - which}` : "the output";
  return `${what} of ${subject()}`;
}

// Whether the function being checked has several outputs (only read to build messages).
let several = false;

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

// The ArrayBuffers behind a buffer, without duplicates. Pieces usually repeat one view (an
// arena), and the .buffer getter is the costly part, so a view equal to the previous one is skipped.
function memoriesOf(buffer: DmoverBuffer): ArrayBufferLike[] {
  if (buffer instanceof Uint8Array) return [buffer.buffer];
  const out: ArrayBufferLike[] = [];
  let previous: Uint8Array | undefined;
  for (const iov of buffer) {
    const view = iov.buffer;
    if (view === previous || iov.length === 0) continue;
    previous = view;
    const memory = view.buffer;
    if (!out.includes(memory)) out.push(memory);
  }
  return out;
}

function spansIn(buffer: DmoverBuffer, memory: ArrayBufferLike, into: Span[]): void {
  if (buffer instanceof Uint8Array) {
    if (buffer.buffer === memory) {
      into.push({ memory, start: buffer.byteOffset, end: buffer.byteOffset + buffer.length });
    }
    return;
  }
  let previous: Uint8Array | undefined;
  let shared = false;
  for (const iov of buffer) {
    if (iov.length === 0) continue;
    const view = iov.buffer;
    if (view !== previous) {
      previous = view;
      shared = view.buffer === memory;
    }
    if (!shared) continue;
    const start = view.byteOffset + iov.offset;
    into.push({ memory, start, end: start + iov.length });
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
 * meet). Both must have passed bufferLength. Buffers in different ArrayBuffers are told apart by
 * identity alone; only memory both share is compared span by span, sorted, so that two lists of
 * 1024 iovecs cost O(n log n).
 */
export function overlaps(output: DmoverBuffer, input: DmoverBuffer): boolean {
  if (output instanceof Uint8Array && input instanceof Uint8Array) {
    return output.buffer === input.buffer && rangesMeet(output, input);
  }
  const outMemories = memoriesOf(output);
  for (const memory of memoriesOf(input)) {
    if (!outMemories.includes(memory)) continue;
    const outs: Span[] = [];
    const ins: Span[] = [];
    spansIn(output, memory, outs);
    spansIn(input, memory, ins);
    if (outs.length * ins.length <= 64) {
      for (const o of outs) {
        for (const i of ins) if (o.start < i.end && i.start < o.end) return true;
      }
      continue;
    }
    // Sort the output's spans; for each input span, the last output span starting before its
    // end meets it when any span up to there reaches past its start (a running maximum of ends).
    outs.sort(byStart);
    const maxEnd: number[] = [];
    let reach = -1;
    for (const o of outs) {
      reach = Math.max(reach, o.end);
      maxEnd.push(reach);
    }
    for (const i of ins) {
      let lo = 0;
      let hi = outs.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (outs[mid]!.start < i.end) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0 && maxEnd[lo - 1]! > i.start) return true;
    }
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
  const outs = fn.outputs ?? 1;
  several = outs > 1;
  const output = request.output;
  const outputs = request.outputs;
  let length = 0;
  if (!fn.output) {
    if (output !== undefined || outputs !== undefined) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${fn.name}' takes no output`);
    }
  } else if (outs === 1) {
    if (outputs !== undefined) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${fn.name}' takes one output, given as 'output'`,
      );
    }
    if (output === undefined) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${fn.name}' needs an output`);
    }
    length = bufferLength(output, -1);
  } else {
    if (output !== undefined || !Array.isArray(outputs) || outputs.length !== outs) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${fn.name}' takes ${outs} outputs in 'outputs', got '${
          describe(outputs)
        }'`,
      );
    }
    for (let k = 0; k < outs; k++) {
      const total = bufferLength(outputs[k], -1 - k);
      if (k === 0) {
        length = total;
      } else if (total !== length) {
        throw invalid(
          `Cannot ${verb()} ${subject()}: output ${k} holds '${total}' bytes, expected ${length}`,
        );
      }
    }
  }
  const inputs = request.inputs;
  const most = fn.inputs;
  const fewest = fn.minInputs ?? most;
  if (most === 0) {
    if (inputs !== undefined && (!Array.isArray(inputs) || inputs.length !== 0)) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${fn.name}' takes no inputs`);
    }
  } else {
    if (!Array.isArray(inputs) || inputs.length < fewest || inputs.length > most) {
      const count = fewest === most ? `${most}` : `${fewest} to ${most}`;
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${fn.name}' takes ${count} input${
          most === 1 ? "" : "s"
        }, got '${describe(inputs)}'`,
      );
    }
    const n = inputs.length;
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
      if (outs === 1) {
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
      } else {
        for (let k = 0; k < outs; k++) {
          const out = outputs![k]!;
          for (let j = k + 1; j < outs; j++) {
            if (overlaps(out, outputs![j]!)) {
              throw invalid(
                `Cannot ${verb()} ${subject()}: output ${k} overlaps output ${j}, which '${fn.name}' does not allow`,
              );
            }
          }
          for (let i = 0; i < n; i++) {
            if (overlaps(out, inputs[i]!)) {
              throw invalid(
                `Cannot ${verb()} ${subject()}: input ${i} overlaps output ${k}, which '${fn.name}' does not allow`,
              );
            }
          }
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
  } else if (!immediateFits(immediate, rule.max)) {
    throw invalid(
      `Cannot ${verb()} ${subject()}: immediate '${
        describe(immediate)
      }' is not an integer from 0 to ${rule.max}`,
    );
  }
  const dependsOn = request.dependsOn;
  if (dependsOn !== undefined && typeof dependsOn !== "number") {
    throw invalid(
      `Cannot ${verb()} ${subject()}: dependsOn '${describe(dependsOn)}' is not a request id`,
    );
  }
  const fence = request.fence;
  if (fence !== undefined && typeof fence !== "boolean") {
    throw invalid(`Cannot ${verb()} ${subject()}: fence '${describe(fence)}' is not a boolean`);
  }
  if (fn.check !== undefined) {
    const why = fn.check(request, length);
    if (why !== undefined) throw invalid(`Cannot ${verb()} ${subject()}: ${why}`);
  }
  return length;
}

function immediateFits(immediate: unknown, max: number | bigint): boolean {
  // A bigint only where the rule's max is one: every other kernel may treat its immediate as a number.
  if (typeof immediate === "bigint") {
    return typeof max === "bigint" && immediate >= 0n && immediate <= max;
  }
  return Number.isInteger(immediate) && (immediate as number) >= 0 &&
    (immediate as number) <= max && Number.isSafeInteger(immediate);
}
