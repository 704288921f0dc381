import {
  bufferOf,
  byteOffsetOf,
  checkSpan,
  checkView,
  isDetached,
  isUint32Array,
  isUint8Array,
  lengthOf,
  U32_MAX,
} from "./_checks.ts";
import { DRAY_OK, type ShimSymbols } from "./_symbols.ts";
import {
  DRAY_ENOMEM,
  OP_ARG,
  OP_HEADER,
  OP_IOV_MAX,
  OP_MAX_INPUTS,
  opShapeError,
} from "./_dmover_ops.ts";
import { isPinned } from "./_pin.ts";
import { registerTrusted } from "./_trusted.ts";
import { checkFd, connectSocket, openPoller } from "./_sockets.ts";
import type {
  SocketConnectOptions,
  SocketConnectResult,
  SocketPoller,
  SocketTarget,
} from "./sockets.ts";

function fail(entry: string, code: number): never {
  if (code === DRAY_ENOMEM) {
    throw new Error(`Cannot complete ${entry}: the native shim ran out of memory`);
  }
  // Unreachable while the TypeScript checks hold: the C side found a span the wrapper allowed.
  throw new RangeError(
    `Cannot complete ${entry}: the native shim rejected its arguments (${code})`,
  );
}

// ---- dmover kernels: helpers of NativeLibrary.dmoverOp ----

const EMPTY = new Uint8Array(0);

/** The memories, padded with empty buffers (NULL, capacity 0 in C) to 4. */
function padded4(m: readonly Uint8Array[]): Uint8Array[] {
  return [m[0] ?? EMPTY, m[1] ?? EMPTY, m[2] ?? EMPTY, m[3] ?? EMPTY];
}

/** The memories, padded with empty buffers to 12. */
function padded12(m: readonly Uint8Array[]): Uint8Array[] {
  const out = m.slice();
  while (out.length < 12) out.push(EMPTY);
  return out;
}

/** Keeps values reachable until here (a nonblocking call must not outlive its buffers). */
function keepAlive(..._values: unknown[]): void {}

/**
 * The loaded shim: typed wrappers over its entry points. Get one from {@linkcode nativeStatus} or
 * {@linkcode loadNative}; never construct it directly.
 *
 * @example Copying through the shim when it is live
 * ```ts
 * import { nativeStatus } from "@dray/dray/native";
 * import assert from "node:assert/strict";
 *
 * const status = nativeStatus();
 * if (status.available) {
 *   const dst = new Uint8Array(4);
 *   status.library.copy(dst, 1, new Uint8Array([7, 8]), 0, 2);
 *   assert.deepEqual(dst, new Uint8Array([0, 7, 8, 0]));
 * }
 * ```
 */
export class NativeLibrary {
  #symbols: ShimSymbols;
  #close: () => void;
  /** The file the library was loaded from. */
  readonly path: string;
  /** The shim's version, `major.minor.patch`. */
  readonly version: string;

  /**
   * Wraps loaded symbols; used by the loader.
   *
   * @param path The file the library was loaded from.
   * @param symbols The loaded symbol table.
   * @param close Unloads the library.
   */
  constructor(path: string, symbols: ShimSymbols, close: () => void) {
    this.path = path;
    this.#symbols = symbols;
    this.#close = close;
    registerTrusted(this, symbols);
    const v = symbols.dray_version();
    this.version = `${v >>> 16}.${(v >>> 8) & 0xff}.${v & 0xff}`;
  }

