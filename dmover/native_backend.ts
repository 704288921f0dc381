import type { NativeLibrary } from "../native/mod.ts";
import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import type { DmoverFunction } from "./functions.ts";
import { modelSpeed, xorArity } from "./_model.ts";
import { catalogRow, type ResultKind } from "./_catalog.ts";
import { trustedOps } from "../native/_trusted.ts";
import { lengthOf } from "../native/_checks.ts";
import { overlaps } from "./_overlap.ts";
import { forEachPiece, walkChunks } from "./_walk.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";
import { type ArgsKind, MAX_MEMORIES, OpTable } from "./_op_table.ts";
import { OP } from "../native/_dmover_ops.ts";
import { registerDirect } from "./_direct.ts";

const U32_MAX = 0xffff_ffff;
const ZERO_OFFSETS: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]);

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
 * import { openSession } from "@dray/dray/dmover";
 * import { createNativeBackend } from "@dray/dray/dmover/backends";
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
  // The checked wrappers stand in for a library object the loader did not make.
  const trusted = trustedOps(library) ?? {
    crc32c: (view: Uint8Array, seed: number): number => lib.crc32c(view, 0, lengthOf(view), seed),
    crc32cOf: (view: Uint8Array, length: number, seed: number): number =>
      lib.crc32c(view, 0, length, seed),
    copy: (dst: Uint8Array, src: Uint8Array, n: number): void => lib.copy(dst, 0, src, 0, n),
    op: (table: Uint32Array, memories: readonly Uint8Array[], words: number): void =>
      lib.dmoverOp(table, memories, words),
    xor: (dst: Uint8Array, sources: readonly Uint8Array[], n: number, length: number): void =>
      lib.xor(dst, 0, sources, ZERO_OFFSETS.slice(0, n), length),
    direct: (): boolean => false, // the validated path runs every request
  };
  // The one table every single-call request is built in (calls are synchronous: one serves).
  const table = new OpTable();
  const crcHardware = lib.crc32cImplementation !== "table";

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
      if (length <= U32_MAX) trusted.copy(out, input, length); // memmove
      else lib.copy(out, 0, input, 0, length);
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
    if (input instanceof Uint8Array) {
      // Validated: a plain view, a uint32 seed (see _validate.ts); C checks the span again.
      return input.length <= U32_MAX
        ? trusted.crc32c(input, seed)
        : lib.crc32c(input, 0, input.length, seed);
    }
    table.begin(OP.crc32c, 0, 1, seed);
    if (table.add(input)) {
      trusted.op(table.table, table.memories, table.words);
      return table.crc;
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
        // Validated plain views (see _validate.ts): the trusted call; C checks the spans again.
        if (length <= U32_MAX) trusted.xor(out as Uint8Array, inputs as Uint8Array[], n, length);
        else lib.xor(out as Uint8Array, 0, inputs as readonly Uint8Array[], offsets, length);
        return undefined;
      }
      table.begin(OP.xor, 1, n);
      if (table.addRequest(request, 1)) {
        trusted.op(table.table, table.memories, table.words);
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
  let scratch = new Uint8Array(0);

  function chunked(
    args: ArgsKind,
    op: number,
    outputs: number,
    request: DmoverRequest,
    length: number,
    result: ResultKind,
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
      const begin = (): void =>
        result === "crc"
          ? table.begin(op, outputs, n, crc)
          : table.beginRequest(op, outputs, args, request, done);
      begin();
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
        begin();
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
      trusted.op(table.table, table.memories, table.words);
      staged.forEach((s, k) => {
        if (s < outputs) pieces[s]!.set(scratch.subarray(k * chunk, (k + 1) * chunk));
      });
      if (result === "crc") crc = table.crc;
      else if (result === "offset" && table.offset >= 0) found = done + table.offset;
      done += chunk;
    }, chunkSize);
    return result === "crc" ? crc : result === "offset" ? found : undefined;
  }

  function opKernel(fnName: string): DmoverKernel {
    const { op, outputs, result, args } = catalogRow(fnName)!;
    return (request: DmoverRequest, length: number): number | undefined => {
      table.beginRequest(op, outputs, args, request);
      if (!table.addRequest(request, outputs)) {
        return chunked(args, op, outputs, request, length, result);
      }
      trusted.op(table.table, table.memories, table.words);
      return result === "crc" ? table.crc : result === "offset" ? table.offset : undefined;
    };
  }

  const variadicXor = opKernel("xor");
  const opKernels: Record<string, DmoverKernel> = {
    xor(request: DmoverRequest, length: number): undefined {
      const n = request.inputs!.length;
      (n <= 8 ? xorKernels[n]! : variadicXor)(request, length);
      return undefined;
    },
    compare: opKernel("compare"),
    "compare-pattern": opKernel("compare-pattern"),
    "copy-crc32c": opKernel("copy-crc32c"),
    dualcast: opKernel("dualcast"),
    "xor-check": opKernel("xor-check"),
    pq: opKernel("pq"),
    "pq-recover": opKernel("pq-recover"),
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

  const backend: DmoverBackend = Object.freeze({
    name: "native",
    synchronous: true,
    speed(fn: DmoverFunction, length: number): number {
      const row = catalogRow(fn.name);
      return row === undefined ? 0 : modelSpeed(row.native(crcHardware), length);
    },
    kernel(fn: DmoverFunction): DmoverKernel | undefined {
      const n = xorArity(fn.name);
      if (n !== 0) return xorKernels[n];
      return Object.hasOwn(kernels, fn.name) ? kernels[fn.name] : undefined;
    },
  });
  registerDirect(backend, {
    crc32c: (view: Uint8Array, length: number, seed: number): number =>
      trusted.crc32cOf(view, length, seed),
    copy: (dst: Uint8Array, src: Uint8Array, length: number): void =>
      trusted.copy(dst, src, length),
    xor: (memories: readonly Uint8Array[], n: number, length: number): boolean =>
      trusted.direct(OP.xor, 1, memories, n + 1, length),
    pq: (memories: readonly Uint8Array[], n: number, length: number): boolean =>
      trusted.direct(OP.pq, 2, memories, n + 2, length),
    pqRecover: (
      memories: readonly Uint8Array[],
      n: number,
      lostA: number,
      lostB: number,
      length: number,
    ): boolean => trusted.direct(OP.pqRecover, 2, memories, n + 2, length, lostA, lostB),
  });
  return backend;
}
