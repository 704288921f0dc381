// Building the tables of the shim's generic entry points (dray_op4, dray_op12; layout in
// native/_dmover_ops.ts) from requests: which op, which memories the sides point into and the
// (offset, length) pairs of each side. The one table format of the native and native-async
// backends: every request that reaches C in one call, whatever its function, goes through it.

import { OP_ARG, OP_HEADER, OP_RESULT } from "../native/_dmover_ops.ts";
import { bufferOf } from "../native/_checks.ts";
import { patternBytes } from "./_ts_ops.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";
import type { ArgsKind } from "./_catalog.ts";

export type { ArgsKind };

const U32_MAX = 0xffff_ffff;
/** The most memories one call takes. */
export const MAX_MEMORIES = 12;

/**
 * A table under construction. `add` returns false when a side cannot be expressed in one call (its
 * pieces lie in several ArrayBuffers, span 4 GiB or more, or the memories would exceed
 * `maxMemories`); the caller then falls back to contiguous chunks.
 */
export class OpTable {
  table: Uint32Array;
  words = OP_HEADER;
  memories: Uint8Array[] = [];
  readonly shared: boolean;
  maxMemories: number = MAX_MEMORIES;

  /** @param shared Keep the table in a SharedArrayBuffer (for nonblocking calls). */
  constructor(shared = false, words = 128) {
    this.shared = shared;
    this.table = shared
      ? new Uint32Array(new SharedArrayBuffer(4 * words))
      : new Uint32Array(words);
  }

  /**
   * Starts a table: op, outputs, inputs, the first two argument words (the others are 0) and
   * cleared results. Allocates nothing.
   */
  begin(op: number, outputs: number, inputs: number, arg0 = 0, arg1 = 0): void {
    const t = this.table;
    t[0] = op;
    t[1] = outputs;
    t[2] = inputs;
    t[OP_ARG] = arg0;
    t[OP_ARG + 1] = arg1;
    t[OP_ARG + 2] = 0;
    t[OP_ARG + 3] = 0;
    t[OP_RESULT] = 0;
    t[OP_RESULT + 1] = 0;
    this.words = OP_HEADER;
    this.memories.length = 0;
  }

  /**
   * Starts a table for a request: its argument words by what its function's hold (see
   * _catalog.ts); for a pattern, the pattern as seen from byte `done` of the request (for a chunk
   * that starts there).
   */
  beginRequest(
    op: number,
    outputs: number,
    kind: ArgsKind,
    request: DmoverRequest,
    done = 0,
  ): void {
    const inputs = request.inputs?.length ?? 0;
    const imm = request.immediate as number | bigint | undefined;
    switch (kind) {
      case "word":
        this.begin(op, outputs, inputs, (imm as number | undefined) ?? 0);
        return;
      case "pattern": {
        if (done % 8 !== 0) {
          const bytes = patternBytes(imm!);
          const rotated = new Uint8Array(8);
          for (let j = 0; j < 8; j++) rotated[j] = bytes[(done + j) & 7]!;
          const view = new DataView(rotated.buffer);
          this.begin(op, outputs, inputs, view.getUint32(0, true), view.getUint32(4, true));
        } else if (typeof imm === "number") {
          this.begin(op, outputs, inputs, imm % 2 ** 32, Math.floor(imm / 2 ** 32));
        } else {
          const v = imm as bigint;
          this.begin(op, outputs, inputs, Number(v & 0xffff_ffffn), Number(v >> 32n));
        }
        return;
      }
      case "lost": {
        const mask = typeof imm === "bigint" ? Number(imm) : imm as number;
        this.begin(op, outputs, inputs, mask % 2 ** 32, Math.floor(mask / 2 ** 32));
        return;
      }
      default:
        this.begin(op, outputs, inputs);
    }
  }

