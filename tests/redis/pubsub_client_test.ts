// RedisClient pub/sub against real redis-servers: every transport, RESP2 and RESP3.
import assert from "node:assert/strict";
import {
  connect,
  ConnectionClosedError,
  type PubSubMessage,
  type RedisClient,
  ReplyError,
  SubscriberOverflowError,
} from "../../redis/mod.ts";
import { type RedisServer, startRedisServer } from "../_helpers/redis_server.ts";
import { connectVia, settledWithin, VARIANTS } from "./_client_helpers.ts";

const PROTOCOLS = [2, 3] as const;

/** Waits until `check` holds (a deadline keeps a broken test from hanging). */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Reads the next `count` messages of an iterator, with a deadline. */
async function read<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    const result = await settledWithin(iterator.next(), 5000);
    assert.ok(result !== "pending", `message ${i} arrived`);
    if ("error" in result) throw result.error;
    assert.ok(!result.value.done, `message ${i} is not the end`);
    out.push(result.value.value);
  }
  return out;
}

for (const variant of VARIANTS) {
  for (const protocol of PROTOCOLS) {
    const label = `${variant.name} RESP${protocol}`;
    Deno.test({
      name:
        `RedisClient pub/sub delivers channel, pattern and shard messages to handlers and iterators (${label})`,
      ignore: variant.ignore,
      async fn() {
        await using server = await startRedisServer();
        await using subscriber = await connectVia(variant, server, { protocol });
        await using publisher = await connect(server.url);
        assert.equal(subscriber.protocol, protocol);
        const seen: PubSubMessage[] = [];
        const handled = await subscriber.subscribe("news", (message) => void seen.push(message));
        const iterated = await subscriber.subscribe(["a", "news"]);
        const patterns = await subscriber.psubscribe("n*");
        const shards = await subscriber.ssubscribe("orders:{1}");
        assert.deepEqual(subscriber.subscriptions, {
          channel: ["news", "a"],
          pattern: ["n*"],
          shard: ["orders:{1}"],
        });
        // One client receives it (through two channel subscriptions and a pattern): PUBLISH counts 2.
        assert.equal(await publisher.publish("news", "héllo"), 2);
        assert.equal(await publisher.publish("a", "x"), 1);
        assert.equal(await publisher.spublish("orders:{1}", "o1"), 1);
        const messages = await read(iterated[Symbol.asyncIterator](), 2);
        assert.deepEqual(messages, [
          { kind: "channel", channel: "news", message: "héllo", pattern: undefined },
          { kind: "channel", channel: "a", message: "x", pattern: undefined },
        ]);
        const [pattern] = await read(patterns[Symbol.asyncIterator](), 1);
        assert.deepEqual(pattern, {
          kind: "pattern",
          channel: "news",
          message: "héllo",
          pattern: "n*",
        });
        const [shard] = await read(shards[Symbol.asyncIterator](), 1);
        assert.deepEqual(shard, {
          kind: "shard",
          channel: "orders:{1}",
          message: "o1",
          pattern: undefined,
        });
        assert.deepEqual(seen, [messages[0]]);
        assert.throws(() => handled[Symbol.asyncIterator](), TypeError);
        assert.equal(
          iterated[Symbol.asyncIterator](),
          iterated[Symbol.asyncIterator](),
          "one iterator",
        );
        // PING answers PING in either protocol, never a handler.
        assert.equal(await subscriber.ping(), "PONG");
        assert.equal(await subscriber.ping("hi"), "hi");
        assert.equal(seen.length, 1);
      },
    });

    Deno.test({
      name: `RedisClient pub/sub is binary-safe, with Uint8Array messages on request (${label})`,
      ignore: variant.ignore,
      async fn() {
        await using server = await startRedisServer();
        await using subscriber = await connectVia(variant, server, { protocol });
        await using publisher = await connect(server.url);
        const channel = new Uint8Array([0xff, 0x00, 0xfe]);
        const payload = new Uint8Array([0x80, 0x00, 0xc3]);
        const bytes = await subscriber.subscribe(channel, { buffers: true });
        const text = await subscriber.subscribe("plain");
        await publisher.publish(channel, payload);
        await publisher.publish("plain", "ok");
        const [message] = await read(bytes[Symbol.asyncIterator](), 1);
        assert.deepEqual(message!.channel, channel);
        assert.deepEqual(message!.message, payload);
        const [plain] = await read(text[Symbol.asyncIterator](), 1);
        assert.equal(plain!.message, "ok");
        assert.deepEqual(bytes.names, [channel]);
      },
    });

    Deno.test({
      name: `RedisClient unsubscribes exactly as the server does (${label})`,
      ignore: variant.ignore,
      async fn() {
        await using server = await startRedisServer();
        await using client = await connectVia(variant, server, { protocol });
        await using publisher = await connect(server.url);
        // Nothing subscribed: one confirmation, count 0, and the client stays usable.
        assert.equal(await client.unsubscribe(), 0);
        assert.equal(await client.unsubscribe(["x", "y", "x"]), 0);
        assert.equal(await client.sendCommand(["SET", "k", "v"]), "OK");
        const sub = await client.subscribe(["a", "b"]);
        const pattern = await client.psubscribe("p*");
        // Names never subscribed get their confirmation too; the count is the server's.
        assert.equal(await client.unsubscribe(["a", "never"]), 2);
        assert.deepEqual(sub.names, ["b"]);
        assert.ok(sub.active);
        // A pipelined UNSUBSCRIBE then SUBSCRIBE of one channel ends subscribed, and the
        // commands after them stay in order.
        const off = client.unsubscribe("b");
        const on = client.subscribe("b");
        const ping = client.ping();
        assert.equal(await off, 1);
        const again = await on;
        assert.equal(await ping, "PONG");
        assert.equal(sub.active, false, "the old subscription ended with its last name");
        assert.deepEqual(await read(sub[Symbol.asyncIterator](), 0), []);
        assert.equal((await sub[Symbol.asyncIterator]().next()).done, true);
        await publisher.publish("b", "after");
        const [message] = await read(again[Symbol.asyncIterator](), 1);
        assert.equal(message!.message, "after");
        // Bare UNSUBSCRIBE leaves patterns alone: still subscribed, as the server says.
        assert.equal(await client.unsubscribe(), 1);
        assert.deepEqual(client.subscriptions, { channel: [], pattern: ["p*"], shard: [] });
        if (protocol === 2) {
          await assert.rejects(client.sendCommand(["GET", "k"]), TypeError);
        }
        assert.equal(await client.punsubscribe(), 0);
        assert.equal(pattern.active, false);
        assert.equal(await client.sendCommand(["GET", "k"]), "v", "back to normal mode");
      },
    });
  }
}

