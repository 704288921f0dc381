// Fault injection against real redis-servers: connections killed by the server (CLIENT KILL when
// idle, during BLPOP, while subscribed, inside MULTI), a SHUTDOWN in the middle of a pipeline, and
// the server killed with SIGKILL and restarted on the same port. Each test has its own deadline,
// tracks every promise it makes, and checks that data acknowledged before the fault is intact.
import assert from "node:assert/strict";
import {
  connect,
  ConnectionClosedError,
  OutcomeUnknownError,
  type RedisClient,
  type RedisClientOptions,
  WatchError,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { connectVia, VARIANTS } from "./_client_helpers.ts";
import {
  assertError,
  assertValue,
  EventLog,
  faultTest,
  Ledger,
  until,
  withDeadline,
} from "./_fault_helpers.ts";

const QUICK: RedisClientOptions = { reconnect: { strategy: () => 20 } };
const AOF = ["--appendonly", "yes", "--appendfsync", "always"];

async function clientId(client: RedisClient): Promise<number> {
  return Number(await client.sendCommand(["CLIENT", "ID"]));
}

async function kill(admin: RedisClient, id: number): Promise<void> {
  assert.equal(await admin.sendCommand(["CLIENT", "KILL", "ID", String(id)]), 1);
}

for (const variant of VARIANTS) {
  faultTest(
    `RedisClient (${variant.name}) reconnects after CLIENT KILL of an idle connection`,
    async () => {
      await using server = await startRedisServer();
      await using admin = await connect(server.url, { reconnect: false });
      await using client = await connectVia(variant, server, { ...QUICK, db: 3 });
      const log = new EventLog(client);
      for (let i = 0; i < 10; i++) await client.set(`acked:${i}`, String(i));
      const before = await clientId(client);
      await kill(admin, before);
      await log.until("ready");
      assert.deepEqual(log.types, ["error", "close", "reconnecting", "connect", "ready"]);
      const lost = log.events[0]!.error;
      assert.ok(
        lost instanceof ConnectionClosedError && /closed the connection/.test(lost.message),
      );
      assert.notEqual(await clientId(client), before, "a new connection");
      assert.equal(client.db, 3);
      assert.match(String(await client.sendCommand(["CLIENT", "INFO"])), / db=3 /);
      for (let i = 0; i < 10; i++) assert.equal(await client.get(`acked:${i}`), String(i));
      assert.equal(client.status, "ready");
    },
    { ignore: variant.ignore },
  );
}

faultTest(
  "RedisClient gets OutcomeUnknownError for a BLPOP killed by CLIENT KILL; the list is intact",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url, QUICK);
    const log = new EventLog(client);
    await client.set("k", "v");
    const id = await clientId(client);
    const ledger = new Ledger();
    const blpop = ledger.track("BLPOP", client.sendCommand(["BLPOP", "list", 0]));
    const get = ledger.track("GET behind it", client.sendCommand(["GET", "k"]));
    const incr = ledger.track("INCR behind it", client.sendCommand(["INCR", "n"]));
    await until(
      async () => /blocked_clients:1/.test(String(await admin.sendCommand(["INFO", "clients"]))),
      "the BLPOP to block",
    );
    await kill(admin, id);
    const error = assertError(await blpop, OutcomeUnknownError, "BLPOP");
    assert.equal(error.command, "BLPOP");
    assertValue(await get, "v", "a read written behind BLPOP is sent again");
    assertError(await incr, OutcomeUnknownError, "a write written behind BLPOP");
    await log.until("ready");
    await admin.sendCommand(["RPUSH", "list", "x"]);
    assert.equal(
      await client.sendCommand(["LPOP", "list"]),
      "x",
      "the killed BLPOP popped nothing",
    );
    await ledger.settled();
  },
);

for (const protocol of [2, 3] as const) {
  faultTest(
    `RedisClient RESP${protocol} resubscribes after CLIENT KILL: channels, patterns, shard channels, binary names`,
    async () => {
      await using server = await startRedisServer();
      await using admin = await connect(server.url, { reconnect: false });
      await using client = await connect(server.url, { ...QUICK, protocol });
      const log = new EventLog(client);
      const binary = new Uint8Array([0xff, 0x00, 0x80]);
      const news = await client.subscribe(["news", binary], { buffers: true });
      const patterns = await client.psubscribe("n*");
      const shards: string[] = [];
      await client.ssubscribe("orders", ({ message }) => void shards.push(message));
      const newsMessages = news[Symbol.asyncIterator]();
      const patternMessages = patterns[Symbol.asyncIterator]();
      await admin.publish("news", "before");
      assert.deepEqual(
        (await withDeadline(5000, "before", newsMessages.next())).value?.message,
        new TextEncoder().encode("before"),
      );
      assert.equal(
        (await withDeadline(5000, "before", patternMessages.next())).value?.channel,
        "news",
      );
      await kill(admin, await clientIdOf(admin, "pubsub"));
      await log.until("ready");
      await until(
        async () => {
          const counts = await admin.sendCommand(["PUBSUB", "NUMSUB", "news", binary]) as unknown[];
          const patternCount = Number(await admin.sendCommand(["PUBSUB", "NUMPAT"]));
          const shardCounts = await admin.sendCommand(["PUBSUB", "SHARDNUMSUB", "orders"]);
          return String(counts) === `news,1,${new TextDecoder().decode(binary)},1` &&
            patternCount === 1 && String(shardCounts) === "orders,1";
        },
        "the subscriptions on the new connection",
      );
      await admin.publish("news", "after");
      await admin.publish(binary, "bytes");
      await admin.sendCommand(["SPUBLISH", "orders", "o1"]);
      const after = await withDeadline(5000, "after", newsMessages.next());
      assert.deepEqual(
        after.value?.message,
        new TextEncoder().encode("after"),
        "the same iterator",
      );
      const bytes = await withDeadline(5000, "bytes", newsMessages.next());
      assert.deepEqual(bytes.value?.channel, binary);
      assert.equal(
        (await withDeadline(5000, "after", patternMessages.next())).value?.message,
        "after",
      );
      await until(() => shards.length === 1, "the shard message");
      assert.deepEqual(shards, ["o1"]);
      assert.ok(news.active && patterns.active);
      assert.deepEqual(client.subscriptions.shard, ["orders"]);
      if (protocol === 3) assert.equal(await client.ping(), "PONG");
    },
  );
}

