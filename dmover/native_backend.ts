import type { NativeLibrary } from "../native/mod.ts";
import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import type { DmoverFunction } from "./functions.ts";
import { byArity, type CostModel, modelSpeed, xorArity } from "./_model.ts";
import { overlaps } from "./_validate.ts";
import { forEachPiece, walkChunks } from "./_walk.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";
import { OP } from "../native/_dmover_ops.ts";
import { MAX_MEMORIES, opArgs, OpTable } from "./_op_table.ts";

const U32_MAX = 0xffff_ffff;

// Fitted to one-shot calls from 16 B to 4 KiB (see _model.ts). copy and fill cost an FFI call for
// the memmove/memset that Uint8Array.prototype.set/fill already are: the same bandwidth as the
// TypeScript backend and a higher fixed cost, so `auto` never picks them here.
const COPY: CostModel = { overheadNs: 122, gbps: 90 };
const FILL: CostModel = { overheadNs: 88, gbps: 100 };
const CRC32C_HW: CostModel = { overheadNs: 97, gbps: 23 };
const CRC32C_TABLE: CostModel = { overheadNs: 97, gbps: 2 }; // slicing-by-8 in C

// The functions beyond dmover_io, through the generic entry point (one call, the table built in
// TypeScript); streaming rates from the C kernels on an AVX-512 machine, per input where the cost
// grows with the inputs.
const OP_NS = 260;
const COMPARE: CostModel = { overheadNs: OP_NS, gbps: 30 };
const COPY_CRC32C: CostModel = { overheadNs: OP_NS, gbps: 14 };
const DUALCAST: CostModel = { overheadNs: OP_NS, gbps: 20 };
const PER_INPUT_NS = 0.022; // ns per byte per input of xor and xor-check
const PQ_PER_INPUT_NS = 0.02; // ns per byte per data block of pq
const RECOVER_NS = 0.3; // ns per byte of pq-recover's combining step

function perInputModel(request: number, perInput: number, extra = 0): CostModel {
  return { overheadNs: OP_NS + 20 * request, gbps: 1 / (perInput * request + extra) };
}

function xorModel(n: number): CostModel {
  return { overheadNs: byArity(n, 180, 251, 401), gbps: 1 / byArity(n, 0.0206, 0.0485, 0.128) };
}

/**
 * Builds the (views, table) form of a request for the shim's scatter/gather kernels: each side must
 * lie in one ArrayBuffer and span at most 4 GiB - 1, else `add` returns false and the caller falls
 * back to one call per contiguous chunk.
 */
class TableBuilder {
  table = new Uint32Array(64);
  words = 0;
  views: Uint8Array[] = [];

  reset(first: number): void {
    this.words = first;
  }

  #reserve(words: number): void {
    if (this.words + words <= this.table.length) return;
    const grown = new Uint32Array(Math.max(this.table.length * 2, this.words + words));
    grown.set(this.table.subarray(0, this.words));
    this.table = grown;
  }

  add(side: DmoverBuffer, k: number): boolean {
    if (side instanceof Uint8Array) {
      if (side.length > U32_MAX) return false;
      this.#reserve(3);
      const t = this.table;
      t[this.words] = 1;
      t[this.words + 1] = 0;
      t[this.words + 2] = side.length;
      this.words += 3;
      this.views[k] = side;
      return true;
    }
    const first = side[0]!.buffer;
    let same = first.length <= U32_MAX;
    const memory = first.buffer;
    let previous = first;
    let lo = Infinity;
    let hi = -Infinity;
    for (const iov of side) {
      const view = iov.buffer;
      if (view !== previous) {
        // A new view: the .buffer getter is costly, so only here.
        if (view.buffer !== memory) return false;
        previous = view;
        same = false;
      }
      if (iov.length === 0) continue;
      const start = view.byteOffset + iov.offset;
      if (start < lo) lo = start;
      if (start + iov.length > hi) hi = start + iov.length;
    }
    this.#reserve(1 + 2 * side.length);
    const t = this.table;
    let at = this.words;
    t[at++] = side.length;
    if (same) {
      // Every piece is in one view (an arena): use it as it is.
      for (const iov of side) {
        t[at++] = iov.offset;
        t[at++] = iov.length;
      }
      this.views[k] = first;
    } else {
      if (hi - lo > U32_MAX) return false;
      for (const iov of side) {
        t[at++] = iov.length === 0 ? 0 : iov.buffer.byteOffset + iov.offset - lo;
        t[at++] = iov.length;
      }
      this.views[k] = new Uint8Array(memory, lo, hi - lo);
    }
    this.words = at;
    return true;
  }
}

