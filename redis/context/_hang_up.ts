// Why a server hung up, when it said so: an error reply that makes Redis close the connection
// (`-ERR Protocol error: …`, `-ERR max number of clients reached`) answers the command that caused it, and the end of stream right
// after it means the server ran nothing it was sent after that command. The connection then
// fails with a ConnectionClosedError whose cause is that reply: the reply itself belongs to its
// own command only.

import { ConnectionClosedError, type ReplyError } from "../errors.ts";

const hangUps = new WeakSet<Error>();

/**
 * Whether `reply` is an error after which Redis closes the connection: a protocol error, or
 * the refusal it sends on accept when it has `maxclients` clients already.
 */
export function closesConnection(reply: ReplyError): boolean {
  const message = reply.message;
  return message.startsWith("ERR Protocol error") ||
    message === "ERR max number of clients reached";
}

/** The connection's error when the stream ended right after `reply` (see `closesConnection`). */
export function hangUpError(reply: ReplyError): ConnectionClosedError {
  const error = new ConnectionClosedError(
    `The server closed the connection after the error reply "${reply.message}": it ran nothing ` +
      "sent after the command that got it",
    { cause: reply },
  );
  hangUps.add(error);
  return error;
}

/** Whether `error` ended a connection after the server said why (see `hangUpError`). */
export function isHangUp(error: Error): boolean {
  return hangUps.has(error);
}