  /**
   * Copies `length` bytes from `src` at `srcOffset` to `dst` at `dstOffset` with the C library's
   * `memmove` (the regions may overlap). For small copies `Uint8Array.prototype.set` is as fast;
   * this exists for parity tests and for callers that already hold native buffers.
   *
   * @param dst The destination.
   * @param dstOffset Where in `dst` to start writing.
   * @param src The source.
   * @param srcOffset Where in `src` to start reading.
   * @param length How many bytes to copy.
   * @throws {TypeError} When a buffer is not a Uint8Array or is detached.
   * @throws {RangeError} When a span lies outside its buffer.
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   const bytes = new Uint8Array([1, 2, 3, 4]);
   *   status.library.copy(bytes, 1, bytes, 0, 3); // overlapping, like memmove
   *   assert.deepEqual(bytes, new Uint8Array([1, 1, 2, 3]));
   *   assert.throws(() => status.library.copy(bytes, 2, bytes, 0, 3), RangeError);
   * }
   * ```
   */
  copy(
    dst: Uint8Array,
    dstOffset: number,
    src: Uint8Array,
    srcOffset: number,
    length: number,
  ): void {
    checkSpan("dst", dst, dstOffset, length);
    checkSpan("src", src, srcOffset, length);
    if (lengthOf(dst) <= U32_MAX && lengthOf(src) <= U32_MAX && length <= U32_MAX) {
      const rc = this.#symbols.dray_copy(
        dst,
        lengthOf(dst),
        dstOffset >>> 0, // -0 becomes 0: FFI refuses -0 for a u32 (see _checks.ts)
        src,
        lengthOf(src),
        srcOffset >>> 0,
        length >>> 0,
      );
      if (rc !== DRAY_OK) fail("copy", rc);
      return;
    }
    // A buffer beyond 4 GiB: narrow to the spans and go in u32-sized steps.
    const d = dst.subarray(dstOffset, dstOffset + length);
    const s = src.subarray(srcOffset, srcOffset + length);
    if (
      bufferOf(dst) === bufferOf(src) &&
      byteOffsetOf(dst) + dstOffset > byteOffsetOf(src) + srcOffset
    ) {
      d.set(s); // an overlapping forward copy cannot be split front to back
      return;
    }
    for (let at = 0; at < length; at += U32_MAX) {
      const n = Math.min(U32_MAX, length - at);
      const rc = this.#symbols.dray_copy(
        d.subarray(at, at + n),
        n,
        0,
        s.subarray(at, at + n),
        n,
        0,
        n,
      );
      if (rc !== DRAY_OK) fail("copy", rc);
    }
  }

  /**
   * Sets `length` bytes of `dst` from `offset` to `value` with the C library's `memset`.
   *
   * @param dst The destination.
   * @param offset Where in `dst` to start.
   * @param value A byte value, an integer from 0 to 255.
   * @param length How many bytes to set.
   * @throws {TypeError} When `dst` is not a Uint8Array or is detached.
   * @throws {RangeError} When the span lies outside `dst` or `value` is not a byte.
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   const bytes = new Uint8Array(4);
   *   status.library.fill(bytes, 1, 0xab, 2);
   *   assert.deepEqual(bytes, new Uint8Array([0, 0xab, 0xab, 0]));
   * }
   * ```
   */
  fill(dst: Uint8Array, offset: number, value: number, length: number): void {
    checkSpan("dst", dst, offset, length);
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new RangeError(`Cannot fill with '${value}': expected an integer from 0 to 255`);
    }
    if (lengthOf(dst) <= U32_MAX && length <= U32_MAX) {
      const rc = this.#symbols.dray_fill(
        dst,
        lengthOf(dst),
        offset >>> 0,
        value >>> 0,
        length >>> 0,
      );
      if (rc !== DRAY_OK) fail("fill", rc);
      return;
    }
    const d = dst.subarray(offset, offset + length);
    for (let at = 0; at < length; at += U32_MAX) {
      const n = Math.min(U32_MAX, length - at);
      const rc = this.#symbols.dray_fill(d.subarray(at, at + n), n, 0, value >>> 0, n);
      if (rc !== DRAY_OK) fail("fill", rc);
    }
  }

  // ---- dmover kernels (xor, crc32c, ...) ----

  // Scratch iovec table for the contiguous wrappers (calls are synchronous, so one table serves).
  #dmoverTable = new Uint32Array(3 * 9);

  /**
   * Whether this build of the shim has the dmover kernels (`xor`, `xorv`, `crc32c`, `crc32cv`,
   * `dmoverOp`, `dmoverOpAsync`, `dmoverIsa`).
   * A library built from an older `shim.c` lacks them; the other entry points still work.
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   *
   * const status = nativeStatus();
   * if (status.available && !status.library.hasDmoverKernels) {
   *   console.log("rebuild the shim with 'deno task native'");
   * }
   * ```
   */
  get hasDmoverKernels(): boolean {
    if (this.#hasKernels === undefined) {
      const y = this.#symbols;
      this.#hasKernels = y.dray_crc32c_impl !== null && y.dray_crc32c !== null &&
        y.dray_xor2 !== null && y.dray_xor3 !== null && y.dray_xor4 !== null &&
        y.dray_xor5 !== null && y.dray_xor6 !== null && y.dray_xor7 !== null &&
        y.dray_xor8 !== null && y.dray_isa !== null && y.dray_op4 !== null &&
        y.dray_op12 !== null && y.dray_op4_async !== null && y.dray_op12_async !== null;
    }
    return this.#hasKernels;
  }

  // Whether the symbols are there, found once: the check sits on every xor call.
  #hasKernels: boolean | undefined;

  #noKernels(entry: string): never {
    throw new Error(
      `Cannot ${entry}: this build of the shim has no dmover kernels; rebuild it with 'deno task native'`,
    );
  }

  /**
   * Which CRC-32C implementation the shim runs: `sse4.2` or `armv8-crc` (the CPU's CRC32
   * instruction, over three interleaved streams) or `table` (slicing-by-8 tables).
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   assert.ok(["sse4.2", "armv8-crc", "table"].includes(status.library.crc32cImplementation));
   * }
   * ```
   */
  get crc32cImplementation(): "sse4.2" | "armv8-crc" | "table" {
    const f = this.#symbols.dray_crc32c_impl;
    if (f === null) this.#noKernels("crc32c");
    const impl = f();
    return impl === 1 ? "sse4.2" : impl === 2 ? "armv8-crc" : "table";
  }

  /**
   * Writes the xor of `length` bytes of each source (2 to 8 of them, each from its offset) to `dst`
   * at `dstOffset`, in one call into C.
   *
   * @param dst The destination; it should not overlap the sources.
   * @param dstOffset Where in `dst` to start writing.
   * @param sources 2 to 8 sources.
   * @param sourceOffsets Where in each source to start reading, one per source.
   * @param length How many bytes.
   * @throws {TypeError} When a buffer is not a Uint8Array or is detached.
   * @throws {RangeError} When a span lies outside its buffer or the number of sources or offsets
   * is wrong.
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   const out = new Uint8Array(3);
   *   status.library.xor(out, 0, [new Uint8Array([1, 2, 3, 4]), new Uint8Array([3, 3, 3])], [1, 0], 3);
   *   assert.deepEqual(out, new Uint8Array([1, 0, 7]));
   * }
   * ```
   */
  xor(
    dst: Uint8Array,
    dstOffset: number,
    sources: readonly Uint8Array[],
    sourceOffsets: readonly number[],
    length: number,
  ): void {
    const n = this.#xorArity(sources);
    if (!Array.isArray(sourceOffsets) || sourceOffsets.length !== n) {
      throw new RangeError(
        `Cannot xor: expected ${n} source offsets, got '${
          Array.isArray(sourceOffsets) ? sourceOffsets.length : typeof sourceOffsets
        }'`,
      );
    }
    const table = this.#dmoverTable;
    // The common case in a few comparisons: every span non-empty, in bounds and uint32-sized
    // (a detached buffer has length 0, so it cannot pass). Anything else takes checkSpan's path,
    // which throws the precise error or handles buffers beyond 4 GiB.
    let fast = length > 0 && length >>> 0 === length && isUint8Array(dst) &&
      dstOffset >>> 0 === dstOffset && lengthOf(dst) - dstOffset >= length &&
      lengthOf(dst) <= U32_MAX;
    for (let k = 0; fast && k < n; k++) {
      const s = sources[k];
      const off = sourceOffsets[k]!;
      fast = isUint8Array(s) && off >>> 0 === off && lengthOf(s) - off >= length &&
        lengthOf(s) <= U32_MAX;
      table[3 + 3 * k] = 1;
      table[4 + 3 * k] = off;
      table[5 + 3 * k] = length;
    }
    if (fast) {
      table[0] = 1;
      table[1] = dstOffset;
      table[2] = length;
      this.#xorCall(n, table, 3 * (n + 1), dst, sources);
      return;
    }
    checkSpan("dst", dst, dstOffset, length);
    for (let k = 0; k < n; k++) checkSpan(`sources[${k}]`, sources[k]!, sourceOffsets[k]!, length);
    if (length === 0) return;
    if (
      lengthOf(dst) <= U32_MAX && length <= U32_MAX && sources.every((s) => lengthOf(s) <= U32_MAX)
    ) {
      table[0] = 1;
      table[1] = dstOffset;
      table[2] = length;
      for (let k = 0; k < n; k++) {
        table[3 + 3 * k] = 1;
        table[4 + 3 * k] = sourceOffsets[k]!;
        table[5 + 3 * k] = length;
      }
      this.#xorCall(n, table, 3 * (n + 1), dst, sources);
      return;
    }
    // A buffer beyond 4 GiB: narrow every side to its span and go in steps that fit a uint32_t.
    const step = 2 ** 31;
    for (let at = 0; at < length; at += step) {
      const m = Math.min(step, length - at);
      const parts = sources.map((s, k) =>
        s.subarray(sourceOffsets[k]! + at, sourceOffsets[k]! + at + m)
      );
      this.xor(dst.subarray(dstOffset + at, dstOffset + at + m), 0, parts, parts.map(() => 0), m);
    }
  }

  /**
   * The scatter/gather form of {@linkcode NativeLibrary.xor}: one call for any number of iovecs.
   * `table` describes `sources.length + 1` sides, the output first: for each side a count from 1
   * to 1024, then that many (offset, length) pairs into its buffer. Every side must add up to the
   * same total; the output's bytes, walked in order, get the xor of the inputs' bytes walked in
   * order.
   *
   * @param dst The output's buffer; it should not overlap the sources.
   * @param sources 2 to 8 input buffers, each at most 4 GiB - 1.
   * @param table The iovec table.
   * @param words How many words of `table` to use (default all of it).
   * @throws {TypeError} When a buffer is not a Uint8Array (the table not a Uint32Array) or is
   * detached.
   * @throws {RangeError} When the table is malformed, a pair lies outside its buffer or the totals
   * differ.
   *
   * @example Gathering two pieces of each input into one output
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   const out = new Uint8Array(4);
   *   const a = new Uint8Array([1, 2, 0, 0, 3, 4]);
   *   const b = new Uint8Array([1, 1, 1, 1]);
   *   // out: 1 piece (0, 4); a: 2 pieces (0, 2) and (4, 2); b: 1 piece (0, 4)
   *   const table = new Uint32Array([1, 0, 4, 2, 0, 2, 4, 2, 1, 0, 4]);
   *   status.library.xorv(out, [a, b], table);
   *   assert.deepEqual(out, new Uint8Array([0, 3, 2, 5]));
   * }
   * ```
   */
  xorv(
    dst: Uint8Array,
    sources: readonly Uint8Array[],
    table: Uint32Array,
    words: number = lengthOf(table),
  ): void {
    const n = this.#xorArity(sources);
    this.#checkTable(table, words, 0, [dst, ...sources]);
    this.#xorCall(n, table, words >>> 0, dst, sources);
  }

  /**
   * CRC-32C (the iSCSI CRC, Castagnoli polynomial) of `length` bytes of `src` from `offset`. A seed
   * of 0 gives the standard CRC; an earlier result as the seed continues it over more bytes.
   *
   * @param src The bytes.
   * @param offset Where in `src` to start.
   * @param length How many bytes.
   * @param seed 0, or the CRC of the bytes before these.
   * @returns The CRC, an unsigned 32-bit integer.
   * @throws {TypeError} When `src` is not a Uint8Array or is detached.
   * @throws {RangeError} When the span lies outside `src` or `seed` is not a uint32.
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   const bytes = new TextEncoder().encode("123456789");
   *   assert.equal(status.library.crc32c(bytes, 0, 9), 0xe3069283);
   *   const first = status.library.crc32c(bytes, 0, 4);
   *   assert.equal(status.library.crc32c(bytes, 4, 5, first), 0xe3069283);
   * }
   * ```
   */
  crc32c(src: Uint8Array, offset: number, length: number, seed: number = 0): number {
    const table = this.#dmoverTable;
    if (
      !(length > 0 && length >>> 0 === length && isUint8Array(src) &&
        offset >>> 0 === offset && lengthOf(src) - offset >= length && lengthOf(src) <= U32_MAX &&
        seed >>> 0 === seed)
    ) {
      // Not the common case: checkSpan throws the precise error; a zero length or a buffer
      // beyond 4 GiB carries on below.
      checkSpan("src", src, offset, length);
      if (!Number.isInteger(seed) || seed < 0 || seed > U32_MAX) {
        throw new RangeError(`Cannot use seed '${seed}': expected an integer from 0 to 2^32 - 1`);
      }
      if (length === 0) return seed >>> 0; // -0 is 0
      if (lengthOf(src) > U32_MAX || length > U32_MAX) {
        const part = src.subarray(offset, offset + length);
        const step = 2 ** 31;
        let crc = seed;
        for (let at = 0; at < length; at += step) {
          const m = Math.min(step, length - at);
          crc = this.crc32c(part.subarray(at, at + m), 0, m, crc);
        }
        return crc;
      }
    }
    table[0] = seed;
    table[1] = 1;
    table[2] = offset;
    table[3] = length;
    const f = this.#symbols.dray_crc32c;
    if (f === null) this.#noKernels("crc32c");
    const rc = f(table, 4, src, lengthOf(src));
    if (rc !== DRAY_OK) fail("crc32c", rc);
    return table[0]!;
  }

  /**
   * The scatter/gather form of {@linkcode NativeLibrary.crc32c}: one call for up to 1024 pieces of
   * `src`. `table[0]` holds the seed (0, or an earlier CRC to continue) and receives the CRC; from
   * `table[1]` come a count from 1 to 1024 and that many (offset, length) pairs.
   *
   * @param src The buffer the pieces are in, at most 4 GiB - 1.
   * @param table The seed and the iovec table.
   * @param words How many words of `table` to use (default all of it).
   * @returns The CRC of the pieces in order (also left in `table[0]`).
   * @throws {TypeError} When `src` is not a Uint8Array (the table not a Uint32Array) or is detached.
   * @throws {RangeError} When the table is malformed or a pair lies outside `src`.
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   const bytes = new TextEncoder().encode("6789--12345");
   *   const table = new Uint32Array([0, 2, 6, 5, 0, 4]); // "12345" then "6789"
   *   assert.equal(status.library.crc32cv(bytes, table), 0xe3069283);
   * }
   * ```
   */
  crc32cv(src: Uint8Array, table: Uint32Array, words: number = lengthOf(table)): number {
    this.#checkTable(table, words, 1, [src]);
    const f = this.#symbols.dray_crc32c;
    if (f === null) this.#noKernels("crc32cv");
    const rc = f(table, words >>> 0, src, lengthOf(src));
    if (rc !== DRAY_OK) fail("crc32cv", rc);
    return table[0]!;
  }

  #xorArity(sources: readonly Uint8Array[]): number {
    if (!Array.isArray(sources) || sources.length < 2 || sources.length > 8) {
      throw new RangeError(
        `Cannot xor '${
          Array.isArray(sources) ? sources.length : typeof sources
        }' sources: expected 2 to 8`,
      );
    }
    return sources.length;
  }

  // The TypeScript half of the C checks in dray_sides_parse: the same rules, as RangeErrors.
  #checkTable(
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
      let sum = 0;
      const cap = lengthOf(views[s]!);
      for (let i = 0; i < count; i++) {
        const off = table[at + 2 * i]!;
        const len = table[at + 2 * i + 1]!;
        if (off > cap || len > cap - off) {
          throw new RangeError(
            `Cannot use the iovec table: side ${s} pair ${i} (${off}, ${len}) lies outside ${cap} bytes`,
          );
        }
        sum += len;
      }
      if (s === 0) {
        first = sum;
      } else if (sum !== first) {
        throw new RangeError(
          `Cannot use the iovec table: side ${s} holds '${sum}' bytes, side 0 holds ${first}`,
        );
      }
      at += 2 * count;
    }
  }

  #xorCall(
    n: number,
    t: Uint32Array,
    w: number,
    d: Uint8Array,
    s: readonly Uint8Array[],
  ): void {
    const y = this.#symbols;
    if (!this.hasDmoverKernels) this.#noKernels(`xor${n}`);
    const a = s[0]!, b = s[1]!;
    let rc: number;
    switch (n) {
      case 2:
        rc = y.dray_xor2!(t, w, d, lengthOf(d), a, lengthOf(a), b, lengthOf(b));
        break;
      case 3: {
        const c = s[2]!;
        rc = y.dray_xor3!(t, w, d, lengthOf(d), a, lengthOf(a), b, lengthOf(b), c, lengthOf(c));
        break;
      }
      case 4: {
        const c = s[2]!, e = s[3]!;
        rc = y.dray_xor4!(
          t,
          w,
          d,
          lengthOf(d),
          a,
          lengthOf(a),
          b,
          lengthOf(b),
          c,
          lengthOf(c),
          e,
          lengthOf(e),
        );
        break;
      }
      case 5: {
        const c = s[2]!, e = s[3]!, f = s[4]!;
        rc = y.dray_xor5!(
          t,
          w,
          d,
          lengthOf(d),
          a,
          lengthOf(a),
          b,
          lengthOf(b),
          c,
          lengthOf(c),
          e,
          lengthOf(e),
          f,
          lengthOf(f),
        );
        break;
      }
      case 6: {
        const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!;
        rc = y.dray_xor6!(
          t,
          w,
          d,
          lengthOf(d),
          a,
          lengthOf(a),
          b,
          lengthOf(b),
          c,
          lengthOf(c),
          e,
          lengthOf(e),
          f,
          lengthOf(f),
          g,
          lengthOf(g),
        );
        break;
      }
      case 7: {
        const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!, h = s[6]!;
        rc = y.dray_xor7!(
          t,
          w,
          d,
          lengthOf(d),
          a,
          lengthOf(a),
          b,
          lengthOf(b),
          c,
          lengthOf(c),
          e,
          lengthOf(e),
          f,
          lengthOf(f),
          g,
          lengthOf(g),
          h,
          lengthOf(h),
        );
        break;
      }
      default: {
        const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!, h = s[6]!, j = s[7]!;
        rc = y.dray_xor8!(
          t,
          w,
          d,
          lengthOf(d),
          a,
          lengthOf(a),
          b,
          lengthOf(b),
          c,
          lengthOf(c),
          e,
          lengthOf(e),
          f,
          lengthOf(f),
          g,
          lengthOf(g),
          h,
          lengthOf(h),
          j,
          lengthOf(j),
        );
      }
    }
    if (rc !== DRAY_OK) fail(`xor${n}`, rc);
  }

  /**
   * Which instruction set the shim's dmover kernels (xor, compare, pq, ... but not CRC-32C, see
   * {@linkcode NativeLibrary.crc32cImplementation}) run on, chosen when the library was loaded:
   * `avx512` (AVX-512F/BW) or `avx2` on x86-64 when the CPU and the operating system support them,
   * else the architecture's baseline vectors (`sse2`, `neon`, or `vector` elsewhere), else
   * `scalar` (64-bit words). The `DRAY_ISA` environment variable (`scalar`, `baseline`, `avx2`,
   * `avx512`), read when the library is loaded, lowers the choice; `DRAY_ISA=scalar` also turns
   * off the CRC32 instruction.
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available && status.library.hasDmoverKernels) {
   *   const isa = status.library.dmoverIsa;
   *   assert.ok(["scalar", "sse2", "neon", "vector", "avx2", "avx512"].includes(isa));
   * }
   * ```
   */
  get dmoverIsa(): "scalar" | "sse2" | "neon" | "vector" | "avx2" | "avx512" {
    const f = this.#symbols.dray_isa;
    if (f === null) this.#noKernels("read the dmover instruction set");
    const level = f();
    if (level === 3) return "avx512";
    if (level === 2) return "avx2";
    if (level === 1) {
      return Deno.build.arch === "x86_64"
        ? "sse2"
        : Deno.build.arch === "aarch64"
        ? "neon"
        : "vector";
    }
    return "scalar";
  }

  /**
   * Runs one dmover operation through the shim's generic entry point, in one call however many
   * sides and iovecs it has. `table` describes it (see `native/_dmover_ops.ts`): the op, its
   * output and input counts, four argument words and two result words, then for each side (the
   * outputs first) the index of its memory in `memories`, a count from 1 to 1024 and that many
   * (offset, length) pairs. Every side must add up to the same total. Results (a CRC, or the
   * offset a comparison stopped at, all ones for none) are written into words 7 and 8.
   *
   * Sides may share a memory. Whether they overlap is not checked: overlapping sides give
   * unspecified bytes, never an access outside the memories.
   *
   * @param table The table; words 7 and 8 receive the results.
   * @param memories 1 to 12 buffers the sides point into, each at most 4 GiB - 1.
   * @param words How many words of `table` to use (default all of it).
   * @throws {TypeError} When the table is not a Uint32Array, a memory not a Uint8Array, or either
   * is detached.
   * @throws {RangeError} When the table is malformed: an unknown op, wrong side counts, an
   * argument out of range, a memory index or pair outside what was given, unequal totals.
   *
   * @example The xor of two inputs that share one buffer, into another
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available && status.library.hasDmoverKernels) {
   *   const out = new Uint8Array(2);
   *   const arena = new Uint8Array([1, 2, 3, 3]);
   *   const table = new Uint32Array([
   *     2, 1, 2, 0, 0, 0, 0, 0, 0, // xor, 1 output, 2 inputs
   *     0, 1, 0, 2, // the output: memory 0, 1 pair (0, 2)
   *     1, 1, 0, 2, // input 0: memory 1, bytes 0..2
   *     1, 1, 2, 2, // input 1: memory 1, bytes 2..4
   *   ]);
   *   status.library.dmoverOp(table, [out, arena]);
   *   assert.deepEqual(out, new Uint8Array([2, 1]));
   * }
   * ```
   */
  dmoverOp(
    table: Uint32Array,
    memories: readonly Uint8Array[],
    words: number = lengthOf(table),
  ): void {
    this.#checkOpTable(table, words, memories, false);
    const y = this.#symbols;
    const m = memories;
    let rc: number;
    if (m.length <= 4) {
      const a = m[0]!, b = m[1] ?? EMPTY, c = m[2] ?? EMPTY, d = m[3] ?? EMPTY;
      rc = y.dray_op4!(
        table,
        words,
        a,
        lengthOf(a),
        b,
        lengthOf(b),
        c,
        lengthOf(c),
        d,
        lengthOf(d),
      );
    } else {
      const p = padded12(m);
      rc = y.dray_op12!(
        table,
        words,
        p[0]!,
        lengthOf(p[0]!),
        p[1]!,
        lengthOf(p[1]!),
        p[2]!,
        lengthOf(p[2]!),
        p[3]!,
        lengthOf(p[3]!),
        p[4]!,
        lengthOf(p[4]!),
        p[5]!,
        lengthOf(p[5]!),
        p[6]!,
        lengthOf(p[6]!),
        p[7]!,
        lengthOf(p[7]!),
        p[8]!,
        lengthOf(p[8]!),
        p[9]!,
        lengthOf(p[9]!),
        p[10]!,
        lengthOf(p[10]!),
        p[11]!,
        lengthOf(p[11]!),
      );
    }
    if (rc !== DRAY_OK) fail("dmoverOp", rc);
  }

  /**
   * {@linkcode NativeLibrary.dmoverOp} off the event-loop thread, as a nonblocking FFI call (Deno
   * runs a few dozen of those at once, shared with file-system work: bound how many you start).
   *
   * Pinning: C works on raw pointers on another thread until the call settles, while JavaScript
   * runs. Deno 2.9 keeps each buffer's memory alive until then, but an `ArrayBuffer` transferred
   * meanwhile would have C's writes land in its new owner's memory (or, after
   * `transfer(newLength)`, in a copy nobody sees), silently. Hence the table and every memory must
   * be views of a fixed-length `SharedArrayBuffer`, which can be neither transferred, detached nor
   * shrunk, and are held here until the call settles (Deno refuses growable ones in nonblocking
   * calls). Nothing else is done to them: do not read or write the bytes of the sides until the
   * promise settles. The shim checks and walks a private copy of the table, so a write to the
   * table meanwhile changes nothing but, possibly, the result words it sees afterwards.
   *
   * @param table The table, over a SharedArrayBuffer; words 7 and 8 receive the results.
   * @param memories 1 to 12 views of SharedArrayBuffers, each at most 4 GiB - 1.
   * @param words How many words of `table` to use (default all of it).
   * @returns A promise that settles when the operation is done.
   * @throws {TypeError} When the table or a memory is not over a fixed-length SharedArrayBuffer.
   * @throws {RangeError} When the table is malformed (as for `dmoverOp`).
   *
   * @example Zero-copy xor off the event-loop thread
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available && status.library.hasDmoverKernels) {
   *   const memory = new Uint8Array(new SharedArrayBuffer(6));
   *   memory.set([1, 2, 3, 3]);
   *   const table = new Uint32Array(new SharedArrayBuffer(4 * 21));
   *   table.set([2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 4, 2, 0, 1, 0, 2, 0, 1, 2, 2]);
   *   await status.library.dmoverOpAsync(table, [memory]);
   *   assert.deepEqual(memory.subarray(4), new Uint8Array([2, 1]));
   * }
   * ```
   */
  async dmoverOpAsync(
    table: Uint32Array,
    memories: readonly Uint8Array[],
    words: number = lengthOf(table),
  ): Promise<void> {
    this.#checkOpTable(table, words, memories, true);
    const y = this.#symbols;
    // Held in this frame until the call settles: a SharedArrayBuffer stays alive while referenced.
    const m = memories.length <= 4 ? padded4(memories) : padded12(memories);
    let rc: number;
    if (m.length === 4) {
      const [a, b, c, d] = m;
      rc = await y.dray_op4_async!(
        table,
        words,
        a!,
        lengthOf(a!),
        b!,
        lengthOf(b!),
        c!,
        lengthOf(c!),
        d!,
        lengthOf(d!),
      );
    } else {
      rc = await y.dray_op12_async!(
        table,
        words,
        m[0]!,
        lengthOf(m[0]!),
        m[1]!,
        lengthOf(m[1]!),
        m[2]!,
        lengthOf(m[2]!),
        m[3]!,
        lengthOf(m[3]!),
        m[4]!,
        lengthOf(m[4]!),
        m[5]!,
        lengthOf(m[5]!),
        m[6]!,
        lengthOf(m[6]!),
        m[7]!,
        lengthOf(m[7]!),
        m[8]!,
        lengthOf(m[8]!),
        m[9]!,
        lengthOf(m[9]!),
        m[10]!,
        lengthOf(m[10]!),
        m[11]!,
        lengthOf(m[11]!),
      );
    }
    keepAlive(table, m);
    if (rc !== DRAY_OK) fail("dmoverOpAsync", rc);
  }

  // The TypeScript half of the C checks in dray_op_run: the same rules, as TypeErrors and
  // RangeErrors, so that a malformed table never reaches C.
  #checkOpTable(
    table: Uint32Array,
    words: number,
    memories: readonly Uint8Array[],
    shared: boolean,
  ): void {
    if (this.#symbols.dray_op4 === null || this.#symbols.dray_op12 === null) {
      this.#noKernels("run a dmover op");
    }
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
      const cap = lengthOf(memories[memory]!);
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const off = table[at + 2 * i]!;
        const len = table[at + 2 * i + 1]!;
        if (off > cap || len > cap - off) {
          throw new RangeError(
            `Cannot use the op table: side ${s} pair ${i} (${off}, ${len}) lies outside ${cap} bytes`,
          );
        }
        sum += len;
      }
      if (s === 0) {
        first = sum;
      } else if (sum !== first) {
        throw new RangeError(
          `Cannot use the op table: side ${s} holds '${sum}' bytes, side 0 holds ${first}`,
        );
      }
      at += 2 * count;
    }
  }

  // ---- sockets (redis native transport) ----

  /**
   * Connects a TCP or unix stream socket in C without waiting on any thread: the connect is begun
   * non-blocking on the event-loop thread and its completion polled from timers, so pending
   * connects hold no thread of Deno's blocking pool (a host name's `getaddrinfo` alone runs
   * off-thread; each address it gives is then tried in turn), then `TCP_NODELAY` and keepalive.
   * Resolves with a descriptor the caller owns, or with why there is none; never leaves a
   * descriptor open after a timeout or an abort. Honours Deno's permissions as `Deno.connect`
   * does (`--allow-net` for the host and port; read and write for a socket path), though FFI is
   * outside the sandbox. The descriptor is registered as the shim's: the other socket methods
   * refuse any descriptor the shim did not create.
   *
   * @param target A host and port (an IP literal without brackets, or a name), or a socket path.
   * @param options Timeout, abort signal, `TCP_NODELAY` and keepalive.
   * @returns The descriptor, or the failure with its code.
   * @throws {TypeError} When the host or path is empty or holds a NUL character.
   * @throws {RangeError} When the port, family, timeout or keepalive settings are out of range, or
   * the host or path is longer than 1024 bytes.
   * @throws {Deno.errors.NotCapable} When the permission to connect there is not granted.
   *
   * @example Connecting to a port where nothing listens
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available && Deno.build.os !== "windows") {
   *   const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   *   const port = listener.addr.port;
   *   listener.close();
   *   const result = await status.library.socketConnect(
   *     { hostname: "127.0.0.1", port },
   *     { timeoutMs: 1000 },
   *   );
   *   assert.equal(result.ok ? "connected" : result.code, "ECONNREFUSED");
   * }
   * ```
   */
  socketConnect(
    target: SocketTarget,
    options?: SocketConnectOptions,
  ): Promise<SocketConnectResult> {
    return connectSocket(this.#symbols, target, options);
  }

  /**
   * Reads what the socket has into `into` without blocking.
   *
   * @param fd A descriptor from {@linkcode NativeLibrary.socketConnect}.
   * @param into Where to put the bytes; at most `into.length` are written, from its start.
   * @returns The byte count (0 at end of stream when `into` is not empty),
   * {@linkcode SOCKET_WOULD_BLOCK} when nothing has arrived yet, or another negative shim code
   * (name it with {@linkcode socketErrorCode}).
   * @throws {TypeError} When `into` is not a live Uint8Array.
   * @throws {RangeError} When `fd` is not a descriptor number.
   *
   * @example
   * ```ts ignore
   * import { nativeStatus, SOCKET_WOULD_BLOCK } from "@dray/dray/native";
   *
   * const status = nativeStatus();
   * if (status.available) {
   *   const n = status.library.socketRead(fd, new Uint8Array(65536));
   *   if (n === SOCKET_WOULD_BLOCK) await status.library.socketWait(fd, 1, 1000);
   * }
   * ```
   */
  socketRead(fd: number, into: Uint8Array): number {
    checkFd(fd);
    checkView("into", into);
    const length = lengthOf(into) > U32_MAX ? U32_MAX : lengthOf(into);
    return this.#symbols.dray_sock_read(fd | 0, into, length, 0, length);
  }

  /**
   * Writes a prefix of `bytes` without blocking.
   *
   * @param fd A descriptor from {@linkcode NativeLibrary.socketConnect}.
   * @param bytes What to write.
   * @returns How many bytes were written (maybe fewer than `bytes.length`),
   * {@linkcode SOCKET_WOULD_BLOCK} when the socket buffer is full, or another negative shim code.
   * @throws {TypeError} When `bytes` is not a live Uint8Array.
   * @throws {RangeError} When `fd` is not a descriptor number.
   *
   * @example
   * ```ts ignore
   * import { nativeStatus } from "@dray/dray/native";
   *
   * const status = nativeStatus();
   * if (status.available) status.library.socketWrite(fd, new TextEncoder().encode("PING\r\n"));
   * ```
   */
  socketWrite(fd: number, bytes: Uint8Array): number {
    checkFd(fd);
    checkView("bytes", bytes);
    const length = lengthOf(bytes) > U32_MAX ? U32_MAX : lengthOf(bytes);
    return this.#symbols.dray_sock_write(fd | 0, bytes, length, 0, length);
  }

  /**
   * Waits off-thread until the socket is readable or writable, as asked. A
   * {@linkcode NativeLibrary.socketShutdown} on the descriptor wakes it.
   *
   * @param fd A descriptor from {@linkcode NativeLibrary.socketConnect}.
   * @param events {@linkcode SOCKET_READABLE}, {@linkcode SOCKET_WRITABLE}, or both.
   * @param timeoutMs The longest wait; negative waits without limit.
   * @returns The ready events (with {@linkcode SOCKET_HANGUP} on hang-up or error), 0 after the
   * timeout, or a negative shim code.
   * @throws {RangeError} When `fd`, `events` or `timeoutMs` is out of range.
   *
   * @example
   * ```ts ignore
   * import { nativeStatus, SOCKET_READABLE } from "@dray/dray/native";
   *
   * const status = nativeStatus();
   * if (status.available) await status.library.socketWait(fd, SOCKET_READABLE, 1000);
   * ```
   */
  socketWait(fd: number, events: number, timeoutMs: number): Promise<number> {
    checkFd(fd);
    if (events !== 1 && events !== 2 && events !== 3) {
      throw new RangeError(`Cannot wait for events '${events}': expected 1, 2 or 3`);
    }
    if (!Number.isInteger(timeoutMs) || timeoutMs > 0x7fff_ffff) {
      throw new RangeError(`Cannot wait '${timeoutMs}' ms: expected an integer below 2^31`);
    }
    return this.#symbols.dray_sock_wait(fd | 0, events, timeoutMs < 0 ? -1 : timeoutMs | 0);
  }

  /**
   * Shuts down one or both directions of the socket (`shutdown(2)`), waking any
   * {@linkcode NativeLibrary.socketWait} on it. The descriptor stays open.
   *
   * @param fd A descriptor from {@linkcode NativeLibrary.socketConnect}.
   * @param how Which direction (default both).
   * @returns 0, or a negative shim code.
   * @throws {RangeError} When `fd` is not a descriptor number or `how` is none of the three.
   *
   * @example
   * ```ts ignore
   * import { nativeStatus } from "@dray/dray/native";
   *
   * const status = nativeStatus();
   * if (status.available) status.library.socketShutdown(fd, "write");
   * ```
   */
  socketShutdown(fd: number, how: "read" | "write" | "both" = "both"): number {
    checkFd(fd);
    if (how !== "read" && how !== "write" && how !== "both") {
      throw new RangeError(`Cannot shut down '${how}': expected "read", "write" or "both"`);
    }
    return this.#symbols.dray_sock_shutdown(
      fd | 0,
      how === "read" ? 0 : how === "write" ? 1 : 2,
    );
  }

  /**
   * Opens a readiness poller that many sockets share: one off-thread wait for all of them.
   *
   * @returns The poller, or `undefined` where the shim has none (it uses epoll: Linux only) or
   * when the system refuses (out of descriptors).
   *
   * @example
   * ```ts
   * import { nativeStatus } from "@dray/dray/native";
   *
   * const status = nativeStatus();
   * const poller = status.available ? status.library.socketPoller() : undefined;
   * console.log(poller === undefined ? "no shared poller here" : "epoll poller");
   * poller?.close();
   * ```
   */
  socketPoller(): SocketPoller | undefined {
    return openPoller(this.#symbols);
  }

  /**
   * Closes a socket descriptor. The C side refuses any descriptor that is not a socket the shim
   * created (from {@linkcode NativeLibrary.socketConnect}), and leaves it open.
   *
   * @param fd A descriptor from {@linkcode NativeLibrary.socketConnect}.
   * @returns 0, or a negative shim code.
   * @throws {RangeError} When `fd` is not a descriptor number.
   *
   * @example
   * ```ts
   * import { nativeStatus, socketErrorCode } from "@dray/dray/native";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available && Deno.build.os !== "windows") {
   *   assert.equal(socketErrorCode(status.library.socketClose(0)), "EBADF"); // stdin: refused
   * }
   * ```
   */
  socketClose(fd: number): number {
    checkFd(fd);
    return this.#symbols.dray_sock_close(fd | 0);
  }

  /**
   * Unloads the library. Only for a library loaded from an explicit path; the shared default one
   * stays loaded for the life of the process.
   *
   * @example
   * ```ts ignore
   * import { loadNative } from "@dray/dray/native";
   *
   * const status = loadNative({ path: "/opt/dray/libdray.so" });
   * if (status.available) status.library.close();
   * ```
   */
  close(): void {
    this.#close();
  }
}
