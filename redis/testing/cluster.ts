/**
 * A throwaway Redis Cluster for tests: {@linkcode startCluster} starts `redis-server
 * --cluster-enabled yes` processes on free loopback ports (never 6379) in a temporary directory,
 * joins them with `redis-cli --cluster create`, and waits until every node says
 * `cluster_state:ok`, every replica's link to its master is up and `CLUSTER SHARDS` shows every
 * node `online`. Stopping it, also through
 * `await using`, kills every process, waits for it and removes the directory; a start that fails
 * half-way does the same before it throws.
 *
 * Needs `redis-server` and `redis-cli` (7.0 or later) on `PATH`, and the `--allow-run`,
 * `--allow-net`, `--allow-read` and `--allow-write` permissions.
 *
 * @module
 */

import { RespReader } from "../resp/reader.ts";
import { encodeCommand } from "../resp/writer.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { ReplyError } from "../errors.ts";
import { parseClusterShards } from "../cluster/topology.ts";

/**
 * TLS material for {@linkcode startCluster}: PEM files the nodes serve and trust. With it, every
 * node listens only on its TLS port, the cluster bus and replication use TLS too, and clients
 * are not asked for certificates.
 *
 * @example
 * ```ts
 * import type { ClusterTlsFiles } from "./cluster.ts";
 *
 * const tls: ClusterTlsFiles = {
 *   certFile: "/tmp/certs/node.crt",
 *   keyFile: "/tmp/certs/node.key",
 *   caFile: "/tmp/certs/ca.crt",
 * };
 * ```
 */
export interface ClusterTlsFiles {
  /** The certificate every node presents (PEM). */
  certFile: string;
  /** Its private key (PEM). */
  keyFile: string;
  /** The CA certificate that signed it (PEM); nodes and the helper itself trust it. */
  caFile: string;
}

/**
 * Options for {@linkcode startCluster}.
 *
 * @example Three masters with one replica each, quick failure detection
 * ```ts
 * import type { StartClusterOptions } from "./cluster.ts";
 *
 * const options: StartClusterOptions = {
 *   masters: 3,
 *   replicasPerMaster: 1,
 *   nodeTimeoutMs: 1000,
 *   extraConfig: ["--cluster-require-full-coverage", "no"],
 * };
 * ```
 */
export interface StartClusterOptions {
  /** How many masters share the slots; at least 3, as `redis-cli --cluster create` needs (default 3). */
  masters?: number;
  /** How many replicas each master gets (default 0). */
  replicasPerMaster?: number;
  /** `cluster-node-timeout` in ms: how soon a silent node counts as failed (default 2000). */
  nodeTimeoutMs?: number;
  /** More `redis-server` arguments for every node, e.g. `["--cluster-allow-reads-when-down", "yes"]`. */
  extraConfig?: readonly string[];
  /** Serve TLS only, with these files. */
  tls?: ClusterTlsFiles;
  /** How long the whole start may take before it gives up, in ms (default 30000). */
  startTimeoutMs?: number;
}

/**
 * One node of a {@linkcode TestCluster}.
 *
 * @example
 * ```ts
 * import type { TestClusterNode } from "./cluster.ts";
 *
 * function address(node: TestClusterNode): string {
 *   return `${node.host}:${node.port}`;
 * }
 * ```
 */
export interface TestClusterNode {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port clients connect to (the TLS port when the cluster serves TLS). */
  readonly port: number;
  /** The node's 40-character cluster id (`CLUSTER MYID`). */
  readonly id: string;
  /** The process id of its `redis-server`. */
  readonly pid: number;
  /** Its role when the cluster was created; failovers may have changed it since. */
  readonly initialRole: "master" | "replica";
  /** `redis://127.0.0.1:<port>`, or `rediss://…` with TLS. */
  readonly url: string;
}

/**
 * A running cluster started by {@linkcode startCluster}.
 *
 * @example
 * ```ts ignore
 * import { startCluster } from "./cluster.ts";
 *
 * await using cluster = await startCluster({ masters: 3 });
 * const victim = cluster.nodes[0]!;
 * cluster.signal(victim.port, "SIGSTOP"); // hang it
 * cluster.signal(victim.port, "SIGCONT"); // and let it go on
 * ```
 */
