// The pure parts of the cluster client: where a command goes (routeCommand), how replies are put
// back together (reassemble, reduceReplies), which node serves a read (chooseReader), and the
// address map.

import assert from "node:assert/strict";
import { CrossSlotError, keySlot } from "../../redis/mod.ts";
import { parseClusterShards } from "../../redis/cluster/topology.ts";
import { routeCommand } from "../../redis/cluster/_route.ts";
import { reassemble, reduceReplies } from "../../redis/cluster/_reduce.ts";
import { chooseReader, type ReaderState } from "../../redis/cluster/_read_from.ts";
import { mapAddress } from "../../redis/cluster/_nodes.ts";
import type { ReadFrom } from "../../redis/cluster/types.ts";

Deno.test("routeCommand sends a one-slot command to its slot, flagged read-only or not", () => {
  assert.deepEqual(routeCommand(["GET", "{u}a"], undefined, "split"), {
    kind: "slot",
    slot: keySlot("u"),
    readonly: true,
  });
  assert.deepEqual(routeCommand(["MSET", "{u}a", "1", "{u}b", "2"], undefined, "split"), {
    kind: "slot",
    slot: keySlot("u"),
    readonly: false,
  });
  assert.deepEqual(routeCommand(["EVAL", "return 1", "1", "k"], undefined, "split"), {
    kind: "slot",
    slot: keySlot("k"),
    readonly: false,
  });
});

Deno.test("routeCommand routes a keyless command by key, by tips, or to any master", () => {
  assert.deepEqual(routeCommand(["WAIT", "1", "0"], "jobs", "split"), {
    kind: "slot",
    slot: keySlot("jobs"),
    readonly: false,
  });
  assert.deepEqual(routeCommand(["WAIT", "1", "0"], undefined, "split"), {
    kind: "all",
    nodes: "shards",
    response: "agg_min",
  });
  assert.deepEqual(routeCommand(["DBSIZE"], undefined, "split"), {
    kind: "all",
    nodes: "shards",
    response: "agg_sum",
  });
  assert.deepEqual(routeCommand(["SCRIPT", "LOAD", "return 1"], undefined, "split"), {
    kind: "all",
    nodes: "nodes",
    response: "all_succeeded",
  });
  assert.equal(routeCommand(["KEYS", "*"], undefined, "split").kind, "all");
  assert.equal(routeCommand(["INFO"], undefined, "split").kind, "any"); // special
  assert.equal(routeCommand(["TIME"], undefined, "split").kind, "any");
});

Deno.test("routeCommand splits multi-key commands by slot and keeps each key's arguments", () => {
  const route = routeCommand(["MGET", "a", "b", "{a}c"], undefined, "split");
  assert.equal(route.kind, "split");
  if (route.kind !== "split") return;
  assert.deepEqual(route.parts.map((part) => [part.slot, part.argv, part.keyIndexes]), [
    [keySlot("a"), ["MGET", "a", "{a}c"], [0, 2]],
    [keySlot("b"), ["MGET", "b"], [1]],
  ]);
  const mset = routeCommand(["MSET", "a", "1", "b", "2"], undefined, "split-all");
  assert.ok(mset.kind === "split");
  assert.deepEqual(mset.parts.map((part) => part.argv), [["MSET", "a", "1"], ["MSET", "b", "2"]]);
});

Deno.test("routeCommand raises CrossSlotError for what it cannot split", () => {
  assert.throws(() => routeCommand(["MSET", "a", "1", "b", "2"], undefined, "split"), (error) => {
    assert.ok(error instanceof CrossSlotError);
    assert.deepEqual(error.keys, ["a", "b"]);
    assert.deepEqual(error.slots, [keySlot("a"), keySlot("b")]);
    return true;
  });
  assert.throws(
    () => routeCommand(["MSETNX", "a", "1", "b", "2"], undefined, "split-all"),
    CrossSlotError,
  );
  assert.throws(() => routeCommand(["RENAME", "a", "b"], undefined, "split"), CrossSlotError);
  assert.throws(() => routeCommand(["DEL", "a", "b"], undefined, "error"), CrossSlotError);
});

Deno.test("reassemble puts MGET values back in key order and sums counts", () => {
  const route = routeCommand(["MGET", "a", "b", "{a}c"], undefined, "split");
  assert.ok(route.kind === "split");
  assert.deepEqual(reassemble(route.parts, [["va", "vc"], ["vb"]], undefined), ["va", "vb", "vc"]);
  assert.equal(reassemble(route.parts, [2, 1], "agg_sum"), 3);
});

Deno.test("reduceReplies follows each response policy", () => {
  const ok = (value: unknown): PromiseSettledResult<unknown> => ({ status: "fulfilled", value });
  const no = (reason: unknown): PromiseSettledResult<unknown> => ({ status: "rejected", reason });
  assert.equal(reduceReplies([ok(1), ok(2), ok(3)], "agg_sum"), 6);
  assert.equal(reduceReplies([ok(2), ok(1), ok(3)], "agg_min"), 1);
  assert.equal(reduceReplies([ok(2), ok(1), ok(3)], "agg_max"), 3);
  assert.deepEqual(reduceReplies([ok([1, 0]), ok([1, 1])], "agg_logical_and"), [1, 0]);
  assert.deepEqual(reduceReplies([ok([1, 0]), ok([0, 0])], "agg_logical_or"), [1, 0]);
  assert.equal(reduceReplies([ok("OK"), ok("OK")], "all_succeeded"), "OK");
  assert.throws(() => reduceReplies([ok("OK"), no(new Error("x"))], "all_succeeded"), /x/);
  assert.equal(reduceReplies([no(new Error("x")), ok("OK")], "one_succeeded"), "OK");
  assert.throws(
    () => reduceReplies([no(new Error("x")), no(new Error("y"))], "one_succeeded"),
    /x/,
  );
  assert.deepEqual(reduceReplies([ok(["a"]), ok(["b", "c"])], undefined), ["a", "b", "c"]);
});

