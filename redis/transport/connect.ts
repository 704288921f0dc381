import { nativeStatus } from "../../native/mod.ts";
import { connectError } from "./_connect_errors.ts";
import { connectDeno } from "./_deno_connect.ts";
import { connectNative, nativeObstacle } from "./_native_connect.ts";
import { settings as check } from "./_target.ts";
import type { Transport, TransportFallback, TransportKind, TransportOptions } from "./types.ts";

/** What `transport: "auto"` takes, by the measurements in the README (Transports). */
const AUTO: TransportKind = "deno";

/**
 * Opens a connection to a Redis server: TCP (a host name, an IPv4 or IPv6 literal), a unix
 * socket, or TLS, over the transport the options ask for. The connection is bare: no handshake,
 * no commands; the client speaks RESP over it.
 *
 * With `transport: "native"` the C shim connects (`getaddrinfo`, a non-blocking connect with the
 * timeout, `TCP_NODELAY`, keepalive) and the descriptor is driven as `nativeDriver` says; when the
 * shim is not live (no `--allow-ffi`, no library, …), for TLS, without `--allow-net` for the
 * address, or on Windows, it connects with `Deno.connect` instead and says why in
 * `transport.fallback`. Connection failures are never a reason to fall back: they reject.
 *
 * @param options Where to connect and how; see {@linkcode TransportOptions}.
 * @returns The open transport.
 * @throws {ConnectError} When the connection cannot be made: refused, timed out, unknown host,
 * no socket file, aborted, a failed TLS handshake (the `code` says which).
 * @throws {TypeError} When the options contradict each other or name an unknown transport.
 * @throws {RangeError} When the port or the timeout is out of range.
 *
 * @example A unix socket, natively when the shim is live
 * ```ts
 * import { connectTransport } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const listener = Deno.listen({ transport: "unix", path: `${dir}/echo.sock` });
 * const echo = (async () => {
 *   const conn = await listener.accept();
 *   const buffer = new Uint8Array(64);
 *   const n = await conn.read(buffer);
 *   await conn.write(buffer.subarray(0, n ?? 0));
 *   conn.close();
 * })();
 *
 * using transport = await connectTransport({ path: `${dir}/echo.sock`, transport: "native" });
 * console.log(transport.kind, transport.fallback?.reason ?? "");
 * await transport.write(new TextEncoder().encode("+PING\r\n"));
 * const buffer = new Uint8Array(64);
 * assert.equal(await transport.read(buffer), 7);
 * await echo;
 * listener.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Giving up after a deadline
 * ```ts
 * import { ConnectError, connectTransport } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const controller = new AbortController();
 * controller.abort();
 * await assert.rejects(
 *   connectTransport({ port: 6379, signal: controller.signal, connectTimeoutMs: 2000 }),
 *   (error) => error instanceof ConnectError && error.code === "ECANCELED",
 * );
 * ```
 */
export async function connectTransport(options: TransportOptions = {}): Promise<Transport> {
  const settings = check(options);
  const signal = settings.signal;
  if (signal?.aborted) throw connectError("ECANCELED", settings.target.address, signal.reason);
  let fallback: TransportFallback | undefined;
  if (settings.preference === "native" || (settings.preference === "auto" && AUTO === "native")) {
    const status = nativeStatus();
    const obstacle = nativeObstacle(status, settings.target);
    if (obstacle === undefined && status.available) {
      return await connectNative(status.library, settings);
    }
    if (settings.preference === "native") fallback = obstacle;
  }
  return await connectDeno(settings, fallback);
}