for (const protocol of PROTOCOLS) {
  Deno.test(`RedisClient RESP${protocol} allows only what the server allows while subscribed`, async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, { protocol });
    await client.sendCommand(["RPUSH", "list", "message", "a", "hi"]);
    const seen: unknown[] = [];
    const sub = await client.subscribe("a", (message) => void seen.push(message));
    if (protocol === 2) {
      await assert.rejects(
        client.sendCommand(["LRANGE", "list", 0, -1]),
        (e) => e instanceof TypeError && /subscribed RESP2/.test(e.message),
      );
      await assert.rejects(client.get("k"), TypeError);
    } else {
      // A reply shaped like a message answers its command, not a handler.
      assert.deepEqual(await client.sendCommand(["LRANGE", "list", 0, -1]), ["message", "a", "hi"]);
      assert.equal(await client.get("k"), null);
    }
    assert.equal(await client.ping(), "PONG");
    assert.deepEqual(seen, []);
    await sub.unsubscribe();
    assert.deepEqual(await client.sendCommand(["LRANGE", "list", 0, -1]), ["message", "a", "hi"]);
  });

  Deno.test(`RedisClient RESP${protocol} refuses SUBSCRIBE inside MULTI and as a plain command`, async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, { protocol });
    const transaction = client.multi();
    await assert.rejects(transaction.sendCommand(["SUBSCRIBE", "a"]), TypeError);
    await assert.rejects(transaction.exec(), TypeError);
    await assert.rejects(client.sendCommand(["SUBSCRIBE", "a"]), /client\.subscribe\(\)/);
    await assert.rejects(client.sendCommand(["PUNSUBSCRIBE"]), TypeError);
    await assert.rejects(client.sendCommand(["MONITOR"]), /client\.monitor\(\)/);
    await assert.rejects(client.pipeline().sendCommand(["SSUBSCRIBE", "a"]), TypeError);
    assert.equal(await client.sendCommand(["MULTI"]), "OK");
    await assert.rejects(
      client.subscribe("a"),
      (e) => e instanceof TypeError && /inside MULTI/.test(e.message),
    );
    assert.deepEqual(await client.sendCommand(["EXEC"]), []);
    const sub = await client.subscribe("a");
    assert.deepEqual(sub.names, ["a"]);
  });

  Deno.test(`RedisClient RESP${protocol} subscriptions on one channel share it until the last leaves`, async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, { protocol });
    await using publisher = await connect(server.url);
    const first = await client.subscribe("shared");
    const second = await client.subscribe("shared");
    await first.unsubscribe(); // the channel stays: `second` holds it
    assert.deepEqual(client.subscriptions.channel, ["shared"]);
    assert.equal(await publisher.publish("shared", "one"), 1);
    const [message] = await read(second[Symbol.asyncIterator](), 1);
    assert.equal(message!.message, "one");
    assert.equal((await first[Symbol.asyncIterator]().next()).done, true);
    // Leaving the loop unsubscribes the last holder.
    await publisher.publish("shared", "two");
    for await (const message of second) {
      assert.equal(message.message, "two");
      break;
    }
    assert.equal(second.active, false);
    await until(() => client.subscriptions.channel.length === 0, "the unsubscribe");
    assert.deepEqual(await publisher.sendCommand(["PUBSUB", "NUMSUB", "shared"]), ["shared", 0]);
  });

  Deno.test(`RedisClient RESP${protocol} bounds a slow iterator: overflow ends it with an error, or drops`, async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, { protocol });
    await using publisher = await connect(server.url);
    const strict = await client.subscribe("fast", { maxQueued: 5 });
    const lossy = await client.subscribe("fast", { maxQueued: 5, overflow: "drop" });
    for (let i = 0; i < 20; i++) await publisher.publish("fast", `m${i}`);
    await client.ping(); // every message has been read by now
    const iterator = strict[Symbol.asyncIterator]();
    const kept = await read(iterator, 5);
    assert.deepEqual(kept.map((m) => m.message), ["m0", "m1", "m2", "m3", "m4"]);
    await assert.rejects(
      iterator.next(),
      (e) => e instanceof SubscriberOverflowError && e.limit === 5,
    );
    assert.ok((await strict.finished) instanceof SubscriberOverflowError);
    assert.equal(lossy.dropped, 15);
    assert.ok(lossy.active, "a dropping subscription goes on");
    const lossyIterator = lossy[Symbol.asyncIterator]();
    assert.equal((await read(lossyIterator, 5)).at(-1)!.message, "m4");
    await publisher.publish("fast", "later");
    assert.equal((await read(lossyIterator, 1))[0]!.message, "later");
  });

  Deno.test(`RedisClient RESP${protocol} ends subscriptions cleanly on close, with an error on destroy`, async () => {
    await using server = await startRedisServer();
    const closing = await connect(server.url, { protocol });
    const sub = await closing.subscribe("a");
    const waiting = sub[Symbol.asyncIterator]().next();
    await closing.close();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.equal(await sub.finished, undefined);
    const destroyed = await connect(server.url, { protocol });
    const handled = await destroyed.subscribe("a", () => {});
    const iterated = await destroyed.psubscribe("*");
    const next = iterated[Symbol.asyncIterator]().next();
    destroyed.destroy();
    await assert.rejects(next, ConnectionClosedError);
    assert.ok((await handled.finished) instanceof ConnectionClosedError);
    await assert.rejects(destroyed.subscribe("b"), ConnectionClosedError);
  });

  Deno.test(`RedisClient RESP${protocol} without reconnect ends a subscriber dropped by CLIENT KILL with an error`, async () => {
    await using server = await startRedisServer();
    const client = await connect(server.url, { protocol, name: "doomed", reconnect: false });
    await using admin = await connect(server.url);
    const sub = await client.subscribe("a");
    const handled = await client.ssubscribe("s", () => {});
    // Watch the iterator before the kill, so its rejection is handled when it comes.
    const outcome = settledWithin(sub[Symbol.asyncIterator]().next(), 5000);
    assert.equal(await admin.sendCommand(["CLIENT", "KILL", "SKIPME", "yes", "TYPE", "pubsub"]), 1);
    const result = await outcome;
    assert.ok(result !== "pending", "the iterator does not hang");
    assert.ok("error" in result && result.error instanceof ConnectionClosedError);
    assert.ok((await handled.finished) instanceof ConnectionClosedError);
    assert.ok((await client.finished) instanceof ConnectionClosedError);
  });

  Deno.test(`RedisClient RESP${protocol} without reconnect ends a subscriber over client-output-buffer-limit with an error`, async () => {
    await using server = await startRedisServer({
      args: ["--client-output-buffer-limit", "pubsub 64kb 32kb 60"],
    });
    const client = await connect(server.url, { protocol, reconnect: false });
    await using publisher = await connect(server.url);
    const sub = await client.subscribe("flood", { maxQueued: 1_000_000 });
    // One script publishes 1 MB at once: the server drops the subscriber mid-way.
    await publisher.sendCommand([
      "EVAL",
      "for i = 1, 100 do redis.call('PUBLISH', KEYS[1], ARGV[1]) end return 1",
      1,
      "flood",
      "x".repeat(10_000),
    ]);
    let received = 0;
    const outcome = await settledWithin(
      (async () => {
        for await (const _ of sub) received++;
      })(),
      10_000,
    );
    assert.ok(outcome !== "pending", "the iterator does not hang");
    assert.ok("error" in outcome && outcome.error instanceof ConnectionClosedError, `${outcome}`);
    assert.ok(received < 100, `the server dropped it (${received} messages arrived)`);
    await client.finished;
  });

  Deno.test(`RedisClient RESP${protocol} rejects a subscribe the server refuses, and stays usable`, async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url);
    await admin.sendCommand(["ACL", "SETUSER", "limited", "on", ">pw", "&allowed", "+@all", "~*"]);
    await using client = await connect(server.url, {
      protocol,
      username: "limited",
      password: "pw",
    });
    await assert.rejects(
      client.subscribe("secret"),
      (e) => e instanceof ReplyError && e.code === "NOPERM",
    );
    assert.deepEqual(client.subscriptions.channel, []);
    assert.equal(await client.sendCommand(["SET", "k", "v"]), "OK", "not left in subscribed mode");
    const allowed = await client.subscribe("allowed");
    assert.ok(allowed.active);
  });
}

