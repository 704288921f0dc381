// Operations on a running cluster from startCluster, for failure and scaling tests: moving slots
// (`redis-cli --cluster reshard` and `rebalance`), adding and removing nodes (`add-node`,
// `del-node`), a graceful failover, hanging a node for a while (`kill -STOP` / `-CONT`), reading
// the live slot map and a raw monitor that reports the moment a replica becomes master. Every
// command to a node goes over its unix socket on a fresh connection (plain text even under TLS).
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { ReplyError } from "../errors.ts";
import { parseClusterShards, type SlotMap } from "../cluster/topology.ts";
import { callSocket } from "./_call.ts";
import type { RedisCluster, RedisClusterNode } from "./cluster.ts";
import { type RedisServer, ServerStartError, startServer } from "./server.ts";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function passwordOf(node: RedisServer): string | undefined {
  const password = new URL(node.url).password;
  return password === "" ? undefined : decodeURIComponent(password);
}

/**
 * Sends one command to `node` over its unix socket (after `AUTH` when the cluster has a password)
 * and returns the reply; a reply error is returned, not thrown.
 *
 * @param node A node of the cluster (any, added ones included).
 * @param argv The command.
 * @returns The reply.
 *
 * @example
 * ```ts ignore
 * import { callNode, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster();
 * console.log(await callNode(cluster.nodes[0]!, ["CLUSTER", "MYID"]));
 * ```
 */
export function callNode(node: RedisServer, argv: readonly RedisArgument[]): Promise<RespValue> {
  return callSocket(node.socketPath, argv, { password: passwordOf(node), timeoutMs: 2000 });
}

function text(value: RespValue): string {
  if (value instanceof ReplyError) throw value;
  if (typeof value === "string") return value;
  return String(value);
}

async function redisCli(
  cluster: RedisCluster,
  args: string[],
  timeoutMs: number,
): Promise<string> {
  const password = passwordOf(cluster.nodes[0]!);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("redis-cli", {
      args: [
        ...(cluster.tls === undefined ? [] : ["--tls", "--cacert", cluster.tls.caFile]),
        ...args,
      ],
      ...(password === undefined ? {} : { env: { REDISCLI_AUTH: password } }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
  } catch (error) {
    throw new ServerStartError(`Cannot run redis-cli ${args.slice(0, 2).join(" ")}: ${error}`, {
      cause: error,
    });
  }
  const decoder = new TextDecoder();
  const out = decoder.decode(output.stdout) + decoder.decode(output.stderr);
  if (!output.success || /\[ERR\]/.test(out)) {
    throw new ServerStartError(`redis-cli ${args.slice(0, 2).join(" ")} failed\n${out}`);
  }
  return out;
}

/**
 * The cluster's current slot map, from `CLUSTER SHARDS` on the first node in `nodes` that
 * answers (dead and hung nodes are skipped after a short timeout).
 *
 * @param nodes Nodes to ask, in order.
 * @returns The parsed map.
 * @throws {ServerStartError} When no node answers.
 *
 * @example
 * ```ts
 * import { clusterMap, startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using cluster = await startCluster();
 * const map = await clusterMap(cluster.nodes);
 * assert.equal(map.shards.length, 3);
 * assert.equal(map.assignedSlots, 16384);
 * ```
 */
export async function clusterMap(nodes: readonly RedisServer[]): Promise<SlotMap> {
  const causes: string[] = [];
  for (const node of nodes) {
    try {
      const reply = await callSocket(node.socketPath, ["CLUSTER", "SHARDS"], {
        password: passwordOf(node),
        timeoutMs: 500,
      });
      if (reply instanceof ReplyError) throw reply;
      return parseClusterShards(reply, { host: node.host, port: node.port });
    } catch (error) {
      causes.push(`${node.port}: ${error}`);
    }
  }
  throw new ServerStartError(`No cluster node answered CLUSTER SHARDS: ${causes.join("; ")}`);
}

/**
 * Options of {@linkcode waitClusterStable}.
 *
 * @example
 * ```ts
 * import type { WaitClusterOptions } from "@dray/dray/redis/testing";
 *
 * const options: WaitClusterOptions = { timeoutMs: 10_000 };
 * ```
 */
export interface WaitClusterOptions {
  /** How long to wait, in ms (default 20000). */
  timeoutMs?: number;
}

/**
 * Waits until every given node reports `cluster_state:ok` with all 16384 slots and they all
 * agree on who serves each slot (no slot migrating any more).
 *
 * @param nodes The live nodes to check.
 * @param options The timeout.
 * @returns The agreed slot map.
 * @throws {ServerStartError} When the nodes do not agree in time.
 *
 * @example
 * ```ts ignore
 * import { startCluster, waitClusterStable } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster();
 * await waitClusterStable(cluster.nodes);
 * ```
 */
export async function waitClusterStable(
  nodes: readonly RedisServer[],
  options: WaitClusterOptions = {},
): Promise<SlotMap> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last = "";
  while (true) {
    try {
      const views = await Promise.all(nodes.map(async (node) => {
        const info = text(await callNode(node, ["CLUSTER", "INFO"]));
        if (!/^cluster_state:ok\r?$/m.test(info) || !/^cluster_slots_ok:16384\r?$/m.test(info)) {
          throw new Error(`${node.port} is not ok`);
        }
        const nodesText = text(await callNode(node, ["CLUSTER", "NODES"]));
        if (/\[\d+-[<>]-/.test(nodesText)) throw new Error(`${node.port} has a migrating slot`);
        return await clusterMap([node]);
      }));
      const first = views[0]!;
      if (views.every((view) => view.differingSlots(first).length === 0)) return first;
      last = "the nodes disagree on slot owners";
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) {
      throw new ServerStartError(`The cluster did not settle in time: ${last}`);
    }
    await delay(50);
  }
}

// Every node's view of the cluster as redis-cli compares them: each known node's id and slots.
function signature(nodes: string): string {
  return nodes.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const fields = line.trim().split(" ");
    return [fields[0], ...fields.slice(8)].join(" ");
  }).sort().join("\n");
}

