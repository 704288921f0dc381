import { lengthOf } from "./_checks.ts";
import type { ShimSymbols } from "./_symbols.ts";
import * as calls from "./_dmover_calls.ts";
import { registerTrusted } from "./_trusted.ts";
import * as sockets from "./_sockets.ts";
import type {
  SocketConnectOptions,
  SocketConnectResult,
  SocketPoller,
  SocketTarget,
} from "./sockets.ts";

/**
 * The loaded shim: typed wrappers over its entry points (their bodies are in `_dmover_calls.ts`
 * and `_sockets.ts`). Get one from {@linkcode nativeStatus} or {@linkcode loadNative}.
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
   * `memmove` (the regions may overlap); for parity tests (`Uint8Array.prototype.set` is as fast).
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
    calls.copy(this.#symbols, dst, dstOffset, src, srcOffset, length);
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
    calls.fill(this.#symbols, dst, offset, value, length);
  }

  /**
   * Whether this build of the shim has the dmover kernels (`xor`, `crc32c`, `dmoverOp`, ...); a
   * library built from an older `shim.c` lacks them, and the other entry points still work.
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
    this.#hasKernels ??= calls.hasKernels(this.#symbols);
    return this.#hasKernels;
  }
  #hasKernels: boolean | undefined; // found once
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
    if (f === null) calls.noKernels("crc32c");
    const impl = f();
    return impl === 1 ? "sse4.2" : impl === 2 ? "armv8-crc" : "table";
  }

  /**
   * Writes the xor of `length` bytes of each source (2 to 32 of them, each from its offset) to
   * `dst` at `dstOffset`: one call into C for up to 8 sources, rounds of calls over 64 KiB chunks
   * for more.
   *
   * @param dst The destination; it should not overlap the sources.
   * @param dstOffset Where in `dst` to start writing.
   * @param sources 2 to 32 sources.
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
    calls.xor(this.#symbols, dst, dstOffset, sources, sourceOffsets, length);
  }

  /**
   * The scatter/gather form of {@linkcode NativeLibrary.xor}: one call for any number of iovecs.
   * `table` describes `sources.length + 1` sides, the output first, each a count from 1 to 1024
   * and that many (offset, length) pairs into its buffer, all of the same total.
   *
   * @param dst The output's buffer, not overlapping the sources; at most 4 GiB - 1.
   * @param sources 2 to 8 input buffers, each at most 4 GiB - 1.
   * @param table The iovec table.
   * @param words How many words of `table` to use (default all of it).
   * @throws {TypeError} When a buffer or the table is not of its type, or is detached.
   * @throws {RangeError} When the table is malformed or a pair lies outside its buffer.
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
    calls.xorv(this.#symbols, dst, sources, table, words);
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
    return calls.crc32c(this.#symbols, src, offset, length, seed);
  }

  /**
   * The scatter/gather {@linkcode NativeLibrary.crc32c}: `table[0]` holds the seed and receives
   * the CRC; from `table[1]`, a count from 1 to 1024 and that many (offset, length) pairs.
   *
   * @param src The buffer the pieces are in, at most 4 GiB - 1.
   * @param table The seed and the iovec table.
   * @param words How many words of `table` to use (default all of it).
   * @returns The CRC of the pieces in order (also left in `table[0]`).
   * @throws {TypeError} When `src` or the table is not of its type, or is detached.
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
    return calls.crc32cv(this.#symbols, src, table, words);
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
    if (f === null) calls.noKernels("read the dmover instruction set");
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
   * sides and iovecs it has. `table` (layout in docs/native.md): the op, output and input counts,
   * four argument words, two result words (7 and 8: a CRC, or the offset a comparison stopped at,
   * all ones for none), then per side (outputs first) its memory's index, a count from 1 to 1024
   * and that many (offset, length) pairs, every side of the same total. Sides may share a memory;
   * overlapping sides give unspecified bytes, never an access outside the memories.
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
    calls.dmoverOp(this.#symbols, table, memories, words);
  }

  /**
   * {@linkcode NativeLibrary.dmoverOp} off the event-loop thread, as a nonblocking FFI call (Deno
   * runs a few dozen of those at once, shared with file-system work: bound how many you start).
   *
   * The table and every memory must be views of a fixed-length `SharedArrayBuffer` (one that can
   * be neither transferred, detached nor shrunk while C works on it; docs/native.md says why); do
   * not touch the sides' bytes until the promise settles. C walks a private copy of the table.
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
  dmoverOpAsync(
    table: Uint32Array,
    memories: readonly Uint8Array[],
    words: number = lengthOf(table),
  ): Promise<void> {
    return calls.dmoverOpAsync(this.#symbols, table, memories, words);
  }

  // ---- sockets (redis native transport) ----

  /**
   * Connects a TCP or unix stream socket in C, begun non-blocking and polled from timers (no
   * thread of Deno's pool is held; only `getaddrinfo` runs off-thread), then `TCP_NODELAY` and
   * keepalive. Resolves with a descriptor the caller owns, or why there is none; never leaves one
   * open after a timeout or an abort. Honours Deno's permissions as `Deno.connect` does. The other
   * socket methods refuse any descriptor the shim did not create (see docs/native.md).
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
   *   listener.close();
   *   const target = { hostname: "127.0.0.1", port: listener.addr.port };
   *   const result = await status.library.socketConnect(target, { timeoutMs: 1000 });
   *   assert.equal(result.ok ? "connected" : result.code, "ECONNREFUSED");
   * }
   * ```
   *
   * @ignore Internal (the Redis transport's).
   */
  socketConnect(
    target: SocketTarget,
    options?: SocketConnectOptions,
  ): Promise<SocketConnectResult> {
    return sockets.connectSocket(this.#symbols, target, options);
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
   * @ignore Internal (the Redis transport's).
   */
  socketRead(fd: number, into: Uint8Array): number {
    return sockets.socketRead(this.#symbols, fd, into);
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
   * @ignore Internal (the Redis transport's).
   */
  socketWrite(fd: number, bytes: Uint8Array): number {
    return sockets.socketWrite(this.#symbols, fd, bytes);
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
   * @ignore Internal (the Redis transport's).
   */
  socketWait(fd: number, events: number, timeoutMs: number): Promise<number> {
    return sockets.socketWait(this.#symbols, fd, events, timeoutMs);
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
   * @ignore Internal (the Redis transport's).
   */
  socketShutdown(fd: number, how: "read" | "write" | "both" = "both"): number {
    return sockets.socketShutdown(this.#symbols, fd, how);
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
   *
   * @ignore Internal (the Redis transport's).
   */
  socketPoller(): SocketPoller | undefined {
    return sockets.openPoller(this.#symbols);
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
   * import { nativeStatus } from "@dray/dray/native";
   * import { socketErrorCode } from "./sockets.ts";
   * import assert from "node:assert/strict";
   *
   * const status = nativeStatus();
   * if (status.available && Deno.build.os !== "windows") {
   *   assert.equal(socketErrorCode(status.library.socketClose(0)), "EBADF"); // stdin: refused
   * }
   * ```
   *
   * @ignore Internal (the Redis transport's).
   */
  socketClose(fd: number): number {
    return sockets.socketClose(this.#symbols, fd);
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
