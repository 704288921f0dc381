// startCluster: a throwaway Redis Cluster of servers from startServer (each on a free port whose
// bus port, +10000, is free too), joined by `redis-cli --cluster create` and healthy before it
// returns: every node reports `cluster_state:ok` and all 16384 slots, every replica's link to its
// master is up and every node's CLUSTER SHARDS lists every node `online`. Stopping it, also
// through `await using`, stops every node and removes the cluster's temp dir; a start that fails
// half-way does the same before it throws.
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { ReplyError } from "../errors.ts";
import { parseClusterShards } from "../cluster/topology.ts";
import { callSocket } from "./_call.ts";
import {
  type CertificateAuthority,
  makeCertificateAuthority,
  makeServerCertificate,
  makeTlsFiles,
  type TlsFiles,
} from "./_tls.ts";
import {
  type RedisServer,
  ServerStartError,
  type ServerTlsFiles,
  startServer,
  type StartServerOptions,
} from "./server.ts";

/**
 * Options for {@linkcode startCluster}.
 *
 * @example Three masters with one replica each, quick failure detection
 * ```ts
 * import type { StartClusterOptions } from "@dray/dray/redis/testing";
 *
 * const options: StartClusterOptions = {
 *   masters: 3,
 *   replicasPerMaster: 1,
 *   nodeTimeoutMs: 1000,
 *   password: "s3cret",
 *   config: { "cluster-require-full-coverage": "no" },
 * };
 * ```
 */
export interface StartClusterOptions {
  /** How many masters share the 16384 slots (default 3, at least 3). */
  masters?: number;
  /** Replicas for each master (default 0). */
  replicasPerMaster?: number;
  /** `cluster-node-timeout` in ms: how soon a silent node counts as failed (default 2000). */
  nodeTimeoutMs?: number;
  /** Require this password on every node (`requirepass` and `masterauth`); node urls carry it. */
  password?: string;
  /**
   * Serve TLS only, the cluster bus and replication included: `true` makes one throwaway CA and
   * certificate with `openssl` for every node (its PEM is in {@linkcode RedisCluster.tls}), or give
   * your own files; `{ perNode: true }` makes a throwaway CA and one certificate per node that
   * names only that node's announced hostname (see {@linkcode ClusterNodeTlsOptions}). Clients do
   * not need certificates.
   */
  tls?: boolean | ServerTlsFiles | ClusterNodeTlsOptions;
  /** Extra configuration for every node, as in {@linkcode StartServerOptions.config}. */
  config?: Record<string, string | number>;
  /** Extra `redis-server` arguments for every node, as in {@linkcode StartServerOptions.args}. */
  args?: string[];
  /** How long the whole start may take, in ms (default 30000). */
  startTimeoutMs?: number;
}

/**
 * One certificate per node for {@linkcode StartClusterOptions.tls}: each node announces a hostname
 * of its own (`cluster-announce-hostname`, with `cluster-preferred-endpoint-type hostname`, so
 * `CLUSTER SHARDS`, `CLUSTER SLOTS` and redirects name it) and serves a certificate, signed by
 * one throwaway CA, whose only subject alternative name is that hostname: a client verifies a
 * node only when it sends that node's announced hostname as the TLS server name.
 *
 * The hostnames need not resolve: the nodes listen on `127.0.0.1`, so connect with a
 * `mapAddress` that sends every announced hostname there. By default node 0 (in start order, see
 * {@linkcode RedisClusterNode.hostname}) is `localhost`, which resolves, so a client can take it
 * as its seed by name; the others are `node-<i>.localhost`. Addresses by IP (`cluster.seeds`,
 * `node.url`) do not verify. A node that {@linkcode addClusterNode} adds serves the first node's
 * certificate and announces no hostname.
 *
 * @example Certificates for `a.test`, `b.test` and `c.test`
 * ```ts
 * import type { ClusterNodeTlsOptions } from "@dray/dray/redis/testing";
 *
 * const tls: ClusterNodeTlsOptions = {
 *   perNode: true,
 *   hostname: (index) => `${"abc"[index]}.test`,
 * };
 * ```
 */
export interface ClusterNodeTlsOptions {
  /** One certificate per node. */
  perNode: true;
  /**
   * Node `index`'s hostname (0-based, in start order); default `localhost` for node 0 and
   * `node-<index>.localhost` for the others. Each must be a distinct valid hostname.
   */
  hostname?: (index: number) => string;
}

