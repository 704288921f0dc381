import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import type { DmoverFunction } from "./functions.ts";
import { byArity, type CostModel, modelSpeed, xorArity } from "./_model.ts";
import { crc32cUpdate } from "./_ts_crc32c.ts";
import { XOR_WORDS_FROM, xorInto } from "./_ts_xor.ts";
import { overlaps } from "./_validate.ts";
import { walkChunks } from "./_walk.ts";
import {
  tsCompare,
  tsComparePattern,
  tsCopyCrc32c,
  tsDualcast,
  tsPq,
  tsPqRecover,
  tsXor,
  tsXorCheck,
} from "./_ts_ops.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";

const ZEROS: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]);

// Fitted to one-shot calls from 16 B to 4 KiB (see _model.ts). copy and fill share the native
// backend's bandwidth (both are memmove/memset); only the fixed cost differs.
const COPY: CostModel = { overheadNs: 78, gbps: 90 };
const FILL: CostModel = { overheadNs: 74, gbps: 100 };
const CRC32C: CostModel = { overheadNs: 66, gbps: 1.31 };
// The functions beyond dmover_io (see _ts_ops.ts); fitted like the others. Per input, for xor,
// xor-check and pq: their cost grows with the number of inputs.
const COMPARE: CostModel = { overheadNs: 250, gbps: 3.5 };
const COMPARE_PATTERN: CostModel = { overheadNs: 300, gbps: 3.5 };
const COPY_CRC32C: CostModel = { overheadNs: 150, gbps: 1.2 };
const DUALCAST: CostModel = { overheadNs: 150, gbps: 30 };
const PER_INPUT_NS = 0.35; // ns per byte per input of xor, xor-check (word loops)
const PQ_PER_INPUT_NS = 0.9; // ns per byte per data block of pq and pq-recover

/** A cost model for the variadic functions: `perInput` ns per byte per input. */
function perInputModel(request: number, perInput: number): CostModel {
  return { overheadNs: 300 + 40 * request, gbps: 1 / (perInput * request) };
}

// xorN has two regimes: a byte loop below XOR_WORDS_FROM bytes, 32-bit word views above.
function xorModel(n: number, length: number): CostModel {
  if (length < XOR_WORDS_FROM) {
    return { overheadNs: byArity(n, 110, 157, 255), gbps: 1 / byArity(n, 2.25, 3.9, 8.1) };
  }
  return { overheadNs: byArity(n, 183, 296, 470), gbps: 1 / byArity(n, 0.186, 0.306, 0.582) };
}

function fillPieces(out: DmoverBuffer, value: number): void {
  if (out instanceof Uint8Array) {
    out.fill(value);
    return;
  }
  for (const iov of out) {
    if (iov.length !== 0) iov.buffer.fill(value, iov.offset, iov.offset + iov.length);
  }
}

function zero(request: DmoverRequest): undefined {
  fillPieces(request.output!, 0);
  return undefined;
}

function fill8(request: DmoverRequest): undefined {
  fillPieces(request.output!, request.immediate as number);
  return undefined;
}

/** Copies every byte of `from`, walked in order, into `to`, walked in order. */
function gatherInto(to: Uint8Array, from: DmoverBuffer): void {
  if (from instanceof Uint8Array) {
    to.set(from);
    return;
  }
  let at = 0;
  for (const iov of from) {
    to.set(iov.buffer.subarray(iov.offset, iov.offset + iov.length), at);
    at += iov.length;
  }
}

function scatterFrom(to: DmoverBuffer, from: Uint8Array): void {
  if (to instanceof Uint8Array) {
    to.set(from);
    return;
  }
  let at = 0;
  for (const iov of to) {
    iov.buffer.set(from.subarray(at, at + iov.length), iov.offset);
    at += iov.length;
  }
}

function copyChunk(views: Uint8Array[], offsets: number[], length: number): void {
  const from = offsets[1]!;
  views[0]!.set(views[1]!.subarray(from, from + length), offsets[0]!);
}

function copy(request: DmoverRequest, length: number): undefined {
  const out = request.output!;
  const input = request.inputs![0]!;
  if (out instanceof Uint8Array && input instanceof Uint8Array) {
    out.set(input); // memmove: the spec copies through a clone when the memory is shared
    return undefined;
  }
  if (overlaps(out, input)) {
    // memmove over scatter/gather lists: read every input byte before writing any output byte.
    const staged = new Uint8Array(length);
    gatherInto(staged, input);
    scatterFrom(out, staged);
    return undefined;
  }
  walkChunks([out, input], length, copyChunk);
  return undefined;
}