export interface TestCluster extends AsyncDisposable {
  /** Every node, masters first, in port order within each role. */
  readonly nodes: readonly TestClusterNode[];
  /** `host:port` of every node, for a client's seed list. */
  readonly seeds: readonly string[];
  /** The temporary directory holding the nodes' configs and logs. */
  readonly dir: string;
  /**
   * Sends a signal to a node: `SIGKILL` to crash it, `SIGSTOP` / `SIGCONT` to hang it and let it
   * go on. A killed node stays listed; `stop` handles it.
   */
  signal(port: number, signal: Deno.Signal): void;
  /** Sends one command to a node on a fresh connection and returns its reply. */
  call(port: number, argv: readonly RedisArgument[]): Promise<RespValue>;
  /** A node's log so far. */
  log(port: number): string;
  /** Kills every process, waits for each, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

interface Proc {
  port: number;
  child: Deno.ChildProcess;
  status: Promise<Deno.CommandStatus>;
  exited: boolean;
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

function pickPorts(count: number, taken: Set<number>): number[] {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 10_000) throw new Error("Cannot find free ports for a cluster");
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));
    if (port === 6379 || taken.has(port) || taken.has(port + 10000)) continue;
    if (!portFree(port) || !portFree(port + 10000)) continue;
    taken.add(port);
    ports.push(port);
  }
  return ports;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function openConn(port: number, tls: ClusterTlsFiles | undefined): Promise<Deno.Conn> {
  if (tls === undefined) return await Deno.connect({ hostname: "127.0.0.1", port });
  return await Deno.connectTls({
    hostname: "127.0.0.1",
    port,
    caCerts: [await Deno.readTextFile(tls.caFile)],
  });
}

// One command on a fresh connection. Keeps RESP2 (no HELLO), as any client's first command.
async function callOnce(
  port: number,
  argv: readonly RedisArgument[],
  tls: ClusterTlsFiles | undefined,
  timeoutMs = 5000,
): Promise<RespValue> {
  const conn = await openConn(port, tls);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const bytes = encodeCommand(argv);
    for (let written = 0; written < bytes.length;) {
      written += await conn.write(bytes.subarray(written));
    }
    const reader = new RespReader();
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const value = reader.next();
      if (value !== undefined) return value;
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`Node ${port} closed the connection before replying`);
      reader.feed(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

function text(value: RespValue): string {
  if (typeof value === "string") return value;
  if (value instanceof ReplyError) throw value;
  if (value !== null && typeof value === "object" && "format" in value) return `${value}`;
  throw new TypeError(`Expected a text reply, got ${String(value)}`);
}

function field(info: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:(.*)$`, "m").exec(info);
  return match?.[1]?.trim();
}

/**
 * Starts a Redis Cluster of local `redis-server` processes and waits until it serves every slot.
 *
 * Each node runs with `--cluster-enabled yes`, no persistence, `--enable-debug-command local`
 * (so `DEBUG SLEEP` and `DEBUG SEGFAULT` work) and `--repl-diskless-sync-delay 0` (replicas sync
 * at once), on a free port whose bus port (+10000) is free too. Roles come from
 * `redis-cli --cluster create`, which may place replicas anywhere; `nodes` reports them as
 * created.
 *
 * @param options How many masters and replicas, the node timeout, extra server arguments, TLS.
 * @returns The running cluster; stop it with `stop()` or `await using`.
 * @throws {RangeError} When `masters` is below 3 or a count is not a whole number.
 * @throws {Error} When a process cannot start, the cluster cannot be created, or it does not
 * become healthy in time; the message holds the relevant output. Nothing is left running.
 *
 * @example Three masters, stopped at the end of the scope
 * ```ts ignore
 * import { startCluster } from "./cluster.ts";
 *
 * await using cluster = await startCluster({ masters: 3 });
 * console.log(await cluster.call(cluster.nodes[0]!.port, ["CLUSTER", "INFO"]));
 * ```
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new RangeError(`A cluster needs at least 3 masters, got ${masters}`);
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`replicasPerMaster must be a whole number >= 0, got ${replicas}`);
  }
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  const tls = options.tls;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const dir = await Deno.makeTempDir({ prefix: "dray-cluster-" });
  const procs = new Map<number, Proc>();
  let stopped = false;

  const readLog = (port: number): string => {
    try {
      return Deno.readTextFileSync(`${dir}/node-${port}.log`);
    } catch {
      return "";
    }
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const proc of procs.values()) {
      if (proc.exited) continue;
      try {
        proc.child.kill("SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    await Promise.all([...procs.values()].map((proc) => proc.status));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  const spawn = (port: number): Proc => {
    // A launch still retrying after a failed start must not leave a process behind.
    if (stopped) throw new Error("The cluster was stopped while it started");
    const portArgs = tls === undefined ? ["--port", String(port)] : [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--tls-cluster",
      "yes",
      "--tls-replication",
      "yes",
      "--tls-cert-file",
      tls.certFile,
      "--tls-key-file",
      tls.keyFile,
      "--tls-ca-cert-file",
      tls.caFile,
      "--tls-auth-clients",
      "no",
    ];
    const child = new Deno.Command("redis-server", {
      args: [
        ...portArgs,
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--logfile",
        `node-${port}.log`,
        "--daemonize",
        "no",
        "--save",
        "",
        "--appendonly",
        "no",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        `nodes-${port}.conf`,
        "--cluster-node-timeout",
        String(nodeTimeoutMs),
        "--enable-debug-command",
        "local",
        "--repl-diskless-sync-delay",
        "0",
        // Replicas' offsets move (and CLUSTER SHARDS stops calling them "loading") within a
        // second instead of ten.
        "--repl-ping-replica-period",
        "1",
        ...(options.extraConfig ?? []),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const proc: Proc = { port, child, status: child.status, exited: false };
    proc.status.then(() => proc.exited = true);
    procs.set(port, proc);
    return proc;
  };

  // Starts one node and waits for PING; on a lost port race, tries another port.
  const launch = async (port: number, taken: Set<number>): Promise<number> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const proc = spawn(port);
      while (!proc.exited && Date.now() < deadline) {
        try {
          if (await callOnce(port, ["PING"], tls, 1000) === "PONG") return port;
        } catch {
          // not listening yet
        }
        await delay(20);
      }
      if (!proc.exited) {
        throw new Error(`Node ${port} did not answer PING in time\n${readLog(port)}`);
      }
      procs.delete(port);
      if (!/Address already in use/i.test(readLog(port))) {
        throw new Error(`Node ${port} exited during startup\n${readLog(port)}`);
      }
      port = pickPorts(1, taken)[0]!;
    }
    throw new Error("Cannot start a cluster node: no free port after 5 attempts");
  };

  try {
    const taken = new Set<number>();
    const ports = await Promise.all(
      pickPorts(masters * (1 + replicas), taken).map((port) => launch(port, taken)),
    );
    const tlsArgs = tls === undefined ? [] : ["--tls", "--cacert", tls.caFile];
    const remaining = Math.max(1000, deadline - Date.now());
    const created = await new Deno.Command("redis-cli", {
      args: [
        ...tlsArgs,
        "--cluster",
        "create",
        ...ports.map((port) => `127.0.0.1:${port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(remaining),
    }).output();
    if (!created.success) {
      const decoder = new TextDecoder();
      throw new Error(
        `redis-cli --cluster create failed\n${decoder.decode(created.stdout)}${
          decoder.decode(created.stderr)
        }`,
      );
    }
    const nodes = await waitHealthy(ports, masters * replicas, tls, deadline);
    const byPort = new Map(nodes.map((node) => [node.port, node]));
    const list: TestClusterNode[] = [...nodes].sort((a, b) =>
      a.initialRole === b.initialRole ? a.port - b.port : a.initialRole === "master" ? -1 : 1
    ).map((node) => ({ ...node, pid: procs.get(node.port)!.child.pid }));
    const cluster: TestCluster = {
      nodes: list,
      seeds: list.map((node) => `${node.host}:${node.port}`),
      dir,
      signal(port, signal) {
        const proc = procs.get(port);
        if (proc === undefined || !byPort.has(port)) {
          throw new RangeError(`No cluster node on port ${port}`);
        }
        if (proc.exited) return;
        proc.child.kill(signal);
      },
      call: (port, argv) => callOnce(port, argv, tls),
      log: readLog,
      stop,
      [Symbol.asyncDispose]: stop,
    };
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

type Created = Omit<TestClusterNode, "pid">;

// Polls every node until each reports cluster_state:ok, `replicaCount` replicas report their
// master link up and every node's CLUSTER SHARDS lists every node as online; then reads each
// node's id and role.
async function waitHealthy(
  ports: readonly number[],
  replicaCount: number,
  tls: ClusterTlsFiles | undefined,
  deadline: number,
): Promise<Created[]> {
  let last = "";
  while (Date.now() < deadline) {
    try {
      const infos = await Promise.all(ports.map(async (port) => ({
        port,
        cluster: text(await callOnce(port, ["CLUSTER", "INFO"], tls)),
        replication: text(await callOnce(port, ["INFO", "replication"], tls)),
      })));
      const notOk = infos.filter((info) => field(info.cluster, "cluster_state") !== "ok");
      const linked = infos.filter((info) =>
        field(info.replication, "role") === "slave" &&
        field(info.replication, "master_link_status") === "up"
      );
      const settled = replicaCount === 0 ||
        (await Promise.all(ports.map(async (port) => {
          const map = parseClusterShards(await callOnce(port, ["CLUSTER", "SHARDS"], tls), {
            host: "127.0.0.1",
            port,
            tls: tls !== undefined,
          });
          return map.nodes.length === ports.length &&
            map.nodes.every((node) => node.health === "online");
        }))).every(Boolean);
      if (notOk.length === 0 && linked.length === replicaCount && settled) {
        return await Promise.all(infos.map(async (info) => ({
          host: "127.0.0.1",
          port: info.port,
          id: text(await callOnce(info.port, ["CLUSTER", "MYID"], tls)),
          initialRole: field(info.replication, "role") === "master" ? "master" : "replica",
          url: `${tls === undefined ? "redis" : "rediss"}://127.0.0.1:${info.port}`,
        } as const)));
      }
      last = `${notOk.length} node(s) not ok, ${linked.length}/${replicaCount} replica(s) linked`;
    } catch (error) {
      last = String(error);
    }
    await delay(50);
  }
  throw new Error(`The cluster did not become healthy in time: ${last}`);
}
