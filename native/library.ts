import { checkSpan, U32_MAX } from "./_checks.ts";
import { DRAY_OK, type ShimSymbols } from "./_symbols.ts";

function fail(entry: string, code: number): never {
  // Unreachable while the TypeScript checks hold: the C side found a span the wrapper allowed.
  throw new RangeError(
    `Cannot complete ${entry}: the native shim rejected its arguments (${code})`,
  );
}

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
    if (dst.length <= U32_MAX && src.length <= U32_MAX && length <= U32_MAX) {
      const rc = this.#symbols.dray_copy(
        dst,
        dst.length,
        dstOffset,
        src,
        src.length,
        srcOffset,
        length,
      );
      if (rc !== DRAY_OK) fail("copy", rc);
      return;
    }
    // A buffer beyond 4 GiB: narrow to the spans and go in u32-sized steps.
    const d = dst.subarray(dstOffset, dstOffset + length);
    const s = src.subarray(srcOffset, srcOffset + length);
    if (dst.buffer === src.buffer && dst.byteOffset + dstOffset > src.byteOffset + srcOffset) {
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
    if (dst.length <= U32_MAX && length <= U32_MAX) {
      const rc = this.#symbols.dray_fill(dst, dst.length, offset, value, length);
      if (rc !== DRAY_OK) fail("fill", rc);
      return;
    }
    const d = dst.subarray(offset, offset + length);
    for (let at = 0; at < length; at += U32_MAX) {
      const n = Math.min(U32_MAX, length - at);
      const rc = this.#symbols.dray_fill(d.subarray(at, at + n), n, 0, value, n);
      if (rc !== DRAY_OK) fail("fill", rc);
    }
  }

  // ---- dmover kernels (xor, crc32c, ...) ----

  // ---- sockets (redis native transport) ----

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
