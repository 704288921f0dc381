// connectSentinel and SentinelClient: a RedisClient whose connector asks the sentinels for the
// master on every (re)connect, with +switch-master watchers, a periodic re-check, a READONLY
// resend and replica reads.

import { RedisClient } from "../client/client.ts";
import type { RedisClientOptions } from "../client/options.ts";
import type { CommandOptions } from "../commands/command_sender.ts";
import { classify } from "../commands/classify.ts";
import { ConnectionClosedError, ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { TransportTlsOptions } from "../transport/types.ts";
import { type HostPort, parseSentinelAddress } from "./_address.ts";
import { SentinelMonitor } from "./_monitor.ts";
import { exponentialBackoff } from "../client/reconnect.ts";

/**
 * Where read-only commands go: `"master"` (the default: everything on the master),
 * `"replica"` (read-only commands on one replica, and wait for one when none is usable) or
 * `"preferReplica"` (on a replica while one is connected, else on the master). Pipelines and
 * transactions always run on the master.
 *
 * @example
 * ```ts
 * import type { SentinelReadFrom } from "@dray/dray/redis";
 *
 * const readFrom: SentinelReadFrom = "preferReplica";
 * ```
 */
export type SentinelReadFrom = "master" | "replica" | "preferReplica";

/**
 * A sentinel's address: `"host:port"`, `"[::1]:26379"`, a URL (`redis://host:26379`,
 * `rediss://…` for TLS) or `{ host, port }`.
 *
 * @example
 * ```ts
 * import type { SentinelAddress } from "@dray/dray/redis";
 *
 * const seeds: SentinelAddress[] = ["10.0.0.1:26379", "redis://10.0.0.2:26379", { host: "10.0.0.3", port: 26379 }];
 * ```
 */
export type SentinelAddress = string | { host?: string; hostname?: string; port: number };

/**
 * How to reach the sentinels themselves (not the data nodes).
 *
 * @example
 * ```ts
 * import type { SentinelConnectionOptions } from "@dray/dray/redis";
 *
 * const sentinel: SentinelConnectionOptions = { password: "sentinel-secret", timeoutMs: 500 };
 * ```
 */
export interface SentinelConnectionOptions {
  /** The ACL user on the sentinels. */
  username?: string;
  /** The sentinels' password (`requirepass` in sentinel.conf). */
  password?: string;
  /** TLS to the sentinels (a `rediss://` seed asks for it too). */
  tls?: boolean | TransportTlsOptions;
  /**
   * Connect plus reply, per question to a sentinel (default 1,000 ms); also how long a candidate
   * node may take to answer `ROLE` (a hung node still accepts connections).
   */
  timeoutMs?: number;
}

/**
 * Options for {@linkcode connectSentinel}.
 *
 * @example
 * ```ts
 * import type { ConnectSentinelOptions } from "@dray/dray/redis";
 *
 * const options: ConnectSentinelOptions = {
 *   sentinels: ["10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"],
 *   name: "mymaster",
 *   node: { password: "data-secret" },
 * };
 * ```
 */
export interface ConnectSentinelOptions {
  /** The seed sentinels; kept even when `SENTINEL SENTINELS` stops naming them. */
  sentinels: readonly SentinelAddress[];
  /** The name the sentinels know the master by. */
  name: string;
  /** Where read-only commands go (default `"master"`). */
  readFrom?: SentinelReadFrom;
  /** How to reach the sentinels. */
  sentinel?: SentinelConnectionOptions;
  /**
   * The client options for the data nodes (credentials, TLS, timeouts, reconnect, cache…);
   * where to connect comes from the sentinels.
   */
  node?: Omit<RedisClientOptions, "url" | "hostname" | "port" | "path" | "connector">;
  /** The mean interval of the periodic re-check, ±20 % jitter (default 10,000 ms). */
  recheckIntervalMs?: number;
  /** How many sentinels to hold a `+switch-master` subscription on (default 2). */
  watchers?: number;
  /** With a replica `readFrom`: skip replicas more than this many bytes behind the master. */
  maxReplicaLagBytes?: number;
}

function checkOptions(options: ConnectSentinelOptions): HostPort[] {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot connect to Sentinel: the options must be an object");
  }
  if (typeof options.name !== "string" || options.name === "") {
    throw new TypeError(`Cannot connect to Sentinel: bad master name '${String(options.name)}'`);
  }
  if (!Array.isArray(options.sentinels) || options.sentinels.length === 0) {
    throw new TypeError("Cannot connect to Sentinel: give at least one sentinel address");
  }
  const readFrom = options.readFrom ?? "master";
  if (!["master", "replica", "preferReplica"].includes(readFrom)) {
    throw new TypeError(`Cannot connect to Sentinel: unknown readFrom '${readFrom}'`);
  }
  for (const [key, min] of [["recheckIntervalMs", 1], ["watchers", 0]] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      throw new RangeError(`Cannot connect to Sentinel: ${key} must be an integer >= ${min}`);
    }
  }
  return options.sentinels.map((seed) => parseSentinelAddress(seed));
}

