// Types and codes of the shim's socket entry points (the `dray_sock_*` functions of shim.c), used
// by the native Redis transport through NativeLibrary's socket methods.

/**
 * What a socket call of the shim failed with: portable names for the errors a caller handles
 * (the C side maps each system's errno values to them), `ENOTFOUND`/`EAI_AGAIN`/`ENAMELOOKUP` for
 * `getaddrinfo` failures, `ECANCELED` when the caller gave up, `ESYS` for any other errno (see
 * {@linkcode SocketConnectFailure.errno}), and `EFAULT`/`ERANGE` when the C side refused its
 * arguments (unreachable through the checked wrappers).
 *
 * @example
 * ```ts
 * import type { SocketErrorCode } from "./sockets.ts";
 *
 * const code: SocketErrorCode = "ECONNREFUSED";
 * ```
 */
export type SocketErrorCode =
  | "EAGAIN"
  | "ECANCELED"
  | "ETIMEDOUT"
  | "ECONNREFUSED"
  | "ENOTFOUND"
  | "EAI_AGAIN"
  | "ENOENT"
  | "EACCES"
  | "ENETUNREACH"
  | "EHOSTUNREACH"
  | "EADDRNOTAVAIL"
  | "ECONNRESET"
  | "EPIPE"
  | "EBADF"
  | "EINVAL"
  | "EMFILE"
  | "ENOTSUP"
  | "ENAMELOOKUP"
  | "EFAULT"
  | "ERANGE"
  | "ESYS";

/**
 * What {@linkcode NativeLibrary.socketRead} and {@linkcode NativeLibrary.socketWrite} return when
 * the socket has nothing to read or no room to write (the shim's `DRAY_SOCK_EAGAIN`).
 *
 * @example
 * ```ts
 * import { SOCKET_WOULD_BLOCK, socketErrorCode } from "./sockets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socketErrorCode(SOCKET_WOULD_BLOCK), "EAGAIN");
 * ```
 */
export const SOCKET_WOULD_BLOCK: number = -10;

/**
 * {@linkcode NativeLibrary.socketWait}'s bit for a readable socket.
 *
 * @example
 * ```ts
 * import { SOCKET_READABLE, SOCKET_WRITABLE } from "./sockets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SOCKET_READABLE | SOCKET_WRITABLE, 3);
 * ```
 */
export const SOCKET_READABLE: number = 1;

/**
 * {@linkcode NativeLibrary.socketWait}'s bit for a writable socket.
 *
 * @example
 * ```ts
 * import { SOCKET_WRITABLE } from "./sockets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SOCKET_WRITABLE, 2);
 * ```
 */
export const SOCKET_WRITABLE: number = 2;

/**
 * {@linkcode NativeLibrary.socketWait}'s bit for a hang-up or a pending error: the next read or
 * write reports it.
 *
 * @example
 * ```ts
 * import { SOCKET_HANGUP } from "./sockets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SOCKET_HANGUP, 4);
 * ```
 */
export const SOCKET_HANGUP: number = 4;

const CODES: Record<number, SocketErrorCode> = {
  [-1]: "EFAULT",
  [-2]: "ERANGE",
  [-10]: "EAGAIN",
  [-11]: "ECANCELED",
  [-12]: "ETIMEDOUT",
  [-13]: "ECONNREFUSED",
  [-14]: "ENOTFOUND",
  [-15]: "EAI_AGAIN",
  [-16]: "ENOENT",
  [-17]: "EACCES",
  [-18]: "ENETUNREACH",
  [-19]: "EHOSTUNREACH",
  [-20]: "EADDRNOTAVAIL",
  [-21]: "ECONNRESET",
  [-22]: "EPIPE",
  [-23]: "EBADF",
  [-24]: "EINVAL",
  [-25]: "EMFILE",
  [-26]: "ENOTSUP",
  [-27]: "ENAMELOOKUP",
};

/** -(ERRNO_BASE + errno): an errno without a portable name. */
const ERRNO_BASE = 1000;

/**
 * Names a negative result of a shim socket call.
 *
 * @param rc A negative return value of `dray_sock_*`.
 * @returns The portable code.
 *
 * @example
 * ```ts
 * import { socketErrorCode } from "./sockets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socketErrorCode(-13), "ECONNREFUSED");
 * assert.equal(socketErrorCode(-1005), "ESYS");
 * ```
 */
