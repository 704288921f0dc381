// connectSentinel against a real Sentinel set under faults: a hung master (kill -STOP) while the
// sentinel the client listens to is killed (the periodic re-check finds the new master), a seed
// list of one sentinel that dies after connect, and reads on a ROLE-checked replica.

import assert from "node:assert/strict";
import { connectSentinel, ReplyError, SentinelUnreachableError } from "../../redis/mod.ts";
import { startSentinel, type StartSentinelOptions } from "../../redis/testing/mod.ts";
import { until } from "./_sentinel_load.ts";

const SET: StartSentinelOptions = {
  replicas: 2,
  sentinels: 3,
  quorum: 2,
  downAfterMs: 1000,
  failoverTimeoutMs: 3000,
};

async function sentinelFailover(port: number): Promise<void> {
  const raw = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await raw.write(new TextEncoder().encode("SENTINEL FAILOVER mymaster\r\n"));
    const reply = new Uint8Array(64);
    const n = await raw.read(reply);
    assert.equal(new TextDecoder().decode(reply.subarray(0, n ?? 0)), "+OK\r\n");
  } finally {
    raw.close();
  }
}

Deno.test("SentinelClient recovers from a hung master and a dead watched sentinel through the periodic re-check", async () => {
  await using set = await startSentinel(SET);
  await using client = await connectSentinel({
    sentinels: set.seeds,
    name: set.masterName,
    watchers: 1,
    recheckIntervalMs: 300,
  });
  const oldMaster = client.master;
  assert.equal(client.watchedSentinels.length, 1);
  const watched = set.sentinels.find((s) => `127.0.0.1:${s.port}` === client.watchedSentinels[0])!;
  watched.kill("SIGKILL");
  set.master.kill("SIGSTOP");
  try {
    let outcomes = 0;
    await until(
      async () => {
        try {
          await client.incr("after", { timeoutMs: 500 });
          return true;
        } catch (error) {
          assert.ok(!(error instanceof ReplyError), `unexpected reply ${error}`);
          outcomes++;
          return false;
        }
      },
      40_000,
      "a write on the new master",
    );
    assert.notEqual(client.master, oldMaster);
    assert.ok(outcomes > 0, "the hung master answered nothing");
  } finally {
    set.master.kill("SIGCONT");
  }
});

Deno.test("SentinelClient keeps following failovers after its only seed sentinel dies", async () => {
  await using set = await startSentinel(SET);
  const seed = set.sentinels[0]!;
  await using client = await connectSentinel({
    sentinels: [`127.0.0.1:${seed.port}`],
    name: set.masterName,
  });
  // SENTINEL SENTINELS named the other two.
  assert.equal(client.sentinels.length, 3);
  const oldMaster = client.master;
  seed.kill("SIGKILL");
  await seed.exited();
  await sentinelFailover(set.sentinels[1]!.port);
  await until(
    async () => {
      try {
        await client.incr("after", { timeoutMs: 1000 });
        return client.master !== oldMaster;
      } catch {
        return false;
      }
    },
    30_000,
    "the client on the new master",
  );
  assert.ok(client.sentinels.includes(`127.0.0.1:${seed.port}`), "the seed is kept");
});

Deno.test("SentinelClient reads from a ROLE-checked replica with readFrom replica", async () => {
  await using set = await startSentinel({ ...SET, sentinels: 1, quorum: 1 });
  await using client = await connectSentinel({
    sentinels: set.seeds,
    name: set.masterName,
    readFrom: "replica",
    maxReplicaLagBytes: 1_000_000,
  });
  await client.set("k", "v");
  // The client names the master its connector chose, not a default host.
  assert.ok(Deno.inspect(client).includes(`address: "${client.master}"`), Deno.inspect(client));
  assert.equal(await client.wait(2, 5000), 2);
  assert.equal(await client.get("k"), "v");
  const replicaPort = (client.replica!.transport!.remoteAddr as Deno.NetAddr).port;
  assert.ok(set.replicas.some((r) => r.port === replicaPort));
  assert.notEqual(`127.0.0.1:${replicaPort}`, client.master);
});

Deno.test("connectSentinel authenticates to password-protected sentinels and nodes", async () => {
  await using set = await startSentinel({
    replicas: 1,
    sentinels: 2,
    quorum: 1,
    password: "data-secret",
    sentinelPassword: "sentinel-secret",
  });
  const error = await connectSentinel({
    sentinels: set.seeds,
    name: set.masterName,
    sentinel: { password: "wrong-secret" },
    watchers: 0,
  }).then(() => undefined, (error: unknown) => error);
  assert.ok(error instanceof SentinelUnreachableError);
  assert.equal(error.causes.length, 2);
  assert.ok(!String(error.message).includes("wrong-secret"), "no secret in the error");
  await using client = await connectSentinel({
    sentinels: set.seeds,
    name: set.masterName,
    sentinel: { password: "sentinel-secret" },
    node: { password: "data-secret" },
    readFrom: "preferReplica",
  });
  assert.equal(client.master, `127.0.0.1:${set.master.port}`);
  await client.set("k", "v");
  assert.equal(await client.get("k"), "v");
  assert.equal(client.watchedSentinels.length, 2);
});