/**
 * Creates the backend that runs kernels in the native shim, vectorised for the CPU (AVX-512 or
 * AVX2 when present, else SSE2 or NEON; see `NativeLibrary.dmoverIsa`): `xor2`..`xor8` and
 * `iscsi-crc32c` (the CPU's CRC32 instruction when present, tables otherwise), and `xor`,
 * `compare`, `compare-pattern`, `copy-crc32c`, `dualcast`, `xor-check`, `pq` and `pq-recover`, in
 * one FFI call per request however many iovecs it has when each side lies in one ArrayBuffer (and
 * the sides in at most 12 of them); `copy`, `zero` and `fill8` through the shim's memmove/memset,
 * which `auto` never picks over the TypeScript built-ins.
 *
 * @param library The loaded shim, from `nativeStatus()`.
 * @returns The backend, named `native`.
 * @throws {DmoverError} `ENXIO` when the library was built without the dmover kernels.
 *
 * @example
 * ```ts
 * import { createNativeBackend, openSession } from "@dray/dray/dmover";
 * import { nativeStatus } from "@dray/dray/native";
 * import assert from "node:assert/strict";
 *
 * const status = nativeStatus();
 * if (status.available) {
 *   using session = openSession("xor2", { backend: createNativeBackend(status.library) });
 *   const out = new Uint8Array(2);
 *   session.submit({ id: 1, output: out, inputs: [new Uint8Array([1, 2]), new Uint8Array([3, 3])] });
 *   assert.equal((await session.readMany()).length, 1);
 *   assert.deepEqual(out, new Uint8Array([2, 1]));
 * }
 * ```
 */
