// startSentinel: a throwaway Sentinel set (a master, its replicas and the sentinels watching
// them, each from startServer), ready when every sentinel knows the master and its replicas;
// stopped as one with `await using`.
import { rawCommands } from "./_raw.ts";
import {
  type RedisServer,
  ServerStartError,
  startServer,
  type StartServerOptions,
} from "./server.ts";

/**
 * Options for {@linkcode startSentinel}.
 *
 * @example
 * ```ts
 * import type { StartSentinelOptions } from "@dray/dray/redis/testing";
 *
 * const options: StartSentinelOptions = { replicas: 2, sentinels: 3, quorum: 2, password: "s3cret" };
 * ```
 */
export interface StartSentinelOptions {
  /** The name the sentinels know the master by (default `mymaster`). */
  masterName?: string;
  /** Replicas of the master (default 1). */
  replicas?: number;
  /** Sentinels (default 3). */
  sentinels?: number;
  /** Sentinels that must agree the master is down (default a majority). */
  quorum?: number;
  /** `down-after-milliseconds`: how long a silent master takes to be judged down (default 1000). */
  downAfterMs?: number;
  /** `failover-timeout` in ms (default 5000). */
  failoverTimeoutMs?: number;
  /**
   * `requirepass` of the master and the replicas (also their `masterauth`, and the sentinels'
   * `sentinel auth-pass`).
   */
  password?: string;
  /** `requirepass` of the sentinels themselves. */
  sentinelPassword?: string;
  /** Extra configuration for the master and the replicas. */
  config?: Record<string, string | number>;
  /** How long to wait for the set to be ready, in ms (default 30000). */
  startTimeoutMs?: number;
}

/**
 * A running Sentinel set from {@linkcode startSentinel}.
 *
 * @example
 * ```ts
 * import { type RedisSentinelSet, startSentinel } from "@dray/dray/redis/testing";
 *
 * await using set: RedisSentinelSet = await startSentinel();
 * console.log(set.masterName, set.master.port, set.sentinels.map((s) => s.port));
 * ```
 */
export interface RedisSentinelSet extends AsyncDisposable {
  /** The name the sentinels know the master by. */
  readonly masterName: string;
  /** The master as started (after a failover it may be a replica). */
  readonly master: RedisServer;
  /** The replicas as started. */
  readonly replicas: readonly RedisServer[];
  /** The sentinels. */
  readonly sentinels: readonly RedisServer[];
  /** `{ host, port }` of every sentinel: seeds for a sentinel client. */
  readonly seeds: readonly { host: string; port: number }[];
  /** Stops every process and removes their dirs. Idempotent. */
  stop(): Promise<void>;
}

function field(reply: string, name: string): string | undefined {
  return reply.match(new RegExp(`^${name}:(.*)$`, "m"))?.[1]?.trim();
}

/** `rawCommands` after an AUTH when there is a password (its reply dropped). */
async function authed(
  socketPath: string,
  password: string | undefined,
  line: string,
): Promise<string | undefined> {
  if (password === undefined) return (await rawCommands(socketPath, [line]))[0];
  return (await rawCommands(socketPath, [`AUTH ${password}`, line]))[1];
}

