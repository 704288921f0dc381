// The "shim" driver: a natively connected descriptor read and written by the shim. Reads and
// writes are non-blocking calls on the event-loop thread (~tens of ns of FFI plus the syscall);
// when one would block, the wait for readiness is a nonblocking FFI poll that runs on Deno's
// blocking thread pool. close() shuts the socket down, which wakes such a wait, and releases the
// descriptor only once no wait is in flight, so a descriptor number is never closed while another
// thread still polls it (where the number could be reused).

import type { IoSource } from "../../loop/types.ts";
import {
  type NativeLibrary,
  SOCKET_READABLE,
  SOCKET_WOULD_BLOCK,
  SOCKET_WRITABLE,
  socketErrno,
  socketErrorCode,
} from "../../native/mod.ts";
import { busyError, closedError, interrupted, ioError } from "./_io_errors.ts";

/** Longest single off-thread wait; a wait that times out is simply started again. */
const WAIT_SLICE_MS = 1000;

function failure(rc: number, what: string): Error {
  const code = socketErrorCode(rc);
  const errno = socketErrno(rc);
  return ioError(code, errno === 0 ? `${what} failed` : `${what} failed with errno ${errno}`);
}

export interface ShimSocketOptions {
  /**
   * How many extra non-blocking reads to try after one finds nothing, before waiting off-thread.
   * Each is a syscall (~0.3-1 us): a small spin catches a reply that is microseconds away on
   * loopback without the cost of an off-thread wait (tens of us), at the price of that CPU time.
   */
  spinReads?: number;
}

export class ShimSocket implements IoSource {
  #lib: NativeLibrary;
  #fd: number;
  #spin: number;
  #closed = false;
  #released = false;
  #reading = false;
  #waits = 0;

  constructor(lib: NativeLibrary, fd: number, options: ShimSocketOptions = {}) {
    this.#lib = lib;
    this.#fd = fd;
    this.#spin = options.spinReads ?? 0;
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
      const lib = this.#lib;
      for (;;) {
        let rc = lib.socketRead(this.#fd, into);
        for (let i = 0; rc === SOCKET_WOULD_BLOCK && i < this.#spin; i++) {
          rc = lib.socketRead(this.#fd, into);
        }
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
    this.#lib.socketShutdown(this.#fd, "both"); // wakes any wait in flight
    this.#release();
  }

  async #wait(events: number): Promise<void> {
    this.#waits++;
    let rc: number;
    try {
      rc = await this.#lib.socketWait(this.#fd, events, WAIT_SLICE_MS);
    } finally {
      this.#waits--;
      if (this.#closed) this.#release();
    }
    if (this.#closed) throw interrupted();
    if (rc < 0) throw failure(rc, "wait");
  }

  #release(): void {
    if (this.#released || this.#waits > 0) return;
    this.#released = true;
    this.#lib.socketClose(this.#fd);
  }
}