// Waits until every node lists the same nodes with the same slots, none in a handshake.
async function waitAgreement(nodes: readonly RedisServer[], deadline: number): Promise<void> {
  while (true) {
    const views = await Promise.all(nodes.map(async (node) => {
      const reply = await callNode(node, ["CLUSTER", "NODES"]).catch(() => "");
      const text = typeof reply === "string" ? reply : "";
      return /handshake|noaddr/.test(text) ? "" : signature(text);
    }));
    const lines = views[0]!.split("\n").length;
    if (views[0] !== "" && lines === nodes.length && views.every((view) => view === views[0])) {
      return;
    }
    if (Date.now() > deadline) throw new ServerStartError("The nodes did not agree in time");
    await delay(50);
  }
}

/**
 * Options of {@linkcode reshard}.
 *
 * @example
 * ```ts
 * import type { ReshardOptions } from "@dray/dray/redis/testing";
 *
 * const options: ReshardOptions = { from: "all", to: "a".repeat(40), slots: 500 };
 * ```
 */
export interface ReshardOptions {
  /** Source node id(s), or `"all"` (every other master). */
  from: string | readonly string[];
  /** The target master's id. */
  to: string;
  /** How many slots to move. */
  slots: number;
  /** Keys per `MIGRATE` (default 10, redis-cli's own). */
  pipeline?: number;
  /** How long redis-cli may take, in ms (default 120000). */
  timeoutMs?: number;
}

/**
 * Moves `slots` slots (with their keys) to the master `to` with
 * `redis-cli --cluster reshard … --cluster-yes`, then waits until every master agrees.
 *
 * @param cluster The cluster (its first node's address is given to redis-cli).
 * @param options Source, target, how many slots.
 * @returns redis-cli's output.
 * @throws {ServerStartError} When redis-cli fails.
 *
 * @example Moving 100 slots to the first master
 * ```ts ignore
 * import { reshard, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster();
 * await reshard(cluster, { from: "all", to: cluster.nodes[0]!.id, slots: 100 });
 * ```
 */
