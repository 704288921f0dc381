/**
 * `deno task bench:cluster`: dray's cluster client against `npm:ioredis` `Cluster` (with
 * auto-pipelining off and on) and `npm:redis` `createCluster`, with `redis-benchmark --cluster`
 * as the server-side limit, on private clusters started for the run.
 *
 * Throughput, on 3 masters without replicas (interleaved rounds, the starting contender rotates,
 * medians; every reply checked):
 * - (a) 10,000 SET + 10,000 GET, each awaited before the next (ops/s);
 * - (b) 200,000 SETs on keys over all slots, issued concurrently in batches of 10,000 (ops/s);
 * - (c) a 10,000-SET pipeline over all slots, 20 times: dray's `pipeline()` (split by node);
 *   ioredis and node-redis cannot pipeline across nodes, so they issue concurrent commands;
 * - (d) MGET of 100 random keys, 2,000 times (keys/s): dray's `mget` (split by slot); the others
 *   issue the 100 GETs concurrently (their idiomatic cross-slot read).
 *
 * Faults (separate windows per contender, the same operation for each):
 * - (e) 50 writers RPUSH unique sequence numbers while `redis-cli --cluster reshard` moves 2,000
 *   slots between two masters (the next window moves them back): acknowledged writes per second,
 *   errors the application saw, lost and duplicated sequence numbers;
 * - (f) on 3 masters + 3 replicas (`cluster-node-timeout 1000`): 50 writers RPUSH, each write
 *   acknowledged only when a `WAIT 1 200` on the same node connection saw a replica have it;
 *   kill -9 of the master serving the most writers, 3 times per contender (the victim restarts
 *   and rejoins as a replica between kills). Recovery = the first write to that shard answered
 *   after the promotion (acknowledged or not: the new master has no replica for `WAIT` until the
 *   victim rejoins) minus the moment a raw monitor (ROLE polled every 5 ms on the replica) saw
 *   the promotion; also total (that write − kill), errors the application saw, lost and
 *   duplicated sequence numbers, and writers whose write never settled (hung, after 15 s).
 *
 * Recovery, dray only (bench/_cluster_recovery.ts), on 3 masters + 3 replicas under 50 writers:
 * - (g) kill -9 of a master × 10 (`--quick`: 2), WAIT-acknowledged writes as in (f), but the
 *   write answered is the RPUSH's own reply (in (f) every contender's WAIT after the promotion
 *   waits its 200 ms: the new master has no replica yet); p50/p95/max recovery, lost, duplicated;
 * - (h) a graceful `CLUSTER FAILOVER` × 10 (`--quick`: 2), plain acknowledgements; p95
 *   recovery, lost;
 * - (i) `kill -STOP` of a master for 6 s, then `-CONT`, × 10 (`--quick`: 2), timed as (g):
 *   whether the hung shard follows the promotion or waits for the hang to end.
 *
 * Writes `bench/out/cluster.json` and prints the tables with the targets.
 *
 * ```sh
 * deno task bench:cluster             # full run
 * deno task bench:cluster --quick     # a smaller run to check that it works (no file written)
 * deno task bench:cluster --only abcd # some scenarios only (a–i)
 * deno task bench:cluster --quick --only gh --series 10 # the recovery series alone
 * ```
 *
 * @module
 */

import { connectCluster } from "../redis/mod.ts";
import { keySlot } from "../redis/cluster/slot.ts";
import type { SlotMap } from "../redis/cluster/topology.ts";
import {
  callNode,
  type RedisCluster,
  reshard,
  startCluster,
  waitClusterStable,
  watchPromotion,
} from "../redis/testing/mod.ts";
import { type LoadReport, logKey } from "../tests/_helpers/cluster_load.ts";
import { machine } from "./_machine.ts";
import {
  HANG_MS,
  quantile,
  readLists,
  type RecoveryRound,
  recoverySeries,
} from "./_cluster_recovery.ts";
import {
  type ClusterContender,
  CONCURRENT,
  KEYSPACE,
  type Message,
  MGET_KEYS,
  MGETS,
  PIPELINE,
  PIPELINES,
  SEQUENTIAL,
} from "./_cluster_worker.ts";

