// Fault injection between the client and a real redis-server, through a TCP proxy: a stream cut
// in the middle of a reply, a network that stalls without a FIN (found by the health check, or by
// a blocking command's deadline), a handshake cut short, and writes that never left the client.
import assert from "node:assert/strict";
import {
  connect,
  ConnectionClosedError,
  OutcomeUnknownError,
  type RedisClientOptions,
} from "../../redis/mod.ts";
import { startFaultProxy } from "../_helpers/fault_proxy.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import {
  assertError,
  assertValue,
  EventLog,
  faultTest,
  Ledger,
  sleep,
  until,
} from "./_fault_helpers.ts";

const QUICK: RedisClientOptions = { reconnect: { strategy: () => 20 } };

faultTest(
  "RedisClient through a stream cut mid-reply: the read is sent again, the write's fate is unknown",
  async () => {
    await using server = await startRedisServer();
    await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(proxy.url, QUICK);
    const log = new EventLog(client);
    const big = "0123456789".repeat(20_000); // 200 KB: its reply takes many reads
    await admin.set("big", big);
    proxy.cutAfter(1000); // in the middle of GET's reply
    const ledger = new Ledger();
    const get = ledger.track("GET", client.get("big"));
    const incr = ledger.track("INCR", client.incr("n"));
    assertValue(await get, big, "GET, whole, from the new connection");
    const lost = assertError(await incr, OutcomeUnknownError, "INCR");
    assert.ok(lost.cause instanceof ConnectionClosedError);
    assert.equal(await admin.get("n"), "1", "the server ran it once; nobody sent it again");
    assert.equal(log.count("ready"), 1);
    assert.equal(proxy.accepted, 2);
    assert.equal(await client.get("big"), big, "no byte of the dead stream reached the new one");
    await ledger.settled();
  },
);

faultTest(
  "RedisClient finds a network that stalls without a FIN with its health check",
  async () => {
    await using server = await startRedisServer();
    await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
    await using client = await connect(proxy.url, {
      ...QUICK,
      healthCheck: { intervalMs: 150, timeoutMs: 150 },
      connectTimeoutMs: 300,
    });
    const log = new EventLog(client);
    await client.set("k", "v");
    proxy.stall();
    const ledger = new Ledger();
    const get = ledger.track("GET in flight", client.get("k"));
    const incr = ledger.track("INCR in flight", client.incr("n"));
    await log.until("close", 1, 5000);
    const silent = log.events.find((event) => event.type === "close")!.error;
    assert.ok(silent instanceof ConnectionClosedError);
    assert.match(silent.message, /did not answer a PING/);
    assertError(await incr, OutcomeUnknownError, "INCR written into the stall");
    await log.until("error", 2, 5000); // an attempt through the stalled proxy times out
    proxy.resume();
    assertValue(await get, "v", "GET, sent again once the network is back");
    await log.until("ready");
    assert.equal(await client.get("k"), "v");
    await ledger.settled();
  },
);

faultTest(
  "RedisClient fails a blocking command at its timeout plus the grace when the network stalls",
  async () => {
    await using server = await startRedisServer();
    await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
    await using client = await connect(proxy.url, { ...QUICK, blockingGraceMs: 200 });
    const log = new EventLog(client);
    const ledger = new Ledger();
    proxy.stall();
    const started = Date.now();
    const blpop = ledger.track("BLPOP", client.sendCommand(["BLPOP", "nothing", "0.3"]));
    const lost = assertError(await blpop, OutcomeUnknownError, "BLPOP");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 500, `not before its timeout plus the grace (${elapsed} ms)`);
    assert.match(String((lost.cause as Error).message), /within its timeout of 300 ms plus 200 ms/);
    proxy.resume();
    await log.until("ready");
    assert.equal(await client.sendCommand(["BLPOP", "nothing", "0.05"]), null);
    await ledger.settled();
  },
);

faultTest("RedisClient retries a handshake cut short by the network", async () => {
  await using server = await startRedisServer();
  await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
  await using client = await connect(proxy.url, { ...QUICK, name: "cut" });
  const log = new EventLog(client);
  proxy.cutAll();
  await log.until("reconnecting");
  proxy.cutAfter(8); // the next connection dies inside HELLO's reply
  await log.until("ready", 1, 10_000);
  assert.ok(log.count("error") >= 2, `the loss, then the cut handshake (${log.types})`);
  assert.equal(await client.sendCommand(["CLIENT", "GETNAME"]), "cut");
  assert.ok(proxy.accepted >= 3);
});

faultTest(
  "RedisClient sends again what never left it: a big write stuck behind a stalled network, and a transaction",
  async () => {
    await using server = await startRedisServer();
    await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(proxy.url, {
      ...QUICK,
      offlineQueue: { maxBytes: 64 * 1024 * 1024 }, // room for the big one
    });
    const log = new EventLog(client);
    proxy.stall();
    const ledger = new Ledger();
    const value = new Uint8Array(32 * 1024 * 1024).fill(0x61); // more than the socket buffers hold
    const set = ledger.track("SET 32 MiB", client.sendCommand(["SET", "big", value]));
    const incr = ledger.track("INCR", client.incr("n"));
    const transaction = client.multi();
    transaction.sendCommand(["INCR", "t"]);
    transaction.sendCommand(["INCR", "t"]);
    const exec = ledger.track("EXEC", transaction.exec());
    await until(() => client.stats.inFlight > 0, "the SET to be on its way");
    await sleep(100);
    proxy.cutAll(); // the SET was not all handed over: nothing after it was written
    proxy.resume();
    assertValue(await set, "OK", "SET, sent again whole");
    assertValue(await incr, 1, "INCR, sent again, applied once");
    assertValue(await exec, [1, 2], "the transaction, sent again as a block, applied once");
    assert.equal(await admin.sendCommand(["STRLEN", "big"]), value.length);
    assert.equal(await admin.get("n"), "1");
    assert.equal(await admin.get("t"), "2");
    assert.equal(log.count("ready"), 1);
    assert.ok(client.stats.resent >= 2);
    await ledger.settled();
  },
  { deadlineMs: 30_000 },
);
