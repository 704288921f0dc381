// Private helpers of NativeLibrary's socket methods: argument checks, and the TypeScript half of
// a native connect, which runs dray_sock_connect off-thread and owns the descriptor it returns
// until the caller gets it, so that a timeout or an abort can never leak one.

import { pinnedBytes, pinnedCopy } from "./_pin.ts";
import type { ShimSymbols } from "./_symbols.ts";
import { checkView, lengthOf, U32_MAX } from "./_checks.ts";
import {
  SOCKET_WOULD_BLOCK as SOCKET_EAGAIN,
  type SocketConnectOptions,
  type SocketConnectResult,
  socketErrno,
  socketErrorCode,
  type SocketPoller,
  type SocketTarget,
} from "./sockets.ts";

const encoder = new TextEncoder();

/** Throws unless `fd` could be a descriptor: an integer from 0 to 2^31 - 1. */
export function checkFd(fd: number): void {
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fff_ffff) {
    throw new RangeError(`Cannot use descriptor '${fd}': expected an integer from 0 to 2^31 - 1`);
  }
}

const decoder = new TextDecoder();

// Flags of dray_sock_connect.
const UNIX = 1;
const NODELAY = 2;
const KEEPALIVE = 4;
const IPV4 = 8;
const IPV6 = 16;

// Words of the ctl buffer shared with the C call.
const CTL_WORDS = 8;
const CTL_KEEPIDLE = 1;
const CTL_KEEPINTVL = 2;
const CTL_KEEPCNT = 3;
const CTL_PHASE = 4;
const CTL_ERRNO = 5;
const CTL_FAMILY = 6;
const PHASE_CONNECTING = 2;

/** The longest host name or socket path the C side accepts (it needs room for a NUL). */
const MAX_NAME_BYTES = 1024;
const MAX_TIMEOUT_MS = 0x7fff_ffff;

function keepAliveWord(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 0x7fff) {
    throw new RangeError(`Cannot use keepAlive.${name} '${value}': expected an integer 0..32767`);
  }
  return value;
}

interface Prepared {
  text: string;
  name: Uint8Array;
  port: number;
  flags: number;
  path: string | undefined;
}

function prepare(
  target: SocketTarget,
  options: SocketConnectOptions,
  ctl: Int32Array,
): Prepared {
  let flags = 0;
  let port = 0;
  let text: string;
  let path: string | undefined;
  if ("path" in target) {
    if (typeof target.path !== "string" || target.path === "") {
      throw new TypeError(
        `Cannot connect to socket path '${target.path}': expected a non-empty string`,
      );
    }
    text = path = target.path;
    flags |= UNIX;
  } else {
    text = target.hostname;
    if (typeof text !== "string" || text === "") {
      throw new TypeError(`Cannot connect to host '${text}': expected a non-empty string`);
    }
    port = target.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`Cannot connect to port '${port}': expected an integer 1..65535`);
    }
    if (target.family === 4) flags |= IPV4;
    else if (target.family === 6) flags |= IPV6;
    else if (target.family !== undefined) {
      throw new RangeError(`Cannot use family '${target.family}': expected 4 or 6`);
    }
    if (options.noDelay ?? true) flags |= NODELAY;
    const keepAlive = options.keepAlive ?? false;
    if (keepAlive !== false) {
      flags |= KEEPALIVE;
      if (keepAlive !== true) {
        ctl[CTL_KEEPIDLE] = keepAliveWord("idleSeconds", keepAlive.idleSeconds);
        ctl[CTL_KEEPINTVL] = keepAliveWord("intervalSeconds", keepAlive.intervalSeconds);
        ctl[CTL_KEEPCNT] = keepAliveWord("count", keepAlive.count);
      }
    }
  }
  if (text.includes("\0")) {
    throw new TypeError(`Cannot connect to '${text}': it contains a NUL character`);
  }
  // Pinned: the C side reads it on another thread while JavaScript runs (see _pin.ts).
  const name = pinnedCopy(encoder.encode(text));
  if (name.length > MAX_NAME_BYTES) {
    throw new RangeError(`Cannot connect to '${text}': longer than ${MAX_NAME_BYTES} bytes`);
  }
  return { text, name, port, flags, path };
}

