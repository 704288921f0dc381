// Helpers for the cluster client tests: who owns a slot, moving a slot by hand with
// CLUSTER SETSLOT and MIGRATE, counting connections and commands per node.

import type { RedisCluster } from "../../redis/testing/mod.ts";
import type { RespValue } from "../../redis/resp/types.ts";
import { keySlot } from "../../redis/cluster/slot.ts";
import { parseClusterShards } from "../../redis/cluster/topology.ts";

/** The port of the master that serves `slot`, as the node on `askPort` sees it. */
export async function ownerPort(
  servers: RedisCluster,
  slot: number,
  askPort = servers.nodes[0]!.port,
): Promise<number> {
  const reply = await servers.call(askPort, ["CLUSTER", "SHARDS"]);
  const map = parseClusterShards(reply, {
    host: "127.0.0.1",
    port: askPort,
    tls: servers.tls !== undefined,
  });
  const master = map.masterOf(slot);
  const port = servers.tls === undefined ? master?.port : master?.tlsPort;
  if (port === undefined) throw new Error(`No master for slot ${slot}`);
  return port;
}

/** The ports of the masters, as created. */
export function masterPorts(servers: RedisCluster): number[] {
  return servers.nodes.filter((node) => node.initialRole === "master").map((node) => node.port);
}

/** The ports of the replicas, as created. */
export function replicaPorts(servers: RedisCluster): number[] {
  return servers.nodes.filter((node) => node.initialRole === "replica").map((node) => node.port);
}

function idOf(servers: RedisCluster, port: number): string {
  const node = servers.nodes.find((node) => node.port === port);
  if (node === undefined) throw new Error(`No node on ${port}`);
  return node.id;
}

function check(reply: RespValue, what: string): void {
  if (reply instanceof Error) throw new Error(`${what}: ${reply.message}`);
}

/** Starts moving `slot` from `from` to `to`: IMPORTING on `to`, MIGRATING on `from`. */
export async function beginMigration(
  servers: RedisCluster,
  slot: number,
  from: number,
  to: number,
): Promise<void> {
  check(
    await servers.call(to, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", idOf(servers, from)]),
    "IMPORTING",
  );
  check(
    await servers.call(from, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", idOf(servers, to)]),
    "MIGRATING",
  );
}

/** Moves keys of a migrating slot with MIGRATE. */
export async function migrateKeys(
  servers: RedisCluster,
  from: number,
  to: number,
  keys: readonly string[],
): Promise<void> {
  for (const key of keys) {
    check(
      await servers.call(from, ["MIGRATE", "127.0.0.1", String(to), key, "0", "5000"]),
      `MIGRATE ${key}`,
    );
  }
}

/** Ends a migration: `slot` belongs to `to` on every master. */
export async function finishMigration(
  servers: RedisCluster,
  slot: number,
  to: number,
): Promise<void> {
  const id = idOf(servers, to);
  for (const port of [to, ...masterPorts(servers).filter((port) => port !== to)]) {
    check(await servers.call(port, ["CLUSTER", "SETSLOT", String(slot), "NODE", id]), "NODE");
  }
}

/** Moves `slot` with all its keys from its owner to `to`. */
export async function moveSlot(servers: RedisCluster, slot: number, to: number): Promise<void> {
  const from = await ownerPort(servers, slot);
  if (from === to) return;
  await beginMigration(servers, slot, from, to);
  const keys = await servers.call(from, ["CLUSTER", "GETKEYSINSLOT", String(slot), "1000"]);
  await migrateKeys(servers, from, to, keys as string[]);
  await finishMigration(servers, slot, to);
}

/** How many normal client connections each node has, besides the one asking. */
export async function connectionCounts(servers: RedisCluster): Promise<number[]> {
  return await Promise.all(servers.nodes.map(async (node) => {
    const list = String(await servers.call(node.port, ["CLIENT", "LIST", "TYPE", "normal"]));
    return list.split("\n").filter((line) => line.trim() !== "").length - 1;
  }));
}

/** How many times `command` ran on the node on `port` (INFO commandstats). */
export async function callsOf(
  servers: RedisCluster,
  port: number,
  command: string,
): Promise<number> {
  const info = String(await servers.call(port, ["INFO", "commandstats"]));
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return match === null ? 0 : Number(match[1]);
}

/** A key whose slot is served by the master on `port`. */
export async function keyOn(servers: RedisCluster, port: number, prefix: string): Promise<string> {
  const askPort = servers.nodes[0]!.port;
  const reply = await servers.call(askPort, ["CLUSTER", "SHARDS"]);
  const map = parseClusterShards(reply, {
    host: "127.0.0.1",
    port: askPort,
    tls: servers.tls !== undefined,
  });
  for (let i = 0; i < 10_000; i++) {
    const key = `${prefix}${i}`;
    const master = map.masterOf(keySlot(key));
    if ((servers.tls === undefined ? master?.port : master?.tlsPort) === port) return key;
  }
  throw new Error(`No key found for ${port}`);
}