export function socketErrorCode(rc: number): SocketErrorCode {
  return CODES[rc] ?? "ESYS";
}

/**
 * The raw errno carried by a result below `-1000`, or 0.
 *
 * @param rc A negative return value of `dray_sock_*`.
 * @returns The errno value, or 0 when the code has a portable name.
 *
 * @example
 * ```ts
 * import { socketErrno } from "./sockets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(socketErrno(-1005), 5);
 * assert.equal(socketErrno(-13), 0);
 * ```
 */
export function socketErrno(rc: number): number {
  return rc <= -ERRNO_BASE ? -rc - ERRNO_BASE : 0;
}

/**
 * Where {@linkcode NativeLibrary.socketConnect} connects: a TCP host and port, or a unix socket.
 *
 * @example
 * ```ts
 * import type { SocketTarget } from "./sockets.ts";
 *
 * const tcp: SocketTarget = { hostname: "::1", port: 6379 };
 * const unix: SocketTarget = { path: "/run/redis/redis.sock" };
 * ```
 */
export type SocketTarget =
  | {
    /** A host name (resolved with `getaddrinfo`) or an IP literal, without brackets. */
    hostname: string;
    /** The TCP port, 1 to 65535. */
    port: number;
    /** Resolve IPv4 or IPv6 addresses only (default: both, in the resolver's order). */
    family?: 4 | 6;
  }
  | {
    /** The file system path of a unix stream socket. */
    path: string;
  };

/**
 * TCP keepalive settings; a zero or absent field keeps the system's default.
 *
 * @example
 * ```ts
 * import type { SocketKeepAlive } from "./sockets.ts";
 *
 * const keepAlive: SocketKeepAlive = { idleSeconds: 15, intervalSeconds: 5, count: 3 };
 * ```
 */
export interface SocketKeepAlive {
  /** Seconds of idleness before the first probe. */
  idleSeconds?: number;
  /** Seconds between probes. */
  intervalSeconds?: number;
  /** Unanswered probes before the connection is dropped. */
  count?: number;
}

/**
 * Options for {@linkcode NativeLibrary.socketConnect}.
 *
 * @example
 * ```ts
 * import type { SocketConnectOptions } from "./sockets.ts";
 *
 * const options: SocketConnectOptions = {
 *   timeoutMs: 5000,
 *   noDelay: true,
 *   keepAlive: { idleSeconds: 15 },
 *   signal: AbortSignal.timeout(10_000),
 * };
 * ```
 */
export interface SocketConnectOptions {
  /** Give up after this many milliseconds, resolving included (default 0: no limit). */
  timeoutMs?: number;
  /** Give up when this signal aborts. */
  signal?: AbortSignal;
  /** Set `TCP_NODELAY` (default `true`; TCP only). */
  noDelay?: boolean;
  /** Set `SO_KEEPALIVE`, with these settings when an object (default `false`; TCP only). */
  keepAlive?: boolean | SocketKeepAlive;
}

/**
 * A connected descriptor. The caller owns it: close it with
 * {@linkcode NativeLibrary.socketClose}, or hand it to something that takes ownership (such as
 * `node:net`'s `Socket({ fd })`).
 *
 * @example
 * ```ts
 * import type { SocketConnected } from "./sockets.ts";
 *
 * function describe(result: SocketConnected): string {
 *   return `fd ${result.fd} to ${result.address} (${result.family})`;
 * }
 * ```
 */
export interface SocketConnected {
  /** Always `true`. */
  readonly ok: true;
  /** The non-blocking, close-on-exec descriptor. */
  readonly fd: number;
  /** The address family of the connection. */
  readonly family: "ipv4" | "ipv6" | "unix";
  /** The peer's numeric IP address (no brackets), or the socket path. */
  readonly address: string;
}

/**
 * A connect that failed, timed out or was cancelled. No descriptor is left open.
 *
 * @example
 * ```ts
 * import type { SocketConnectFailure } from "./sockets.ts";
 *
 * function describe(result: SocketConnectFailure): string {
 *   return `${result.code} (errno ${result.errno})`;
 * }
 * ```
 */
