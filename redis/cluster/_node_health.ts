// What the cluster client knows of its masters' health beyond the slot map: masters whose
// connection was lost (a new one may hang opening on a stopped process: the kernel accepts,
// nothing answers), and master connections gone silent while they owe replies (a stopped or hung
// process keeps its connection open). Either keeps topology refreshes coming until the map moves
// on, so that commands follow a replica's promotion instead of waiting for the hang to end.

import { defaultLoop } from "../../loop/deno_loop.ts";
import type { LoopHandle, LoopTimer } from "../../loop/types.ts";
import type { ClusterNode, SlotMap } from "./topology.ts";
import type { NodeTarget } from "./_nodes.ts";

/** One look at a master connection: what it owes and what it has read. */
export interface StallLook {
  /** Commands written and waiting for their replies. */
  readonly inFlight: number;
  /** Of those, blocking commands (`BLPOP`, `WAIT`…): silence is their point. */
  readonly blocking: number;
  /** Bytes read on the connection so far. */
  readonly bytesRead: number;
}

/**
 * Which connections went silent: replies owed, none of them blocking, and no byte read for at
 * least `afterMs`. Pure: fed looks and the time, it answers addresses.
 */
export class StallWatch {
  #seen = new Map<string, { bytesRead: number; since: number }>();

  /** Takes one look at every connection and returns those silent for at least `afterMs`. */
  look(now: number, looks: ReadonlyMap<string, StallLook>, afterMs: number): string[] {
    const stalled: string[] = [];
    for (const [address, look] of looks) {
      const seen = this.#seen.get(address);
      if (
        look.inFlight === 0 || look.blocking > 0 || seen === undefined ||
        seen.bytesRead !== look.bytesRead
      ) {
        this.#seen.set(address, { bytesRead: look.bytesRead, since: now });
      } else if (now - seen.since >= afterMs) {
        stalled.push(address);
      }
    }
    for (const address of this.#seen.keys()) if (!looks.has(address)) this.#seen.delete(address);
    return stalled;
  }
}

/** What {@linkcode NodeHealth} needs of the cluster client. */
export interface NodeHealthHost {
  /** The current slot map, if any. */
  map(): SlotMap | undefined;
  /** The ready master connections, by address. */
  looks(): ReadonlyMap<string, StallLook>;
  /** Whether a master connection to `address` is opening. */
  opening(address: string): boolean;
  /** A master connection went silent: refresh the topology. */
  stalled(address: string): void;
}

function masters(map: SlotMap | undefined): Set<string> {
  const out = new Set<string>();
  for (const shard of map?.shards ?? []) {
    if (shard.master !== undefined && shard.slots.length > 0) out.add(shard.master.address);
  }
  return out;
}

/** Lost and silent masters of one cluster client, and the timer that looks for the silent. */
export class NodeHealth {
  #host: NodeHealthHost;
  #deadlineMs: number;
  #stallMs: number;
  #lost = new Map<string, number>();
  #watch = new StallWatch();
  #stalled = new Set<string>();
  #handle: LoopHandle | undefined;
  #timer: LoopTimer | undefined;

  constructor(host: NodeHealthHost, deadlineMs: number, stallMs: number) {
    this.#host = host;
    this.#deadlineMs = deadlineMs;
    this.#stallMs = stallMs;
  }

  /** Starts looking for silent master connections (nothing when `stallMs` is 0). */
  start(): void {
    if (this.#stallMs <= 0 || this.#handle !== undefined) return;
    this.#handle = defaultLoop().attach({});
    this.#arm();
  }

  /** Stops the timer. Idempotent. */
  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#handle?.cleanup();
  }

  /** A master's connection was lost at `now`. */
  lost(address: string, now: number): void {
    this.#lost.set(address, now);
  }

  /**
   * Whether a master is suspect, and how: `"lost"` when a connection to a master whose
   * connection was lost hangs opening (within the retry deadline of the loss), `"silent"` when a
   * connection to a master owes replies and reads nothing; `undefined` when neither.
   */
  suspect(now: number): "lost" | "silent" | undefined {
    const current = masters(this.#host.map());
    for (const [address, since] of this.#lost) {
      if (!current.has(address) || now - since > this.#deadlineMs) this.#lost.delete(address);
      else if (this.#host.opening(address)) return "lost";
    }
    for (const address of this.#stalled) if (current.has(address)) return "silent";
    return undefined;
  }

  /** Whether a connection to `address` was silent at the last look (while it owes replies). */
  silent(address: string): boolean {
    return this.#stalled.has(address);
  }

  #arm(): void {
    const every = Math.max(10, Math.floor(this.#stallMs / 4));
    this.#timer = this.#handle!.scheduleTimer(every, () => {
      this.#tick();
      this.#arm();
    }, { unref: true });
  }

  #tick(): void {
    const stalled = this.#watch.look(performance.now(), this.#host.looks(), this.#stallMs);
    const before = this.#stalled;
    this.#stalled = new Set(stalled);
    for (const address of stalled) if (!before.has(address)) this.#host.stalled(address);
  }
}

/**
 * Up to 3 nodes of `map` to read the topology from: online and not `unwell`, in random order,
 * the replicas of an unwell master first (the one promoted knows it before anyone), then those
 * with a ready connection.
 */
export function topologySources(
  map: SlotMap | undefined,
  unwell: (address: string) => boolean,
  ready: (address: string) => boolean,
): NodeTarget[] {
  const known = (map?.nodes ?? []).filter((node) =>
    node.health === "online" && !unwell(node.address)
  );
  for (let i = known.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [known[i], known[j]] = [known[j]!, known[i]!];
  }
  const heirs = new Set<string>();
  for (const shard of map?.shards ?? []) {
    if (shard.master === undefined || !unwell(shard.master.address)) continue;
    for (const replica of shard.replicas) heirs.add(replica.address);
  }
  const rank = (node: ClusterNode): number =>
    (heirs.has(node.address) ? 0 : 2) + (ready(node.address) ? 0 : 1);
  known.sort((a, b) => rank(a) - rank(b));
  return known.slice(0, 3).map((node) => ({
    host: node.host,
    port: Number(node.address.slice(node.address.lastIndexOf(":") + 1)),
    hostname: node.hostname,
    role: node.role,
  }));
}