const args = [...Deno.args];
const quick = args.includes("--quick");
const roundsAt = args.indexOf("--rounds");
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 1 : 5;
const onlyAt = args.indexOf("--only");
const ONLY = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split("") : undefined;
const KILLS = quick ? 1 : 3;
const seriesAt = args.indexOf("--series");
const SERIES = seriesAt >= 0 ? Number(args[seriesAt + 1]) : quick ? 2 : 10;
const WRITERS = 50;
const RESHARD_SLOTS = quick ? 200 : 2000;
const wanted = (id: string): boolean => ONLY === undefined || ONLY.includes(id);

const CONTENDERS: ClusterContender[] = ["dray", "ioredis", "ioredis_ap", "node_redis"];
const THROUGHPUT = {
  a: { label: `(a) ${SEQUENTIAL.toLocaleString("en")} sequential SET/GET`, unit: "ops/s" },
  b: { label: `(b) ${CONCURRENT.toLocaleString("en")} concurrent SETs`, unit: "ops/s" },
  c: {
    label: `(c) ${PIPELINE.toLocaleString("en")}-SET pipeline × ${PIPELINES}`,
    unit: "ops/s",
  },
  d: { label: `(d) MGET of ${MGET_KEYS} random keys × ${MGETS}`, unit: "keys/s" },
} as const;
type Scenario = keyof typeof THROUGHPUT;
const WORK: Record<Scenario, number> = {
  a: SEQUENTIAL,
  b: CONCURRENT,
  c: PIPELINE * PIPELINES,
  d: MGET_KEYS * MGETS,
};

type Reply = Record<string, unknown>;

function ask(worker: Worker, message: Message): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => {
      if ("error" in event.data) reject(new Error(String(event.data.error)));
      else resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage(message);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function startWorkers(cluster: RedisCluster): Promise<Map<ClusterContender, Worker>> {
  const workers = new Map<ClusterContender, Worker>();
  for (const contender of CONTENDERS) {
    const worker = new Worker(new URL("./_cluster_worker.ts", import.meta.url), {
      type: "module",
    });
    workers.set(contender, worker);
    await ask(worker, { setup: { contender, seeds: [...cluster.seeds] } });
  }
  return workers;
}

async function stopWorkers(workers: Map<ClusterContender, Worker>): Promise<void> {
  for (const worker of workers.values()) {
    // A client with hung commands may never close: give it 5 s.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      ask(worker, { close: true }).catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 5000)),
    ]);
    clearTimeout(timer);
    worker.terminate();
  }
}

/** `redis-benchmark --cluster`: the mean requests per second of its tests. */
async function redisBenchmark(port: number, extra: string[]): Promise<number | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("redis-benchmark", {
      args: ["--cluster", "-h", "127.0.0.1", "-p", String(port), "--csv", "-d", "16", ...extra],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return undefined;
    // In cluster mode the CSV follows a list of the masters: keep the rows after its header.
    const rates = new TextDecoder().decode(stdout).split("\n")
      .filter((line) => line.startsWith('"') && !line.startsWith('"test"'))
      .map((line) => Number(JSON.parse(`[${line}]`)[1]));
    if (rates.length === 0 || rates.some((rate) => !(rate > 0))) return undefined;
    return rates.reduce((a, b) => a + b, 0) / rates.length;
  } catch {
    return undefined;
  }
}

const LIMITS: Record<Scenario, string[] | undefined> = {
  a: ["-c", "1", "-P", "1", "-n", String(SEQUENTIAL), "-t", "set,get"],
  b: ["-c", "50", "-P", "16", "-n", String(CONCURRENT), "-t", "set"],
  c: ["-c", "50", "-P", "16", "-n", String(PIPELINE * PIPELINES), "-t", "set"],
  d: undefined,
};

function writersOn(map: SlotMap, masterId: string): number[] {
  return Array.from({ length: WRITERS }, (_, w) => w).filter((w) =>
    map.masterOf(keySlot(logKey(w)))?.id === masterId
  );
}

const started = new Date();
const host = await machine();
const load1 = Deno.loadavg()[0] ?? 0;
const throughput: Record<string, Record<string, number>> = {};
const reshardRows: Record<string, Record<string, number>> = {};
const killRows: Record<string, Record<string, number | number[]>> = {};
const seriesRows: Record<string, RecoveryRound[]> = {};