/**
 * One node of a {@linkcode RedisCluster}: a {@linkcode RedisServer} (kill it with
 * `node.kill("SIGKILL")`, hang it with `SIGSTOP` and let it go on with `SIGCONT`, read its
 * `log()`) with its cluster id and the role it was created with.
 *
 * @example
 * ```ts
 * import type { RedisClusterNode } from "@dray/dray/redis/testing";
 *
 * function describe(node: RedisClusterNode): string {
 *   return `${node.initialRole} ${node.id.slice(0, 8)} at ${node.host}:${node.port}`;
 * }
 * ```
 */
export interface RedisClusterNode extends RedisServer {
  /** The node's 40-character cluster id (`CLUSTER MYID`). */
  readonly id: string;
  /** Its role when the cluster was created; failovers may have changed it since. */
  readonly initialRole: "master" | "replica";
  /**
   * The hostname it announces, the only name in its certificate, with `tls: { perNode: true }`.
   */
  readonly hostname?: string;
}

/**
 * A running cluster from {@linkcode startCluster}.
 *
 * @example Hanging one node and letting it go on
 * ```ts
 * import { type RedisCluster, startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using cluster: RedisCluster = await startCluster();
 * const node = cluster.nodes[0]!;
 * node.kill("SIGSTOP");
 * node.kill("SIGCONT");
 * assert.equal(await cluster.call(node.port, ["CLUSTER", "MYID"]), node.id);
 * ```
 */
export interface RedisCluster extends AsyncDisposable {
  /** Every node, masters first, in port order within each role (roles as created). */
  readonly nodes: readonly RedisClusterNode[];
  /** `{ host, port }` of every node, in the order of `nodes`: seeds for a cluster client. */
  readonly seeds: readonly { host: string; port: number }[];
  /** The temp dir holding every node's dir (and the throwaway CA with `tls: true`). */
  readonly dir: string;
  /**
   * The TLS material every node serves, when `tls` is on. With `tls: { perNode: true }` the CA is
   * every node's, the certificate and key the first started node's (each node's own are in its
   * `tls`).
   */
  readonly tls: TlsFiles | undefined;
  /**
   * Sends one command to the node on `port` on a fresh connection (its unix socket, after `AUTH`
   * when the cluster has a password) and returns its reply; a reply error is returned, not thrown.
   * Rejects with a `RangeError` when no node has that port.
   */
  call(port: number, argv: readonly RedisArgument[]): Promise<RespValue>;
  /** Stops every node and removes the cluster's dir. Idempotent. */
  stop(): Promise<void>;
}

const PORT_LOW = 20000;
const PORT_HIGH = 55000; // the bus port (+10000) must stay below 65536

function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

// A free port, other than 6379 and those in `taken`, whose bus port is free too.
function pickPort(taken: Set<number>): number {
  for (let tries = 0; tries < 10_000; tries++) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));
    if (port === 6379 || taken.has(port) || taken.has(port + 10000)) continue;
    if (!portFree(port) || !portFree(port + 10000)) continue;
    taken.add(port);
    return port;
  }
  throw new ServerStartError("Cannot find a free port pair for a cluster node");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function text(value: RespValue): string {
  if (typeof value === "string") return value;
  if (value instanceof ReplyError) throw value;
  if (value !== null && typeof value === "object" && "format" in value) return `${value}`;
  throw new TypeError(`Expected a text reply, got '${String(value)}'`);
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

// Starts one node in its own dir under the cluster's; on a lost port race, tries another port.
async function startNode(
  clusterDir: string,
  taken: Set<number>,
  options: StartServerOptions,
  deadline: number,
): Promise<RedisServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = pickPort(taken);
    const dir = `${clusterDir}/node-${port}`;
    await Deno.mkdir(dir);
    try {
      return await startServer({
        ...options,
        port,
        dir,
        startTimeoutMs: Math.max(1000, deadline - Date.now()),
      });
    } catch (error) {
      if (!(error instanceof ServerStartError) || !/Address already in use/i.test(error.message)) {
        throw error;
      }
    }
  }
  throw new ServerStartError("Cannot start a cluster node: no free port after 5 attempts");
}