function crc32c(request: DmoverRequest): number {
  const input = request.inputs![0]!;
  let crc = (request.immediate as number | undefined) ?? 0;
  if (input instanceof Uint8Array) return crc32cUpdate(crc, input, 0, input.length);
  for (const iov of input) crc = crc32cUpdate(crc, iov.buffer, iov.offset, iov.offset + iov.length);
  return crc;
}

function xorKernel(n: number): DmoverKernel {
  const visit = (views: Uint8Array[], offsets: number[], length: number): void => {
    xorInto(views[0]!, offsets[0]!, views, offsets, 1, n, length);
  };
  return (request: DmoverRequest, length: number): undefined => {
    const out = request.output!;
    const inputs = request.inputs!;
    let whole = out instanceof Uint8Array;
    for (let k = 0; whole && k < n; k++) whole = inputs[k] instanceof Uint8Array;
    if (whole) {
      xorInto(out as Uint8Array, 0, inputs as readonly Uint8Array[], ZEROS, 0, n, length);
    } else {
      walkChunks([out, ...inputs], length, visit);
    }
    return undefined;
  };
}

const xorKernels: DmoverKernel[] = [];
for (let n = 2; n <= 8; n++) xorKernels[n] = xorKernel(n);

/**
 * The pure-TypeScript backend, always present: `TypedArray` built-ins for `copy` (`set`, which is
 * memmove), `zero` and `fill8` (`fill`, which is memset), `dualcast`; 32-bit word loops for
 * `xor2`..`xor8`, `xor`, `compare`, `compare-pattern`, `xor-check`, and for `pq` and `pq-recover`
 * (GF(2^8) arithmetic four bytes at a time); slicing-by-8 tables for `iscsi-crc32c` and
 * `copy-crc32c`.
 *
 * @example Forcing the TypeScript path
 * ```ts
 * import { openSession, tsBackend } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("iscsi-crc32c", { backend: tsBackend });
 * session.submit({ id: 1, inputs: [new TextEncoder().encode("123456789")] });
 * const completion = await session.read();
 * assert.equal(completion.immediate, 0xe3069283);
 * ```
 */
export const tsBackend: DmoverBackend = Object.freeze({
  name: "ts",
  synchronous: true,
  speed(fn: DmoverFunction, length: number): number {
    switch (fn.name) {
      case "copy":
        return modelSpeed(COPY, length);
      case "zero":
      case "fill8":
        return modelSpeed(FILL, length);
      case "iscsi-crc32c":
        return modelSpeed(CRC32C, length);
      case "compare":
        return modelSpeed(COMPARE, length);
      case "compare-pattern":
        return modelSpeed(COMPARE_PATTERN, length);
      case "copy-crc32c":
        return modelSpeed(COPY_CRC32C, length);
      case "dualcast":
        return modelSpeed(DUALCAST, length);
      case "xor":
      case "xor-check":
        // A typical request of 4 inputs: the estimate only decides ts against native by length.
        return modelSpeed(perInputModel(4, PER_INPUT_NS), length);
      case "pq":
      case "pq-recover":
        return modelSpeed(perInputModel(4, PQ_PER_INPUT_NS), length);
    }
    const n = xorArity(fn.name);
    if (n === 0) return 0;
    return modelSpeed(xorModel(n, length), length);
  },
  kernel(fn: DmoverFunction): DmoverKernel | undefined {
    switch (fn.name) {
      case "zero":
        return zero;
      case "fill8":
        return fill8;
      case "copy":
        return copy;
      case "iscsi-crc32c":
        return crc32c;
      case "xor":
        return tsXor;
      case "compare":
        return tsCompare;
      case "compare-pattern":
        return tsComparePattern;
      case "copy-crc32c":
        return tsCopyCrc32c;
      case "dualcast":
        return tsDualcast;
      case "xor-check":
        return tsXorCheck;
      case "pq":
        return tsPq;
      case "pq-recover":
        return tsPqRecover;
    }
    const n = xorArity(fn.name);
    return n === 0 ? undefined : xorKernels[n];
  },
});