/** Whether `host` is an IPv4 or IPv6 literal, which needs no lookup. */
function isIpLiteral(host: string): boolean {
  return host.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

function peerAddress(symbols: ShimSymbols, fd: number, fallback: string): string {
  const out = new Uint8Array(MAX_NAME_BYTES);
  const n = symbols.dray_sock_peer(fd, out, out.length, 0, out.length);
  return n > 0 ? decoder.decode(out.subarray(0, n)) : fallback;
}

/**
 * Throws `Deno.errors.NotCapable` unless the process may connect to the target, as `Deno.connect`
 * would: `--allow-net` for the host and port, or read and write access to a unix socket's path.
 * FFI is outside Deno's sandbox, so the shim asks here, before C is called.
 */
export function checkConnectPermission(target: SocketTarget): void {
  const query: Deno.PermissionDescriptor[] = "path" in target
    ? [{ name: "read", path: target.path }, { name: "write", path: target.path }]
    : [{
      name: "net",
      host: target.hostname.includes(":")
        ? `[${target.hostname}]:${target.port}`
        : `${target.hostname}:${target.port}`,
    }];
  for (const descriptor of query) {
    if (Deno.permissions.querySync(descriptor).state !== "granted") {
      const what = "path" in target
        ? `the socket path '${target.path}' (--allow-read and --allow-write)`
        : `'${target.hostname}:${target.port}' (--allow-net)`;
      throw new Deno.errors.NotCapable(`Cannot connect natively to ${what}: permission denied`);
    }
  }
}

/** Delays between polls of a connect under way: quick at first, then every 10 ms. */
const POLL_DELAYS_MS = [0, 1, 1, 2, 4, 8];
const POLL_EVERY_MS = 10;
/** Between attempts at a unix listener whose backlog is full. */
const BACKLOG_RETRY_MS = 10;
const RESOLVE_BYTES = 4096;

/**
 * Connects through the shim without holding a thread of Deno's blocking pool per connect: the
 * connect is begun non-blocking on the event-loop thread (dray_sock_connect_start) and its
 * completion polled from timers (dray_sock_connect_poll); only a host name's lookup runs off-thread
 * (getaddrinfo cannot be made non-blocking). Resolves (never rejects, except for misuse or a
 * missing permission) with the descriptor or the failure; a timeout or an abort settles at once
 * and closes any descriptor begun, so none leaks.
 */
export function connectSocket(
  symbols: ShimSymbols,
  target: SocketTarget,
  options: SocketConnectOptions = {},
): Promise<SocketConnectResult> {
  const timeoutMs = options.timeoutMs ?? 0;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`Cannot connect with timeout '${timeoutMs}': expected a number >= 0`);
  }
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
  const { text, port, flags, path } = prepare(target, options, ctl);
  checkConnectPermission(target);
  const signal = options.signal;
  if (signal?.aborted) return Promise.resolve({ ok: false, code: "ECANCELED", errno: 0 });

  return new Promise((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    let fd = -1; // a descriptor whose connect is under way
    let addresses: string[] = [];
    let next = 0;
    let polls = 0;
    let lastError: SocketConnectResult = { ok: false, code: "ENOTFOUND", errno: 0 };

    const settle = (result: SocketConnectResult): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      if (deadline !== undefined) clearTimeout(deadline);
      signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const giveUp = (why: "ETIMEDOUT" | "ECANCELED"): void => {
      if (settled) return;
      if (fd >= 0) symbols.dray_sock_close(fd);
      fd = -1;
      settle({ ok: false, code: why, errno: 0 });
    };
    const onAbort = (): void => giveUp("ECANCELED");
    const failure = (rc: number): SocketConnectResult => ({
      ok: false,
      code: socketErrorCode(rc),
      errno: socketErrno(rc) || Atomics.load(ctl, CTL_ERRNO),
    });
    const connected = (descriptor: number): void => {
      const family = Atomics.load(ctl, CTL_FAMILY);
      settle({
        ok: true,
        fd: descriptor,
        family: family === 1 ? "unix" : family === 6 ? "ipv6" : "ipv4",
        address: path ?? peerAddress(symbols, descriptor, text),
      });
    };
    const later = (ms: number, step: () => void): void => {
      timer = setTimeout(() => {
        timer = undefined;
        if (!settled) step();
      }, ms);
    };
    const poll = (): void => {
      const rc = symbols.dray_sock_connect_poll(fd, flags, ctl, ctl.byteLength);
      if (rc >= 0) {
        fd = -1;
        connected(rc);
      } else if (rc === SOCKET_EAGAIN) {
        later(POLL_DELAYS_MS[polls++] ?? POLL_EVERY_MS, poll);
      } else {
        fd = -1; // closed by the shim
        lastError = failure(rc);
        attempt();
      }
    };
    // Begins a connect to the next address; on to the one after when it fails at once.
    const attempt = (): void => {
      while (next < addresses.length) {
        const address = encoder.encode(addresses[next]!);
        const rc = symbols.dray_sock_connect_start(
          address,
          address.length,
          address.length,
          port,
          flags,
          ctl,
          ctl.byteLength,
        );
        if (rc >= 0) {
          next++;
          if (Atomics.load(ctl, CTL_PHASE) === PHASE_CONNECTING) {
            fd = rc;
            polls = 0;
            poll();
          } else {
            connected(rc);
          }
          return;
        }
        if (rc === SOCKET_EAGAIN && path !== undefined) {
          later(BACKLOG_RETRY_MS, attempt); // a unix listener's backlog is full: try again
          return;
        }
        next++;
        lastError = failure(rc);
      }
      settle(lastError);
    };

    if (timeoutMs > 0) {
      deadline = setTimeout(
        () => giveUp("ETIMEDOUT"),
        Math.min(Math.ceil(timeoutMs), MAX_TIMEOUT_MS),
      );
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    if (path !== undefined || isIpLiteral(text)) {
      addresses = [text];
      attempt();
      return;
    }
    // A name: resolved off-thread into pinned memory (see _pin.ts), then connected as above.
    const name = pinnedCopy(encoder.encode(text));
    const out = pinnedBytes(RESOLVE_BYTES);
    symbols.dray_sock_resolve(
      name,
      name.length,
      name.length,
      flags & (IPV4 | IPV6),
      out,
      out.length,
    )
      .then((rc) => {
        void name; // held until C is done with it
        if (settled) return;
        if (rc < 0) {
          settle(failure(rc));
          return;
        }
        addresses = decoder.decode(out.subarray(0, rc)).split("\0").filter((a) => a !== "");
        attempt();
      }, () => settle({ ok: false, code: "ESYS", errno: 0 }));
  });
}

