// Starts a private, throwaway redis-server for tests, benchmarks and the demo: a free port (never
// 6379), its own temp dir, no persistence, a unix socket, DEBUG enabled. Stopping it (also through
// `await using`) kills the process, waits for it and removes the dir.

/** Options for {@linkcode startRedisServer}. */
export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `["--maxclients", "1"]`. */
  args?: string[];
  /** Use this port instead of a free one (a restart on the same port). */
  port?: number;
  /** Use this dir instead of a new temp dir (kept on stop when given). */
  dir?: string;
  /** How long to wait for PING to answer, in ms (default 10000). */
  startTimeoutMs?: number;
}

/** A running redis-server. */
export interface RedisServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly socketPath: string;
  readonly dir: string;
  readonly pid: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Sends a signal (SIGKILL for a crash); the server stays registered for `stop`. */
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
    // A server started with --requirepass answers -NOAUTH: it is up all the same.
    return reply === "+PONG\r\n" || reply.startsWith("-NOAUTH");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

function spawn(port: number, dir: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
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
      ...args,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/**
 * Starts a redis-server and waits until it answers PING on its unix socket.
 *
 * @throws {Error} When redis-server is not on PATH or does not answer in time; the message holds
 * its log.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "dray-redis-" });
  const args = options.args ?? [];
  const timeout = options.startTimeoutMs ?? 10_000;
  const readLog = () => {
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

  const launch = async (fixedPort: boolean): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!fixedPort) port = freePort();
      try {
        Deno.removeSync(`${dir}/redis.sock`);
      } catch {
        // no stale socket
      }
      try {
        child = spawn(port, dir, args);
      } catch (error) {
        throw new Error(`Cannot start redis-server (is it on PATH?): ${error}`);
      }
      status = child.status;
      let exited = false;
      status.then(() => exited = true);
      const deadline = Date.now() + timeout;
      while (!exited && Date.now() < deadline) {
        if (await pingOnce(`${dir}/redis.sock`)) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (!exited) {
        child.kill("SIGKILL");
        await status;
        throw new Error(`redis-server did not answer PING within ${timeout} ms\n${readLog()}`);
      }
      await status;
      const log = readLog();
      if (!fixedPort && /Address already in use/i.test(log)) continue; // lost the port race
      throw new Error(`redis-server exited during startup\n${log}`);
    }
    throw new Error("Cannot start redis-server: no free port after 5 attempts");
  };

  try {
    await launch(options.port !== undefined);
  } catch (error) {
    if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }

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
      return `redis://127.0.0.1:${port}`;
    },
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