async function waitReady(
  set: { master: RedisServer; replicas: RedisServer[]; sentinels: RedisServer[] },
  name: string,
  deadline: number,
  passwords: { data?: string | undefined; sentinel?: string | undefined },
): Promise<void> {
  let last = "";
  while (Date.now() < deadline) {
    const replication = await authed(set.master.socketPath, passwords.data, "INFO replication");
    last = replication!;
    let ready = Number(field(last, "connected_slaves")) === set.replicas.length;
    for (const sentinel of set.sentinels) {
      if (!ready) break;
      const info = await authed(sentinel.socketPath, passwords.sentinel, "INFO sentinel");
      last = info!;
      const master = field(last, "master0") ?? "";
      ready = master.includes(`name=${name},status=ok`) &&
        master.includes(`address=127.0.0.1:${set.master.port}`) &&
        master.includes(`slaves=${set.replicas.length},`) &&
        master.includes(`sentinels=${set.sentinels.length}`);
      if (!ready) break;
      // Every replica known to this sentinel and reachable (not s_down or disconnected).
      const replicas = await authed(
        sentinel.socketPath,
        passwords.sentinel,
        `SENTINEL REPLICAS ${name}`,
      );
      last = replicas!;
      const entries = last.split(/(?=\bname )/).filter((entry) => entry.startsWith("name "));
      ready = entries.length === set.replicas.length &&
        entries.every((entry) => !/\b(s_down|o_down|disconnected)\b/.test(entry));
    }
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new ServerStartError(`The sentinel set was not ready in time: ${last}`);
}

/**
 * Starts a throwaway Sentinel set: a master and its replicas from {@linkcode startServer}, and
 * sentinels (`redis-server <own sentinel.conf> --sentinel`) watching it; waits until every replica
 * is connected and every sentinel sees the master, the replicas and the other sentinels.
 * `await using` stops every process.
 *
 * @param options The master's name, how many replicas and sentinels, the quorum, the timings.
 * @returns The running set.
 * @throws {ServerStartError} When a process does not start or the set is not ready in time.
 *
 * @example A set for a failover test
 * ```ts
 * import { startSentinel } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using set = await startSentinel({ replicas: 1, sentinels: 3 });
 * assert.equal(set.sentinels.length, 3);
 * ```
 */
export async function startSentinel(options: StartSentinelOptions = {}): Promise<RedisSentinelSet> {
  const name = options.masterName ?? "mymaster";
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const quorum = options.quorum ?? Math.floor(sentinelCount / 2) + 1;
  if (!/^[\w.-]+$/.test(name)) throw new RangeError(`Cannot use master name '${name}'`);
  for (const secret of [options.password, options.sentinelPassword]) {
    if (secret !== undefined && !/^[\w.~+-]+$/.test(secret)) {
      throw new RangeError("Cannot use a password with spaces or quotes in a sentinel set");
    }
  }
  if (!Number.isInteger(sentinelCount) || sentinelCount < 1) {
    throw new RangeError(`Cannot start '${sentinelCount}' sentinels`);
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const all: RedisServer[] = [];
  const dirs: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(all.map((server) => server.stop()));
    await Promise.all(dirs.map((dir) => Deno.remove(dir, { recursive: true }).catch(() => {})));
  };
  try {
    const password = options.password;
    const data: StartServerOptions = {
      config: {
        "repl-diskless-sync-delay": 0,
        ...(password === undefined ? {} : { masterauth: password }),
        ...options.config,
      },
      ...(password === undefined ? {} : { password }),
    };
    const master = await startServer(data);
    all.push(master);
    const replicas: RedisServer[] = [];
    for (let i = 0; i < replicaCount; i++) {
      const replica = await startServer({
        ...data,
        args: ["--replicaof", master.host, String(master.port)],
      });
      all.push(replica);
      replicas.push(replica);
    }
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const dir = await Deno.makeTempDir({ prefix: "dray-sentinel-" });
      dirs.push(dir);
      await Deno.writeTextFile(
        `${dir}/sentinel.conf`,
        [
          `sentinel monitor ${name} ${master.host} ${master.port} ${quorum}`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 5000}`,
          ...(password === undefined ? [] : [`sentinel auth-pass ${name} ${password}`]),
          ...(options.sentinelPassword === undefined
            ? []
            : [`sentinel sentinel-pass ${options.sentinelPassword}`]),
          "",
        ].join("\n"),
      );
      const sentinel = await startServer({
        dir,
        configFile: `${dir}/sentinel.conf`,
        args: ["--sentinel"],
        ...(options.sentinelPassword === undefined ? {} : { password: options.sentinelPassword }),
      });
      all.push(sentinel);
      sentinels.push(sentinel);
    }
    await waitReady({ master, replicas, sentinels }, name, deadline, {
      data: password,
      sentinel: options.sentinelPassword,
    });
    return {
      masterName: name,
      master,
      replicas,
      sentinels,
      seeds: sentinels.map((sentinel) => ({ host: sentinel.host, port: sentinel.port })),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