async function createCluster(
  servers: readonly RedisServer[],
  replicas: number,
  options: { password: string | undefined; tls: TlsFiles | undefined; deadline: number },
): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("redis-cli", {
      args: [
        ...(options.tls === undefined ? [] : ["--tls", "--cacert", options.tls.caFile]),
        "--cluster",
        "create",
        ...servers.map((server) => `${server.host}:${server.port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      ...(options.password === undefined ? {} : { env: { REDISCLI_AUTH: options.password } }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(Math.max(1000, options.deadline - Date.now())),
    }).output();
  } catch (error) {
    throw new ServerStartError(`Cannot run redis-cli (is it on PATH?): ${error}`, {
      cause: error,
    });
  }
  if (!output.success) {
    const decoder = new TextDecoder();
    throw new ServerStartError(
      `redis-cli --cluster create failed\n${decoder.decode(output.stdout)}${
        decoder.decode(output.stderr)
      }`,
    );
  }
}

// Polls every node until the cluster is healthy (see the file's header), then reads each node's
// id and role.
async function waitHealthy(
  servers: readonly RedisServer[],
  replicaCount: number,
  password: string | undefined,
  deadline: number,
): Promise<{ id: string; initialRole: "master" | "replica" }[]> {
  const call = (server: RedisServer, argv: RedisArgument[]): Promise<RespValue> =>
    callSocket(server.socketPath, argv, { password });
  let last = "";
  while (Date.now() < deadline) {
    try {
      const infos = await Promise.all(servers.map(async (server) => ({
        cluster: text(await call(server, ["CLUSTER", "INFO"])),
        replication: text(await call(server, ["INFO", "replication"])),
      })));
      const notOk = infos.filter((info) =>
        field(info.cluster, "cluster_state") !== "ok" ||
        field(info.cluster, "cluster_slots_ok") !== "16384" ||
        field(info.cluster, "cluster_known_nodes") !== String(servers.length)
      );
      const linked = infos.filter((info) =>
        field(info.replication, "role") === "slave" &&
        field(info.replication, "master_link_status") === "up"
      );
      const online = await Promise.all(servers.map(async (server) => {
        const map = parseClusterShards(await call(server, ["CLUSTER", "SHARDS"]), {
          host: server.host,
          port: server.port,
          tls: server.tls !== undefined,
        });
        return map.nodes.length === servers.length &&
          map.nodes.every((node) => node.health === "online");
      }));
      if (notOk.length === 0 && linked.length === replicaCount && online.every(Boolean)) {
        return await Promise.all(servers.map(async (server, i) => ({
          id: text(await call(server, ["CLUSTER", "MYID"])),
          initialRole: field(infos[i]!.replication, "role") === "master" ? "master" : "replica",
        } as const)));
      }
      last = `${notOk.length} node(s) not ok, ${linked.length}/${replicaCount} replica(s) ` +
        `linked, ${online.filter((ok) => !ok).length} node(s) not seeing every node online`;
    } catch (error) {
      last = String(error);
    }
    await delay(50);
  }
  throw new ServerStartError(`The cluster was not healthy in time: ${last}`);
}

// A throwaway CA and, for each of `count` nodes, a certificate naming only its hostname.
async function nodeCertificates(
  dir: string,
  count: number,
  options: ClusterNodeTlsOptions,
): Promise<{ hostname: string; files: TlsFiles }[]> {
  const hostnames = Array.from(
    { length: count },
    (_, i) => options.hostname?.(i) ?? (i === 0 ? "localhost" : `node-${i}.localhost`),
  );
  for (const [i, hostname] of hostnames.entries()) {
    if (
      typeof hostname !== "string" || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hostname)
    ) {
      throw new TypeError(`Cannot use '${hostname}' as node ${i}'s hostname: not a valid hostname`);
    }
    if (hostnames.indexOf(hostname) !== i) {
      throw new RangeError(`Cannot give the hostname '${hostname}' to two nodes`);
    }
  }
  const ca: CertificateAuthority = await makeCertificateAuthority(dir);
  return await Promise.all(hostnames.map(async (hostname, i) => ({
    hostname,
    files: await makeServerCertificate(dir, ca, { name: `node-${i}`, dns: [hostname] }),
  })));
}

/**
 * Starts a throwaway Redis Cluster: `masters × (1 + replicasPerMaster)` servers from
 * {@linkcode startServer}, each with `cluster-enabled yes` on a free port whose bus port (+10000)
 * is free too, joined by `redis-cli --cluster create`; waits until every node reports
 * `cluster_state:ok` and all 16384 slots, every replica's link to its master is up and every node
 * sees every other node `online`. Nodes also run with `repl-diskless-sync-delay 0` and
 * `repl-ping-replica-period 1` (replicas sync and settle at once), and `DEBUG` enabled. Roles come
 * from `redis-cli`; `nodes` reports them as created. `await using` (or `stop()`) stops every node
 * and removes the cluster's dir; a start that fails half-way does the same before it throws.
 *
 * Needs `redis-server` and `redis-cli` (7.0 or later) on `PATH`, and `openssl` for `tls: true`.
 *
 * @param options Masters, replicas, the node timeout, a password, TLS, extra configuration.
 * @returns The running cluster.
 * @throws {RangeError} When `masters` is below 3 or a count is not a whole number.
 * @throws {ServerStartError} When a node does not start, `redis-cli` fails, or the cluster is not
 * healthy in time; the message holds the relevant output. Nothing is left running.
 *
 * @example A cluster for a test
 * ```ts
 * import { connect } from "@dray/dray/redis";
 * import { startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using cluster = await startCluster({ masters: 3 });
 * assert.equal(cluster.nodes.length, 3);
 * await using node = await connect(cluster.nodes[0]!.url);
 * assert.match(String(await node.sendCommand(["CLUSTER", "INFO"])), /cluster_state:ok/);
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
  const password = options.password;
  const dir = await Deno.makeTempDir({ prefix: "dray-cluster-" });
  const servers: RedisServer[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(servers.map((server) => server.stop()));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const count = masters * (1 + replicas);
    const option = options.tls;
    const perNode = typeof option === "object" && "perNode" in option ? option : undefined;
    const tls: ServerTlsFiles | undefined = option === true
      ? await makeTlsFiles(dir)
      : typeof option === "object" && !("perNode" in option)
      ? option
      : undefined;
    const own = perNode === undefined ? undefined : await nodeCertificates(dir, count, perNode);
    const nodeOptions = (index: number): StartServerOptions => ({
      config: {
        "cluster-enabled": "yes",
        "cluster-config-file": "nodes.conf",
        "cluster-node-timeout": options.nodeTimeoutMs ?? 2000,
        "repl-diskless-sync-delay": 0,
        // Replicas' offsets move (and CLUSTER SHARDS stops calling them "loading") within a
        // second instead of ten.
        "repl-ping-replica-period": 1,
        ...(password === undefined ? {} : { masterauth: password }),
        ...(tls === undefined && own === undefined
          ? {}
          : { "tls-cluster": "yes", "tls-replication": "yes" }),
        ...(own === undefined ? {} : {
          "cluster-announce-hostname": own[index]!.hostname,
          "cluster-preferred-endpoint-type": "hostname",
        }),
        ...options.config,
      },
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : { tls }),
      ...(own === undefined ? {} : { tls: own[index]!.files }),
      ...(options.args === undefined ? {} : { args: options.args }),
    });
    // Started side by side; every start is awaited, so none is left running when one fails.
    const taken = new Set<number>();
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => startNode(dir, taken, nodeOptions(i), deadline)),
    );
    for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
    const failed = started.find((result) => result.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const files = servers[0]!.tls;
    await createCluster(servers, replicas, { password, tls: files, deadline });
    const roles = await waitHealthy(servers, masters * replicas, password, deadline);
    const nodes: RedisClusterNode[] = servers
      .map((server, i) =>
        Object.assign(
          server,
          roles[i]!,
          own === undefined ? {} : { hostname: own[i]!.hostname },
        )
      )
      .sort((a, b) =>
        a.initialRole === b.initialRole ? a.port - b.port : a.initialRole === "master" ? -1 : 1
      );
    return {
      nodes,
      seeds: nodes.map((node) => ({ host: node.host, port: node.port })),
      dir,
      tls: files,
      async call(port, argv) {
        const node = nodes.find((node) => node.port === port);
        if (node === undefined) throw new RangeError(`No cluster node on port '${port}'`);
        return await callSocket(node.socketPath, argv, { password });
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