/**
 * A Redis client for a master found through Sentinel: a {@linkcode RedisClient} (the same typed
 * commands, pipelines, transactions, pub/sub, reconnect rules and `OutcomeUnknownError`) whose
 * connections go wherever the sentinels say the master is, checked with `ROLE`. Made by
 * {@linkcode connectSentinel}.
 *
 * - Discovery asks every known sentinel in parallel (`SENTINEL MASTER`) and tries the answer with
 *   the highest config epoch first; a node whose `ROLE` is not `master` is skipped.
 * - `+switch-master` on two sentinels, a re-check every `recheckIntervalMs` (and whenever a
 *   watcher re-subscribes), or a `READONLY` reply close the connection: commands it had written
 *   reject with `OutcomeUnknownError`, unwritten ones go to the new master. A plain command that
 *   got `READONLY` is sent once more, to the master found again.
 * - The sentinel list grows from `SENTINEL SENTINELS`; the seeds are kept.
 *
 * @example Typed commands on the current master
 * ```ts
 * import { connectSentinel } from "@dray/dray/redis";
 * import { startSentinel } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using set = await startSentinel({ replicas: 1, sentinels: 1 });
 * await using client = await connectSentinel({ sentinels: set.seeds, name: set.masterName });
 * await client.set("greeting", "hello");
 * assert.equal(await client.get("greeting"), "hello");
 * assert.equal(client.master, `127.0.0.1:${set.master.port}`);
 * ```
 */
export class SentinelClient extends RedisClient {
  #monitor: SentinelMonitor;
  #readFrom: SentinelReadFrom;
  #replica: RedisClient | undefined;
  #severing: Promise<void> | undefined;

