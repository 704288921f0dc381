// What connect() rejects with when a connection fails before it is ready: the password hidden in
// every text of the error and its causes, and a TLS alert that arrived after the TLS handshake
// (a client certificate missing or refused) reported as the TLS failure it is.

import { scrubSecret } from "../context/_secret.ts";
import { tlsRefusal } from "../transport/_connect_errors.ts";
import type { TransportOptions } from "../transport/types.ts";

/** What {@linkcode connectFailure} needs to know about the attempt. */
export interface AttemptInfo {
  /** Where the connection was going, for messages. */
  address: string;
  /** The password sent in the handshake, if any. */
  password: string | undefined;
  /** The transport's TLS option. */
  tls: TransportOptions["tls"];
  /** Whether the transport was opened (over TLS or not) before the failure. */
  overTls: boolean;
}

/** The error for connect() to reject with, from what the attempt failed with. */
export function connectFailure(error: unknown, attempt: AttemptInfo): unknown {
  const tls = attempt.tls;
  const withCertificate = typeof tls === "object" && tls !== null && tls.cert !== undefined;
  const failure = attempt.overTls
    ? tlsRefusal(error, attempt.address, withCertificate) ?? error
    : error;
  scrubSecret(failure, attempt.password);
  return failure;
}