Deno.test("RedisClient pub/sub messages arrive in order under load, while commands keep flowing", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url);
  await using publisher = await connect(server.url);
  const seen: string[] = [];
  await client.subscribe("load", ({ message }) => void seen.push(message));
  const replies: Promise<unknown>[] = [];
  for (let i = 0; i < 2000; i++) {
    void publisher.publish("load", String(i));
    if (i % 100 === 0) replies.push(client.incr("counter"));
  }
  await publisher.ping();
  await client.ping();
  assert.deepEqual(await Promise.all(replies), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(seen.length, 2000);
  assert.ok(seen.every((m, i) => m === String(i)));
});

Deno.test("RedisClient validates subscribe arguments before sending", async () => {
  await using server: RedisServer = await startRedisServer();
  await using client: RedisClient = await connect(server.url);
  await assert.rejects(client.subscribe([]), TypeError);
  await assert.rejects(client.subscribe([42 as unknown as string]), TypeError);
  await assert.rejects(client.subscribe("a", { maxQueued: 0 }), RangeError);
  await assert.rejects(
    client.subscribe("a", { overflow: "ignore" as unknown as "drop" }),
    TypeError,
  );
  assert.equal(await client.ping(), "PONG");
});

Deno.test("RedisClient RESET ends every subscription and leaves the connection in RESP2 on db 0", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url, { db: 2 });
  const sub = await client.subscribe("a");
  const pattern = await client.psubscribe("p*", () => {});
  assert.equal(await client.sendCommand(["RESET"]), "RESET");
  assert.equal(await sub.finished, undefined);
  assert.equal(await pattern.finished, undefined);
  assert.equal((await sub[Symbol.asyncIterator]().next()).done, true);
  assert.deepEqual(client.subscriptions, { channel: [], pattern: [], shard: [] });
  assert.equal(client.protocol, 2);
  assert.equal(client.db, 0);
  assert.equal(await client.sendCommand(["SET", "k", "v"]), "OK");
  await client.subscribe("again"); // and subscribing works again, over RESP2 now
  await assert.rejects(client.sendCommand(["GET", "k"]), TypeError);
});