export async function reshard(cluster: RedisCluster, options: ReshardOptions): Promise<string> {
  const target = cluster.nodes.find((node) => node.id === options.to);
  const via = target ?? cluster.nodes[0]!;
  const from = typeof options.from === "string" ? options.from : options.from.join(",");
  const out = await redisCli(cluster, [
    "--cluster",
    "reshard",
    `${via.host}:${via.port}`,
    "--cluster-from",
    from,
    "--cluster-to",
    options.to,
    "--cluster-slots",
    String(options.slots),
    "--cluster-pipeline",
    String(options.pipeline ?? 10),
    "--cluster-yes",
  ], options.timeoutMs ?? 120_000);
  return out;
}

/**
 * Runs `redis-cli --cluster rebalance` (with `--cluster-use-empty-masters` when asked), so every
 * master ends with about the same number of slots, or slots in proportion to `weights` (node id →
 * weight, 1 for the others; a small weight keeps a test short: redis-cli moves slots one by one).
 *
 * @param cluster The cluster.
 * @param options `useEmptyMasters` to give slots to masters that have none; weights; a timeout.
 * @returns redis-cli's output.
 * @throws {ServerStartError} When redis-cli fails.
 *
 * @example
 * ```ts ignore
 * import { addClusterNode, rebalance, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster();
 * await using added = await addClusterNode(cluster);
 * await rebalance(cluster, { useEmptyMasters: true });
 * ```
 */
export async function rebalance(
  cluster: RedisCluster,
  options: { useEmptyMasters?: boolean; weights?: Record<string, number>; timeoutMs?: number } = {},
): Promise<string> {
  const via = cluster.nodes[0]!;
  const weights = Object.entries(options.weights ?? {}).map(([id, weight]) => `${id}=${weight}`);
  return await redisCli(cluster, [
    "--cluster",
    "rebalance",
    `${via.host}:${via.port}`,
    ...(options.useEmptyMasters ? ["--cluster-use-empty-masters"] : []),
    ...(weights.length === 0 ? [] : ["--cluster-weight", ...weights]),
    "--cluster-yes",
  ], options.timeoutMs ?? 120_000);
}

/**
 * Starts one more node with the cluster's settings (cluster mode, node timeout, password, TLS)
 * in a dir inside the cluster's, and joins it with `redis-cli --cluster add-node`: as an empty
 * master, or as a replica of `replicaOf` (a master's id). Resolves once every node of the cluster
 * knows it. Stop it yourself (`await using`, or {@linkcode removeClusterNode}): the cluster's
 * `stop()` does not know it.
 *
 * @param cluster The cluster to join.
 * @param options `replicaOf` to join as a replica; a timeout.
 * @returns The new node.
 * @throws {ServerStartError} When the node does not start or join in time.
 *
 * @example
 * ```ts ignore
 * import { addClusterNode, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster();
 * await using added = await addClusterNode(cluster);
 * console.log(added.id);
 * ```
 */
