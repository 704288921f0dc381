import { checkSpan, checkView, U32_MAX } from "./_checks.ts";
import { DRAY_OK, type ShimSymbols } from "./_symbols.ts";
import { checkFd, connectSocket, openPoller } from "./_sockets.ts";
import type {
  SocketConnectOptions,
  SocketConnectResult,
  SocketPoller,
  SocketTarget,
} from "./sockets.ts";

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
   * Connects a TCP or unix stream socket in C: `getaddrinfo`, then a non-blocking `connect` to
   * each address in turn with what is left of the timeout, then `TCP_NODELAY` and keepalive. The
   * blocking part runs off the event-loop thread (a nonblocking FFI call). Resolves with a
   * descriptor the caller owns, or with why there is none; never leaves a descriptor open after
   * a timeout or an abort, even one the C call returns later. Does not consult Deno's `--allow-net`
   * (FFI is outside the sandbox): callers check permissions first.
   *
   * @param target A host and port (an IP literal without brackets, or a name), or a socket path.
   * @param options Timeout, abort signal, `TCP_NODELAY` and keepalive.
   * @returns The descriptor, or the failure with its code.
   * @throws {TypeError} When the host or path is empty or holds a NUL character.
   * @throws {RangeError} When the port, family, timeout or keepalive settings are out of range, or
   * the host or path is longer than 1024 bytes.
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
    const length = into.length > U32_MAX ? U32_MAX : into.length;
    return this.#symbols.dray_sock_read(fd, into, length, 0, length);
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
    const length = bytes.length > U32_MAX ? U32_MAX : bytes.length;
    return this.#symbols.dray_sock_write(fd, bytes, length, 0, length);
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
    return this.#symbols.dray_sock_wait(fd, events, timeoutMs < 0 ? -1 : timeoutMs);
  }

  /**
   * Shuts down one or both directions of the socket (`shutdown(2)`), waking any
   * {@linkcode NativeLibrary.socketWait} on it. The descriptor stays open.
   *
   * @param fd A descriptor from {@linkcode NativeLibrary.socketConnect}.
   * @param how Which direction (default both).
   * @returns 0, or a negative shim code.
   * @throws {RangeError} When `fd` is not a descriptor number.
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
    return this.#symbols.dray_sock_shutdown(fd, how === "read" ? 0 : how === "write" ? 1 : 2);
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
   * Closes a socket descriptor. The C side refuses any descriptor that is not a socket.
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
    return this.#symbols.dray_sock_close(fd);
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
