// Asking sentinels: one short-lived connection per question (RESP2, no reconnect, no offline
// queue), every known sentinel in parallel; the masters they name ranked by config epoch.

import { RedisClient } from "../client/client.ts";
import type { RedisClientOptions } from "../client/options.ts";
import { ReplyError } from "../errors.ts";
import type { TransportTlsOptions } from "../transport/types.ts";
import { addressKey, type HostPort } from "./_address.ts";
import {
  MasterNameUnknownError,
  type SentinelFailure,
  SentinelUnreachableError,
} from "./errors.ts";

/** How to reach the sentinels themselves. */
export interface SentinelAuth {
  username?: string;
  password?: string;
  tls?: boolean | TransportTlsOptions;
  /** Connect plus reply, per question (default 1,000 ms). */
  timeoutMs?: number;
}

/** One sentinel's view of the master. */
export interface MasterView {
  sentinel: string;
  hostname: string;
  port: number;
  epoch: number;
  flags: string;
}

interface Ranked {
  hostname: string;
  port: number;
  epoch: number;
  votes: number;
  moving: boolean;
  down: boolean;
}

/** The result of asking every sentinel. */
export interface Discovery {
  /** Distinct master addresses, highest config epoch first (see the ranking below). */
  candidates: (HostPort & { epoch: number })[];
  /** Each sentinel's answer. */
  views: MasterView[];
  /** The sentinels that did not answer, and why. */
  failures: SentinelFailure[];
}

/** Sends one command to one sentinel and closes the connection. */
export async function askSentinel(
  sentinel: HostPort,
  auth: SentinelAuth,
  argv: string[],
  signal?: AbortSignal,
): Promise<unknown> {
  const timeoutMs = auth.timeoutMs ?? 1000;
  const tls = sentinel.tls ? (auth.tls ?? true) : auth.tls;
  const options: RedisClientOptions = {
    hostname: sentinel.hostname,
    port: sentinel.port,
    protocol: 2,
    reconnect: false,
    offlineQueue: false,
    connectTimeoutMs: timeoutMs,
    ...(tls === undefined || tls === false ? {} : { tls }),
    ...(auth.username === undefined ? {} : { username: auth.username }),
    ...(auth.password === undefined ? {} : { password: auth.password }),
    ...(signal === undefined ? {} : { signal }),
  };
  const client = new RedisClient(options);
  try {
    await client.connect();
    return await client.sendCommand(argv, { timeoutMs });
  } finally {
    client.destroy();
    await client.finished;
  }
}

/** A flat `[k, v, k, v…]` reply (or a RESP3 map) as a record of strings. */
export function fields(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (reply instanceof Map) {
    for (const [k, v] of reply) out[String(k)] = String(v);
  } else if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  }
  return out;
}

function isDown(flags: string): boolean {
  return /(^|,)(s_down|o_down)(,|$)/.test(flags);
}

/**
 * Asks every sentinel for `SENTINEL MASTER name` in parallel. Throws `MasterNameUnknownError`
 * when every sentinel that answered does not know the name, `SentinelUnreachableError` when none
 * answered.
 */
export async function discoverMaster(
  sentinels: readonly HostPort[],
  name: string,
  auth: SentinelAuth,
  signal?: AbortSignal,
): Promise<Discovery> {
  const views: MasterView[] = [];
  const failures: SentinelFailure[] = [];
  let unknown = 0;
  await Promise.all(sentinels.map(async (sentinel) => {
    const address = addressKey(sentinel);
    try {
      const f = fields(await askSentinel(sentinel, auth, ["SENTINEL", "MASTER", name], signal));
      const port = Number(f["port"]);
      if (f["ip"] === undefined || !Number.isInteger(port)) {
        throw new Error("The sentinel's SENTINEL MASTER reply has no ip or port");
      }
      views.push({
        sentinel: address,
        hostname: f["ip"],
        port,
        epoch: Number(f["config-epoch"] ?? 0) || 0,
        flags: f["flags"] ?? "",
      });
    } catch (error) {
      if (error instanceof ReplyError && /no such master/i.test(error.message)) unknown++;
      failures.push({
        address,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }));
  if (views.length === 0) {
    if (unknown > 0 && unknown === failures.filter((f) => f.error instanceof ReplyError).length) {
      throw new MasterNameUnknownError(
        `No sentinel knows a master named '${name}' (${unknown} answered)`,
        name,
      );
    }
    throw new SentinelUnreachableError(`No sentinel answered for master '${name}'`, failures);
  }
  // One candidate per address at its highest epoch: ranked by epoch, then by how many sentinels
  // name it at that epoch, then not mid-failover (the leader's own view still names the old
  // master while it promotes the new one), then not flagged down.
  const byAddress = new Map<string, Ranked>();
  for (const view of views) {
    const key = addressKey(view);
    const flags = view.flags;
    const known = byAddress.get(key);
    if (known === undefined || view.epoch > known.epoch) {
      byAddress.set(key, {
        hostname: view.hostname,
        port: view.port,
        epoch: view.epoch,
        votes: 1,
        moving: flags.includes("failover_in_progress"),
        down: isDown(flags),
      });
    } else if (view.epoch === known.epoch) {
      known.votes++;
      known.moving ||= flags.includes("failover_in_progress");
      known.down &&= isDown(flags);
    }
  }
  const ranked = [...byAddress.values()].sort((a, b) =>
    b.epoch - a.epoch || b.votes - a.votes || Number(a.moving) - Number(b.moving) ||
    Number(a.down) - Number(b.down)
  );
  const candidates = ranked.map(({ hostname, port, epoch }) => ({ hostname, port, epoch }));
  return { candidates, views, failures };
}

/** `SENTINEL SENTINELS name` from one sentinel: the other sentinels it knows. */
export async function listSentinels(
  sentinel: HostPort,
  name: string,
  auth: SentinelAuth,
): Promise<HostPort[]> {
  const reply = await askSentinel(sentinel, auth, ["SENTINEL", "SENTINELS", name]);
  if (!Array.isArray(reply)) return [];
  const out: HostPort[] = [];
  for (const entry of reply) {
    const f = fields(entry);
    const port = Number(f["port"]);
    if (f["ip"] !== undefined && Number.isInteger(port) && !isDown(f["flags"] ?? "")) {
      out.push({ hostname: f["ip"], port, ...(sentinel.tls ? { tls: true } : {}) });
    }
  }
  return out;
}

/** One replica as a sentinel lists it. */
export interface ReplicaView {
  hostname: string;
  port: number;
  offset: number;
}

/** `SENTINEL REPLICAS name` from the first sentinel that answers: the replicas that look up. */
export async function listReplicas(
  sentinels: readonly HostPort[],
  name: string,
  auth: SentinelAuth,
): Promise<ReplicaView[]> {
  const failures: SentinelFailure[] = [];
  for (const sentinel of sentinels) {
    try {
      const reply = await askSentinel(sentinel, auth, ["SENTINEL", "REPLICAS", name]);
      if (!Array.isArray(reply)) return [];
      const out: ReplicaView[] = [];
      for (const entry of reply) {
        const f = fields(entry);
        const port = Number(f["port"]);
        if (f["ip"] === undefined || !Number.isInteger(port)) continue;
        if (isDown(f["flags"] ?? "") || (f["master-link-status"] ?? "ok") !== "ok") continue;
        out.push({ hostname: f["ip"], port, offset: Number(f["slave-repl-offset"] ?? 0) });
      }
      return out;
    } catch (error) {
      failures.push({
        address: addressKey(sentinel),
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }
  throw new SentinelUnreachableError(`No sentinel listed the replicas of '${name}'`, failures);
}
