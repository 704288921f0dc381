// The "native" transport: the shim connects, then the descriptor is adopted by node:net or driven
// by the shim's own reads and writes.

import type { IoSource } from "../../loop/types.ts";
import type { NativeLibrary, NativeStatus } from "../../native/mod.ts";
import { adoptDescriptor } from "./_adopted_socket.ts";
import { codeFromNative, connectError } from "./_connect_errors.ts";
import { reactorFor } from "./_reactor.ts";
import { ShimSocket } from "./_shim_socket.ts";
import { SocketTransport } from "./_socket_transport.ts";
import type { Settings, Target } from "./_target.ts";
import type { Transport, TransportFallback } from "./types.ts";

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false; // cannot tell: do not let FFI go around the sandbox
  }
}

/**
 * Why the native transport cannot carry this connection, or undefined when it can. The shim's
 * connect is outside Deno's sandbox, so it is used only where Deno.connect would be allowed.
 */
export function nativeObstacle(
  status: NativeStatus,
  target: Target,
): TransportFallback | undefined {
  if (Deno.build.os === "windows") {
    return { reason: "unsupported-os", message: "The native transport needs POSIX sockets" };
  }
  if (!status.available) return { reason: status.reason, message: status.message };
  if (target.kind === "tcp") {
    if (target.tls !== undefined) {
      return {
        reason: "tls",
        message:
          "TLS runs over Deno.startTls; the native transport carries plain TCP and unix sockets",
      };
    }
    if (!granted({ name: "net", host: target.address })) {
      return {
        reason: "net-permission",
        message: `--allow-net is not granted for '${target.address}'`,
      };
    }
  } else if (
    !granted({ name: "read", path: target.path }) || !granted({ name: "write", path: target.path })
  ) {
    return {
      reason: "net-permission",
      message: `--allow-read and --allow-write are not granted for '${target.path}'`,
    };
  }
  return undefined;
}

/** Connects through the shim; the options were checked by the caller. */
export async function connectNative(lib: NativeLibrary, settings: Settings): Promise<Transport> {
  const target = settings.target;
  const signal = settings.signal;
  const result = await lib.socketConnect(
    target.kind === "unix"
      ? { path: target.path }
      : { hostname: target.hostname, port: target.port },
    {
      timeoutMs: settings.timeoutMs,
      noDelay: settings.noDelay,
      keepAlive: settings.keepAlive,
      ...(signal === undefined ? {} : { signal }),
    },
  );
  if (!result.ok) {
    const code = codeFromNative(result.code);
    const cause = code === "ECANCELED" ? signal?.reason : undefined;
    const detail = code === "ETIMEDOUT"
      ? `no connection after ${settings.timeoutMs} ms`
      : result.errno !== 0
      ? `native connect failed, errno ${result.errno}`
      : undefined;
    throw connectError(code, target.address, cause, detail);
  }
  // The shim driver needs the shared poller (epoll, Linux); elsewhere node:net drives the socket.
  const reactor = settings.driver === "shim" ? reactorFor(lib) : undefined;
  const driver = reactor === undefined ? "adopt" : "shim";
  let source: IoSource;
  try {
    source = reactor !== undefined
      ? new ShimSocket(lib, reactor, result.fd)
      : await adoptDescriptor(result.fd);
  } catch (error) {
    lib.socketClose(result.fd);
    throw connectError("EUNKNOWN", target.address, error);
  }
  if (signal?.aborted) {
    source.close();
    throw connectError("ECANCELED", target.address, signal.reason);
  }
  const remoteAddr: Deno.NetAddr | Deno.UnixAddr = target.kind === "unix"
    ? { transport: "unix", path: target.path }
    : { transport: "tcp", hostname: result.address, port: target.port };
  return new SocketTransport(source, {
    kind: "native",
    driver,
    remoteAddr,
    tls: false,
    fallback: undefined,
  });
}