export function createNativeBackend(library: NativeLibrary): DmoverBackend {
  if (!library.hasDmoverKernels) {
    throw new DmoverError(
      "ENXIO",
      `Cannot use ${library.path} for dmover: it has no dmover kernels; rebuild it with 'deno task native'`,
    );
  }
  const lib = library;
  const builder = new TableBuilder();
  const crcModel = lib.crc32cImplementation === "table" ? CRC32C_TABLE : CRC32C_HW;

  function fillPieces(out: DmoverBuffer, value: number): void {
    forEachPiece(out, (view, offset, length) => lib.fill(view, offset, value, length));
  }

  function copyChunk(views: Uint8Array[], offsets: number[], length: number): void {
    lib.copy(views[0]!, offsets[0]!, views[1]!, offsets[1]!, length);
  }

  function copy(request: DmoverRequest, length: number): undefined {
    const out = request.output!;
    const input = request.inputs![0]!;
    if (out instanceof Uint8Array && input instanceof Uint8Array) {
      lib.copy(out, 0, input, 0, length); // memmove
    } else if (overlaps(out, input)) {
      const staged = new Uint8Array(length);
      walkChunks([staged, input], length, copyChunk);
      walkChunks([out, staged], length, copyChunk);
    } else {
      walkChunks([out, input], length, copyChunk);
    }
    return undefined;
  }

  function crc32c(request: DmoverRequest): number {
    const input = request.inputs![0]!;
    const seed = (request.immediate as number | undefined) ?? 0;
    if (input instanceof Uint8Array) return lib.crc32c(input, 0, input.length, seed);
    builder.reset(1);
    if (builder.add(input, 0)) {
      builder.table[0] = seed;
      return lib.crc32cv(builder.views[0]!, builder.table, builder.words);
    }
    let crc = seed;
    forEachPiece(input, (view, offset, length) => {
      crc = lib.crc32c(view, offset, length, crc);
    });
    return crc;
  }

  function xorKernel(n: number): DmoverKernel {
    const offsets = new Array<number>(n).fill(0);
    const visit = (views: Uint8Array[], offs: number[], length: number): void => {
      lib.xor(views[0]!, offs[0]!, views.slice(1), offs.slice(1), length);
    };
    return (request: DmoverRequest, length: number): undefined => {
      const out = request.output!;
      const inputs = request.inputs!;
      let whole = out instanceof Uint8Array;
      for (let k = 0; whole && k < n; k++) whole = inputs[k] instanceof Uint8Array;
      if (whole) {
        lib.xor(out as Uint8Array, 0, inputs as readonly Uint8Array[], offsets, length);
        return undefined;
      }
      builder.reset(0);
      let gathered = builder.add(out, 0);
      for (let k = 0; gathered && k < n; k++) gathered = builder.add(inputs[k]!, k + 1);
      if (gathered) {
        const views = builder.views;
        lib.xorv(views[0]!, views.slice(1, n + 1), builder.table, builder.words);
      } else {
        walkChunks([out, ...inputs], length, visit, 2 ** 31);
      }
      return undefined;
    };
  }

  const xorKernels: DmoverKernel[] = [];
  for (let n = 2; n <= 8; n++) xorKernels[n] = xorKernel(n);

  // The functions beyond dmover_io: one call of the generic entry point when the sides lie in at
  // most 12 memories, else contiguous chunks (those beyond 11 memories copied through a scratch
  // buffer).
  const table = new OpTable();
  let scratch = new Uint8Array(0);
  type Result = "none" | "crc" | "offset";

  function chunked(
    fnName: string,
    op: number,
    outputs: number,
    request: DmoverRequest,
    length: number,
    result: Result,
  ): number | undefined {
    const outs = outputs === 1 ? [request.output!] : outputs > 1 ? [...request.outputs!] : [];
    const sides = [...outs, ...(request.inputs ?? [])];
    const n = sides.length - outputs;
    let crc = (request.immediate as number | undefined) ?? 0;
    let found = -1;
    let done = 0;
    const chunkSize = sides.length > MAX_MEMORIES ? 1 << 16 : 1 << 30;
    walkChunks(sides, length, (views, offs, chunk) => {
      if (found >= 0) return;
      const args = result === "crc" ? [crc, 0, 0, 0] : opArgs(fnName, request, done);
      table.begin(op, outputs, n, args);
      table.maxMemories = MAX_MEMORIES - 1; // the last one is for staging
      const staged: number[] = [];
      const pieces: Uint8Array[] = [];
      for (let s = 0; s < sides.length; s++) {
        const piece = views[s]!.subarray(offs[s]!, offs[s]! + chunk);
        pieces.push(piece);
        if (!table.add(piece)) staged.push(s);
      }
      table.maxMemories = MAX_MEMORIES;
      if (staged.length > 0) {
        // Rebuild with the staged sides in one scratch memory.
        if (scratch.length < staged.length * chunk) scratch = new Uint8Array(staged.length * chunk);
        table.begin(op, outputs, n, args);
        const slot = new Map<number, number>();
        staged.forEach((s, k) => {
          slot.set(s, k);
          if (s >= outputs) scratch.set(pieces[s]!, k * chunk);
        });
        const view = scratch.subarray(0, staged.length * chunk);
        for (let s = 0; s < sides.length; s++) {
          const k = slot.get(s);
          table.add(
            k === undefined ? pieces[s]! : [{ buffer: view, offset: k * chunk, length: chunk }],
          );
        }
      }
      lib.dmoverOp(table.table, table.memories, table.words);
      staged.forEach((s, k) => {
        if (s < outputs) pieces[s]!.set(scratch.subarray(k * chunk, (k + 1) * chunk));
      });
      if (result === "crc") crc = table.crc;
      else if (result === "offset" && table.offset >= 0) found = done + table.offset;
      done += chunk;
    }, chunkSize);
    return result === "crc" ? crc : result === "offset" ? found : undefined;
  }

  function opKernel(fnName: string, op: number, outputs: number, result: Result): DmoverKernel {
    return (request: DmoverRequest, length: number): number | undefined => {
      table.begin(op, outputs, request.inputs?.length ?? 0, opArgs(fnName, request));
      if (!table.addRequest(request, outputs)) {
        return chunked(fnName, op, outputs, request, length, result);
      }
      lib.dmoverOp(table.table, table.memories, table.words);
      return result === "crc" ? table.crc : result === "offset" ? table.offset : undefined;
    };
  }

  const variadicXor = opKernel("xor", OP.xor, 1, "none");
  const opKernels: Record<string, DmoverKernel> = {
    xor(request: DmoverRequest, length: number): undefined {
      const n = request.inputs!.length;
      (n <= 8 ? xorKernels[n]! : variadicXor)(request, length);
      return undefined;
    },
    compare: opKernel("compare", OP.compare, 0, "offset"),
    "compare-pattern": opKernel("compare-pattern", OP.comparePattern, 0, "offset"),
    "copy-crc32c": opKernel("copy-crc32c", OP.copyCrc32c, 1, "crc"),
    dualcast: opKernel("dualcast", OP.dualcast, 2, "none"),
    "xor-check": opKernel("xor-check", OP.xorCheck, 0, "offset"),
    pq: opKernel("pq", OP.pq, 2, "none"),
    "pq-recover": opKernel("pq-recover", OP.pqRecover, 2, "none"),
  };
  const kernels: Record<string, DmoverKernel> = {
    zero(request: DmoverRequest): undefined {
      fillPieces(request.output!, 0);
      return undefined;
    },
    fill8(request: DmoverRequest): undefined {
      fillPieces(request.output!, request.immediate as number);
      return undefined;
    },
    copy,
    "iscsi-crc32c": crc32c,
    ...opKernels,
  };

  return Object.freeze({
    name: "native",
    synchronous: true,
    speed(fn: DmoverFunction, length: number): number {
      switch (fn.name) {
        case "copy":
          return modelSpeed(COPY, length);
        case "zero":
        case "fill8":
          return modelSpeed(FILL, length);
        case "iscsi-crc32c":
          return modelSpeed(crcModel, length);
        case "compare":
        case "compare-pattern":
          return modelSpeed(COMPARE, length);
        case "copy-crc32c":
          return modelSpeed(COPY_CRC32C, length);
        case "dualcast":
          return modelSpeed(DUALCAST, length);
        case "xor":
        case "xor-check":
          return modelSpeed(perInputModel(4, PER_INPUT_NS), length);
        case "pq":
          return modelSpeed(perInputModel(4, PQ_PER_INPUT_NS), length);
        case "pq-recover":
          return modelSpeed(perInputModel(4, PQ_PER_INPUT_NS, RECOVER_NS), length);
      }
      const n = xorArity(fn.name);
      if (n === 0) return 0;
      return modelSpeed(xorModel(n), length);
    },
    kernel(fn: DmoverFunction): DmoverKernel | undefined {
      const n = xorArity(fn.name);
      if (n !== 0) return xorKernels[n];
      return Object.hasOwn(kernels, fn.name) ? kernels[fn.name] : undefined;
    },
  });
}
