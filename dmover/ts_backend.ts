import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import type { DmoverFunction } from "./functions.ts";
import { modelSpeed, xorArity } from "./_model.ts";
import { catalogRow } from "./_catalog.ts";
import { crc32cUpdate } from "./_ts_crc32c.ts";
import { xorInto } from "./_ts_xor.ts";
import { overlaps, rangesMeet, sameMemory } from "./_overlap.ts";
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
import { registerDirect } from "./_direct.ts";
import { plainView } from "./_validate.ts";
import { bufferOf } from "../native/_checks.ts";

const ZEROS: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]);

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

// The kernel of each built-in function by name (xor2..xor8 by their arity, above).
const KERNELS: Readonly<Record<string, DmoverKernel>> = Object.freeze({
  "zero": zero,
  "fill8": fill8,
  "copy": copy,
  "iscsi-crc32c": crc32c,
  "xor": tsXor,
  "compare": tsCompare,
  "compare-pattern": tsComparePattern,
  "copy-crc32c": tsCopyCrc32c,
  "dualcast": tsDualcast,
  "xor-check": tsXorCheck,
  "pq": tsPq,
  "pq-recover": tsPqRecover,
});

/**
 * The pure-TypeScript backend, always present: `TypedArray` built-ins for `copy` (`set`, which is
 * memmove), `zero` and `fill8` (`fill`, which is memset), `dualcast`; 32-bit word loops for
 * `xor2`..`xor8`, `xor`, `compare`, `compare-pattern`, `xor-check`, and for `pq` and `pq-recover`
 * (GF(2^8) arithmetic four bytes at a time); slicing-by-8 tables for `iscsi-crc32c` and
 * `copy-crc32c`.
 *
 * @example Forcing the TypeScript path
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import { tsBackend } from "@dray/dray/dmover/backends";
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
    const row = catalogRow(fn.name);
    return row === undefined ? 0 : modelSpeed(row.ts(length), length);
  },
  kernel(fn: DmoverFunction): DmoverKernel | undefined {
    if (Object.hasOwn(KERNELS, fn.name)) return KERNELS[fn.name];
    const n = xorArity(fn.name);
    return n === 0 ? undefined : xorKernels[n];
  },
});

// TypedArray.prototype.set as it was when this module loaded: the direct copy calls it on the
// caller's view, whose own properties (or a subclass) must not stand in for it.
const SET = Object.getPrototypeOf(Uint8Array.prototype).set as (
  this: Uint8Array,
  source: Uint8Array,
) => void;

// The inputs of a direct xor, as plain views (see _validate.ts).
const PLAIN: Uint8Array[] = [];

registerDirect(tsBackend, {
  crc32c: (view: Uint8Array, length: number, seed: number): number =>
    crc32cUpdate(seed, view, 0, length),
  copy(dst: Uint8Array, src: Uint8Array): void {
    SET.call(dst, src); // memmove, as `copy` above
  },
  xor(memories: readonly Uint8Array[], n: number, length: number): boolean {
    // An input shares a byte with the output only as a view of that very ArrayBuffer, or of a
    // SharedArrayBuffer object over the same memory (sameMemory tells).
    const dst = memories[0]!;
    const memory = bufferOf(dst);
    const shared = memory instanceof SharedArrayBuffer;
    for (let k = 0; k < n; k++) {
      const input = memories[k + 1]!;
      const other = bufferOf(input);
      if ((other === memory || (shared && sameMemory(memory, other))) && rangesMeet(dst, input)) {
        return false;
      }
      PLAIN[k] = plainView(input, length);
    }
    xorInto(plainView(dst, length), 0, PLAIN, ZEROS, 0, n, length);
    return true;
  },
});
