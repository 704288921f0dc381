// Fault injection against real redis-servers, continued: a server that sleeps (DEBUG SLEEP) under
// a pipeline with command timeouts, max clients, LOADING, an idle timeout, and a subscriber dropped
// over its output-buffer limit. Each test has its own deadline and tracks every promise it makes.
import assert from "node:assert/strict";
import {
  connect,
  ConnectionClosedError,
  type RedisClientOptions,
  ReplyError,
  TimeoutError,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import {
  assertError,
  assertValue,
  EventLog,
  faultTest,
  Ledger,
  sleep,
  until,
  withDeadline,
} from "./_fault_helpers.ts";

const QUICK: RedisClientOptions = { reconnect: { strategy: () => 20 } };

faultTest(
  "RedisClient under DEBUG SLEEP: timed-out commands never lend their late replies to later ones",
  async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, QUICK);
    await client.set("a", "late");
    await client.set("b", "0");
    const ledger = new Ledger();
    const sleeping = ledger.track("DEBUG SLEEP", client.sendCommand(["DEBUG", "SLEEP", "0.5"]));
    const get = ledger.track("GET a", client.get("a", { timeoutMs: 100 }));
    const incr = ledger.track("INCR b", client.incr("b", { timeoutMs: 100 }));
    assertError(await get, TimeoutError, "GET a");
    assertError(await incr, TimeoutError, "INCR b");
    // Issued after the timeouts, while the late replies are still on their way.
    const after = ledger.track("GET b", client.get("b"));
    const echo = ledger.track("ECHO", client.sendCommand(["ECHO", "mine"]));
    assertValue(await sleeping, "OK", "DEBUG SLEEP");
    assertValue(await after, "1", "GET b gets its own reply (the INCR ran), not GET a's");
    assertValue(await echo, "mine", "ECHO");
    assert.equal(client.status, "ready", "the connection was drained, not dropped");
    assert.equal(client.stats.connections, 1);
    await ledger.settled();
  },
);

faultTest(
  "RedisClient meets maxclients 1: connect() rejects with the server's error, a reconnect waits for a slot",
  async () => {
    await using server = await startRedisServer({ args: ["--maxclients", "1"] });
    // A slow first retry, so that another connection can take the slot meanwhile.
    await using client = await connect(server.url, {
      reconnect: { strategy: (attempt) => attempt === 1 ? 300 : 30 },
    });
    const log = new EventLog(client);
    await client.set("k", "v");
    await assert.rejects(
      connect(server.url, QUICK),
      (error) => error instanceof ReplyError && /max number of clients/.test(error.message),
      "connect() does not retry",
    );
    const id = String(await client.sendCommand(["CLIENT", "ID"]));
    const ledger = new Ledger();
    ledger.track(
      "CLIENT KILL of itself",
      client.sendCommand(["CLIENT", "KILL", "ID", id, "SKIPME", "no"]),
    );
    await log.until("reconnecting");
    // A raw connection takes the only slot while the client waits to retry.
    const squatter = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      await squatter.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(64);
      const n = await squatter.read(buffer);
      assert.equal(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), "+PONG\r\n");
      await log.until("reconnecting", 2); // the first attempt was refused
      const refused = log.events.filter((event) => event.type === "error")[1]!.error;
      assert.ok(
        refused instanceof ReplyError && /max number of clients/.test(refused.message),
        `refused with ${refused}`,
      );
      const get = ledger.track("GET while refused", client.get("k"));
      assert.equal(client.status, "reconnecting");
      squatter.close();
      assertValue(await get, "v", "GET, once the slot freed");
      assert.equal(log.types.at(-1), "ready");
    } finally {
      try {
        squatter.close();
      } catch {
        // closed above
      }
    }
    await ledger.settled();
  },
);

faultTest(
  "RedisClient through LOADING (DEBUG RELOAD): per-command errors, the connection kept, the data intact",
  async () => {
    await using server = await startRedisServer({
      args: ["--key-load-delay", "0", "--loading-process-events-interval-bytes", "1024"],
    });
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url, QUICK);
    await admin.sendCommand(["DEBUG", "POPULATE", "20000"]);
    await admin.sendCommand(["CONFIG", "SET", "key-load-delay", "50"]);
    const ledger = new Ledger();
    const reload = ledger.track("DEBUG RELOAD", admin.sendCommand(["DEBUG", "RELOAD"]));
    let loading = 0;
    await until(
      async () => {
        try {
          await client.get("key:1");
          return loading > 0;
        } catch (error) {
          if (!(error instanceof ReplyError && error.code === "LOADING")) throw error;
          loading++;
          return false;
        }
      },
      "GET to answer again after LOADING errors",
      20_000,
    );
    assert.ok(loading > 0, "some GETs got -LOADING");
    assertValue(await reload, "OK", "DEBUG RELOAD");
    assert.equal(client.stats.connections, 1, "no reconnect: LOADING is an error reply");
    assert.equal(await client.sendCommand(["DBSIZE"]), 20_000);
    assert.equal(await client.get("key:19999"), "value:19999");
    await admin.sendCommand(["CONFIG", "SET", "key-load-delay", "0"]);
    await ledger.settled();
  },
  { deadlineMs: 30_000 },
);

faultTest(
  "RedisClient reconnects after the server's idle timeout closes it (timeout 1)",
  async () => {
    await using server = await startRedisServer({ args: ["--timeout", "1"] });
    await using client = await connect(server.url, QUICK);
    const log = new EventLog(client);
    await client.set("k", "v");
    await log.until("close", 1, 5000); // silent: the server just closes
    const error = log.events.find((event) => event.type === "close")!.error;
    assert.ok(error instanceof ConnectionClosedError);
    await log.until("ready");
    assert.equal(await client.get("k"), "v");
  },
);

faultTest(
  "RedisClient with a health check keeps an idle connection alive under timeout 1",
  async () => {
    await using server = await startRedisServer({ args: ["--timeout", "1"] });
    await using client = await connect(server.url, { ...QUICK, healthCheck: { intervalMs: 200 } });
    const log = new EventLog(client);
    const id = await client.sendCommand(["CLIENT", "ID"]);
    await sleep(2500); // idle from the caller's side: the health check's PINGs keep it busy
    assert.equal(await client.sendCommand(["CLIENT", "ID"]), id, "the same connection");
    assert.deepEqual(log.types, []);
  },
);

faultTest(
  "RedisClient resubscribes after a drop over the pub/sub output-buffer limit",
  async () => {
    await using server = await startRedisServer({
      args: ["--client-output-buffer-limit", "pubsub 64kb 32kb 60"],
    });
    await using publisher = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url, QUICK);
    const log = new EventLog(client);
    const flood = await client.subscribe("flood");
    const messages = flood[Symbol.asyncIterator]();
    await publisher.publish("flood", "x".repeat(100 * 1024)); // over the hard limit at once
    await log.until("ready");
    await until(
      async () => String(await publisher.sendCommand(["PUBSUB", "NUMSUB", "flood"])) === "flood,1",
      "the resubscription",
    );
    await publisher.publish("flood", "small");
    const next = await withDeadline(5000, "a message after the drop", messages.next());
    assert.equal(next.value?.message, "small", "the big one was dropped with the connection");
    assert.ok(flood.active);
    const closed = log.events.find((event) => event.type === "close")!;
    assert.ok(closed.error instanceof ConnectionClosedError);
  },
);