const MAX_READY = 256;

class EpollPoller implements SocketPoller {
  #symbols: ShimSymbols;
  #ep: number;
  #wake: number;
  #waiting = false;
  #closed = false;
  #released = false;
  // Written by dray_poller_wait on another thread while JavaScript runs, and public: pinned, so
  // that a caller cannot transfer or detach it under the C call (either throws).
  readonly ready: Uint32Array = new Uint32Array(new SharedArrayBuffer(2 * MAX_READY * 4));

  constructor(symbols: ShimSymbols, ep: number, wake: number) {
    this.#symbols = symbols;
    this.#ep = ep;
    this.#wake = wake;
  }

  get closed(): boolean {
    return this.#closed;
  }

  arm(fd: number, events: number, token: number): number {
    checkFd(fd);
    if (events !== 1 && events !== 2 && events !== 3) {
      throw new RangeError(`Cannot arm for events '${events}': expected 1, 2 or 3`);
    }
    if (!Number.isInteger(token) || token < 0 || token > 0xffff_ffff) {
      throw new RangeError(`Cannot arm with token '${token}': expected a uint32`);
    }
    if (this.#closed) return -23; // DRAY_SOCK_EBADF
    return this.#symbols.dray_poller_arm(this.#ep, fd | 0, events, token >>> 0);
  }

  disarm(fd: number): number {
    checkFd(fd);
    if (this.#closed) return -23;
    return this.#symbols.dray_poller_disarm(this.#ep, fd | 0);
  }

  async wait(timeoutMs: number): Promise<number> {
    if (!Number.isInteger(timeoutMs) || timeoutMs > 0x7fff_ffff) {
      throw new RangeError(`Cannot wait '${timeoutMs}' ms: expected an integer below 2^31`);
    }
    if (this.#closed) return -23;
    if (this.#waiting) throw new TypeError("Cannot wait: a wait is already in progress");
    this.#waiting = true;
    try {
      const ready = this.ready;
      return await this.#symbols.dray_poller_wait(
        this.#ep,
        this.#wake,
        ready,
        ready.byteLength,
        timeoutMs < 0 ? -1 : timeoutMs | 0,
      );
    } finally {
      this.#waiting = false;
      if (this.#closed) this.#release();
    }
  }

  wake(): void {
    if (!this.#released) this.#symbols.dray_poller_wake(this.#wake);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#waiting) this.wake(); // released when the wait returns
    else this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#symbols.dray_poller_close(this.#ep, this.#wake);
  }
}

/** Opens an epoll poller, or returns undefined where the shim has none (not Linux) or on failure. */
export function openPoller(symbols: ShimSymbols): SocketPoller | undefined {
  const out = new Int32Array(2);
  const rc = symbols.dray_poller_open(out, out.byteLength);
  if (rc !== 0) return undefined;
  return new EpollPoller(symbols, out[0]!, out[1]!);
}

/** NativeLibrary.socketRead: a non-blocking read into `into` from its start. */
export function socketRead(symbols: ShimSymbols, fd: number, into: Uint8Array): number {
  checkFd(fd);
  checkView("into", into);
  const length = lengthOf(into) > U32_MAX ? U32_MAX : lengthOf(into);
  return symbols.dray_sock_read(fd | 0, into, length, 0, length);
}

/** NativeLibrary.socketWrite: a non-blocking write of a prefix of `bytes`. */
export function socketWrite(symbols: ShimSymbols, fd: number, bytes: Uint8Array): number {
  checkFd(fd);
  checkView("bytes", bytes);
  const length = lengthOf(bytes) > U32_MAX ? U32_MAX : lengthOf(bytes);
  return symbols.dray_sock_write(fd | 0, bytes, length, 0, length);
}

/** NativeLibrary.socketWait: an off-thread wait for readiness. */
export function socketWait(
  symbols: ShimSymbols,
  fd: number,
  events: number,
  timeoutMs: number,
): Promise<number> {
  checkFd(fd);
  if (events !== 1 && events !== 2 && events !== 3) {
    throw new RangeError(`Cannot wait for events '${events}': expected 1, 2 or 3`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs > 0x7fff_ffff) {
    throw new RangeError(`Cannot wait '${timeoutMs}' ms: expected an integer below 2^31`);
  }
  return symbols.dray_sock_wait(fd | 0, events, timeoutMs < 0 ? -1 : timeoutMs | 0);
}

/** NativeLibrary.socketShutdown: shutdown(2) of one or both directions. */
export function socketShutdown(
  symbols: ShimSymbols,
  fd: number,
  how: "read" | "write" | "both",
): number {
  checkFd(fd);
  if (how !== "read" && how !== "write" && how !== "both") {
    throw new RangeError(`Cannot shut down '${how}': expected "read", "write" or "both"`);
  }
  return symbols.dray_sock_shutdown(fd | 0, how === "read" ? 0 : how === "write" ? 1 : 2);
}

/** NativeLibrary.socketClose: closes a descriptor the shim created. */
export function socketClose(symbols: ShimSymbols, fd: number): number {
  checkFd(fd);
  return symbols.dray_sock_close(fd | 0);
}