  /**
   * Makes a client; nothing happens until `connect()`. Prefer {@linkcode connectSentinel}, which
   * also starts the watchers.
   *
   * @param options The sentinels, the master's name, the node options.
   * @throws {TypeError} When an option is malformed.
   *
   * @example
   * ```ts
   * import { SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["127.0.0.1:26379"], name: "mymaster" });
   * assert.equal(client.status, "idle");
   * await client.close();
   * ```
   */
  constructor(options: ConnectSentinelOptions) {
    const seeds = checkOptions(options);
    const node = options.node ?? {};
    const sentinel = options.sentinel ?? {};
    const self: { client?: SentinelClient } = {};
    const monitor = new SentinelMonitor({
      seeds,
      name: options.name,
      auth: sentinel,
      node: { username: node.username, password: node.password },
      recheckIntervalMs: options.recheckIntervalMs ?? 10_000,
      watchers: options.watchers ?? 2,
      maxReplicaLagBytes: options.maxReplicaLagBytes,
      masterOffset: async () => {
        const role = await self.client!.sendCommand<unknown[]>(["ROLE"], { timeoutMs: 1000 });
        return Number(role[1]);
      },
    });
    super({
      reconnect: { strategy: exponentialBackoff({ initialDelayMs: 10, maxDelayMs: 200 }) },
      ...node,
      connector: (transport) => monitor.connectMaster(transport),
    });
    self.client = this;
    this.#monitor = monitor;
    this.#readFrom = options.readFrom ?? "master";
    if (this.#readFrom !== "master") {
      const { cache: _cache, ...replicaNode } = node;
      this.#replica = new RedisClient({
        reconnect: { strategy: exponentialBackoff({ initialDelayMs: 50, maxDelayMs: 1000 }) },
        ...replicaNode,
        connector: (transport) => monitor.connectReplica(transport),
      });
    }
  }

  /**
   * The master in use, as `host:port` (`undefined` before the first connection).
   *
   * @example
   * ```ts
   * import { SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["127.0.0.1:26379"], name: "mymaster" });
   * assert.equal(client.master, undefined);
   * await client.close();
   * ```
   */
  get master(): string | undefined {
    return this.#monitor.master;
  }

  /**
   * Every sentinel known, as `host:port`: the seeds, and those `SENTINEL SENTINELS` named.
   *
   * @example
   * ```ts
   * import { SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["10.0.0.1:26379"], name: "mymaster" });
   * assert.deepEqual(client.sentinels, ["10.0.0.1:26379"]);
   * await client.close();
   * ```
   */
  get sentinels(): string[] {
    return this.#monitor.sentinels;
  }

  /**
   * The sentinels holding a `+switch-master` subscription for this client, as `host:port`.
   *
   * @example
   * ```ts
   * import { SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["10.0.0.1:26379"], name: "mymaster" });
   * assert.deepEqual(client.watchedSentinels, []);
   * await client.close();
   * ```
   */
  get watchedSentinels(): string[] {
    return this.#monitor.watched;
  }

  /**
   * The replica connection of a `readFrom: "replica"` or `"preferReplica"` client.
   *
   * @example
   * ```ts
   * import { SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["10.0.0.1:26379"], name: "mymaster" });
   * assert.equal(client.replica, undefined);
   * await client.close();
   * ```
   */
  get replica(): RedisClient | undefined {
    return this.#replica;
  }

  /**
   * Connects to the master (and, with a replica `readFrom`, to a replica) and starts the
   * `+switch-master` watchers and the periodic re-check.
   *
   * @returns Once the master connection is ready.
   * @throws {SentinelUnreachableError} No sentinel answered, or no master they named passed
   * `ROLE`.
   * @throws {MasterNameUnknownError} The sentinels do not know the name.
   * @throws {NoReplicaAvailableError} `readFrom: "replica"` and no replica is usable.
   *
   * @example
   * ```ts
   * import { SentinelClient, SentinelUnreachableError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * const port = listener.addr.port;
   * listener.close(); // nothing listens there now
   * const client = new SentinelClient({ sentinels: [`127.0.0.1:${port}`], name: "mymaster" });
   * await assert.rejects(client.connect(), SentinelUnreachableError);
   * await client.close();
   * ```
   */
  override async connect(): Promise<void> {
    await super.connect();
    try {
      if (this.#replica !== undefined) {
        const replica = this.#replica.connect();
        if (this.#readFrom === "replica") await replica;
        else replica.catch(() => {}); // preferReplica: the master serves until one is up
      }
      await this.#monitor.start();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Sends one command, as {@linkcode RedisClient.sendCommand} does, to the master, or with a
   * replica `readFrom` a read-only one to the replica. A command answered `READONLY` (the
   * "master" was demoted) makes the client find the master again and is sent once more there.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command name and its arguments.
   * @param options `returnBuffers`, `timeoutMs`, `signal`.
   * @returns The reply.
   * @throws {ReplyError} The server's error reply (`READONLY` only when the resend got it too).
   * @throws {OutcomeUnknownError} The connection was lost after the command was written.
   * @throws {ConnectionClosedError} The client is closed, or gave up reconnecting.
   *
   * @example
   * ```ts
   * import { ConnectionClosedError, SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["10.0.0.1:26379"], name: "mymaster" });
   * await client.close();
   * await assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
   * ```
   */
  override async sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    const replica = this.#replica;
    if (replica !== undefined) {
      const kind = classify(argv);
      if (kind.readonly && kind.blocking === undefined) {
        if (this.#readFrom === "replica") return await replica.sendCommand<T>(argv, options);
        if (replica.status === "ready") {
          try {
            return await replica.sendCommand<T>(argv, options);
          } catch (error) {
            if (!(error instanceof ConnectionClosedError) || error.name === "OutcomeUnknownError") {
              throw error;
            }
          }
        }
      }
    }
    const sentOn = this.transport;
    try {
      return await super.sendCommand<T>(argv, options);
    } catch (error) {
      if (!(error instanceof ReplyError) || error.code !== "READONLY") throw error;
      // Not executed: safe to send again, once, after the master was found again.
      if (this.transport === sentOn) await this.#rediscover();
      return await super.sendCommand<T>(argv, options);
    }
  }

  /** Closes the master connection and waits until the client saw it go (it then reconnects). */
  #rediscover(): Promise<void> {
    this.#severing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(done, 2000);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.addEventListener("close", done, { once: true });
      this.#monitor.sever();
    }).finally(() => this.#severing = undefined);
    return this.#severing;
  }

  /**
   * Closes the master connection gracefully, the replica connection and the watchers.
   *
   * @param options `timeoutMs`: how long to wait for pending replies.
   * @returns Once everything is closed.
   *
   * @example
   * ```ts
   * import { SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["10.0.0.1:26379"], name: "mymaster" });
   * await client.close();
   * assert.equal(client.status, "closed");
   * ```
   */
  override async close(options?: { timeoutMs?: number }): Promise<void> {
    await this.#monitor.close();
    await Promise.all([super.close(options), this.#replica?.close(options)]);
  }

  /**
   * Ends at once: pending commands reject; the watchers stop.
   *
   * @example
   * ```ts
   * import { SentinelClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new SentinelClient({ sentinels: ["10.0.0.1:26379"], name: "mymaster" });
   * client.destroy();
   * assert.equal(client.status, "closed");
   * ```
   */
  override destroy(): void {
    void this.#monitor.close();
    this.#replica?.destroy();
    super.destroy();
  }
}

/**
 * Connects to the master that the sentinels name (see {@linkcode SentinelClient}).
 *
 * @param options The seed sentinels, the master's `name`, `readFrom`, the sentinels' credentials
 * and TLS, the data nodes' client options.
 * @returns A ready client.
 * @throws {SentinelUnreachableError} No sentinel answered, or no named master passed `ROLE`.
 * @throws {MasterNameUnknownError} The sentinels do not know the name.
 * @throws {NoReplicaAvailableError} `readFrom: "replica"` and no replica is usable.
 * @throws {TypeError} Malformed options.
 *
 * @example Reads on a replica, writes on the master
 * ```ts
 * import { connectSentinel } from "@dray/dray/redis";
 * import { startSentinel } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using set = await startSentinel({ replicas: 1, sentinels: 1 });
 * await using client = await connectSentinel({
 *   sentinels: set.seeds,
 *   name: set.masterName,
 *   readFrom: "preferReplica",
 * });
 * await client.set("k", "v");
 * await client.wait(1, 1000);
 * assert.equal(await client.get("k"), "v");
 * ```
 */
export async function connectSentinel(options: ConnectSentinelOptions): Promise<SentinelClient> {
  const client = new SentinelClient(options);
  await client.connect();
  return client;
}
