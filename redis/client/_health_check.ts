// The health check of a client's live connection (the `healthCheck` option): a PING on a
// connection that read nothing for `intervalMs`, and the connection taken for dead when nothing
// answers within `timeoutMs`.

import type { LoopTimer } from "../../loop/types.ts";
import { ConnectionClosedError } from "../errors.ts";
import type { ClientState } from "./_client_state.ts";
import { Command } from "./_command.ts";
import { INTERNAL } from "./_settle.ts";
import type { Connection } from "./connection.ts";

/** Watches one connection at a time; `stop()` before the next. */
export class HealthCheck {
  #timer: LoopTimer | undefined = undefined;

  /** Starts watching `connection`, the client's live one (nothing without the option). */
  start(state: ClientState, connection: Connection<Command>): void {
    const settings = state.resolved.healthCheck;
    if (settings === undefined) return;
    const { intervalMs, timeoutMs } = settings;
    const context = connection.context;
    const sink = state.sink!;
    const timers = state.timerHandle();
    let last = context.stats.bytesRead;
    let pinged = false;
    const check = (): void => {
      this.#timer = undefined;
      if (connection !== state.connection || !state.life.live) return;
      const read = context.stats.bytesRead;
      if (pinged && read === last) {
        context.destroy(
          new ConnectionClosedError(
            `The connection was silent for ${intervalMs} ms and did not answer a PING within ` +
              `${timeoutMs} ms: it is taken for dead`,
          ),
        );
        return;
      }
      pinged = false;
      if (read === last && sink.blocking === 0 && context.accepting) {
        const entry = new Command(false, INTERNAL);
        try {
          context.submit(entry, ["PING"]);
          pinged = true;
        } catch {
          // the connection's mode refuses PING (monitor): nothing to check with
        }
      }
      last = read;
      this.#timer = timers.scheduleTimer(pinged ? timeoutMs : intervalMs, check, { unref: true });
    };
    this.#timer = timers.scheduleTimer(intervalMs, check, { unref: true });
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
