import { RedisError } from "../errors.ts";

/**
 * Why a connection could not be made, errno-style:
 * - `ECONNREFUSED`: nothing listens at that address;
 * - `ETIMEDOUT`: the connect timeout passed (name lookup, connect and TLS handshake included);
 * - `ENOTFOUND`: the host name does not resolve; `EAI_AGAIN`: the resolver failed for now;
 * - `ENOENT`: no unix socket at that path;
 * - `EACCES`: the system refused (e.g. no permission on the socket file);
 * - `ENETUNREACH`, `EHOSTUNREACH`, `EADDRNOTAVAIL`, `ECONNRESET`, `EAGAIN` (a unix listener
 *   whose backlog is full), `EMFILE` (out of descriptors), `EINVAL`: as the system reports them;
 * - `ECANCELED`: the `signal` aborted (its reason is the error's `cause`);
 * - `ETLS`: the TLS handshake failed (an untrusted certificate, a name mismatch);
 * - `ENOTCAPABLE`: Deno's sandbox refused (`--allow-net` not granted for that address);
 * - `EUNKNOWN`: anything else (see the `cause`).
 *
 * @example
 * ```ts
 * import type { ConnectErrorCode } from "@dray/dray/redis";
 *
 * const retryable: ConnectErrorCode[] = ["ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN"];
 * ```
 */
export type ConnectErrorCode =
  | "ECONNREFUSED"
  | "ETIMEDOUT"
  | "ENOTFOUND"
  | "EAI_AGAIN"
  | "ENOENT"
  | "EACCES"
  | "ENETUNREACH"
  | "EHOSTUNREACH"
  | "EADDRNOTAVAIL"
  | "ECONNRESET"
  | "EAGAIN"
  | "EMFILE"
  | "EINVAL"
  | "ECANCELED"
  | "ETLS"
  | "ENOTCAPABLE"
  | "EUNKNOWN";

/**
 * Options for {@linkcode ConnectError}.
 *
 * @example
 * ```ts
 * import type { ConnectErrorOptions } from "@dray/dray/redis";
 *
 * const options: ConnectErrorOptions = { code: "ECONNREFUSED", address: "127.0.0.1:6379" };
 * ```
 */
export interface ConnectErrorOptions {
  /** Why the connection could not be made. */
  code: ConnectErrorCode;
  /** Where the connection was going: `host:port`, `[ipv6]:port` or a socket path. */
  address: string;
  /** The underlying error or abort reason. */
  cause?: unknown;
}

/**
 * A connection to a Redis server could not be made: refused, timed out, unknown host, no socket
 * file, aborted, a failed TLS handshake. The `code` says which, errno-style; the `cause` holds the
 * underlying error (for `ECANCELED`, the signal's reason).
 *
 * @example Telling a refused connection apart
 * ```ts
 * import { ConnectError, connectTransport } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = listener.addr.port;
 * listener.close(); // nothing listens there any more
 * await assert.rejects(
 *   connectTransport({ hostname: "127.0.0.1", port, transport: "deno" }),
 *   (error) => error instanceof ConnectError && error.code === "ECONNREFUSED",
 * );
 * ```
 */
export class ConnectError extends RedisError {
  /** Why the connection could not be made. */
  readonly code: ConnectErrorCode;
  /** Where the connection was going: `host:port`, `[ipv6]:port` or a socket path. */
  readonly address: string;

  /**
   * Makes the error.
   *
   * @param message What happened, for people.
   * @param options The code, the address and the cause.
   *
   * @example
   * ```ts
   * import { ConnectError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const error = new ConnectError("Cannot connect to '127.0.0.1:1': connection refused", {
   *   code: "ECONNREFUSED",
   *   address: "127.0.0.1:1",
   * });
   * assert.equal(error.name, "ConnectError");
   * assert.equal(error.code, "ECONNREFUSED");
   * ```
   */
  constructor(message: string, options: ConnectErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.address = options.address;
  }
}
