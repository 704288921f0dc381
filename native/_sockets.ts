// Private helpers of NativeLibrary's socket methods: argument checks, and the TypeScript half of
// a native connect, which runs dray_sock_connect off-thread and owns the descriptor it returns
// until the caller gets it, so that a timeout or an abort can never leak one.

import { pinnedCopy } from "./_pin.ts";
import type { ShimSymbols } from "./_symbols.ts";
import {
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
const CTL_CANCEL = 0;
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

/** Whether getaddrinfo answers `host` without a lookup (an IPv4 or IPv6 literal). */
function isIpLiteral(host: string): boolean {
  return host.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

function peerAddress(symbols: ShimSymbols, fd: number, fallback: string): string {
  const out = new Uint8Array(MAX_NAME_BYTES);
  const n = symbols.dray_sock_peer(fd, out, out.length, 0, out.length);
  return n > 0 ? decoder.decode(out.subarray(0, n)) : fallback;
}

/**
 * Connects through the shim. Resolves (never rejects, except for misuse) with the descriptor or
 * the failure. A timeout or an abort settles at once while the name is still being resolved
 * (getaddrinfo cannot be interrupted) and within the C side's poll slice (10 ms) afterwards; a
 * descriptor that the C call returns after the caller gave up is closed, never handed out.
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
  // Shared with the C call on another thread, so pinned (see _pin.ts); Atomics work on it as well.
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
  const { text, name, port, flags, path } = prepare(target, options, ctl);
  const signal = options.signal;
  if (signal?.aborted) return Promise.resolve({ ok: false, code: "ECANCELED", errno: 0 });
  // Rounded up so that the C deadline is never earlier than the caller's.
  const cTimeout = timeoutMs === 0 ? 0 : Math.min(Math.ceil(timeoutMs), MAX_TIMEOUT_MS);

  return new Promise((resolve) => {
    let settled = false;
    let givenUp: "ETIMEDOUT" | "ECANCELED" | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const settle = (result: SocketConnectResult): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    // Asks the C call to stop. Before it connects (still resolving a name) nothing can be
    // waited for, so settle now; otherwise the call returns within one poll slice.
    const giveUp = (why: "ETIMEDOUT" | "ECANCELED"): void => {
      if (settled || givenUp !== undefined) return;
      givenUp = why;
      Atomics.store(ctl, CTL_CANCEL, 1);
      if (Atomics.load(ctl, CTL_PHASE) < PHASE_CONNECTING) {
        settle({ ok: false, code: why, errno: 0 });
      }
    };
    const onAbort = (): void => giveUp("ECANCELED");

    const call = symbols.dray_sock_connect(
      name,
      name.length,
      name.length,
      port,
      flags,
      cTimeout,
      ctl,
      ctl.byteLength,
    );
    call.then((rc) => {
      // `name` and `ctl` must stay alive while C uses them; referencing them here keeps them (they
      // are private and pinned, so nothing else can free them).
      void name;
      if (rc >= 0) {
        if (settled || givenUp !== undefined) {
          symbols.dray_sock_close(rc); // nobody is waiting for it any more
          settle({ ok: false, code: givenUp ?? "ECANCELED", errno: 0 });
          return;
        }
        const family = Atomics.load(ctl, CTL_FAMILY);
        settle({
          ok: true,
          fd: rc,
          family: family === 1 ? "unix" : family === 6 ? "ipv6" : "ipv4",
          address: path ?? peerAddress(symbols, rc, text),
        });
        return;
      }
      const code = socketErrorCode(rc);
      settle({
        ok: false,
        code: code === "ECANCELED" ? givenUp ?? code : code,
        errno: socketErrno(rc) || Atomics.load(ctl, CTL_ERRNO),
      });
    }, () => {
      // The FFI call itself failed (it does not, short of a broken runtime): no descriptor.
      settle({ ok: false, code: "ESYS", errno: 0 });
    });

    // The C side keeps the deadline itself once it connects; a timer is needed only to stop
    // waiting for a name lookup, which C cannot interrupt (IP literals and paths need none).
    if (timeoutMs > 0 && path === undefined && !isIpLiteral(text)) {
      timer = setTimeout(() => giveUp("ETIMEDOUT"), timeoutMs);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
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