// ---- (a)–(e): 3 masters ----
if (["a", "b", "c", "d", "e"].some(wanted)) {
  await using cluster = await startCluster({ masters: 3, nodeTimeoutMs: 1000 });
  {
    await using client = await connectCluster({ nodes: cluster.seeds });
    const batch = client.pipeline();
    for (let i = 0; i < KEYSPACE; i++) void batch.set(`k:${i}`, "v".repeat(16));
    await batch.exec();
  }
  const workers = await startWorkers(cluster);
  try {
    for (const scenario of (Object.keys(THROUGHPUT) as Scenario[]).filter(wanted)) {
      const samples = new Map<string, number[]>();
      const add = (name: string, value: number): void => {
        samples.set(name, [...(samples.get(name) ?? []), value]);
      };
      for (const contender of CONTENDERS) await ask(workers.get(contender)!, { run: scenario });
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < CONTENDERS.length; k++) {
          const contender = CONTENDERS[(round + k) % CONTENDERS.length]!;
          const reply = await ask(workers.get(contender)!, { run: scenario });
          add(contender, WORK[scenario] / (reply.seconds as number));
        }
        const limit = LIMITS[scenario];
        if (limit !== undefined) {
          const rps = await redisBenchmark(cluster.nodes[0]!.port, limit);
          if (rps !== undefined) add("redis_benchmark", rps);
        }
      }
      const row: Record<string, number> = {};
      for (const [name, values] of samples) row[name] = Math.round(median(values));
      throughput[scenario] = row;
      console.error(`${THROUGHPUT[scenario].label}: ${JSON.stringify(row)}`);
    }
    if (wanted("e")) {
      const [x, y] = cluster.nodes;
      for (let k = 0; k < CONTENDERS.length; k++) {
        const contender = CONTENDERS[k]!;
        const worker = workers.get(contender)!;
        const prefix = `e:${contender}:`;
        const [from, to] = k % 2 === 0 ? [x!, y!] : [y!, x!];
        await ask(worker, { loadStart: { writers: WRITERS, wait: false, prefix } });
        await delay(300);
        const t0 = performance.now();
        await reshard(cluster, { from: from.id, to: to.id, slots: RESHARD_SLOTS });
        const reshardSeconds = (performance.now() - t0) / 1000;
        await delay(300);
        const stop = await ask(worker, { loadStop: {} });
        const lists = await readLists(cluster.nodes, prefix);
        const { report } = await ask(worker, { verify: lists }) as { report: LoadReport };
        reshardRows[contender] = {
          ops_per_s: Math.round((stop.acks as number) / (stop.seconds as number)),
          reshard_s: Math.round(reshardSeconds * 10) / 10,
          errors: report.errors,
          lost: report.lost,
          duplicated: report.duplicated,
          hung: stop.hung as number,
        };
        console.error(`(e) ${contender}: ${JSON.stringify(reshardRows[contender])}`);
      }
    }
  } finally {
    await stopWorkers(workers);
  }
}