async function clientIdOf(admin: RedisClient, type: "normal" | "pubsub"): Promise<number> {
  const list = String(await admin.sendCommand(["CLIENT", "LIST", "TYPE", type]));
  const ids = [...list.matchAll(/^id=(\d+)/gm)].map((match) => Number(match[1]));
  assert.equal(ids.length, 1, list);
  return ids[0]!;
}

faultTest(
  "RedisClient after CLIENT KILL inside MULTI refuses the rest of the lost transaction",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url, QUICK);
    const log = new EventLog(client);
    const id = await clientId(client);
    assert.equal(await client.sendCommand(["MULTI"]), "OK");
    assert.equal(await client.sendCommand(["SET", "k", "queued"]), "QUEUED");
    await kill(admin, id);
    await log.until("ready");
    const ledger = new Ledger();
    const inside = ledger.track("SET inside", client.sendCommand(["SET", "k", "late"]));
    const exec = ledger.track("EXEC", client.sendCommand(["EXEC"]));
    const after = ledger.track("GET after", client.sendCommand(["GET", "k"]));
    assertError(
      await inside,
      ConnectionClosedError,
      "a command inside the lost MULTI",
      (e) => /MULTI was lost/.test(e.message),
    );
    assertError(
      await exec,
      ConnectionClosedError,
      "its EXEC",
      (e) => /nothing in it was applied/.test(e.message),
    );
    assertValue(await after, null, "the queued SET was never applied");
    await ledger.settled();
  },
);

faultTest(
  "RedisClient does not run a transaction whose WATCH was lost with its connection",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url, QUICK);
    const log = new EventLog(client);
    await client.set("balance", "10");
    assert.equal(await client.sendCommand(["WATCH", "balance"]), "OK");
    const balance = Number(await client.get("balance"));
    await kill(admin, await clientId(client));
    await admin.set("balance", "0"); // changed while the client was away: the WATCH would fire
    await log.until("ready");
    const transaction = client.multi();
    const set = transaction.sendCommand(["SET", "balance", String(balance - 5)]);
    assert.equal(await transaction.exec(), null, "not run");
    await assert.rejects(set, WatchError);
    assert.equal(await client.get("balance"), "0", "nothing applied");
    // The next transaction, with no WATCH, runs.
    const next = client.multi();
    next.sendCommand(["INCR", "balance"]);
    assert.deepEqual(await next.exec(), [1]);
  },
);

faultTest(
  "RedisClient meets SHUTDOWN NOSAVE mid-pipeline: acknowledged data intact, reads resent after a restart",
  async () => {
    await using server = await startRedisServer({ args: AOF });
    await using client = await connect(server.url, QUICK);
    const log = new EventLog(client);
    for (let i = 0; i < 50; i++) await client.incr("counter");
    await client.set("name", "dray");
    const ledger = new Ledger();
    const set = ledger.track("SET", client.set("p", "1"));
    const incr = ledger.track("INCR", client.incr("counter"));
    const get = ledger.track("GET", client.get("name"));
    const shutdown = ledger.track("SHUTDOWN", client.sendCommand(["SHUTDOWN", "NOSAVE"]));
    ledger.track("PING", client.ping());
    await withDeadline(10_000, "the server to exit", server.exited());
    await log.until("reconnecting");
    await server.restart();
    const outcomes = await ledger.settled();
    for (
      const [label, outcome] of [["SET", set], ["INCR", incr], ["SHUTDOWN", shutdown]] as const
    ) {
      assertError(await outcome, OutcomeUnknownError, label);
    }
    assertError(outcomes.get("PING"), OutcomeUnknownError, "PING (not flagged read-only)");
    assertValue(await get, "dray", "GET, sent again once the server was back");
    const counter = Number(await client.get("counter"));
    assert.ok(counter === 50 || counter === 51, `acknowledged INCRs intact: ${counter}`);
    assert.equal(await client.get("name"), "dray");
  },
);

for (const variant of VARIANTS) {
  faultTest(
    `RedisClient (${variant.name}) rides out kill -9 and a restart on the same port`,
    async () => {
      await using server = await startRedisServer({ args: AOF });
      await using client = await connectVia(variant, server, QUICK);
      const log = new EventLog(client);
      for (let i = 0; i < 100; i++) await client.incr("counter");
      server.kill("SIGKILL");
      await server.exited();
      await log.until("reconnecting");
      const ledger = new Ledger();
      const queued = Array.from(
        { length: 20 },
        (_, i) => ledger.track(`INCR ${i}`, client.incr("counter")),
      );
      assert.equal(client.status, "reconnecting");
      await server.restart();
      const outcomes = await Promise.all(queued);
      outcomes.forEach((outcome, i) => assertValue(outcome, 101 + i, `INCR ${i}, in order`));
      assert.equal(await client.get("counter"), "120", "no INCR lost, none applied twice");
      assert.equal(log.types[0], "error", "the loss is reported");
      await ledger.settled();
    },
    { ignore: variant.ignore, deadlineMs: 30_000 },
  );
}
