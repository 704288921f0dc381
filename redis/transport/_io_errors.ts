// The errors the native drivers' reads and writes reject with: the same `Deno.errors` classes,
// with the same `code`, that a `Deno.Conn` gives for the same failure, so that a client sees one
// error model whichever transport carries it.

type ErrorClass = new (message: string) => Error;

const CLASSES: Record<string, ErrorClass> = {
  ECONNRESET: Deno.errors.ConnectionReset,
  ECONNABORTED: Deno.errors.ConnectionAborted,
  EPIPE: Deno.errors.BrokenPipe,
  EBADF: Deno.errors.BadResource,
  ETIMEDOUT: Deno.errors.TimedOut,
  ENOTCONN: Deno.errors.NotConnected,
};

/** An I/O error for `code` (errno-style), as a `Deno.Conn` would reject with. */
export function ioError(code: string, detail: string): Error {
  const Class = CLASSES[code] ?? Error;
  const error = new Class(`${detail} (${code})`);
  Object.defineProperty(error, "code", { value: code, enumerable: false, configurable: true });
  return error;
}

/** What a read pending at `close()` rejects with. */
export function interrupted(): Error {
  return new Deno.errors.Interrupted("operation canceled: the transport was closed");
}

/** What a read or write after `close()` rejects with. */
export function closedError(): Error {
  return new Deno.errors.BadResource("the transport is closed");
}

/** What a second concurrent read rejects with. */
export function busyError(): Error {
  return new Deno.errors.Busy("a read is already pending on this transport");
}
