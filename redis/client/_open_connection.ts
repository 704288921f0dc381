// Opening one connection of a client: the transport through the client's connector, then the
// handshake, within `connectTimeoutMs` and, for the first connection, the user's signal.

import { ConnectError } from "../transport/errors.ts";
import type { Transport } from "../transport/types.ts";
import type { ClientState } from "./_client_state.ts";
import type { Command } from "./_command.ts";
import { connectFailure } from "./_connect_failure.ts";
import type { Connection } from "./connection.ts";

/**
 * Opens the transport for `connection` and waits for its handshake. `first`: the client's
 * first connection (the user's signal applies); `reconnect`: a later one; `side`: a monitor's
 * or an unblocking connection (it never becomes the client's transport).
 */
export async function openConnection(
  state: ClientState,
  connection: Connection<Command>,
  role: "first" | "reconnect" | "side",
): Promise<void> {
  const { transport: transportOptions, address, connectTimeoutMs: timeoutMs } = state.resolved;
  const controller = new AbortController();
  const userSignal = role === "first" ? state.options.signal : undefined;
  connection.finished.then(() => controller.abort());
  const giveUpConnect = (code: "ETIMEDOUT" | "ECANCELED", message: string, cause?: unknown) => {
    const error = new ConnectError(message, {
      code,
      address,
      ...(cause === undefined ? {} : { cause }),
    });
    connection.context.destroy(error);
  };
  const timer = timeoutMs > 0
    ? state.timerHandle().scheduleTimer(
      timeoutMs,
      () =>
        giveUpConnect(
          "ETIMEDOUT",
          `Cannot connect to ${address}: not ready after ${timeoutMs} ms`,
        ),
    )
    : undefined;
  const onAbort = () =>
    giveUpConnect("ECANCELED", `Cannot connect to ${address}: aborted`, userSignal?.reason);
  if (userSignal?.aborted) onAbort();
  else userSignal?.addEventListener("abort", onAbort, { once: true });
  const failure = (error: unknown, overTls: boolean): unknown =>
    connectFailure(connection.context.error ?? error, {
      address,
      password: state.resolved.handshake.password,
      tls: transportOptions.tls,
      overTls,
    });
  try {
    let transport: Transport;
    try {
      transport = await state.resolved.connector({
        ...transportOptions,
        connectTimeoutMs: timeoutMs,
        signal: controller.signal,
      });
    } catch (error) {
      connection.context.destroy(error as Error);
      throw failure(error, false);
    }
    const open = connection.context.state !== "closed";
    connection.attach(transport);
    if (role !== "side" && open) {
      state.transport = transport;
      // A connector that chooses the server (no host, port or path in the options: Sentinel):
      // later messages name where it went.
      if (state.resolved.connectorChooses) {
        state.resolved.address = addressOf(transport.remoteAddr);
      }
      state.opened.add(connection);
      state.emit("connect");
    }
    try {
      await connection.ready;
    } catch (error) {
      throw failure(error, transport.tls);
    }
  } finally {
    timer?.cancel();
    userSignal?.removeEventListener("abort", onAbort);
  }
}

/** `host:port` (IPv6 in brackets) or the socket path. */
function addressOf(remote: Deno.NetAddr | Deno.UnixAddr): string {
  if (!("hostname" in remote)) return remote.path;
  const host = remote.hostname.includes(":") ? `[${remote.hostname}]` : remote.hostname;
  return `${host}:${remote.port}`;
}
