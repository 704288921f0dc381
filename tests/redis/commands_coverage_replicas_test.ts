// The commands that need more than one standalone server, or a second connection, to run: FAILOVER
// with a replica, CLUSTER REPLICATE and CLUSTER FAILOVER with a second cluster node, SCRIPT KILL
// and FUNCTION KILL with a busy script on another connection, and SHUTDOWN on a throwaway server.
// Each in RESP2 and RESP3.

import assert from "node:assert/strict";
import { ReplyError } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender, type TestSender } from "./_test_sender.ts";

const PROTOCOLS = [2, 3] as const;

/** Polls `check` every 10 ms until it holds (at most `tries` times). */
async function until(what: string, check: () => Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Retries `call` while the server answers NOTBUSY (the script has not started yet). */
async function whenBusy(call: () => Promise<"OK">): Promise<"OK"> {
  for (let i = 0; i < 500; i++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ReplyError) || !/NOTBUSY/.test(error.message)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the script never became busy");
}

Deno.test("RedisCommands failover hands the master role to a connected replica, in RESP2 and RESP3", async () => {
  for (const protocol of PROTOCOLS) {
    await using master = await startRedisServer({ args: ["--repl-diskless-sync-delay", "0"] });
    await using replica = await startRedisServer({
      args: ["--replicaof", "127.0.0.1", String(master.port)],
    });
    await using redis = await openSender(master.port, protocol);
    await until("the replica to be online", async () => {
      const role = await redis.role();
      return role.role === "master" && role.replicas.length === 1;
    });
    await until("the replica to catch up", async () => {
      const info = await redis.info("replication");
      return /slave0:.*state=online/.test(info);
    });
    assert.equal(await redis.failover({ timeout: 5000 }), "OK");
    await using promoted = await openSender(replica.port, protocol);
    await until(
      "the replica to be promoted",
      async () => (await promoted.role()).role === "master",
    );
  }
});

Deno.test("RedisCommands clusterReplicate and clusterFailover run on a second cluster node, in RESP2 and RESP3", async () => {
  for (const protocol of PROTOCOLS) {
    await using a = await startRedisServer({ args: ["--cluster-enabled", "yes"] });
    await using b = await startRedisServer({ args: ["--cluster-enabled", "yes"] });
    await using first = await openSender(a.port, protocol);
    await using second = await openSender(b.port, protocol);
    assert.equal(await first.clusterAddslotsrange([0, 16383]), "OK");
    const firstId = await first.clusterMyid();
    assert.equal(await second.clusterMeet("127.0.0.1", a.port), "OK");
    await until("the nodes to meet", async () => (await second.clusterNodes()).includes(firstId));
    assert.equal(await second.clusterReplicate(firstId), "OK");
    await until("the replica to follow", async () => (await second.role()).role === "slave");
    assert.equal(await second.clusterFailover({ mode: "TAKEOVER" }), "OK");
    await until("the takeover", async () => (await second.role()).role === "master");
  }
});

/** Starts a script that loops forever on `busy`, then kills it from `other`. */
async function killBusy(
  busy: TestSender,
  other: TestSender,
  start: (redis: TestSender) => Promise<unknown>,
  kill: (redis: TestSender) => Promise<"OK">,
): Promise<void> {
  const running = start(busy).then(
    () => assert.fail("the busy script returned"),
    (error: Error) => error,
  );
  assert.equal(await whenBusy(() => kill(other)), "OK");
  const error = await running;
  assert.ok(error instanceof ReplyError, String(error));
  assert.match(error.message, /killed/i);
}

Deno.test("RedisCommands scriptKill and functionKill stop a busy script run by another connection, in RESP2 and RESP3", async () => {
  await using server = await startRedisServer({ config: { "busy-reply-threshold": 20 } });
  for (const protocol of PROTOCOLS) {
    await using busy = await openSender(server.port, protocol);
    await using other = await openSender(server.port, protocol);
    await killBusy(busy, other, (r) => r.eval("while true do end"), (r) => r.scriptKill());
    await other.functionLoad(
      "#!lua name=spin\nredis.register_function{function_name='spin', " +
        "callback=function() while true do end end, flags={'no-writes'}}",
      { replace: true },
    );
    await killBusy(busy, other, (r) => r.fcall("spin"), (r) => r.functionKill());
    assert.equal(await busy.ping(), "PONG"); // the connection goes on
  }
});

Deno.test("RedisCommands shutdown stops a throwaway server: the reply is the closed connection, in RESP2 and RESP3", async () => {
  for (const protocol of PROTOCOLS) {
    await using server = await startRedisServer();
    await using redis = await openSender(server.port, protocol);
    const outcome = await redis.shutdown({ mode: "NOSAVE" }).then(
      (reply) => assert.fail(`SHUTDOWN replied ${reply}`),
      (error: Error) => error,
    );
    assert.ok(!(outcome instanceof TypeError) && !(outcome instanceof ReplyError), String(outcome));
    const status = await server.exited();
    assert.equal(status.code, 0);
  }
});
