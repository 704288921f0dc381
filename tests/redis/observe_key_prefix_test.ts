// keyPrefix against a real redis-server: only key arguments get the prefix (by the catalog's key
// specs), in plain commands, typed methods, pipelines, transactions and scripts' KEYS; values,
// channels and the patterns of KEYS and SCAN stay as they are; keys in replies are not stripped.
import assert from "node:assert/strict";
import { connect, prefixKeys, RedisClient, Script } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";

async function serverKeys(url: string): Promise<string[]> {
  await using raw = await connect(url);
  return ((await raw.sendCommand(["KEYS", "*"])) as string[]).sort();
}

Deno.test("RedisClient keyPrefix prefixes the keys of MSET, MGET and DEL, never their values", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url, { keyPrefix: "app:" });
  await client.mset({ a: "a", b: "b" });
  await client.sendCommand(["SET", "c", "c"]);
  assert.deepEqual(await client.mget(["a", "b", "c", "missing"]), ["a", "b", "c", null]);
  assert.deepEqual(await serverKeys(server.url), ["app:a", "app:b", "app:c"]);
  await using raw = await connect(server.url);
  assert.equal(await raw.get("app:a"), "a"); // the value was not prefixed
  assert.equal(await client.del("a", "b"), 2);
  assert.deepEqual(await serverKeys(server.url), ["app:c"]);
  // Byte keys get the prefix's bytes in front.
  await client.set(new Uint8Array([0x6b, 0xff]), "bytes");
  const bytesKey = await raw.sendCommand(["KEYS", "app:k*"], { returnBuffers: true });
  assert.deepEqual(bytesKey, [new Uint8Array([...new TextEncoder().encode("app:k"), 0xff])]);
});

Deno.test("RedisClient keyPrefix prefixes EVAL's KEYS (numkeys) and Script keys, not ARGV", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url, { keyPrefix: "app:" });
  const seen = await client.sendCommand([
    "EVAL",
    "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return {KEYS[1], KEYS[2], ARGV[1]}",
    2,
    "x",
    "y",
    "arg",
  ]);
  assert.deepEqual(seen, ["app:x", "app:y", "arg"]);
  const script = new Script("return redis.call('GET', KEYS[1])");
  assert.equal(await client.runScript(script, { keys: ["x"] }), "arg"); // EVALSHA, then EVAL
  assert.deepEqual(await serverKeys(server.url), ["app:x", "app:y"]);
});

Deno.test("RedisClient keyPrefix prefixes XREAD's streams and SORT's BY, GET and STORE", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url, { keyPrefix: "app:" });
  await client.sendCommand(["XADD", "s1", "1-1", "f", "v"]);
  const read = await client.sendCommand(["XREAD", "COUNT", "5", "STREAMS", "s1", "0"]);
  // The reply names the stream as the server has it: with the prefix.
  assert.ok(read instanceof Map && read.has("app:s1"));
  await client.rpush("ids", ["1", "2", "3"]);
  await client.mset({ "weight_1": "30", "weight_2": "10", "weight_3": "20" });
  await client.mset({ "name_1": "one", "name_2": "two", "name_3": "three" });
  const sorted = await client.sendCommand([
    "SORT",
    "ids",
    "BY",
    "weight_*",
    "GET",
    "#",
    "GET",
    "name_*",
    "STORE",
    "out",
  ]);
  assert.equal(sorted, 6);
  await using raw = await connect(server.url);
  assert.deepEqual(await raw.lrange("app:out", 0, -1), ["2", "two", "3", "three", "1", "one"]);
  assert.deepEqual(
    await client.sendCommand(["SORT_RO", "ids", "BY", "weight_*", "GET", "name_*"]),
    ["two", "three", "one"],
  );
});

