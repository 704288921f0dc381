// Turning what a connect attempt failed with into a ConnectError.

import { ConnectError, type ConnectErrorCode } from "./errors.ts";

const KNOWN = new Set<string>([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENOENT",
  "EACCES",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "ECONNRESET",
  "EAGAIN",
  "EMFILE",
  "EINVAL",
  "ECANCELED",
  "ETLS",
  "ENOTCAPABLE",
]);

const DESCRIPTIONS: Record<ConnectErrorCode, string> = {
  ECONNREFUSED: "connection refused",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "name lookup failed temporarily",
  ENOENT: "no such socket file",
  EACCES: "permission denied",
  ENETUNREACH: "network unreachable",
  EHOSTUNREACH: "host unreachable",
  EADDRNOTAVAIL: "address not available",
  ECONNRESET: "connection reset",
  EAGAIN: "the server's backlog is full",
  EMFILE: "out of file descriptors",
  EINVAL: "invalid address",
  ECANCELED: "aborted",
  ETLS: "TLS handshake failed",
  ENOTCAPABLE: "not permitted by Deno's sandbox",
  EUNKNOWN: "connect failed",
};

/** Maps a native socket code (see native/sockets.ts) to a ConnectError code. */
export function codeFromNative(code: string): ConnectErrorCode {
  if (code === "EMFILE" || KNOWN.has(code)) return code as ConnectErrorCode;
  if (code === "ENAMELOOKUP") return "ENOTFOUND";
  return "EUNKNOWN";
}

/** Classifies an error thrown by Deno.connect, Deno.startTls or a TLS handshake. */
export function codeFromDeno(error: unknown, tls: boolean): ConnectErrorCode {
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return error instanceof Deno.errors.NotCapable ? "ENOTCAPABLE" : "EACCES";
  }
  if (error instanceof Deno.errors.TimedOut) return "ETIMEDOUT";
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && KNOWN.has(code)) return code as ConnectErrorCode;
  const message = error instanceof Error ? error.message : String(error);
  if (/temporary failure in name resolution|try again/i.test(message)) return "EAI_AGAIN";
  if (
    /failed to lookup address|name or service not known|nodename nor servname|no such host/i.test(
      message,
    )
  ) {
    return "ENOTFOUND";
  }
  if (error instanceof Deno.errors.ConnectionRefused) return "ECONNREFUSED";
  if (error instanceof Deno.errors.ConnectionReset) return "ECONNRESET";
  if (error instanceof Deno.errors.NotFound) return "ENOENT";
  if (error instanceof Deno.errors.AddrNotAvailable) return "EADDRNOTAVAIL";
  if (tls) return "ETLS"; // certificate, name or protocol errors of the handshake
  return "EUNKNOWN";
}

/** A ConnectError for `code` at `address`. */
export function connectError(
  code: ConnectErrorCode,
  address: string,
  cause?: unknown,
  detail?: string,
): ConnectError {
  const why = detail ?? (cause instanceof Error ? cause.message : undefined);
  const text = why === undefined || code === "ECANCELED"
    ? DESCRIPTIONS[code]
    : `${DESCRIPTIONS[code]}: ${why}`;
  return new ConnectError(`Cannot connect to '${address}': ${text} (${code})`, {
    code,
    address,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The TLS alert in `error`'s cause chain, if any: rustls reads it as `received fatal alert: …`.
 * The deepest such error, whose message is the alert's own.
 */
function tlsAlert(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  let alert: Error | undefined;
  for (let at = error; at instanceof Error && !seen.has(at); at = at.cause) {
    seen.add(at);
    if (/received fatal alert/i.test(at.message)) alert = at;
  }
  return alert;
}

/**
 * A ConnectError `ETLS` for a connection that failed before it was ready because the server sent
 * a TLS alert after the handshake — TLS 1.3 servers check the client's certificate only then, so
 * the refusal arrives with the first read — or `undefined` when `error` is something else.
 */
export function tlsRefusal(
  error: unknown,
  address: string,
  withCertificate: boolean,
): ConnectError | undefined {
  const alert = tlsAlert(error);
  if (alert === undefined) return undefined;
  let detail = `the server refused the connection: ${alert.message}`;
  if (/CertificateRequired/i.test(alert.message) && !withCertificate) {
    detail += "; it requires a client certificate (tls.cert and tls.key)";
  } else if (/UnknownCA|BadCertificate|CertificateUnknown/i.test(alert.message)) {
    detail += "; it does not trust the client certificate";
  }
  return connectError("ETLS", address, error, detail);
}