// ---- (f): 3 masters + 3 replicas ----
if (wanted("f")) {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  const workers = await startWorkers(cluster);
  const samples = new Map<ClusterContender, { recovery: number[]; total: number[] }>();
  const totals = new Map<
    ClusterContender,
    { errors: number; lost: number; duplicated: number; hung: number }
  >();
  try {
    for (let kill = 0; kill < KILLS; kill++) {
      for (let k = 0; k < CONTENDERS.length; k++) {
        const contender = CONTENDERS[(kill + k) % CONTENDERS.length]!;
        const worker = workers.get(contender)!;
        const map = await waitClusterStable(cluster.nodes, { timeoutMs: 60_000 });
        const masters = cluster.nodes.filter((node) =>
          map.nodeById(node.id)?.role === "master" &&
          map.shards.some((shard) => shard.master?.id === node.id && shard.replicas.length > 0)
        );
        const victim = masters.reduce((a, b) =>
          writersOn(map, a.id).length >= writersOn(map, b.id).length ? a : b
        );
        const prefix = `f:${contender}:${kill}:`;
        await ask(worker, { loadStart: { writers: WRITERS, wait: true, prefix } });
        await delay(500);
        await using watch = await watchPromotion(cluster, victim);
        const killedAt = performance.timeOrigin + performance.now();
        await ask(worker, { arm: { since: killedAt, writers: writersOn(map, victim.id) } });
        victim.kill("SIGKILL");
        const promotion = await watch.promoted;
        await delay(1500);
        const stop = await ask(worker, { loadStop: { after: promotion.at } });
        const live = cluster.nodes.filter((node) => node !== victim);
        const lists = await readLists(live, prefix);
        const { report, samples: seen } = await ask(worker, { verify: lists }) as {
          report: LoadReport;
          samples: string[];
        };
        if (seen.length > 0) console.error(`(f) ${contender} errors like: ${seen.join(" | ")}`);
        const sample = samples.get(contender) ?? { recovery: [], total: [] };
        const recoveredAt = stop.recoveredAt as number | null;
        if (recoveredAt !== null) {
          sample.recovery.push(Math.round(recoveredAt - promotion.at));
          sample.total.push(Math.round(recoveredAt - killedAt));
        } else {
          sample.recovery.push(Infinity);
          sample.total.push(Infinity);
        }
        samples.set(contender, sample);
        const sum = totals.get(contender) ?? { errors: 0, lost: 0, duplicated: 0, hung: 0 };
        sum.hung += stop.hung as number;
        sum.errors += report.errors;
        sum.lost += report.lost;
        sum.duplicated += report.duplicated;
        totals.set(contender, sum);
        // dray tells its RPUSH's own reply from the WAIT's (which waits 200 ms for a replica the
        // new master does not have yet): logged, the table keeps the same measure for everyone.
        const writtenAt = stop.writtenAt as number | null;
        console.error(
          `(f) ${contender} kill ${kill + 1}: recovery ${sample.recovery.at(-1)} ms` +
            (writtenAt === null
              ? ""
              : ` (the RPUSH alone: ${Math.round(writtenAt - promotion.at)} ms)`) +
            `, ${JSON.stringify(report)}`,
        );
        // The victim comes back as a replica of its old replica.
        await victim.restart();
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          const info = String(await callNode(victim, ["INFO", "replication"]).catch(() => ""));
          if (/role:slave/.test(info) && /master_link_status:up/.test(info)) break;
          await delay(100);
        }
      }
    }
  } finally {
    await stopWorkers(workers);
  }
  for (const contender of CONTENDERS) {
    const sample = samples.get(contender)!;
    killRows[contender] = {
      recovery_ms: sample.recovery,
      recovery_median_ms: median(sample.recovery),
      total_ms: sample.total,
      ...totals.get(contender)!,
    };
  }
}

// ---- (g), (h), (i): dray's recovery series, 3 masters + 3 replicas ----
if (wanted("g") || wanted("h") || wanted("i")) {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  const worker = new Worker(new URL("./_cluster_worker.ts", import.meta.url), { type: "module" });
  const workers = new Map<ClusterContender, Worker>([["dray", worker]]);
  try {
    await ask(worker, { setup: { contender: "dray", seeds: [...cluster.seeds] } });
    const asker = (message: unknown) => ask(worker, message as Message);
    for (const [id, kind] of [["g", "kill"], ["h", "failover"], ["i", "hang"]] as const) {
      if (!wanted(id)) continue;
      seriesRows[id] = await recoverySeries(cluster, asker, kind, SERIES, console.error);
    }
  } finally {
    await stopWorkers(workers);
  }
}

// ---- report ----
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? "—" : `${(a / b).toFixed(2)}×`;
const cell = (value: number | undefined): string =>
  value === undefined ? "—" : Math.round(value).toLocaleString("en");
