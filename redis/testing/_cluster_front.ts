// startCluster: a throwaway Redis Cluster of servers from startServer, created with
// `redis-cli --cluster create` and ready (every slot served, every node agreeing) before it
// returns; stopped as one with `await using`.
import { rawCommands } from "./_raw.ts";
import {
  type RedisServer,
  ServerStartError,
  startServer,
  type StartServerOptions,
} from "./server.ts";

/**
 * Options for {@linkcode startCluster}.
 *
 * @example
 * ```ts
 * import type { StartClusterOptions } from "@dray/dray/redis/testing";
 *
 * const options: StartClusterOptions = { masters: 3, replicasPerMaster: 1 };
 * ```
 */
export interface StartClusterOptions {
  /** How many masters share the 16384 slots (default 3, at least 3). */
  masters?: number;
  /** Replicas for each master (default 0). */
  replicasPerMaster?: number;
  /** Require this password on every node (`requirepass` and `masterauth`). */
  password?: string;
  /** Extra configuration for every node, as in {@linkcode StartServerOptions.config}. */
  config?: Record<string, string | number>;
  /** How long to wait for the cluster to be ready, in ms (default 30000). */
  startTimeoutMs?: number;
}

/**
 * A running cluster from {@linkcode startCluster}.
 *
 * @example
 * ```ts
 * import { type RedisCluster, startCluster } from "@dray/dray/redis/testing";
 *
 * await using cluster: RedisCluster = await startCluster();
 * console.log(cluster.nodes.map((node) => node.port));
 * ```
 */
export interface RedisCluster extends AsyncDisposable {
  /** Every node, masters first (as `redis-cli --cluster create` was given them). */
  readonly nodes: readonly RedisServer[];
  /** `{ host, port }` of every node: seeds for a cluster client. */
  readonly seeds: readonly { host: string; port: number }[];
  /** Stops every node and removes their dirs. Idempotent. */
  stop(): Promise<void>;
}

async function waitReady(
  nodes: readonly RedisServer[],
  password: string | undefined,
  deadline: number,
): Promise<void> {
  const auth = password === undefined ? [] : [`AUTH "${password}"`];
  let last = "";
  while (Date.now() < deadline) {
    let ready = true;
    for (const node of nodes) {
      const replies = await rawCommands(node.socketPath, [...auth, "CLUSTER INFO"]);
      last = replies.at(-1)!;
      if (
        !/cluster_state:ok/.test(last) || !/cluster_slots_ok:16384/.test(last) ||
        !new RegExp(`cluster_known_nodes:${nodes.length}\\b`).test(last)
      ) {
        ready = false;
        break;
      }
    }
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new ServerStartError(`The cluster was not ready in time: ${last}`);
}

/**
 * Starts a throwaway Redis Cluster: `masters × (1 + replicasPerMaster)` servers from
 * {@linkcode startServer}, joined by `redis-cli --cluster create`, and waits until every slot is
 * served and every node agrees. `await using` stops every node.
 *
 * @param options Masters, replicas, a password, extra configuration.
 * @returns The running cluster.
 * @throws {ServerStartError} When a node does not start, `redis-cli` fails, or the cluster is not
 * ready in time.
 *
 * @example A cluster for a test
 * ```ts
 * import { startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using cluster = await startCluster({ masters: 3 });
 * assert.equal(cluster.nodes.length, 3);
 * ```
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new RangeError(`Cannot start a cluster of '${masters}' masters: it needs at least 3`);
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`Cannot start '${replicas}' replicas per master`);
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const nodes: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const nodeOptions: StartServerOptions = {
      config: {
        "cluster-enabled": "yes",
        "cluster-config-file": "nodes.conf",
        "cluster-node-timeout": 2000,
        "repl-diskless-sync-delay": 0,
        ...(options.password === undefined ? {} : { masterauth: options.password }),
        ...options.config,
      },
      ...(options.password === undefined ? {} : { password: options.password }),
    };
    for (let i = 0; i < masters * (1 + replicas); i++) nodes.push(await startServer(nodeOptions));
    const args = [
      "--cluster",
      "create",
      ...nodes.map((node) => `${node.host}:${node.port}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ];
    const env = options.password === undefined ? undefined : { REDISCLI_AUTH: options.password };
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command("redis-cli", {
        args,
        ...(env === undefined ? {} : { env }),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      throw new ServerStartError(`Cannot run redis-cli (is it on PATH?): ${error}`, {
        cause: error,
      });
    }
    if (!output.success) {
      const text = new TextDecoder().decode(output.stdout) +
        new TextDecoder().decode(output.stderr);
      throw new ServerStartError(`redis-cli --cluster create failed\n${text}`);
    }
    await waitReady(nodes, options.password, deadline);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    seeds: nodes.map((node) => ({ host: node.host, port: node.port })),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
