// startServer: a private, throwaway redis-server on a free port (never 6379) in its own temp dir,
// with no persistence, a unix socket and DEBUG enabled; stopped (also through `await using`) by
// killing the process, waiting for it and removing the dir.

import { makeTlsFiles, type TlsFiles } from "./_tls.ts";

/**
 * `startServer` could not get a `redis-server` answering: not on `PATH`, exited during startup, or
 * silent past the timeout. The message holds the server's log when there is one.
 *
 * @example Skipping when redis-server is not installed
 * ```ts
 * import { ServerStartError, startServer } from "@dray/dray/redis/testing";
 *
 * try {
 *   await using server = await startServer();
 *   console.log(server.url);
 * } catch (error) {
 *   if (!(error instanceof ServerStartError)) throw error;
 *   console.log(`no redis-server: ${error.message}`);
 * }
 * ```
 */
export class ServerStartError extends Error {
  /**
   * Makes the error.
   *
   * @param message What went wrong, with the server's log when there is one.
   * @param options The underlying error as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ServerStartError";
  }
}

/**
 * TLS files for {@linkcode StartServerOptions.tls}, when you bring your own certificates.
 *
 * @example
 * ```ts
 * import type { ServerTlsFiles } from "@dray/dray/redis/testing";
 *
 * const files: ServerTlsFiles = { certFile: "server.crt", keyFile: "server.key", caFile: "ca.crt" };
 * ```
 */
export interface ServerTlsFiles {
  /** The server certificate (PEM file). */
  certFile: string;
  /** Its private key (PEM file). */
  keyFile: string;
  /** The CA that signed it (PEM file). */
  caFile: string;
}

/**
 * Options for {@linkcode startServer}.
 *
 * @example
 * ```ts
 * import type { StartServerOptions } from "@dray/dray/redis/testing";
 *
 * const options: StartServerOptions = { password: "s3cret", config: { maxmemory: "64mb" } };
 * ```
 */
export interface StartServerOptions {
  /** Require this password (`requirepass`); {@linkcode RedisServer.url} carries it. */
  password?: string;
  /**
   * Serve TLS only: `true` makes a throwaway CA and certificate with `openssl` (its PEM is in
   * {@linkcode RedisServer.tls}), or give your own files. Clients do not need certificates.
   */
  tls?: boolean | ServerTlsFiles;
  /** Extra configuration, each entry given as `--name value` (e.g. `{ maxclients: 1 }`). */
  config?: Record<string, string | number>;
  /** Extra `redis-server` arguments as they are, after `config`. */
  args?: string[];
  /**
   * A configuration file, given to `redis-server` first (the command line overrides it). A
   * sentinel rewrites its file: give each one its own copy.
   */
  configFile?: string;
  /** Use this port instead of a free one (a restart on the same port). */
  port?: number;
  /** Use this dir instead of a new temp dir; it is kept on stop. */
  dir?: string;
  /** How long to wait for the server to answer, in ms (default 10000). */
  startTimeoutMs?: number;
}

/**
 * A running redis-server from {@linkcode startServer}.
 *
 * @example
 * ```ts
 * import { type RedisServer, startServer } from "@dray/dray/redis/testing";
 *
 * await using server: RedisServer = await startServer();
 * console.log(server.url, server.socketPath, server.pid);
 * ```
 */
export interface RedisServer extends AsyncDisposable {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The TCP port (the TLS port when `tls` is on). */
  readonly port: number;
  /** The unix socket, inside {@linkcode RedisServer.dir}. */
  readonly socketPath: string;
  /** The server's working dir (logs, socket, TLS files). */
  readonly dir: string;
  /** The process id. */
  readonly pid: number;
  /** `redis://127.0.0.1:<port>`, or `rediss://` with TLS, with `:password@` when one is set. */
  readonly url: string;
  /** The TLS material, when `tls` is on. */
  readonly tls: TlsFiles | undefined;
  /** Sends a signal (default SIGTERM; SIGKILL for a crash); the server stays stoppable. */
  kill(signal?: Deno.Signal): void;
  /** Waits for the process to exit. */
  exited(): Promise<Deno.CommandStatus>;
  /** Starts a new process with the same port, dir and arguments (after kill or stop). */
  restart(): Promise<void>;
  /** Kills the server if running, waits for it, removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** The server's log so far. */
  log(): string;
}

// Servers still running when the process exits are killed, so a test that forgets to stop one
// does not leave a redis-server behind.
const running = new Set<Deno.ChildProcess>();
let unloadHooked = false;
function track(child: Deno.ChildProcess): void {
  running.add(child);
  if (unloadHooked) return;
  unloadHooked = true;
  globalThis.addEventListener("unload", () => {
    for (const process of running) {
      try {
        process.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function pingOnce(path: string): Promise<boolean> {
  let conn: Deno.UnixConn | undefined;
  try {
    conn = await Deno.connect({ transport: "unix", path });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    const reply = n === null ? "" : new TextDecoder().decode(buf.subarray(0, n));
    // A server with a password answers -NOAUTH: it is up all the same.
    return reply === "+PONG\r\n" || reply.startsWith("-NOAUTH");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

function serverArgs(
  port: number,
  dir: string,
  tls: ServerTlsFiles | undefined,
  options: StartServerOptions,
): string[] {
  const args = [
    ...(options.configFile === undefined ? [] : [options.configFile]),
    ...(tls === undefined ? ["--port", String(port)] : [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--tls-cert-file",
      tls.certFile,
      "--tls-key-file",
      tls.keyFile,
      "--tls-ca-cert-file",
      tls.caFile,
      "--tls-auth-clients",
      "no",
    ]),
    "--bind",
    "127.0.0.1",
    "-::1",
    "--unixsocket",
    `${dir}/redis.sock`,
    "--unixsocketperm",
    "700",
    "--dir",
    dir,
    "--logfile",
    `${dir}/redis.log`,
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
    "--enable-debug-command",
    "yes",
  ];
  if (options.password !== undefined) args.push("--requirepass", options.password);
  for (const [name, value] of Object.entries(options.config ?? {})) {
    args.push(`--${name}`, String(value));
  }
  return [...args, ...(options.args ?? [])];
}

/**
 * Starts a throwaway `redis-server` on a free port (never 6379) in a new temp dir and waits until
 * it answers PING on its unix socket. Stop it with `await using` (or `stop()`): the process is
 * killed and waited for and the dir removed; one still running when the program exits is killed.
 *
 * @param options Password, TLS, extra configuration.
 * @returns The running server.
 * @throws {ServerStartError} When `redis-server` is not on `PATH`, exits during startup or does
 * not answer in time.
 *
 * @example A server for one test
 * ```ts
 * import { connect } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using server = await startServer({ password: "s3cret" });
 * await using client = await connect(server.url);
 * assert.equal(await client.set("k", "v"), "OK");
 * ```
 */
export async function startServer(options: StartServerOptions = {}): Promise<RedisServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "dray-redis-" });
  const timeout = options.startTimeoutMs ?? 10_000;
  const readLog = (): string => {
    try {
      return Deno.readTextFileSync(`${dir}/redis.log`);
    } catch {
      return "";
    }
  };

  let child: Deno.ChildProcess | undefined;
  let status: Promise<Deno.CommandStatus> | undefined;
  let port = options.port ?? 0;
  let stopped = false;
  let tls: TlsFiles | undefined;
  let tlsFiles: ServerTlsFiles | undefined;

  const launch = async (fixedPort: boolean): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!fixedPort) port = freePort();
      try {
        Deno.removeSync(`${dir}/redis.sock`);
      } catch {
        // no stale socket
      }
      try {
        child = new Deno.Command("redis-server", {
          args: serverArgs(port, dir, tlsFiles, options),
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
      } catch (error) {
        throw new ServerStartError(`Cannot start redis-server (is it on PATH?): ${error}`, {
          cause: error,
        });
      }
      const started = child;
      track(started);
      status = started.status.then((s) => {
        running.delete(started);
        return s;
      });
      let exited = false;
      status.then(() => exited = true);
      const deadline = Date.now() + timeout;
      while (!exited && Date.now() < deadline) {
        if (await pingOnce(`${dir}/redis.sock`)) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (!exited) {
        started.kill("SIGKILL");
        await status;
        throw new ServerStartError(
          `redis-server did not answer PING within ${timeout} ms\n${readLog()}`,
        );
      }
      await status;
      const log = readLog();
      if (!fixedPort && /Address already in use/i.test(log)) continue; // lost the port race
      throw new ServerStartError(`redis-server exited during startup\n${log}`);
    }
    throw new ServerStartError("Cannot start redis-server: no free port after 5 attempts");
  };

  try {
    if (options.tls === true) {
      tls = await makeTlsFiles(dir);
      tlsFiles = tls;
    } else if (options.tls) {
      tlsFiles = options.tls;
      tls = { ...options.tls, caPem: await Deno.readTextFile(options.tls.caFile) };
    }
    await launch(options.port !== undefined);
  } catch (error) {
    if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }

  const auth = options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`;
  const server: RedisServer = {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    socketPath: `${dir}/redis.sock`,
    dir,
    get pid() {
      return child!.pid;
    },
    get url() {
      return `${tls === undefined ? "redis" : "rediss"}://${auth}127.0.0.1:${port}`;
    },
    tls,
    kill(signal: Deno.Signal = "SIGTERM") {
      try {
        child?.kill(signal);
      } catch {
        // already exited
      }
    },
    exited() {
      return status!;
    },
    async restart() {
      if (stopped) throw new Error("Cannot restart a stopped redis-server");
      server.kill("SIGKILL");
      await status;
      await launch(true);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      server.kill("SIGKILL");
      await status;
      if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    log: readLog,
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  return server;
}
