// The "deno" transport: Deno.connect for TCP and unix sockets, Deno.startTls for TLS (which, unlike
// Deno.connectTls, takes the connect's AbortSignal and a server name distinct from the address),
// and Deno.connectTls for TLS with a client certificate (which Deno.startTls cannot present).

import { codeFromDeno, connectError } from "./_connect_errors.ts";
import { SocketTransport } from "./_socket_transport.ts";
import type { Settings, Target } from "./_target.ts";
import type { Transport, TransportFallback, TransportTlsOptions } from "./types.ts";

/** The connect timeout and the caller's signal, as one signal plus hooks for unabortable steps. */
class Deadline {
  readonly controller: AbortController = new AbortController();
  code: "ETIMEDOUT" | "ECANCELED" | undefined;
  cause: unknown;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signal: AbortSignal | undefined;
  #hooks = new Set<() => void>();
  #onAbort = (): void => this.#giveUp("ECANCELED", this.#signal?.reason);

  constructor(timeoutMs: number, signal: AbortSignal | undefined) {
    this.#signal = signal;
    if (timeoutMs > 0) {
      this.#timer = setTimeout(
        () =>
          this.#giveUp(
            "ETIMEDOUT",
            new Deno.errors.TimedOut(`no connection after ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Runs `hook` when the attempt gives up; returns a function that unregisters it. */
  onGiveUp(hook: () => void): () => void {
    this.#hooks.add(hook);
    return () => this.#hooks.delete(hook);
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }

  #giveUp(code: "ETIMEDOUT" | "ECANCELED", cause: unknown): void {
    if (this.code !== undefined) return;
    this.code = code;
    this.cause = cause;
    this.controller.abort(cause);
    for (const hook of [...this.#hooks]) hook();
  }
}

const GAVE_UP = Symbol("gave up");

// Deno.connect for unix sockets takes no signal: race it, and close a connection that arrives late.
function connectUnix(path: string, deadline: Deadline): Promise<Deno.UnixConn> {
  return new Promise((resolve, reject) => {
    const unhook = deadline.onGiveUp(() => reject(GAVE_UP));
    Deno.connect({ transport: "unix", path }).then(
      (conn) => {
        unhook();
        if (deadline.code !== undefined) conn.close();
        else resolve(conn);
      },
      (error) => {
        unhook();
        reject(error);
      },
    );
  });
}

// Deno.connectTls (the one call that presents a client certificate) takes no signal either: race it
// the same way. It returns once TCP is connected; the TLS handshake is then run explicitly.
function connectTlsWithCertificate(
  target: Extract<Target, { kind: "tcp" }>,
  tls: TransportTlsOptions & { cert: string; key: string },
  deadline: Deadline,
): Promise<Deno.TlsConn> {
  return new Promise((resolve, reject) => {
    const unhook = deadline.onGiveUp(() => reject(GAVE_UP));
    Deno.connectTls({
      hostname: target.hostname,
      port: target.port,
      cert: tls.cert,
      key: tls.key,
      ...(tls.caCerts === undefined ? {} : { caCerts: tls.caCerts }),
    }).then(
      (conn) => {
        unhook();
        if (deadline.code !== undefined) conn.close();
        else resolve(conn);
      },
      (error) => {
        unhook();
        // Network errors keep their code; anything else is the certificate or key Deno could
        // not use (rustls calls an unreadable client certificate an "invalid peer certificate").
        reject(
          codeFromDeno(error, false) === "EUNKNOWN"
            ? new TlsFailure(error, "the client certificate or key cannot be used")
            : error,
        );
      },
    );
  });
}

/** Runs the TLS handshake; closing the connection is how it is interrupted. */
async function handshake(tls: Deno.TlsConn, deadline: Deadline): Promise<void> {
  const unhook = deadline.onGiveUp(() => tls.close());
  try {
    await tls.handshake();
  } catch (error) {
    if (deadline.code === undefined) tls.close();
    throw new TlsFailure(error);
  } finally {
    unhook();
  }
}

async function open(settings: Settings, deadline: Deadline): Promise<Deno.Conn> {
  const target = settings.target;
  if (target.kind === "unix") return await connectUnix(target.path, deadline);
  const certified = target.tls;
  if (certified?.cert !== undefined && certified.key !== undefined) {
    const tls = await connectTlsWithCertificate(
      target,
      { ...certified, cert: certified.cert, key: certified.key },
      deadline,
    );
    await handshake(tls, deadline);
    return tls;
  }
  const tcp = await Deno.connect({
    hostname: target.hostname,
    port: target.port,
    signal: deadline.controller.signal,
  });
  if (deadline.code !== undefined) {
    tcp.close();
    throw GAVE_UP;
  }
  try {
    tcp.setNoDelay(settings.noDelay);
    tcp.setKeepAlive(settings.keepAlive !== false);
  } catch (error) {
    tcp.close();
    throw error;
  }
  if (target.tls === undefined) return tcp;
  let tls: Deno.TlsConn;
  try {
    tls = await Deno.startTls(tcp, {
      hostname: target.tls.servername ?? target.hostname,
      ...(target.tls.caCerts === undefined ? {} : { caCerts: target.tls.caCerts }),
    });
  } catch (error) {
    try {
      tcp.close();
    } catch {
      // startTls consumed it already
    }
    throw new TlsFailure(error);
  }
  await handshake(tls, deadline);
  return tls;
}

class TlsFailure {
  constructor(readonly error: unknown, readonly detail?: string) {}
}

/** Connects with Deno's own sockets. */
export async function connectDeno(
  settings: Settings,
  fallback: TransportFallback | undefined,
): Promise<Transport> {
  const target = settings.target;
  const deadline = new Deadline(settings.timeoutMs, settings.signal);
  let conn: Deno.Conn;
  try {
    conn = await open(settings, deadline);
  } catch (caught) {
    if (deadline.code !== undefined) {
      throw connectError(deadline.code, target.address, deadline.cause);
    }
    const tls = caught instanceof TlsFailure;
    const error = tls ? caught.error : caught;
    const why = tls && caught.detail !== undefined && error instanceof Error
      ? `${caught.detail}: ${error.message}`
      : undefined;
    throw connectError(codeFromDeno(error, tls), target.address, error, why);
  } finally {
    deadline.dispose();
  }
  const peer = conn.remoteAddr as Deno.NetAddr;
  const remoteAddr: Deno.NetAddr | Deno.UnixAddr = target.kind === "unix"
    ? { transport: "unix", path: target.path }
    : { transport: "tcp", hostname: peer.hostname, port: peer.port };
  return new SocketTransport(conn, {
    kind: "deno",
    driver: "deno",
    remoteAddr,
    tls: target.kind === "tcp" && target.tls !== undefined,
    fallback,
  });
}
