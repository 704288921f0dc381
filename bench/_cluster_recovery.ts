// The recovery series of bench/cluster_bench.ts, dray only: (g) kill -9 of a master, (h) a
// graceful `CLUSTER FAILOVER`, (i) `kill -STOP` of a master for 6 s then `-CONT`, each `rounds`
// times on 3 masters + 3 replicas under 50 writers.
// Recovery of a round = the first write to the failed shard answered after the promotion − the
// moment a raw monitor (ROLE polled every 5 ms on the replica) saw the promotion (0 when the
// write was answered before the monitor's next poll saw it). For (g) each
// write is an RPUSH followed by `WAIT 1 200` on the same connection and counts as acknowledged
// only when WAIT saw a replica have it; "the write answered" is the RPUSH's own reply (the new
// master has no replica for WAIT until the victim rejoins, so every WAIT after the promotion
// waits its 200 ms). For (h) the writes are plain RPUSHes. (i) is timed like (g) (the hung master
// answers nothing until SIGCONT); a recovery above the promotion-to-SIGCONT time means the shard
// waited for the hang to end.

import { keySlot } from "../redis/cluster/slot.ts";
import type { SlotMap } from "../redis/cluster/topology.ts";
import {
  callNode,
  failover,
  type RedisCluster,
  type RedisClusterNode,
  waitClusterStable,
  watchPromotion,
} from "../redis/testing/mod.ts";
import { type LoadReport, logKey } from "../tests/_helpers/cluster_load.ts";

/** One round of a series. */
export interface RecoveryRound {
  /** First write to the shard answered − promotion seen (ms); `Infinity` when none in 10 s. */
  recovery: number;
  /** Promotion seen − fault (ms). */
  promotion: number;
  errors: number;
  lost: number;
  duplicated: number;
  hung: number;
}

/** The fault of a series: kill -9, graceful CLUSTER FAILOVER, or SIGSTOP for {@linkcode HANG_MS}. */
export type RecoveryKind = "kill" | "failover" | "hang";

/** How long (i) keeps the master stopped. */
export const HANG_MS = 6000;

const LETTER: Record<RecoveryKind, string> = { kill: "g", failover: "h", hang: "i" };

/** What the series needs from the bench: asking dray's worker. */
export type Ask = (message: unknown) => Promise<Record<string, unknown>>;

const WRITERS = 50;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function writersOn(map: SlotMap, masterId: string): number[] {
  return Array.from({ length: WRITERS }, (_, w) => w).filter((w) =>
    map.masterOf(keySlot(logKey(w)))?.id === masterId
  );
}

/** Every writer's list under `prefix`, read on the master that serves it. */
export async function readLists(
  nodes: readonly RedisClusterNode[],
  prefix: string,
): Promise<string[][]> {
  const map = await waitClusterStable(nodes, { timeoutMs: 60_000 });
  return await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
    const key = logKey(w, prefix);
    const node = nodes.find((node) => node.id === map.masterOf(keySlot(key))!.id)!;
    const reply = await callNode(node, ["LRANGE", key, "0", "-1"]);
    if (!Array.isArray(reply)) throw new Error(`LRANGE ${key}: ${reply}`);
    return reply.map(String);
  }));
}

/**
 * Runs `rounds` faults of `kind` against dray's worker (set up on `cluster`), one after the
 * other, and returns each round's figures.
 */
export async function recoverySeries(
  cluster: RedisCluster,
  ask: Ask,
  kind: RecoveryKind,
  rounds: number,
  log: (line: string) => void,
): Promise<RecoveryRound[]> {
  const out: RecoveryRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const map = await waitClusterStable(cluster.nodes, { timeoutMs: 60_000 });
    // The master with a replica that serves the most writers.
    const masters = cluster.nodes.filter((node) =>
      map.shards.some((shard) => shard.master?.id === node.id && shard.replicas.length > 0)
    );
    const victim = masters.reduce((a, b) =>
      writersOn(map, a.id).length >= writersOn(map, b.id).length ? a : b
    );
    const heir = cluster.nodes.find((node) =>
      map.shards.some((shard) =>
        shard.master?.id === victim.id && shard.replicas.some((r) => r.id === node.id)
      )
    )!;
    const prefix = `${LETTER[kind]}:${round}:`;
    const wait = kind !== "failover";
    await ask({ loadStart: { writers: WRITERS, wait, prefix } });
    await delay(300);
    await using watch = await watchPromotion(cluster, victim);
    const faultAt = performance.timeOrigin + performance.now();
    await ask({ arm: { since: faultAt, writers: writersOn(map, victim.id) } });
    if (kind === "kill") victim.kill("SIGKILL");
    else if (kind === "hang") victim.kill("SIGSTOP");
    else await failover(heir);
    let promotion;
    try {
      promotion = await watch.promoted;
    } finally {
      if (kind === "hang") {
        await delay(faultAt + HANG_MS - (performance.timeOrigin + performance.now()));
        victim.kill("SIGCONT");
      }
    }
    await delay(kind === "failover" ? 500 : 1000);
    // After a kill the old master answers nothing more, so any write answered on the shard from
    // 100 ms after the kill on came from the new master: counted even when it came before the
    // monitor's next ROLE poll saw the promotion (recovery 0). After a graceful failover the old
    // master answers until the switch: only writes after the promotion count.
    const after = kind === "failover" ? promotion.at : faultAt + 100;
    const stop = await ask({ loadStop: { after } });
    const live = cluster.nodes.filter((node) => kind !== "kill" || node !== victim);
    const lists = await readLists(live, prefix);
    const { report } = await ask({ verify: lists }) as unknown as { report: LoadReport };
    const answered = (kind === "failover" ? stop.recoveredAt : stop.writtenAt) as number | null;
    const row: RecoveryRound = {
      recovery: answered === null ? Infinity : Math.max(0, Math.round(answered - promotion.at)),
      promotion: Math.round(promotion.at - faultAt),
      errors: report.errors,
      lost: report.lost,
      duplicated: report.duplicated,
      hung: stop.hung as number,
    };
    out.push(row);
    log(
      `(${LETTER[kind]}) round ${round + 1}: ${JSON.stringify(row)} ` +
        JSON.stringify(report.errorKinds),
    );
    if (kind !== "failover") {
      // The victim comes back as a replica of its old replica.
      if (kind === "kill") await victim.restart();
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const info = String(await callNode(victim, ["INFO", "replication"]).catch(() => ""));
        if (/role:slave/.test(info) && /master_link_status:up/.test(info)) break;
        await delay(100);
      }
    }
  }
  return out;
}

/** The value at quantile `q` (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