  #reserve(words: number): void {
    if (this.words + words <= this.table.length) return;
    const size = Math.max(this.table.length * 2, this.words + words);
    const grown = this.shared
      ? new Uint32Array(new SharedArrayBuffer(4 * size))
      : new Uint32Array(size);
    grown.set(this.table.subarray(0, this.words));
    this.table = grown;
  }

  // In shared mode, every view of one SharedArrayBuffer (up to 4 GiB - 1) shares one memory: a
  // view of the whole buffer, made once.
  #whole = new WeakMap<SharedArrayBuffer, Uint8Array>();

  #sharedBase(view: Uint8Array): Uint8Array | undefined {
    if (!this.shared) return undefined; // before the buffer, the costly part
    const sab = bufferOf(view);
    if (!(sab instanceof SharedArrayBuffer) || sab.byteLength > U32_MAX) {
      return undefined;
    }
    let whole = this.#whole.get(sab);
    if (whole === undefined || whole.length !== sab.byteLength) {
      whole = new Uint8Array(sab);
      this.#whole.set(sab, whole);
    }
    return whole;
  }

  #memory(view: Uint8Array): number {
    const m = this.memories;
    for (let i = 0; i < m.length; i++) if (m[i] === view) return i;
    if (m.length >= this.maxMemories) return -1;
    m.push(view);
    return m.length - 1;
  }

  /** Adds one side: a whole view, or iovecs in one ArrayBuffer. */
  add(side: DmoverBuffer): boolean {
    if (side instanceof Uint8Array) {
      const whole = this.#sharedBase(side);
      const memory = whole ?? side;
      if (memory.length > U32_MAX) return false;
      const index = this.#memory(memory);
      if (index < 0) return false;
      this.#reserve(4);
      const t = this.table;
      const at = this.words;
      t[at] = index;
      t[at + 1] = 1;
      t[at + 2] = whole === undefined ? 0 : side.byteOffset;
      t[at + 3] = side.length;
      this.words = at + 4;
      return true;
    }
    const first = side[0]!.buffer;
    const whole = this.#sharedBase(first);
    let same = whole === undefined && first.length <= U32_MAX;
    // The ArrayBuffer is read (through the intrinsic getter) only when a second view appears: a
    // list of pieces of one view, the common case, never reads it.
    let memory: ArrayBufferLike | undefined;
    let previous = first;
    let lo = Infinity;
    let hi = -Infinity;
    for (const iov of side) {
      const view = iov.buffer;
      if (view !== previous) {
        memory ??= bufferOf(first);
        if (bufferOf(view) !== memory) return false;
        previous = view;
        same = false;
      }
      if (iov.length === 0) continue;
      const start = view.byteOffset + iov.offset;
      if (start < lo) lo = start;
      if (start + iov.length > hi) hi = start + iov.length;
    }
    let base = 0;
    let view = first;
    if (whole !== undefined) {
      view = whole;
    } else if (!same) {
      if (hi - lo > U32_MAX) return false;
      base = lo;
      view = new Uint8Array(memory ?? bufferOf(first), lo, hi - lo);
    }
    const index = this.#memory(view);
    if (index < 0) return false;
    this.#reserve(2 + 2 * side.length);
    const t = this.table;
    let at = this.words;
    t[at++] = index;
    t[at++] = side.length;
    for (const iov of side) {
      t[at++] = same
        ? iov.offset
        : iov.length === 0
        ? 0
        : iov.buffer.byteOffset + iov.offset - base;
      t[at++] = iov.length;
    }
    this.words = at;
    return true;
  }

  /** Adds the request's outputs and inputs in order; false as for `add`. */
  addRequest(request: DmoverRequest, outputs: number): boolean {
    if (outputs === 1 && !this.add(request.output!)) return false;
    if (outputs > 1) {
      for (const out of request.outputs!) if (!this.add(out)) return false;
    }
    for (const input of request.inputs ?? []) if (!this.add(input)) return false;
    return true;
  }

  /** Result word 0 (a CRC). */
  get crc(): number {
    return this.table[OP_RESULT]!;
  }

  /** The 64-bit offset in the result words, or -1 for all ones. */
  get offset(): number {
    const lo = this.table[OP_RESULT]!;
    const hi = this.table[OP_RESULT + 1]!;
    if (lo === U32_MAX && hi === U32_MAX) return -1;
    return hi * 2 ** 32 + lo;
  }
}
