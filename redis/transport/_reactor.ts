// One readiness loop for every socket the shim drives: a single off-thread SocketPoller wait at a
// time serves all of them. (A wait per socket would hold one thread of Deno's blocking pool per
// idle connection; that pool runs 32 such calls at once in Deno 2.9, and file system calls share
// it.) While any socket waits for readiness, one wait is in flight; when none does, none is.

import type { NativeLibrary } from "../../native/mod.ts";
import { SOCKET_HANGUP, type SocketPoller } from "../../native/sockets.ts";

type ReadyHandler = (events: number) => void;

/** What a wait that threw counts as: a failure code (DRAY_SOCK_EBADF). */
const POLLER_BROKEN = -23;

export class Reactor {
  #poller: SocketPoller;
  #handlers = new Map<number, ReadyHandler>();
  #afterWait: Array<() => void> = [];
  #waiting = false;
  #failure = 0;
  #nextToken = 1;

  constructor(poller: SocketPoller) {
    this.#poller = poller;
  }

  /** A token no other live socket uses. */
  token(): number {
    const token = this.#nextToken;
    this.#nextToken = token === 0xffff_ffff ? 1 : token + 1;
    return token;
  }

  /**
   * Asks for the next readiness of `fd` (`events`: readable 1, writable 2), reported once to
   * `onReady`; replaces an earlier request under the same token. Returns 0 or a shim code.
   */
  arm(fd: number, events: number, token: number, onReady: ReadyHandler): number {
    if (this.#failure < 0) return this.#failure;
    const rc = this.#poller.arm(fd, events, token);
    if (rc < 0) return rc;
    this.#handlers.set(token, onReady);
    if (!this.#waiting) void this.#run();
    return 0;
  }

  /**
   * Forgets `fd` and its token. `done` runs once no wait in flight can still report it: at once
   * when none is in flight, else after the wait, which is woken for it.
   */
  forget(fd: number, token: number, done: () => void): void {
    this.#poller.disarm(fd);
    this.#handlers.delete(token);
    if (!this.#waiting) {
      done();
      return;
    }
    this.#afterWait.push(done);
    this.#poller.wake();
  }

  async #run(): Promise<void> {
    this.#waiting = true;
    try {
      while (this.#handlers.size > 0 || this.#afterWait.length > 0) {
        const n = await this.#poller.wait(-1).catch(() => POLLER_BROKEN);
        const after = this.#afterWait;
        this.#afterWait = [];
        if (n < 0) {
          // The poller itself failed: wake every socket so that its next read or write reports
          // what is wrong, and refuse further requests instead of spinning on the failure.
          this.#failure = n;
          const handlers = [...this.#handlers.values()];
          this.#handlers.clear();
          for (const handler of handlers) handler(SOCKET_HANGUP);
        }
        const ready = this.#poller.ready;
        for (let i = 0; i < n; i++) {
          const token = ready[2 * i]!;
          const handler = this.#handlers.get(token);
          if (handler === undefined) continue; // forgotten while the wait was in flight
          this.#handlers.delete(token);
          handler(ready[2 * i + 1]!);
        }
        for (const done of after) done();
      }
    } finally {
      this.#waiting = false;
    }
  }
}

const reactors = new WeakMap<NativeLibrary, Reactor | null>();

/** The process-wide reactor of `lib`, or undefined where the shim has no poller (not Linux). */
export function reactorFor(lib: NativeLibrary): Reactor | undefined {
  let reactor = reactors.get(lib);
  if (reactor === undefined) {
    const poller = lib.socketPoller();
    reactor = poller === undefined ? null : new Reactor(poller);
    reactors.set(lib, reactor);
  }
  return reactor ?? undefined;
}
