// The pure pieces of the cluster client's node health: which master connections went silent
// while they owe replies (StallWatch), and which nodes a refresh reads the topology from.

import assert from "node:assert/strict";
import { StallWatch, topologySources } from "../../redis/cluster/_node_health.ts";
import { SlotMap } from "../../redis/cluster/topology.ts";

const A = "10.0.0.1:7000";
const B = "10.0.0.2:7000";

function looks(entries: [string, number, number, number][]) {
  return new Map(entries.map(([address, inFlight, blocking, bytesRead]) => [
    address,
    { inFlight, blocking, bytesRead },
  ]));
}

Deno.test("StallWatch names a connection silent for afterMs while it owes replies", () => {
  const watch = new StallWatch();
  assert.deepEqual(watch.look(0, looks([[A, 3, 0, 100], [B, 3, 0, 100]]), 500), []);
  assert.deepEqual(watch.look(300, looks([[A, 3, 0, 100], [B, 3, 0, 180]]), 500), []);
  // A read nothing for 500 ms with replies owed; B read (its clock started again at 300).
  assert.deepEqual(watch.look(500, looks([[A, 4, 0, 100], [B, 3, 0, 180]]), 500), [A]);
  assert.deepEqual(watch.look(800, looks([[A, 4, 0, 100], [B, 3, 0, 180]]), 500), [A, B]);
  // A byte read ends it.
  assert.deepEqual(watch.look(900, looks([[A, 4, 0, 101], [B, 3, 0, 180]]), 500), [B]);
});

Deno.test("StallWatch leaves idle connections and those with a blocking command alone", () => {
  const watch = new StallWatch();
  watch.look(0, looks([[A, 0, 0, 100], [B, 2, 1, 100]]), 500);
  assert.deepEqual(watch.look(1000, looks([[A, 0, 0, 100], [B, 2, 1, 100]]), 500), []);
  // Once the blocking command has its reply, the silence counts from that look on.
  assert.deepEqual(watch.look(1100, looks([[A, 1, 0, 100], [B, 1, 0, 100]]), 500), []);
  assert.deepEqual(watch.look(1600, looks([[A, 1, 0, 100], [B, 1, 0, 100]]), 500), [A, B]);
  // A connection that is gone is forgotten; a new one at the same address starts afresh.
  assert.deepEqual(watch.look(1700, looks([]), 500), []);
  assert.deepEqual(watch.look(1800, looks([[A, 1, 0, 100]]), 500), []);
});

function shards(masterDown: boolean) {
  const node = (port: number, role: "master" | "replica", health = "online") => ({
    id: `n${port}`,
    host: "127.0.0.1",
    address: `127.0.0.1:${port}`,
    ip: "127.0.0.1",
    hostname: undefined,
    endpoint: "127.0.0.1",
    port,
    tlsPort: undefined,
    role,
    health: health as "online" | "failed",
    replicationOffset: 0,
  });
  return new SlotMap([
    { ranges: [[0, 8191]], nodes: [node(7000, "master"), node(7003, "replica")] },
    {
      ranges: [[8192, 16383]],
      nodes: [node(7001, "master", masterDown ? "failed" : "online"), node(7004, "replica")],
    },
  ]);
}

Deno.test("topologySources asks the replicas of an unwell master first, never the unwell node", () => {
  const map = shards(false);
  for (let i = 0; i < 20; i++) {
    const sources = topologySources(map, (a) => a === "127.0.0.1:7000", () => true);
    assert.equal(sources.length, 3);
    assert.equal(sources[0]!.port, 7003);
    assert.ok(!sources.some((s) => s.port === 7000));
  }
  // A failed node is not asked either, and ready connections go before the others.
  const failed = shards(true);
  for (let i = 0; i < 20; i++) {
    const sources = topologySources(failed, () => false, (a) => a === "127.0.0.1:7004");
    assert.ok(!sources.some((s) => s.port === 7001));
    assert.equal(sources[0]!.port, 7004);
  }
});