export interface SocketConnectFailure {
  /** Always `false`. */
  readonly ok: false;
  /** What went wrong: `ETIMEDOUT` for the timeout, `ECANCELED` for the signal. */
  readonly code: SocketErrorCode;
  /** The system's errno, or `getaddrinfo`'s code for a name lookup failure, when known; else 0. */
  readonly errno: number;
}

/**
 * What {@linkcode NativeLibrary.socketConnect} resolves with.
 *
 * @example
 * ```ts
 * import type { SocketConnectResult } from "./sockets.ts";
 *
 * function fdOf(result: SocketConnectResult): number | undefined {
 *   return result.ok ? result.fd : undefined;
 * }
 * ```
 */
export type SocketConnectResult = SocketConnected | SocketConnectFailure;

/**
 * A readiness poller shared by many sockets (epoll on Linux): one off-thread
 * {@linkcode SocketPoller.wait} serves every armed descriptor, where a
 * {@linkcode NativeLibrary.socketWait} per socket would hold one thread of Deno's small blocking
 * pool (32 threads in Deno 2.9) per idle connection. Interest is one-shot: after a descriptor is
 * reported, arm it again for its next readiness. Get one from
 * {@linkcode NativeLibrary.socketPoller}.
 *
 * @example Waiting for a socket to become readable
 * ```ts
 * import { nativeStatus } from "@dray/dray/native";
 * import { SOCKET_READABLE } from "./sockets.ts";
 * import assert from "node:assert/strict";
 *
 * const status = nativeStatus();
 * const poller = status.available ? status.library.socketPoller() : undefined;
 * if (status.available && poller !== undefined) {
 *   const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 *   const accepted = listener.accept();
 *   const result = await status.library.socketConnect({ hostname: "127.0.0.1", port: listener.addr.port });
 *   const peer = await accepted;
 *   assert.ok(result.ok);
 *   assert.equal(poller.arm(result.fd, SOCKET_READABLE, 7), 0);
 *   await peer.write(new Uint8Array([1]));
 *   assert.equal(await poller.wait(5000), 1);
 *   assert.deepEqual([...poller.ready.subarray(0, 2)], [7, SOCKET_READABLE]);
 *   status.library.socketClose(result.fd);
 *   poller.close();
 *   peer.close();
 *   listener.close();
 * }
 * ```
 */
export interface SocketPoller {
  /** Whether {@linkcode SocketPoller.close} was called. */
  readonly closed: boolean;
  /**
   * The `(token, events)` pairs that the last {@linkcode SocketPoller.wait} reported, as
   * `uint32` values: `ready[2 * i]` is a token, `ready[2 * i + 1]` its
   * {@linkcode SOCKET_READABLE} / {@linkcode SOCKET_WRITABLE} / {@linkcode SOCKET_HANGUP} bits.
   * Valid until the next wait starts. It lives in a `SharedArrayBuffer`, which the off-thread wait
   * writes into: it can be neither transferred nor detached (trying throws).
   */
  readonly ready: Uint32Array;
  /**
   * Asks for the next readiness of `fd`, reported once under `token`; replaces the previous
   * interest. Safe while a wait is in progress.
   *
   * @param fd A socket descriptor.
   * @param events {@linkcode SOCKET_READABLE}, {@linkcode SOCKET_WRITABLE}, or both.
   * @param token A `uint32` the wait reports for this descriptor.
   * @returns 0, or a negative shim code.
   */
  arm(fd: number, events: number, token: number): number;
  /**
   * Forgets `fd` (closing the descriptor forgets it too).
   *
   * @param fd A socket descriptor.
   * @returns 0, or a negative shim code.
   */
  disarm(fd: number): number;
  /**
   * Waits off-thread for armed descriptors or a {@linkcode SocketPoller.wake}. One wait at a time.
   *
   * @param timeoutMs The longest wait; negative waits without limit.
   * @returns How many pairs {@linkcode SocketPoller.ready} holds (0 after a wake or a timeout),
   * or a negative shim code.
   */
  wait(timeoutMs: number): Promise<number>;
  /** Makes a wait in progress return (or the next one, at once). */
  wake(): void;
  /** Releases the poller; a wait in progress is woken and the descriptors are closed after it. */
  close(): void;
}