export async function addClusterNode(
  cluster: RedisCluster,
  options: { replicaOf?: string; timeoutMs?: number } = {},
): Promise<RedisClusterNode> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const first = cluster.nodes[0]!;
  const timeout = await callNode(first, ["CONFIG", "GET", "cluster-node-timeout"]);
  const nodeTimeout = Array.isArray(timeout) ? String(timeout[1]) : "2000";
  const password = passwordOf(first);
  const dir = await Deno.makeTempDir({ dir: cluster.dir, prefix: "added-" });
  const server = await startServer({
    dir,
    config: {
      "cluster-enabled": "yes",
      "cluster-config-file": "nodes.conf",
      "cluster-node-timeout": nodeTimeout,
      "repl-diskless-sync-delay": 0,
      "repl-ping-replica-period": 1,
      ...(password === undefined ? {} : { masterauth: password }),
      ...(cluster.tls === undefined ? {} : { "tls-cluster": "yes", "tls-replication": "yes" }),
    },
    ...(password === undefined ? {} : { password }),
    ...(cluster.tls === undefined ? {} : { tls: cluster.tls }),
  });
  try {
    const id = text(await callNode(server, ["CLUSTER", "MYID"]));
    await redisCli(cluster, [
      "--cluster",
      "add-node",
      `${server.host}:${server.port}`,
      `${first.host}:${first.port}`,
      ...(options.replicaOf === undefined
        ? []
        : ["--cluster-slave", "--cluster-master-id", options.replicaOf]),
    ], Math.max(1000, deadline - Date.now()));
    await waitAgreement([...cluster.nodes, server], deadline);
    const role = options.replicaOf === undefined ? "master" : "replica";
    return Object.assign(server, { id, initialRole: role } as const);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Removes a node that serves no slots with `redis-cli --cluster del-node` (the others forget it,
 * and redis-cli shuts it down), then stops its process and waits until no remaining node lists
 * it.
 *
 * @param cluster The cluster.
 * @param node The node to remove (move its slots away first, e.g. with {@linkcode reshard}).
 * @throws {ServerStartError} When redis-cli fails.
 *
 * @example
 * ```ts ignore
 * import { addClusterNode, removeClusterNode, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster();
 * const added = await addClusterNode(cluster);
 * await removeClusterNode(cluster, added);
 * ```
 */
export async function removeClusterNode(
  cluster: RedisCluster,
  node: RedisClusterNode,
): Promise<void> {
  const via = cluster.nodes.find((other) => other.id !== node.id) ?? cluster.nodes[0]!;
  await redisCli(cluster, [
    "--cluster",
    "del-node",
    `${via.host}:${via.port}`,
    node.id,
  ], 60_000);
  await node.stop();
}

/**
 * Makes `replica` take over its master's slots with `CLUSTER FAILOVER` (graceful by default;
 * `FORCE` or `TAKEOVER` when asked) and waits until it reports itself master.
 *
 * @param replica The replica to promote.
 * @param options `mode` and a timeout (default 10000 ms).
 * @throws {ServerStartError} When the replica refuses or is not master in time.
 *
 * @example
 * ```ts ignore
 * import { failover, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster({ replicasPerMaster: 1 });
 * await failover(cluster.nodes.find((node) => node.initialRole === "replica")!);
 * ```
 */
export async function failover(
  replica: RedisServer,
  options: { mode?: "FORCE" | "TAKEOVER"; timeoutMs?: number } = {},
): Promise<void> {
  const reply = await callNode(replica, [
    "CLUSTER",
    "FAILOVER",
    ...(options.mode === undefined ? [] : [options.mode]),
  ]);
  if (reply instanceof ReplyError) {
    throw new ServerStartError(`CLUSTER FAILOVER refused: ${reply.message}`, { cause: reply });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while ((await roleOf(replica)) !== "master") {
    if (Date.now() > deadline) throw new ServerStartError("The replica was not promoted in time");
    await delay(10);
  }
}

/**
 * Hangs `node` with `SIGSTOP` for `ms` milliseconds, then lets it go on with `SIGCONT`: a node
 * that keeps its connections open and answers nothing meanwhile.
 *
 * @param node The node.
 * @param ms How long it stays stopped.
 *
 * @example
 * ```ts ignore
 * import { freezeNode, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster();
 * await freezeNode(cluster.nodes[0]!, 100);
 * ```
 */
export async function freezeNode(node: RedisServer, ms: number): Promise<void> {
  node.kill("SIGSTOP");
  try {
    await delay(ms);
  } finally {
    node.kill("SIGCONT");
  }
}

async function roleOf(node: RedisServer): Promise<string | undefined> {
  try {
    const reply = await callSocket(node.socketPath, ["ROLE"], {
      password: passwordOf(node),
      timeoutMs: 250,
    });
    if (!Array.isArray(reply)) return undefined;
    const role = reply[0];
    return role instanceof Uint8Array ? new TextDecoder().decode(role) : String(role);
  } catch {
    return undefined;
  }
}

/**
 * What {@linkcode watchPromotion} resolves with: the replica that became master, and when, as
 * epoch milliseconds with a fraction (`performance.timeOrigin + performance.now()`, comparable
 * across workers).
 *
 * @example
 * ```ts
 * import type { Promotion } from "@dray/dray/redis/testing";
 *
 * const seen: Promotion = { port: 30001, id: "b".repeat(40), at: Date.now() };
 * ```
 */
export interface Promotion {
  /** The promoted node's port. */
  readonly port: number;
  /** Its cluster id. */
  readonly id: string;
  /** When the monitor first saw it answer `ROLE` with `master` (epoch ms). */
  readonly at: number;
}

/**
 * A running {@linkcode watchPromotion}: `promoted` settles once; `stop()` (or `await using`) ends
 * the polling (waiting for a poll in flight), and rejects `promoted` when it had not settled yet.
 *
 * @example
 * ```ts
 * import type { PromotionWatch } from "@dray/dray/redis/testing";
 *
 * async function stopNow(watch: PromotionWatch): Promise<void> {
 *   await watch.stop();
 * }
 * ```
 */
export interface PromotionWatch extends AsyncDisposable {
  /** Resolves with the first replica of the shard seen as master. */
  readonly promoted: Promise<Promotion>;
  /** Stops polling and waits for a poll in flight. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A raw monitor for failover tests: polls `ROLE` every `intervalMs` (default 5) on each replica
 * of `master` (as listed now) over its unix socket, and resolves `promoted` with the first one
 * seen answering `master`, with the moment it was seen. Polling a replica directly is cheaper and
 * more precise than watching `CLUSTER SHARDS` on another node, which learns of the promotion only
 * through the cluster bus. It rejects after `timeoutMs` (default 30000) with nothing promoted.
 *
 * @param cluster The cluster (its nodes, and the current map to find the replicas).
 * @param master The master whose replicas to watch.
 * @param options Poll interval and timeout.
 * @returns The watch; stop it when done.
 *
 * @example Timing a kill -9
 * ```ts ignore
 * import { startCluster, watchPromotion } from "@dray/dray/redis/testing";
 *
 * await using cluster = await startCluster({ replicasPerMaster: 1, nodeTimeoutMs: 1000 });
 * const master = cluster.nodes[0]!;
 * await using watch = await watchPromotion(cluster, master);
 * master.kill("SIGKILL");
 * const { port, at } = await watch.promoted;
 * ```
 */
export async function watchPromotion(
  cluster: RedisCluster,
  master: RedisClusterNode,
  options: { intervalMs?: number; timeoutMs?: number; extraNodes?: readonly RedisClusterNode[] } =
    {},
): Promise<PromotionWatch> {
  const all = [...cluster.nodes, ...(options.extraNodes ?? [])];
  const map = await clusterMap(all.filter((node) => node.id !== master.id));
  const shard = map.shards.find((shard) => shard.master?.id === master.id);
  const replicas = all.filter((node) => shard?.replicas.some((replica) => replica.id === node.id));
  if (replicas.length === 0) {
    throw new RangeError(`Master '${master.port}' has no replica to watch`);
  }
  const interval = options.intervalMs ?? 5;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<void> | undefined;
  let settle: { resolve(value: Promotion): void; reject(error: Error): void };
  const promoted = new Promise<Promotion>((resolve, reject) => {
    settle = { resolve, reject };
  });
  promoted.catch(() => {});
  const end = (): void => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const poll = async (): Promise<void> => {
    timer = undefined;
    const roles = await Promise.all(replicas.map((node) => roleOf(node)));
    if (stopped) return;
    const at = performance.timeOrigin + performance.now();
    const index = roles.indexOf("master");
    if (index >= 0) {
      end();
      settle.resolve({ port: replicas[index]!.port, id: replicas[index]!.id, at });
      return;
    }
    if (Date.now() > deadline) {
      end();
      settle.reject(new ServerStartError("No replica was promoted in time"));
      return;
    }
    timer = setTimeout(tick, interval);
  };
  const tick = (): void => {
    inflight = poll();
  };
  timer = setTimeout(tick, 0);
  const stop = async (): Promise<void> => {
    if (!stopped) {
      end();
      settle.reject(new ServerStartError("The promotion watch was stopped"));
    }
    await inflight;
  };
  return { promoted, stop, [Symbol.asyncDispose]: stop };
}