Deno.test("RedisClient keyPrefix leaves the patterns of KEYS and SCAN, channels and replies alone", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url, { keyPrefix: "app:" });
  await client.set("k1", "v");
  // KEYS and SCAN MATCH take patterns, not keys: give the prefix yourself; the keys come back
  // as the server has them.
  assert.deepEqual(await client.sendCommand(["KEYS", "k*"]), []);
  assert.deepEqual(await client.sendCommand(["KEYS", "app:k*"]), ["app:k1"]);
  const found: string[] = [];
  for await (const key of client.scanIterator({ match: "app:*" })) found.push(String(key));
  assert.deepEqual(found, ["app:k1"]);
  // BLPOP names the key it popped from with the prefix.
  await client.rpush("q", "job");
  assert.deepEqual(await client.sendCommand(["BLPOP", "q", 1]), ["app:q", "job"]);
  // Channels are not keys.
  await using subscriber = await connect(server.url);
  const messages: string[] = [];
  await subscriber.subscribe("news", ({ message }) => void messages.push(String(message)));
  assert.equal(await client.publish("news", "hi"), 1);
  await subscriber.ping();
  assert.deepEqual(messages, ["hi"]);
});

Deno.test("Pipeline and Transaction prefix the keys of their commands, WATCH too", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url, { keyPrefix: "app:" });
  const pipeline = client.pipeline();
  pipeline.set("p", "1");
  pipeline.sendCommand(["INCR", "p"]);
  pipeline.get("p");
  assert.deepEqual(await pipeline.exec(), ["OK", 2, "2"]);
  await using watcher = await connect(server.url, { keyPrefix: "app:" });
  await watcher.sendCommand(["WATCH", "p"]);
  await client.set("p", "changed"); // app:p changed: the watched key
  const transaction = watcher.multi();
  transaction.set("t", "1");
  assert.equal(await transaction.exec(), null);
  const again = client.multi();
  again.set("t", "1");
  again.incr("t");
  assert.deepEqual(await again.exec(), ["OK", 2]);
  assert.deepEqual(await serverKeys(server.url), ["app:p", "app:t"]);
});

Deno.test("RedisClient refuses a keyPrefix that is not a string, and keyPrefix with cache", () => {
  assert.throws(() => new RedisClient({ keyPrefix: 5 as unknown as string }), TypeError);
  assert.throws(() => new RedisClient({ keyPrefix: "app:", cache: {} }), TypeError);
  new RedisClient({ keyPrefix: "", cache: {} }); // an empty prefix is no prefix
});

Deno.test("prefixKeys touches key arguments only and leaves the input unchanged", () => {
  const argv = ["ZUNIONSTORE", "out", 2, "a", "b", "WEIGHTS", 1, 2];
  assert.deepEqual(prefixKeys(argv, "p:"), [
    "ZUNIONSTORE",
    "p:out",
    2,
    "p:a",
    "p:b",
    "WEIGHTS",
    1,
    2,
  ]);
  assert.deepEqual(argv, ["ZUNIONSTORE", "out", 2, "a", "b", "WEIGHTS", 1, 2]);
  const none = ["PING"];
  assert.equal(prefixKeys(none, "p:"), none);
  assert.deepEqual(prefixKeys(["OBJECT", "ENCODING", "k"], "p:"), ["OBJECT", "ENCODING", "p:k"]);
  assert.deepEqual(
    prefixKeys(["MIGRATE", "h", 6379, "", 0, 5000, "KEYS", "a", "b"], "p:"),
    ["MIGRATE", "h", 6379, "", 0, 5000, "KEYS", "p:a", "p:b"],
  );
  assert.deepEqual(
    prefixKeys(["SORT", "l", "LIMIT", "0", "2", "BY", "nosort", "GET", "#"], "p:"),
    ["SORT", "p:l", "LIMIT", "0", "2", "BY", "p:nosort", "GET", "#"],
  );
  assert.deepEqual(prefixKeys(["PUBLISH", "ch", "m"], "p:"), ["PUBLISH", "ch", "m"]);
});