function node(id: string, port: number, role: string, health = "online", offset = 100) {
  return new Map<string, unknown>([
    ["id", id.repeat(40)],
    ["port", port],
    ["ip", "127.0.0.1"],
    ["endpoint", "127.0.0.1"],
    ["role", role],
    ["replication-offset", offset],
    ["health", health],
  ]);
}

const shards = parseClusterShards([
  new Map<string, unknown>([
    ["slots", [0, 16383]],
    ["nodes", [
      node("a", 7000, "master"),
      node("b", 7001, "replica"),
      node("c", 7002, "replica", "loading"),
      node("d", 7003, "replica", "online", 10),
    ]],
  ]),
], { host: "127.0.0.1", port: 7000 });

function state(readFrom: ReadFrom, latency: Record<number, number> = {}): ReaderState {
  return {
    readFrom,
    maxLagBytes: undefined,
    rr: 0,
    excluded: new Map(),
    latency: (address) => latency[Number(address.split(":")[1])],
    inflight: () => 0,
  };
}

Deno.test("chooseReader skips loading, excluded and lagging replicas", () => {
  const shard = shards.shards[0]!;
  const replica = state("replica");
  const picks = new Set<number>();
  for (let i = 0; i < 10; i++) picks.add(chooseReader(replica, 0, shard, new Map())!.port!);
  assert.deepEqual([...picks].sort(), [7001, 7003]);
  const lagging = { ...state("replica"), maxLagBytes: 50 };
  assert.equal(chooseReader(lagging, 0, shard, new Map())?.port, 7001);
  const excluded = state("replica");
  excluded.excluded.set("127.0.0.1:7001", performance.now() + 10_000);
  excluded.excluded.set("127.0.0.1:7003", performance.now() + 10_000);
  assert.equal(chooseReader(excluded, 0, shard, new Map())?.port, 7000); // the master
  const preferred = state("primaryPreferred");
  assert.equal(chooseReader(preferred, 0, shard, new Map())?.port, 7000);
  const down = new Map([["127.0.0.1:7000", 0]]);
  assert.notEqual(chooseReader(preferred, 0, shard, down)?.port, 7000);
});

Deno.test("chooseReader nearest splits reads between equal nodes and avoids a slow one", () => {
  const shard = shards.shards[0]!;
  const equal = state("nearest", { 7000: 1, 7001: 1, 7003: 1 });
  const counts = new Map<number, number>();
  for (let i = 0; i < 3000; i++) {
    const port = chooseReader(equal, 0, shard, new Map())!.port!;
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  for (const port of [7000, 7001, 7003]) {
    const share = (counts.get(port) ?? 0) / 3000;
    assert.ok(share > 0.25 && share < 0.42, `${port}: ${share}`);
  }
  const slow = state("nearest", { 7000: 50, 7001: 1, 7003: 1 });
  let toSlow = 0;
  for (let i = 0; i < 3000; i++) {
    if (chooseReader(slow, 0, shard, new Map())!.port === 7000) toSlow++;
  }
  assert.equal(toSlow, 0);
});

Deno.test("mapAddress maps by record or function and leaves other addresses alone", () => {
  const record = { "10.0.0.5:6379": "127.0.0.1:17000" };
  assert.deepEqual(mapAddress(record, { host: "10.0.0.5", port: 6379 }), {
    host: "127.0.0.1",
    port: 17000,
  });
  assert.deepEqual(mapAddress(record, { host: "10.0.0.6", port: 6379 }), {
    host: "10.0.0.6",
    port: 6379,
  });
  assert.deepEqual(
    mapAddress(({ port }) => ({ host: "h", port: port + 1 }), { host: "x", port: 1 }),
    { host: "h", port: 2 },
  );
  assert.throws(() => mapAddress({ "a:1": "nonsense" }, { host: "a", port: 1 }), TypeError);
});

Deno.test("routeCommand hashes keys with the node connections' keyPrefix, as the server sees them", () => {
  assert.deepEqual(routeCommand(["GET", "k"], undefined, "split", "app:"), {
    kind: "slot",
    slot: keySlot("app:k"),
    readonly: true,
  });
  const bytes = routeCommand(["GET", new Uint8Array([0x6b])], undefined, "split", "app:");
  assert.ok(bytes.kind === "slot" && bytes.slot === keySlot("app:k"));
  // A hash tag in the prefix pins every key to one slot: nothing to split.
  assert.deepEqual(routeCommand(["MGET", "a", "b"], undefined, "split", "{app}:"), {
    kind: "slot",
    slot: keySlot("app"),
    readonly: true,
  });
  assert.equal(routeCommand(["WAIT", "1", "0"], "a", "split", "{app}:").kind, "slot");
});
