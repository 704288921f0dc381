// Request validation: every rule a request must meet before it may take a session slot. Pure: it
// reads each property of the request once, throws a DmoverError with code EINVAL or returns the
// request's length and leaves its trusted form (checkedRequest) for the backends. Views are read
// through their internal slots (native/_checks.ts), never their own properties, which can lie.

import { DmoverError } from "./errors.ts";
import { type DmoverFunction, isBuiltinFunction } from "./functions.ts";
import type { DmoverBuffer, DmoverIovec, DmoverRequest } from "./types.ts";
import { bufferOf, byteOffsetOf, isDetached, isUint8Array, lengthOf } from "../native/_checks.ts";
import { noteMemory, sidesMeet } from "./_overlap.ts";

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

// The request being checked and, for one-shot helpers, the helper's name: only read to build
// messages, so that the common path builds no strings.
let currentId: unknown;
let oneShotName: string | undefined;

function verb(): string {
  return oneShotName === undefined ? "submit" : "run";
}

function subject(): string {
  return oneShotName === undefined ? `request '${describe(currentId)}'` : `'${oneShotName}'`;
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
 * The view itself when it is a plain Uint8Array whose `length` says what its internal slots say
 * (`n`), else a plain view of the same bytes built from its internal slots: what the TypeScript
 * kernels then read through the ordinary properties. (Validation itself, the native backend and C
 * never read a view's own properties: see native/_checks.ts.) The constructor and one property
 * cost a few nanoseconds, where Object.getPrototypeOf and Object.hasOwn would cost tens.
 */
export function plainView(view: Uint8Array, n: number): Uint8Array {
  if (view.constructor === Uint8Array && view.length === n) return view;
  return new Uint8Array(bufferOf(view), byteOffsetOf(view), n);
}

// The trusted form of the side bufferLength checked last: a plain view, or a frozen copy of the
// iovec list whose entries are plain frozen objects (each property of the caller's iovec read once).
let checkedSide: DmoverBuffer = new Uint8Array(0);

/**
 * The total length of a buffer, after checking it: a live Uint8Array (maybe empty), or 0..IOV_MAX
 * iovecs, each with an integer offset and length in its buffer, lengths checked one by one before
 * they are added, and a total up to 2^53 - 1. Leaves the trusted form in `checkedSide`. `which` is
 * -1 for the output, else the input's index.
 */
function bufferLength(buffer: DmoverBuffer | undefined, which: number): number {
  if (isUint8Array(buffer)) {
    const n = lengthOf(buffer);
    if (n === 0 && isDetached(buffer)) {
      throw invalid(`Cannot use ${sideName(which)}: its buffer is detached or was transferred`);
    }
    checkedSide = plainView(buffer, n);
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
  if (count > IOV_MAX) {
    throw invalid(`Cannot use ${sideName(which)}: '${count}' iovecs, expected 0 to ${IOV_MAX}`);
  }
  const copy: DmoverIovec[] = new Array(count);
  let total = 0;
  let previous: Uint8Array | undefined;
  let previousPlain: Uint8Array | undefined;
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
    if (!isUint8Array(view)) {
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
    const size = lengthOf(view);
    if (offset > size || length > size - offset) {
      throw invalid(
        isDetached(view)
          ? `Cannot use ${sideName(which)} iovec ${i}: its buffer is detached or was transferred`
          : `Cannot use ${sideName(which)} iovec ${i} bytes ${offset}..${
            offset + length
          }: the buffer holds ${size}`,
      );
    }
    if (length > Number.MAX_SAFE_INTEGER - total) {
      throw invalid(`Cannot use ${sideName(which)}: its lengths add up to more than 2^53 - 1`);
    }
    total += length;
    if (view !== previous) {
      previous = view;
      previousPlain = plainView(view, size);
    }
    copy[i] = Object.freeze({ buffer: previousPlain!, offset, length });
  }
  checkedSide = Object.freeze(copy);
  return total;
}

// The memory of each whole-view side of the request being checked (undefined for an iovec list or
// an empty view) and whether it is a SharedArrayBuffer: scratch, refilled by every check.
const outMemories: (ArrayBufferLike | undefined)[] = [];
const outShared: boolean[] = [];
const inMemories: (ArrayBufferLike | undefined)[] = [];
const inShared: boolean[] = [];

/**
 * A request as validation left it: every property of the caller's request read once, every view
 * a plain one (see plainView), iovec lists copied and frozen, the immediate in its canonical form
 * (pq-recover's positions as a mask). Backends get this, never the caller's object, so nothing a
 * getter or another holder of the request changes after validation reaches them.
 */
export interface CheckedRequest {
  readonly id: number;
  readonly output: DmoverBuffer | undefined;
  readonly outputs: readonly DmoverBuffer[] | undefined;
  readonly inputs: readonly DmoverBuffer[] | undefined;
  readonly immediate: number | bigint | undefined;
  readonly dependsOn: number | undefined;
  readonly fence: boolean | undefined;
}

// The trusted form of the request checked last: one object and one array per count of outputs
// and of inputs, overwritten by every check, so that a request that runs at once allocates nothing
// here. Whoever keeps a request past the next check takes a copy (keepChecked).
const scratch = {
  id: 0,
  output: undefined as DmoverBuffer | undefined,
  outputs: undefined as readonly DmoverBuffer[] | undefined,
  inputs: undefined as readonly DmoverBuffer[] | undefined,
  immediate: undefined as number | bigint | undefined,
  dependsOn: undefined as number | undefined,
  fence: undefined as boolean | undefined,
};
const inputArrays: DmoverBuffer[][] = [];
const outputArrays: DmoverBuffer[][] = [];

function arrayOf(arrays: DmoverBuffer[][], n: number): DmoverBuffer[] {
  return arrays[n] ??= new Array(n);
}

/**
 * The trusted form of the request the last successful checkRequest or checkOneShot validated, as
 * the DmoverRequest backends take. It is overwritten by the next check: a caller that keeps it
 * (a request waiting for another, an asynchronous or registered backend, which may check requests
 * of its own while it runs) keeps {@linkcode keepChecked}'s copy instead.
 */
export function checkedRequest(): DmoverRequest {
  return scratch as unknown as DmoverRequest;
}

/** A frozen copy of a trusted form (from checkedRequest), which no later check changes. */
export function keepChecked(request: DmoverRequest): DmoverRequest {
  if (request !== (scratch as unknown as DmoverRequest)) return request;
  const kept: CheckedRequest = {
    id: scratch.id,
    output: scratch.output,
    outputs: scratch.outputs === undefined ? undefined : Object.freeze(scratch.outputs.slice()),
    inputs: scratch.inputs === undefined ? undefined : Object.freeze(scratch.inputs.slice()),
    immediate: scratch.immediate,
    dependsOn: scratch.dependsOn,
    fence: scratch.fence,
  };
  return Object.freeze(kept) as unknown as DmoverRequest;
}

/**
 * Checks a request against its function and returns its length; its trusted form is then
 * `checkedRequest()`. Throws DmoverError EINVAL naming the first rule broken.
 */
export function checkRequest(fn: DmoverFunction, request: DmoverRequest): number {
  oneShotName = undefined;
  return check(fn, request);
}

/** checkRequest for a one-shot helper: messages name the helper instead of a request id. */
export function checkOneShot(name: string, fn: DmoverFunction, request: DmoverRequest): number {
  oneShotName = name;
  try {
    return check(fn, request);
  } finally {
    oneShotName = undefined;
  }
}

const NO_BUFFERS: readonly DmoverBuffer[] = Object.freeze([]);

/**
 * A descriptor's rules as check() reads them, in one shape. Descriptors differ in shape (a frozen
 * copy has only the optional fields its function uses), and once a process uses several functions
 * every read of one in check() became a megamorphic lookup: measured, 64-byte copies through a
 * session went from 63 to 120 ns each after the other functions had run.
 */
class Rules {
  readonly name: string;
  readonly output: boolean;
  readonly outs: number;
  readonly most: number;
  readonly fewest: number;
  readonly overlap: boolean;
  readonly immediateIn: DmoverFunction["immediateIn"];
  readonly hasCheck: boolean;
  readonly builtin: boolean;

  constructor(fn: DmoverFunction) {
    this.name = fn.name;
    this.output = fn.output;
    this.outs = fn.outputs ?? 1;
    this.most = fn.inputs;
    this.fewest = fn.minInputs ?? fn.inputs;
    this.overlap = fn.overlap;
    this.immediateIn = fn.immediateIn;
    this.hasCheck = fn.check !== undefined;
    this.builtin = isBuiltinFunction(fn);
  }
}

// Registered descriptors are frozen copies, so their rules never change: made once each.
const rulesByFunction = new WeakMap<DmoverFunction, Rules>();
let lastFunction: DmoverFunction | undefined;
let lastRules: Rules | undefined;

function rulesOf(fn: DmoverFunction): Rules {
  if (fn === lastFunction) return lastRules!;
  let rules = rulesByFunction.get(fn);
  if (rules === undefined) {
    rules = new Rules(fn);
    rulesByFunction.set(fn, rules);
  }
  lastFunction = fn;
  lastRules = rules;
  return rules;
}

function check(fn: DmoverFunction, request: DmoverRequest): number {
  const r = rulesOf(fn);
  if (typeof request !== "object" || request === null) {
    currentId = undefined;
    throw invalid(`Cannot ${verb()} '${describe(request)}': expected a request object`);
  }
  const id = request.id;
  currentId = id;
  if (typeof id !== "number") {
    throw invalid(`Cannot submit a request with id '${describe(id)}': expected a number`);
  }
  const outs = r.outs;
  several = outs > 1;
  const output = request.output;
  const outputs = request.outputs;
  let length = 0;
  let checkedOutput: DmoverBuffer | undefined;
  let checkedOutputs: DmoverBuffer[] | undefined;
  if (!r.output) {
    if (output !== undefined || outputs !== undefined) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${r.name}' takes no output`);
    }
  } else if (outs === 1) {
    if (outputs !== undefined) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${r.name}' takes one output, given as 'output'`,
      );
    }
    if (output === undefined) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${r.name}' needs an output`);
    }
    length = bufferLength(output, -1);
    checkedOutput = checkedSide;
  } else {
    const count = Array.isArray(outputs) ? outputs.length : -1;
    if (output !== undefined || count !== outs) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${r.name}' takes ${outs} outputs in 'outputs', got '${
          describe(outputs)
        }'`,
      );
    }
    checkedOutputs = arrayOf(outputArrays, outs);
    for (let k = 0; k < outs; k++) {
      const total = bufferLength(outputs![k], -1 - k);
      checkedOutputs[k] = checkedSide;
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
  const most = r.most;
  const fewest = r.fewest;
  let checkedInputs: DmoverBuffer[] | undefined;
  if (most === 0) {
    if (inputs !== undefined && (!Array.isArray(inputs) || inputs.length !== 0)) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${r.name}' takes no inputs`);
    }
  } else {
    const n = Array.isArray(inputs) ? inputs.length : -1;
    if (n < fewest || n > most) {
      const count = fewest === most ? `${most}` : `${fewest} to ${most}`;
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${r.name}' takes ${count} input${
          most === 1 ? "" : "s"
        }, got '${describe(inputs)}'`,
      );
    }
    checkedInputs = arrayOf(inputArrays, n);
    for (let i = 0; i < n; i++) {
      const total = bufferLength(inputs![i], i);
      checkedInputs[i] = checkedSide;
      if (i === 0 && !r.output) {
        length = total;
      } else if (total !== length) {
        throw invalid(
          `Cannot ${verb()} ${subject()}: input ${i} holds '${total}' bytes, expected ${length}`,
        );
      }
    }
    if (r.output && !r.overlap && length > 0) {
      // Each side's memory read once (the costly getter), then compared pair by pair.
      for (let i = 0; i < n; i++) noteMemory(inMemories, inShared, i, checkedInputs[i]!);
      for (let k = 0; k < outs; k++) {
        const out = outs === 1 ? checkedOutput! : checkedOutputs![k]!;
        noteMemory(outMemories, outShared, k, out);
        for (let j = 0; j < k; j++) {
          if (
            sidesMeet(
              checkedOutputs![j]!,
              outMemories,
              outShared,
              j,
              out,
              outMemories,
              outShared,
              k,
            )
          ) {
            throw invalid(
              `Cannot ${verb()} ${subject()}: output ${j} overlaps output ${k}, which '${r.name}' does not allow`,
            );
          }
        }
        for (let i = 0; i < n; i++) {
          if (
            sidesMeet(out, outMemories, outShared, k, checkedInputs[i]!, inMemories, inShared, i)
          ) {
            throw invalid(
              outs === 1
                ? `Cannot ${verb()} ${subject()}: input ${i} overlaps the output, which '${r.name}' does not allow`
                : `Cannot ${verb()} ${subject()}: input ${i} overlaps output ${k}, which '${r.name}' does not allow`,
            );
          }
        }
      }
    }
  }
  const rule = r.immediateIn;
  let immediate: unknown = request.immediate;
  if (rule === undefined) {
    if (immediate !== undefined) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: '${r.name}' takes no immediate, got '${
          describe(immediate)
        }'`,
      );
    }
  } else if (immediate === undefined) {
    if (rule.default === undefined) {
      throw invalid(`Cannot ${verb()} ${subject()}: '${r.name}' needs an immediate`);
    }
  } else {
    if (rule.positions === true && Array.isArray(immediate)) {
      immediate = positionsMask(immediate, rule.max);
    }
    if (!immediateFits(immediate, rule.max)) {
      throw invalid(
        `Cannot ${verb()} ${subject()}: immediate '${describe(immediate)}' is not ${
          rule.positions === true
            ? `a list of distinct positions, or a mask, up to ${rule.max}`
            : `an integer from 0 to ${rule.max}`
        }`,
      );
    }
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
  const trusted = scratch;
  trusted.id = id;
  trusted.output = checkedOutput;
  trusted.outputs = checkedOutputs;
  trusted.inputs = checkedInputs ?? (inputs === undefined ? undefined : NO_BUFFERS);
  trusted.immediate = immediate as number | bigint | undefined;
  trusted.dependsOn = dependsOn;
  trusted.fence = fence;
  if (r.hasCheck && r.builtin) {
    const why = fn.check!(trusted as unknown as DmoverRequest, length);
    if (why !== undefined) throw invalid(`Cannot ${verb()} ${subject()}: ${why}`);
  } else if (r.hasCheck) {
    // A registered function's own check gets a copy, which stays the trusted form: the check may
    // run other checks (a one-shot helper) that overwrite the scratch.
    const kept = keepChecked(trusted as unknown as DmoverRequest) as unknown as CheckedRequest;
    const why = fn.check!(kept as unknown as DmoverRequest, length);
    if (why !== undefined) throw invalid(`Cannot ${verb()} ${subject()}: ${why}`);
    Object.assign(trusted, kept);
  }
  return length;
}

/**
 * The mask of a list of bit positions (pq-recover's lost blocks), or the list itself when it is
 * not one: each an integer from 0 whose bit fits `max`, none repeated.
 */
function positionsMask(positions: readonly unknown[], max: number | bigint): unknown {
  let mask = 0;
  const top = typeof max === "bigint" ? Number(max) : max;
  for (const k of positions) {
    if (!Number.isInteger(k) || (k as number) < 0 || 2 ** (k as number) > top) return positions;
    const bit = 2 ** (k as number);
    if (Math.floor(mask / bit) % 2 === 1) return positions;
    mask += bit;
  }
  return mask;
}

function immediateFits(immediate: unknown, max: number | bigint): boolean {
  // A bigint only where the rule's max is one: every other kernel may treat its immediate as a number.
  if (typeof immediate === "bigint") {
    return typeof max === "bigint" && immediate >= 0n && immediate <= max;
  }
  return Number.isInteger(immediate) && (immediate as number) >= 0 &&
    (immediate as number) <= max && Number.isSafeInteger(immediate);
}
