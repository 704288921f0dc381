// The liveness rule of a client's connection: a server that stalls in the middle of a reply (a
// 512 MiB bulk declared and never sent, a process stopped with SIGSTOP) would otherwise hold the
// connection `ready` for good, every later command timing out behind the missing bytes. When a
// command times out, the connection is watched: if no byte at all arrives for LIVENESS_FACTOR
// times that timeout (and at least the client's `blockingGraceMs`, 2 s by default, so that a
// short timeout does not condemn a server busy for a moment) while written commands still wait
// for replies (and none of them blocks on purpose), the connection is taken for dead and
// destroyed, so the client reconnects.

import type { LoopHandle, LoopTimer } from "../../loop/types.ts";
import { ConnectionClosedError } from "../errors.ts";
import type { Command } from "./_command.ts";
import type { ClientSink } from "./_sink.ts";
import type { Connection } from "./connection.ts";

/** How many times a command's timeout the connection may stay silent after it timed out. */
export const LIVENESS_FACTOR = 3;

/** Watches one client's current connection after a command timed out on it. */
export class Liveness {
  #timer: LoopTimer | undefined = undefined;
  #connection: Connection<Command> | undefined = undefined;

  /**
   * A command gave up after `timeoutMs` on `connection`: from now, the connection must read a
   * byte within `LIVENESS_FACTOR * timeoutMs` (at least `floorMs`), or have nothing written left
   * to answer. A watch already running on the same connection is kept (it started earlier).
   */
  watch(
    connection: Connection<Command>,
    sink: ClientSink,
    timeoutMs: number,
    floorMs: number,
    timers: LoopHandle,
  ): void {
    if (this.#timer !== undefined && this.#connection === connection) return;
    this.stop();
    const context = connection.context;
    if (context.state !== "ready" && context.state !== "closing") return;
    const silentMs = Math.max(LIVENESS_FACTOR * timeoutMs, floorMs, 1);
    const read = context.stats.bytesRead;
    this.#connection = connection;
    this.#timer = timers.scheduleTimer(silentMs, () => {
      this.#timer = undefined;
      this.#connection = undefined;
      if (context.state === "closed") return;
      const stats = context.stats;
      if (stats.bytesRead !== read || stats.inFlight === 0 || sink.blocking > 0) return;
      context.destroy(
        new ConnectionClosedError(
          `No byte arrived for ${silentMs} ms after a command timed out after ${timeoutMs} ms, ` +
            "with replies still due: the connection is taken for dead",
        ),
      );
    }, { unref: true });
  }

  /** Stops watching (the connection ended, or the client closes). */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#connection = undefined;
  }
}
