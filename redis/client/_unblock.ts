// Freeing a connection held by a blocking command nobody waits for any more. A `BLPOP k 0` whose
// caller aborted (or whose `timeoutMs` ran out) still holds its connection on the server: every
// command behind it, and a clean close, would wait for it. So the client sends
// `CLIENT UNBLOCK <id> TIMEOUT` from a short-lived side connection, which makes the server answer
// the blocking command as if its own timeout had run out; the reply is dropped, and the commands
// behind it go on. The connection's id is asked (`CLIENT ID`, by the client itself) before the
// first blocking command it carries. When the id is unknown, the side connection cannot be
// opened, or the command stays blocked, the connection is closed instead (and the client
// reconnects).

import { ConnectionClosedError, ReplyError } from "../errors.ts";
import type { ContextSink } from "../context/types.ts";
import type { RespValue } from "../resp/types.ts";
import { Command, promiseFor } from "./_command.ts";
import { INTERNAL, PLAIN } from "./_settle.ts";
import type { ClientSink } from "./_sink.ts";
import type { Connection } from "./connection.ts";

/** How many `CLIENT UNBLOCK` rounds may find nothing blocked before the connection is closed. */
const MAX_MISSES = 10;
/** The pause between two rounds, and how long to wait for the unblocked command's reply. */
const ROUND_MS = 50;

/** The sink of a side connection: each command's promise settles with its reply. */
class SideSink implements ContextSink<Command> {
  reply(entry: Command, value: RespValue): void {
    if (value instanceof ReplyError) entry.reject(value);
    else entry.resolve(value);
  }

  fail(entry: Command, error: Error): void {
    entry.reject(error);
  }
}

/** What unblocking needs from the client. */
export interface UnblockHost {
  /** Opens a new connection to the client's server, ready for commands. */
  openSide(sink: ContextSink<Command>): Promise<Connection<Command>>;
  /** Resolves after `ms` (on the client's loop). */
  delay(ms: number): Promise<void>;
}

/** Asks the connection's id with an internal `CLIENT ID`, once (before a blocking command). */
export function askClientId(sink: ClientSink): void {
  if (sink.clientId !== undefined) return;
  const context = sink.connection!.context;
  const entry = new Command(false, INTERNAL);
  const asked = promiseFor<unknown>(entry);
  try {
    context.submit(entry, ["CLIENT", "ID"]);
  } catch {
    return; // the connection's mode refuses it: unblocking will close the connection instead
  }
  sink.clientId = asked.then(
    (id) => typeof id === "number" ? id : undefined,
    () => undefined,
  );
}

/** Whether `connection` ended (read again after each wait). */
function ended(connection: Connection<Command>): boolean {
  return connection.context.state === "closed";
}

/**
 * The oldest blocking command pending on the connection, when nobody waits for it (`all`: also
 * when someone does, for a closing client).
 */
function stuck(sink: ClientSink, all: boolean): Command | undefined {
  for (const entry of sink.tracked) return entry.abandoned || all ? entry : undefined;
  return undefined;
}

/**
 * Unblocks, one after the other, the blocking commands at the head of `sink`'s connection that
 * nobody waits for (`all`: every one, for `close()`). Runs once per connection at a time; never
 * rejects.
 */
export async function unblock(sink: ClientSink, host: UnblockHost, all: boolean): Promise<void> {
  if (sink.unblocking) {
    if (all) sink.unblockAll = true;
    return;
  }
  sink.unblocking = true;
  sink.unblockAll ||= all;
  const connection = sink.connection!;
  let side: Connection<Command> | undefined;
  try {
    let misses = 0;
    for (;;) {
      if (ended(connection)) return;
      const entry = stuck(sink, sink.unblockAll);
      if (entry === undefined) return;
      const id = await sink.clientId;
      if (id === undefined) break;
      if (ended(connection) || !sink.tracked.has(entry)) continue;
      side ??= await host.openSide(new SideSink());
      const command = new Command(false, PLAIN);
      const unblocked = promiseFor<unknown>(command);
      side.context.submit(command, ["CLIENT", "UNBLOCK", id, "TIMEOUT"]);
      const count = await unblocked;
      for (let waited = 0; waited < ROUND_MS && sink.tracked.has(entry); waited += 10) {
        await host.delay(10);
      }
      if (count === 1 || !sink.tracked.has(entry)) {
        misses = 0;
        continue;
      }
      if (++misses >= MAX_MISSES) break;
    }
  } catch {
    // no side connection, or CLIENT UNBLOCK refused (an ACL): close instead
  } finally {
    sink.unblocking = false;
    if (side !== undefined) {
      side.context.close();
      await side.finished;
    }
  }
  if (!ended(connection) && stuck(sink, sink.unblockAll) !== undefined) {
    connection.context.destroy(
      new ConnectionClosedError(
        "A blocking command nobody waits for could not be unblocked: its connection is closed",
      ),
    );
  }
}
