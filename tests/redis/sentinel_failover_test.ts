// connectSentinel against a real Sentinel set (1 master, 2 replicas, 3 sentinels with
// down-after-milliseconds 1000, failover-timeout 3000, quorum 2): SENTINEL FAILOVER under load
// and kill -9 of the master, with writes acknowledged by WAIT (on every replica until the switch,
// as FACTS.md explains, then on one): none lost, none duplicated.

import assert from "node:assert/strict";
import { connectSentinel } from "../../redis/mod.ts";
import { startSentinel, type StartSentinelOptions } from "../../redis/testing/mod.ts";
import { AckedWriters, checkLog, Prober, until, watchSwitch } from "./_sentinel_load.ts";

const SET: StartSentinelOptions = {
  replicas: 2,
  sentinels: 3,
  quorum: 2,
  downAfterMs: 1000,
  failoverTimeoutMs: 3000,
};

Deno.test("SentinelClient follows SENTINEL FAILOVER under load, losing and duplicating no acknowledged write", async () => {
  await using set = await startSentinel(SET);
  await using client = await connectSentinel({ sentinels: set.seeds, name: set.masterName });
  const monitor = await watchSwitch(set, 2);
  await using _monitor = monitor.client;
  await using probing = await connectSentinel({ sentinels: set.seeds, name: set.masterName });
  const oldMaster = client.master;
  const prober = new Prober(probing, monitor.switchedAt);
  const writers = new AckedWriters(
    client,
    4,
    () => monitor.switchedAt() === undefined ? 2 : 1,
    monitor.switchedAt,
  );
  await until(() => writers.acked.size >= 50, 10_000, "writes before the failover");
  const sentinel = set.sentinels[0]!;
  const raw = await Deno.connect({ hostname: sentinel.host, port: sentinel.port });
  await raw.write(new TextEncoder().encode("SENTINEL FAILOVER mymaster\r\n"));
  const reply = new Uint8Array(64);
  const n = await raw.read(reply);
  raw.close();
  assert.equal(new TextDecoder().decode(reply.subarray(0, n ?? 0)), "+OK\r\n");
  await until(() => monitor.switchedAt() !== undefined, 30_000, "+switch-master");
  const ackedBefore = writers.acked.size;
  await until(() => writers.firstAckAfter !== undefined, 30_000, "a write on the new master");
  await until(() => writers.acked.size >= ackedBefore + 50, 30_000, "writes after the failover");
  await until(() => prober.firstWriteAfter !== undefined, 30_000, "the prober's first write");
  await Promise.all([writers.stop(), prober.stop()]);
  assert.notEqual(client.master, oldMaster);
  const total = await checkLog(client, writers.acked);
  console.log(
    `SENTINEL FAILOVER: after the monitor saw +switch-master, an idle client's first write ` +
      `${prober.firstWriteAfter!.toFixed(1)} ms; the loaded client's first write ` +
      `${writers.firstWriteAfter?.toFixed(1)} ms, first WAIT-acknowledged write ` +
      `${
        writers.firstAckAfter!.toFixed(1)
      } ms; ${writers.acked.size} acknowledged, ${total} in the log`,
  );
});

Deno.test("SentinelClient recovers from kill -9 of the master, losing no acknowledged write", async () => {
  await using set = await startSentinel(SET);
  await using client = await connectSentinel({ sentinels: set.seeds, name: set.masterName });
  const monitor = await watchSwitch(set, 1);
  await using _monitor = monitor.client;
  await using probing = await connectSentinel({ sentinels: set.seeds, name: set.masterName });
  const oldMaster = client.master;
  const prober = new Prober(probing, monitor.switchedAt);
  const writers = new AckedWriters(
    client,
    4,
    () => monitor.switchedAt() === undefined ? 2 : 1,
    monitor.switchedAt,
  );
  await until(() => writers.acked.size >= 50, 10_000, "writes before the kill");
  set.master.kill("SIGKILL");
  await until(() => writers.firstAckAfter !== undefined, 30_000, "a write on the new master");
  const ackedBefore = writers.acked.size;
  await until(() => writers.acked.size >= ackedBefore + 50, 30_000, "writes after the failover");
  await until(() => prober.firstWriteAfter !== undefined, 30_000, "the prober's first write");
  await Promise.all([writers.stop(), prober.stop()]);
  assert.notEqual(client.master, oldMaster);
  await checkLog(client, writers.acked);
  console.log(
    `kill -9: after the monitor saw +switch-master, an idle client's first write ` +
      `${prober.firstWriteAfter!.toFixed(1)} ms; the loaded client's first write ` +
      `${writers.firstWriteAfter?.toFixed(1)} ms, first WAIT-acknowledged write ` +
      `${writers.firstAckAfter!.toFixed(1)} ms`,
  );
});
