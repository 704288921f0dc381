// Which node serves a read under `readFrom`: the master, a replica fit to serve (online, not
// answering LOADING lately, not lagging), or the nearest by measured latency.

import type { ClusterNode, Shard } from "./topology.ts";
import type { ReadFrom } from "./types.ts";

/** What the choice needs: the setting, a round-robin counter, nodes to avoid, measurements. */
export interface ReaderState {
  readonly readFrom: ReadFrom;
  readonly maxLagBytes: number | undefined;
  rr: number;
  /** Address → until when (performance.now ms) it takes no reads (LOADING, lost). */
  readonly excluded: Map<string, number>;
  latency(address: string): number | undefined;
  inflight(address: string): number;
}

function fit(state: ReaderState, shard: Shard, now: number): ClusterNode[] {
  const master = shard.master;
  return shard.replicas.filter((replica) => {
    if (replica.health !== "online") return false;
    const until = state.excluded.get(replica.address);
    if (until !== undefined) {
      if (until > now) return false;
      state.excluded.delete(replica.address);
    }
    const lag = state.maxLagBytes;
    if (lag === undefined || master?.replicationOffset === undefined) return true;
    return replica.replicationOffset !== undefined &&
      master.replicationOffset - replica.replicationOffset <= lag;
  });
}

function cost(state: ReaderState, node: ClusterNode): number {
  return (state.latency(node.address) ?? 0) * (state.inflight(node.address) + 1);
}

/** The node for a read of `slot` in `shard`. */
export function chooseReader(
  state: ReaderState,
  slot: number,
  shard: Shard,
  down: ReadonlyMap<string, number>,
): ClusterNode | undefined {
  const now = performance.now();
  const master = shard.master;
  const replicas = fit(state, shard, now).filter((node) => !down.has(node.address));
  const readFrom = state.readFrom;
  if (typeof readFrom === "function") {
    return readFrom({
      slot,
      master,
      replicas,
      latencyMs: (node) => state.latency(node.address),
    }) ?? master;
  }
  switch (readFrom) {
    case "primaryPreferred":
      if (master !== undefined && !down.has(master.address)) return master;
      return replicas[state.rr++ % replicas.length] ?? master;
    case "replica":
    case "replicaPreferred":
      return replicas.length === 0 ? master : replicas[state.rr++ % replicas.length];
    case "nearest": {
      const all = master === undefined ? replicas : [master, ...replicas];
      if (all.length <= 1) return all[0];
      const i = Math.floor(Math.random() * all.length);
      let j = Math.floor(Math.random() * (all.length - 1));
      if (j >= i) j++;
      const a = all[i]!;
      const b = all[j]!;
      const ca = cost(state, a);
      const cb = cost(state, b);
      // Within 20 % of each other they count as equal: take either.
      if (Math.abs(ca - cb) <= 0.2 * Math.min(ca, cb)) return Math.random() < 0.5 ? a : b;
      return ca < cb ? a : b;
    }
    default:
      return master;
  }
}
