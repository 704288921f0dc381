// What a client's commands have set up on its connection that a new connection would not have:
// a `MULTI` sent with sendCommand whose EXEC has not been sent yet, and a `WATCH`. When the
// connection is lost, the server forgets both; commands that relied on them must not run on the
// next connection as if nothing happened: the rest of a lost MULTI is refused, and a transaction
// after a lost WATCH is not run (as if a watched key had changed).

import { ConnectionClosedError, WatchError } from "../errors.ts";
import {
  classify,
  type CommandClass,
  S_DISCARD,
  S_EXEC,
  S_MULTI,
  S_RESET,
  S_UNWATCH,
  S_WATCH,
} from "../commands/classify.ts";
import type { RedisArgument } from "../resp/types.ts";

export {
  S_DISCARD,
  S_EXEC,
  S_MULTI,
  S_OTHER,
  S_QUIT,
  S_RESET,
  S_UNWATCH,
  S_WATCH,
} from "../commands/classify.ts";

/**
 * Which of WATCH, UNWATCH, MULTI, EXEC, DISCARD, RESET, QUIT `argv` is, if any: read from the
 * command's class, found once.
 */
export function sessionCode(
  argv: readonly RedisArgument[],
  kind: CommandClass = classify(argv),
): number {
  return kind.session;
}

const NONE = 0;
const ACTIVE = 1; // WATCH: keys watched; MULTI: a transaction is open
const LOST = 2; // the connection that held it was lost

/** What to do with a command (see `Session.admit`). */
export const ADMIT = 0;
export const ADMIT_BOUND = 1;

export class Session {
  #watch = NONE;
  #multi = NONE;
  // The open MULTI was refused because its WATCH was lost (not lost with a connection itself).
  #refused = false;

  /** Whether a MULTI sent with sendCommand is open (its EXEC not sent yet). */
  get inMulti(): boolean {
    return this.#multi !== NONE;
  }

  /** Whether keys are watched on the connection (or were, on one that was lost). */
  get watching(): boolean {
    return this.#watch !== NONE;
  }

  /**
   * A command with `code` is about to be queued: `ADMIT`, `ADMIT_BOUND` (it depends on the
   * connection's state: never send it again elsewhere), or the error to refuse it with.
   */
  admit(code: number): number | Error {
    if (this.#multi === LOST) {
      const refused = this.#refused;
      if (code === S_RESET) {
        this.#multi = this.#watch = NONE;
        this.#refused = false;
        return ADMIT;
      }
      if (code === S_EXEC || code === S_DISCARD) {
        this.#multi = this.#watch = NONE;
        this.#refused = false;
        const name = code === S_EXEC ? "EXEC" : "DISCARD";
        return refused
          ? new WatchError(
            `Cannot send ${name}: the MULTI was refused because the connection was lost after ` +
              "WATCH (nothing in the transaction was sent)",
          )
          : new ConnectionClosedError(
            `Cannot send ${name}: the connection that held the MULTI was lost, and the server ` +
              "dropped the transaction (nothing in it was applied)",
          );
      }
      return refused
        ? new WatchError(
          "Cannot send a command inside MULTI: the MULTI was refused because the connection " +
            "was lost after WATCH; send DISCARD to end it",
        )
        : new ConnectionClosedError(
          "Cannot send a command inside MULTI: the connection that held the MULTI was lost; " +
            "send EXEC or DISCARD to end it",
        );
    }
    switch (code) {
      case S_WATCH:
        if (this.#watch === NONE) this.#watch = ACTIVE;
        return ADMIT_BOUND;
      case S_UNWATCH:
        this.#watch = NONE;
        return this.#multi === ACTIVE ? ADMIT_BOUND : ADMIT;
      case S_MULTI:
        if (this.#watch === LOST) {
          this.#multi = LOST;
          this.#refused = true;
          return new WatchError(
            "Cannot send MULTI: the connection was lost after WATCH, so a watched key may have " +
              "changed; send DISCARD, then WATCH again",
          );
        }
        this.#multi = ACTIVE;
        return ADMIT_BOUND;
      case S_EXEC:
      case S_DISCARD: {
        const bound = this.#multi === ACTIVE;
        this.#multi = this.#watch = NONE;
        return bound ? ADMIT_BOUND : ADMIT;
      }
      case S_RESET:
        this.#multi = this.#watch = NONE;
        return ADMIT;
      default:
        return this.#multi === ACTIVE ? ADMIT_BOUND : ADMIT;
    }
  }

  /**
   * A transaction block (`client.multi()`) is about to be queued: `"lost"` when a WATCH was lost
   * with its connection (the block must not run), `"watched"` when it runs under a WATCH (it must
   * not be sent again on another connection), else `"plain"`. Either way the WATCH ends with it.
   */
  transaction(): "lost" | "watched" | "plain" {
    const watch = this.#watch;
    this.#watch = NONE;
    return watch === LOST ? "lost" : watch === ACTIVE ? "watched" : "plain";
  }

  /** The connection was lost: the server forgot the WATCH and the open MULTI. */
  lost(): void {
    if (this.#watch === ACTIVE) this.#watch = LOST;
    if (this.#multi === ACTIVE) this.#multi = LOST;
  }
}