const lines = [
  `Redis Cluster client, ${started.toISOString().slice(0, 16)}Z, ${host.os}, ${host.cpus} CPUs, ` +
  `Deno ${host.deno}, ${host.redis.split(" ").slice(0, 3).join(" ")}, load ${
    load1.toFixed(1)
  } at start, ${ROUNDS} rounds, medians (higher is better)`,
  "",
  `| scenario | unit | ${CONTENDERS.join(" | ")} | redis-benchmark --cluster | target | met |`,
  `| --- | --- | ${CONTENDERS.map(() => "---:").join(" | ")} | ---: | --- | --- |`,
];
for (const scenario of Object.keys(throughput) as Scenario[]) {
  const row = throughput[scenario]!;
  const fastestOther = Math.max(row.ioredis ?? 0, row.ioredis_ap ?? 0, row.node_redis ?? 0);
  const [target, met] = scenario === "b" || scenario === "c"
    ? ["≥ 1.5× ioredis_ap", ratio(row.dray, row.ioredis_ap)]
    : scenario === "d"
    ? ["≥ 2× fastest other", ratio(row.dray, fastestOther)]
    : ["—", ratio(row.dray, row.ioredis)];
  lines.push(
    `| ${THROUGHPUT[scenario].label} | ${THROUGHPUT[scenario].unit} | ${
      CONTENDERS.map((c) => cell(row[c])).join(" | ")
    } | ${cell(row.redis_benchmark)} | ${target} | ${met} |`,
  );
}
if (Object.keys(reshardRows).length > 0) {
  lines.push(
    "",
    `(e) ${RESHARD_SLOTS}-slot reshard under ${WRITERS} writers (target: dray 0 errors)`,
  );
  lines.push("", "| contender | acked ops/s | reshard s | errors | lost | duplicated | hung |");
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, row] of Object.entries(reshardRows)) {
    lines.push(
      `| ${name} | ${cell(row.ops_per_s)} | ${row.reshard_s} | ${row.errors} | ${row.lost} | ` +
        `${row.duplicated} | ${row.hung} |`,
    );
  }
}
if (Object.keys(killRows).length > 0) {
  lines.push(
    "",
    `(f) kill -9 of a master × ${KILLS} per contender, WAIT-acknowledged writes ` +
      "(target: dray recovery ≤ the best other's, 0 duplicates)",
  );
  lines.push(
    "",
    "| contender | recovery ms (each) | median | first reply − kill ms | errors | lost | duplicated " +
      "| hung writers |",
  );
  lines.push("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |");
  for (const [name, row] of Object.entries(killRows)) {
    lines.push(
      `| ${name} | ${(row.recovery_ms as number[]).join(", ")} | ${row.recovery_median_ms} | ` +
        `${(row.total_ms as number[]).join(", ")} | ${row.errors} | ${row.lost} | ` +
        `${row.duplicated} | ${row.hung} |`,
    );
  }
}
for (const [id, rounds] of Object.entries(seriesRows)) {
  const recovery = rounds.map((r) => r.recovery);
  const sum = (key: keyof RecoveryRound) => rounds.reduce((n, r) => n + r[key], 0);
  lines.push(
    "",
    id === "g"
      ? `(g) dray: kill -9 of a master × ${rounds.length}, WAIT-acknowledged writes ` +
        "(target: p95 ≤ 300 ms, 0 lost, 0 duplicated)"
      : id === "h"
      ? `(h) dray: CLUSTER FAILOVER × ${rounds.length}, plain acknowledgements ` +
        "(target: p95 ≤ 200 ms, 0 lost)"
      : `(i) dray: kill -STOP of a master for ${
        HANG_MS / 1000
      } s, then -CONT, × ${rounds.length}, ` +
        "WAIT-acknowledged writes (recovery above the promotion-to-CONT time = waited for the hang)",
    "",
    "| recovery ms (each) | p50 | p95 | max | promotion − fault ms (median) | errors | lost " +
      "| duplicated | hung |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| ${recovery.join(", ")} | ${quantile(recovery, 0.5)} | ${quantile(recovery, 0.95)} | ` +
      `${Math.max(...recovery)} | ${quantile(rounds.map((r) => r.promotion), 0.5)} | ` +
      `${sum("errors")} | ${sum("lost")} | ${sum("duplicated")} | ${sum("hung")} |`,
  );
}
console.log(lines.join("\n"));

if (!quick) {
  const out = new URL("./out/cluster.json", import.meta.url);
  await Deno.mkdir(new URL("./out/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(
    out,
    JSON.stringify(
      {
        date: started.toISOString(),
        machine: host,
        load_at_start: load1,
        load_at_end: Deno.loadavg()[0],
        rounds: ROUNDS,
        throughput,
        reshard: reshardRows,
        kill: killRows,
        recovery: seriesRows,
      },
      null,
      2,
    ) + "\n",
  );
}
