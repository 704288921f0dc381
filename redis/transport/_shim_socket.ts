// The "shim" driver: a natively connected descriptor read and written by the shim. Reads and
// writes are non-blocking calls on the event-loop thread (tens of ns of FFI plus the syscall).
// When a read finds nothing, it first retries a few times (an adaptive spin: a reply that is
// microseconds away on a fast link arrives without an off-thread hop), then waits for readiness
// through the shared Reactor. close() forgets the descriptor in the reactor and closes it once no
// wait in flight can still report it.

import type { IoSource } from "../../loop/types.ts";
import type { NativeLibrary } from "../../native/mod.ts";
import {
  SOCKET_HANGUP,
  SOCKET_READABLE,
  SOCKET_WOULD_BLOCK,
  SOCKET_WRITABLE,
  socketErrno,
  socketErrorCode,
} from "../../native/sockets.ts";
import { busyError, closedError, interrupted, ioError } from "./_io_errors.ts";
import type { Reactor } from "./_reactor.ts";

/** The default spin: at most this many extra non-blocking reads (~0.3-1 us each) before a wait. */
export const DEFAULT_SPIN_READS = 64;
/** While the spin is off, try it again every this many waits, in case the traffic changed. */
const SPIN_PROBE_EVERY = 64;

function failure(rc: number, what: string): Error {
  const code = socketErrorCode(rc);
  const errno = socketErrno(rc);
  return ioError(code, errno === 0 ? `${what} failed` : `${what} failed with errno ${errno}`);
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export interface ShimSocketOptions {
  /**
   * The most extra non-blocking reads to try after one finds nothing, before waiting (default
   * {@linkcode DEFAULT_SPIN_READS}; 0 never spins). The budget adapts: it doubles (up to this
   * value) when a spin finds the bytes and halves when it does not, so a connection whose replies
   * do not come back within microseconds soon stops spending CPU on it.
   */
  spinReads?: number;
}

export class ShimSocket implements IoSource {
  #lib: NativeLibrary;
  #reactor: Reactor;
  #fd: number;
  #token: number;
  #maxSpin: number;
  #spin: number;
  #waitsWithoutSpin = 0;
  #closed = false;
  #reading = false;
  #readWaiter: Waiter | undefined;
  #writeWaiter: Waiter | undefined;
  #onReady = (events: number): void => this.#ready(events);

  constructor(lib: NativeLibrary, reactor: Reactor, fd: number, options: ShimSocketOptions = {}) {
    this.#lib = lib;
    this.#reactor = reactor;
    this.#fd = fd;
    this.#token = reactor.token();
    this.#maxSpin = Math.max(0, Math.floor(options.spinReads ?? DEFAULT_SPIN_READS));
    this.#spin = this.#maxSpin;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async read(into: Uint8Array): Promise<number | null> {
    if (this.#closed) throw closedError();
    if (into.length === 0) return 0;
    if (this.#reading) throw busyError();
    this.#reading = true;
    try {
      for (;;) {
        const rc = this.#readNow(into);
        if (rc > 0) return rc;
        if (rc === 0) return null;
        if (rc !== SOCKET_WOULD_BLOCK) throw failure(rc, "read");
        await this.#wait(SOCKET_READABLE);
      }
    } finally {
      this.#reading = false;
    }
  }

  async write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) throw closedError();
    if (bytes.length === 0) return 0;
    for (;;) {
      const rc = this.#lib.socketWrite(this.#fd, bytes);
      if (rc >= 0) return rc;
      if (rc !== SOCKET_WOULD_BLOCK) throw failure(rc, "write");
      await this.#wait(SOCKET_WRITABLE);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reactor.forget(this.#fd, this.#token, () => {
      const waiters = [this.#readWaiter, this.#writeWaiter];
      this.#readWaiter = this.#writeWaiter = undefined;
      for (const waiter of waiters) waiter?.reject(interrupted());
      this.#lib.socketClose(this.#fd);
    });
  }

  // One non-blocking read, then the spin while the budget allows.
  #readNow(into: Uint8Array): number {
    const lib = this.#lib;
    let rc = lib.socketRead(this.#fd, into);
    if (rc !== SOCKET_WOULD_BLOCK || this.#maxSpin === 0) return rc;
    const budget = this.#spin;
    if (budget === 0) {
      if (++this.#waitsWithoutSpin < SPIN_PROBE_EVERY) return rc;
      this.#waitsWithoutSpin = 0;
      this.#spin = 1; // probe: spin a little once more
      return rc;
    }
    for (let i = 0; i < budget && rc === SOCKET_WOULD_BLOCK; i++) {
      rc = lib.socketRead(this.#fd, into);
    }
    this.#spin = rc === SOCKET_WOULD_BLOCK ? budget >> 1 : Math.min(this.#maxSpin, budget * 2);
    return rc;
  }

  #wait(event: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (event === SOCKET_READABLE) this.#readWaiter = waiter;
      else this.#writeWaiter = waiter;
      this.#arm();
    });
  }

  #arm(): void {
    const events = (this.#readWaiter ? SOCKET_READABLE : 0) |
      (this.#writeWaiter ? SOCKET_WRITABLE : 0);
    if (events === 0 || this.#closed) return;
    const rc = this.#reactor.arm(this.#fd, events, this.#token, this.#onReady);
    if (rc < 0) {
      const waiters = [this.#readWaiter, this.#writeWaiter];
      this.#readWaiter = this.#writeWaiter = undefined;
      for (const waiter of waiters) waiter?.reject(failure(rc, "wait"));
    }
  }

  #ready(events: number): void {
    const read = this.#readWaiter;
    if (read !== undefined && (events & (SOCKET_READABLE | SOCKET_HANGUP)) !== 0) {
      this.#readWaiter = undefined;
      read.resolve();
    }
    const write = this.#writeWaiter;
    if (write !== undefined && (events & (SOCKET_WRITABLE | SOCKET_HANGUP)) !== 0) {
      this.#writeWaiter = undefined;
      write.resolve();
    }
    this.#arm(); // interest is one-shot: ask again for what is still awaited
  }
}
