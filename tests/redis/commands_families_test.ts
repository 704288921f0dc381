// The hand-written command families against a real redis-server, over RESP2 and over RESP3: each
// scenario asserts its replies, and returns them so that the test can check that both protocols
// gave exactly the same values.

import assert from "node:assert/strict";
import { ReplyError, type ScoredMember, Script } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender, type TestSender } from "./_test_sender.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Runs `scenario` on a flushed database over RESP2 and RESP3; asserts identical results. */
async function bothProtocols(
  scenario: (redis: TestSender, protocol: 2 | 3) => Promise<unknown>,
): Promise<void> {
  await using server = await startRedisServer();
  const results: unknown[] = [];
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    assert.equal(redis.protocol, protocol);
    await redis.flushall();
    results.push(await scenario(redis, protocol));
  }
  assert.deepEqual(results[0], results[1]);
}

Deno.test("KeyCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    await redis.mset({ a: "1", b: "2", c: "3" });
    r.exists = await redis.exists(["a", "b", "missing", "a"]);
    assert.equal(r.exists, 3);
    r.type = await redis.type("a");
    assert.equal(r.type, "string");
    assert.equal(await redis.type("missing"), "none");
    assert.equal(await redis.expire("a", 100), true);
    assert.equal(await redis.expire("a", 50, { gt: true }), false);
    assert.equal(await redis.expire("missing", 100), false);
    const ttl = await redis.ttl("a");
    assert.ok(ttl > 90 && ttl <= 100);
    assert.equal(await redis.pexpire("b", 100_000, { nx: true }), true);
    assert.ok((await redis.pttl("b")) > 90_000);
    const at = new Date(Date.now() + 3_600_000);
    assert.equal(await redis.expireat("c", at), true);
    assert.equal(await redis.expiretime("c"), Math.floor(at.getTime() / 1000));
    assert.equal(await redis.pexpireat("c", at.getTime()), true);
    assert.equal(await redis.pexpiretime("c"), at.getTime());
    assert.equal(await redis.persist("c"), true);
    assert.equal(await redis.ttl("c"), -1);
    assert.equal(await redis.ttl("missing"), -2);
    r.copy = await redis.copy("c", "d");
    assert.equal(await redis.copy("c", "d"), false);
    assert.equal(await redis.copy("c", "d", { replace: true }), true);
    assert.equal(await redis.rename("d", "e"), "OK");
    await assert.rejects(redis.rename("missing", "x"), ReplyError);
    assert.equal(await redis.renamenx("e", "a"), false);
    r.keys = (await redis.keys("*")).sort();
    assert.deepEqual(r.keys, ["a", "b", "c", "e"]);
    assert.deepEqual(await redis.keys("a", { returnBuffers: true }), [bytes("a")]);
    assert.equal(typeof await redis.randomkey(), "string");
    assert.equal(await redis.touch(["a", "zz"]), 1);
    assert.equal(await redis.del(["a", "zz"]), 1);
    assert.equal(await redis.unlink("e"), 1);
    r.page = await redis.scan("0", { count: 1000 });
    return r;
  });
});

Deno.test("StringCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    assert.equal(await redis.set("s", "v1"), "OK");
    assert.equal(await redis.set("s", "v2", { nx: true }), null);
    assert.equal(await redis.set("missing", "v", { xx: true }), null);
    r.previous = await redis.set("s", "v2", { get: true, ex: 100 });
    assert.equal(r.previous, "v1");
    assert.ok((await redis.ttl("s")) > 90);
    assert.equal(await redis.set("s", "v3", { keepttl: true }), "OK");
    assert.ok((await redis.ttl("s")) > 90);
    assert.deepEqual(await redis.set("s", "v4", { get: true, returnBuffers: true }), bytes("v3"));
    assert.equal(await redis.set("s", "v5", { px: 5000, xx: true }), "OK");
    assert.equal(await redis.set("s", "v6", { exat: new Date(Date.now() + 60_000) }), "OK");
    assert.equal(await redis.set("s", "v7", { pxat: Date.now() + 60_000 }), "OK");
    assert.equal(await redis.get("s"), "v7");
    assert.equal(await redis.get("missing"), null);
    const binary = new Uint8Array([0, 0xff, 0x80, 10]);
    await redis.set("bin", binary);
    assert.deepEqual(await redis.get("bin", { returnBuffers: true }), binary);
    r.getex = await redis.getex("s", { ex: 30 });
    assert.ok((await redis.ttl("s")) <= 30);
    assert.equal(await redis.getex("s", { persist: true }), "v7");
    assert.equal(await redis.ttl("s"), -1);
    assert.equal(await redis.getdel("s"), "v7");
    assert.equal(await redis.getdel("s"), null);
    assert.equal(await redis.append("t", "hello"), 5);
    assert.equal(await redis.append("t", " world"), 11);
    assert.equal(await redis.getrange("t", -5, -1), "world");
    assert.equal(await redis.setrange("t", 6, "redis"), 11);
    assert.equal(await redis.get("t"), "hello redis");
    assert.equal(await redis.strlen("t"), 11);
    assert.equal(await redis.incr("n"), 1);
    assert.equal(await redis.incrby("n", 10), 11);
    assert.equal(await redis.decr("n"), 10);
    assert.equal(await redis.decrby("n", 20), -10);
    await redis.set("big", "9007199254740993");
    r.big = await redis.incr("big", { bigint: true });
    assert.equal(r.big, 9007199254740994n);
    assert.equal(await redis.incrbyfloat("f", 1.5), 1.5);
    assert.equal(await redis.incrbyfloat("f", "2.25"), 3.75);
    assert.equal(await redis.mset(new Map([["m1", 1], ["m2", 2]])), "OK");
    r.mget = await redis.mget(["m1", "m2", "missing"]);
    assert.deepEqual(r.mget, ["1", "2", null]);
    assert.deepEqual(await redis.mget(["m1"], { returnBuffers: true }), [bytes("1")]);
    assert.equal(await redis.msetnx([["m1", "x"], ["m3", "y"]]), false);
    assert.equal(await redis.msetnx({ m3: "x", m4: "y" }), true);
    return r;
  });
});

Deno.test("HashCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    assert.equal(await redis.hset("h", { name: "ada", born: 1815 }), 2);
    assert.equal(await redis.hset("h", [["born", "1816"], ["lang", "en"]]), 1);
    const all = await redis.hgetall("h");
    r.all = all;
    assert.deepEqual(all, { name: "ada", born: "1816", lang: "en" });
    assert.deepEqual(await redis.hgetall("missing"), {});
    const raw = await redis.hgetall("h", { returnBuffers: true });
    assert.deepEqual(raw, { name: bytes("ada"), born: bytes("1816"), lang: bytes("en") });
    const asMap = await redis.hgetall("h", { asMap: true });
    assert.deepEqual(asMap, new Map([["name", "ada"], ["born", "1816"], ["lang", "en"]]));
    const rawMap = await redis.hgetall("h", { asMap: true, returnBuffers: true });
    assert.deepEqual([...rawMap.keys()], [bytes("name"), bytes("born"), bytes("lang")]);
    assert.equal(await redis.hget("h", "name"), "ada");
    assert.equal(await redis.hget("h", "missing"), null);
    assert.deepEqual(await redis.hmget("h", ["name", "nope"]), ["ada", null]);
    assert.equal(await redis.hexists("h", "name"), true);
    assert.equal(await redis.hexists("h", "nope"), false);
    assert.equal(await redis.hsetnx("h", "name", "x"), false);
    assert.equal(await redis.hsetnx("h", "new", "x"), true);
    assert.equal(await redis.hincrby("h", "count", 5), 5);
    assert.equal(await redis.hincrbyfloat("h", "price", 0.5), 0.5);
    r.keys = await redis.hkeys("h");
    r.vals = await redis.hvals("h");
    assert.equal(await redis.hlen("h"), 6);
    assert.equal(await redis.hstrlen("h", "name"), 3);
    assert.equal(await redis.hdel("h", ["new", "count", "nope"]), 2);
    assert.equal(await redis.hdel("h", "price"), 1);
    const one = await redis.hrandfield("h");
    assert.ok(one !== null && ["name", "born", "lang"].includes(one));
    assert.equal(await redis.hrandfield("missing"), null);
    r.fields = (await redis.hrandfield("h", { count: 3 })).sort();
    assert.deepEqual(r.fields, ["born", "lang", "name"]);
    r.pairs = (await redis.hrandfield("h", { count: 3, withValues: true })).sort();
    assert.deepEqual(r.pairs, [["born", "1816"], ["lang", "en"], ["name", "ada"]]);
    const repeated = await redis.hrandfield("h", { count: -5, withValues: true });
    assert.equal(repeated.length, 5);
    for (const [field, value] of repeated) {
      assert.equal(value, (all as Record<string, string>)[field]);
    }
    r.page = await redis.hscan("h", "0");
    return r;
  });
});

Deno.test("ListCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    assert.equal(await redis.rpush("l", ["a", "b", "c"]), 3);
    assert.equal(await redis.lpush("l", "z"), 4);
    assert.equal(await redis.lpushx("missing", "a"), 0);
    assert.equal(await redis.rpushx("l", ["d"]), 5);
    r.range = await redis.lrange("l", 0, -1);
    assert.deepEqual(r.range, ["z", "a", "b", "c", "d"]);
    assert.deepEqual(await redis.lrange("l", 0, 0, { returnBuffers: true }), [bytes("z")]);
    assert.equal(await redis.llen("l"), 5);
    assert.equal(await redis.lindex("l", -1), "d");
    assert.equal(await redis.lindex("l", 99), null);
    assert.equal(await redis.lset("l", 0, "y"), "OK");
    await assert.rejects(redis.lset("l", 99, "x"), ReplyError);
    assert.equal(await redis.linsert("l", "AFTER", "a", "a2"), 6);
    assert.equal(await redis.linsert("l", "BEFORE", "nope", "x"), -1);
    assert.equal(await redis.lpos("l", "b"), 3);
    assert.equal(await redis.lpos("l", "nope"), null);
    await redis.rpush("l", "b");
    r.positions = await redis.lpos("l", "b", { count: 0 });
    assert.deepEqual(r.positions, [3, 6]);
    assert.equal(await redis.lpos("l", "b", { rank: -1 }), 6);
    assert.equal(await redis.lrem("l", -1, "b"), 1);
    assert.equal(await redis.ltrim("l", 0, 4), "OK");
    assert.equal(await redis.lpop("l"), "y");
    assert.deepEqual(await redis.lpop("l", { count: 2 }), ["a", "a2"]);
    assert.equal(await redis.rpop("l"), "c");
    assert.equal(await redis.lpop("missing"), null);
    assert.equal(await redis.lpop("missing", { count: 2 }), null);
    assert.deepEqual(await redis.rpop("l", { count: 5, returnBuffers: true }), [bytes("b")]);
    await redis.rpush("src", ["1", "2", "3"]);
    assert.equal(await redis.lmove("src", "dst", ["LEFT", "RIGHT"]), "1");
    assert.equal(await redis.lmove("empty", "dst", ["LEFT", "RIGHT"]), null);
    assert.equal(await redis.blmove("src", "dst", ["RIGHT", "LEFT"], 0.1), "3");
    r.mpop = await redis.lmpop(["empty", "src", "dst"], "LEFT", { count: 5 });
    assert.deepEqual(r.mpop, { key: "src", elements: ["2"] });
    assert.equal(await redis.lmpop("empty", "LEFT"), null);
    r.blmpop = await redis.blmpop("dst", "RIGHT", 0.1);
    assert.deepEqual(r.blmpop, { key: "dst", elements: ["1"] });
    r.blpop = await redis.blpop(["empty", "dst"], 0.1);
    assert.deepEqual(r.blpop, { key: "dst", element: "3" });
    assert.equal(await redis.brpop("empty", 0.05), null);
    assert.equal(await redis.blpop("empty", 0.05), null);
    assert.equal(await redis.blmpop(["empty"], "LEFT", 0.05), null);
    assert.equal(await redis.blmove("empty", "dst", ["LEFT", "LEFT"], 0.05), null);
    await redis.rpush("q", ["x", "y"]);
    assert.deepEqual(await redis.brpop("q", 1), { key: "q", element: "y" });
    return r;
  });
});

Deno.test("SetCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    assert.equal(await redis.sadd("a", ["1", "2", "3", "1"]), 3);
    assert.equal(await redis.sadd("b", ["2", "3", "4"]), 3);
    r.members = (await redis.smembers("a")).sort();
    assert.deepEqual(r.members, ["1", "2", "3"]);
    assert.ok(Array.isArray(await redis.smembers("a")));
    assert.deepEqual(await redis.smembers("missing"), []);
    assert.equal(await redis.sismember("a", "1"), true);
    assert.equal(await redis.sismember("a", "9"), false);
    assert.deepEqual(await redis.smismember("a", ["1", "9"]), [true, false]);
    assert.equal(await redis.scard("a"), 3);
    r.inter = (await redis.sinter(["a", "b"])).sort();
    assert.deepEqual(r.inter, ["2", "3"]);
    r.union = (await redis.sunion(["a", "b"])).sort();
    assert.deepEqual(r.union, ["1", "2", "3", "4"]);
    r.diff = await redis.sdiff(["a", "b"]);
    assert.deepEqual(r.diff, ["1"]);
    assert.deepEqual(await redis.sdiff("a", { returnBuffers: true }).then((m) => m.length), 3);
    assert.equal(await redis.sinterstore("i", ["a", "b"]), 2);
    assert.equal(await redis.sunionstore("u", ["a", "b"]), 4);
    assert.equal(await redis.sdiffstore("d", ["a", "b"]), 1);
    assert.equal(await redis.sintercard(["a", "b"]), 2);
    assert.equal(await redis.sintercard(["a", "b"], { limit: 1 }), 1);
    assert.equal(await redis.smove("a", "b", "1"), true);
    assert.equal(await redis.smove("a", "b", "1"), false);
    assert.equal(await redis.srem("b", ["1", "9"]), 1);
    const rand = await redis.srandmember("a");
    assert.ok(rand === "2" || rand === "3");
    assert.equal(await redis.srandmember("missing"), null);
    r.rand = (await redis.srandmember("a", { count: 5 })).sort();
    assert.deepEqual(r.rand, ["2", "3"]);
    assert.equal((await redis.srandmember("a", { count: -5 })).length, 5);
    r.popped = (await redis.spop("u", { count: 10 })).sort();
    assert.deepEqual(r.popped, ["1", "2", "3", "4"]);
    assert.equal(await redis.spop("u"), null);
    assert.equal(typeof await redis.spop("i"), "string");
    r.page = await redis.sscan("a", "0", { match: "*" });
    return r;
  });
});

Deno.test("SortedSetCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    assert.equal(
      await redis.zadd("z", [
        { score: 1, member: "a" },
        { score: 2.5, member: "b" },
        { score: 3, member: "c" },
      ]),
      3,
    );
    assert.equal(await redis.zadd("z", { score: -Infinity, member: "low" }), 1);
    assert.equal(await redis.zadd("z", { score: 10, member: "a" }, { xx: true, ch: true }), 1);
    assert.equal(await redis.zadd("z", { score: 0, member: "a" }, { gt: true, ch: true }), 0);
    assert.equal(await redis.zadd("z", { score: 5, member: "a" }, { nx: true }), 0);
    assert.equal(await redis.zscore("z", "b"), 2.5);
    assert.equal(await redis.zscore("z", "low"), -Infinity);
    assert.equal(await redis.zscore("z", "nope"), null);
    assert.deepEqual(await redis.zmscore("z", ["a", "nope", "low"]), [10, null, -Infinity]);
    assert.equal(await redis.zincrby("z", 0.25, "b"), 2.75);
    assert.equal(await redis.zcard("z"), 4);
    assert.equal(await redis.zcount("z", "(2.75", "+inf"), 2);
    r.range = await redis.zrange("z", 0, -1);
    assert.deepEqual(r.range, ["low", "b", "c", "a"]);
    r.withScores = await redis.zrange("z", 0, -1, { withScores: true });
    const expected: ScoredMember<string>[] = [
      { member: "low", score: -Infinity },
      { member: "b", score: 2.75 },
      { member: "c", score: 3 },
      { member: "a", score: 10 },
    ];
    assert.deepEqual(r.withScores, expected);
    r.byScore = await redis.zrange("z", "+inf", "(2.75", {
      by: "SCORE",
      rev: true,
      limit: { offset: 0, count: 1 },
      withScores: true,
    });
    assert.deepEqual(r.byScore, [{ member: "a", score: 10 }]);
    const buffers = await redis.zrange("z", 0, 0, { withScores: true, returnBuffers: true });
    assert.deepEqual(buffers, [{ member: bytes("low"), score: -Infinity }]);
    assert.equal(await redis.zrank("z", "b"), 1);
    assert.equal(await redis.zrevrank("z", "b"), 2);
    assert.equal(await redis.zrank("z", "nope"), null);
    assert.equal(await redis.zrangestore("top", "z", [0, 1], { rev: true }), 2);
    await redis.zadd("lex", [{ score: 0, member: "a" }, { score: 0, member: "b" }, {
      score: 0,
      member: "c",
    }]);
    assert.equal(await redis.zlexcount("lex", "[a", "(c"), 2);
    assert.deepEqual(await redis.zrange("lex", "(a", "+", { by: "LEX" }), ["b", "c"]);
    assert.equal(await redis.zremrangebylex("lex", "[a", "[a"), 1);
    await redis.zadd("y", [{ score: 1, member: "b" }, { score: 7, member: "x" }]);
    r.union = await redis.zunion(["z", "y"], { weights: [1, 2], withScores: true });
    assert.deepEqual(r.union, [
      { member: "low", score: -Infinity },
      { member: "c", score: 3 },
      { member: "b", score: 4.75 },
      { member: "a", score: 10 },
      { member: "x", score: 14 },
    ]);
    r.inter = await redis.zinter(["z", "y"], { aggregate: "MAX", withScores: true });
    assert.deepEqual(r.inter, [{ member: "b", score: 2.75 }]);
    assert.deepEqual(await redis.zinter(["z", "y"]), ["b"]);
    r.diff = await redis.zdiff(["z", "y"], { withScores: true });
    assert.equal((r.diff as unknown[]).length, 3);
    assert.deepEqual(await redis.zdiff(["z", "y"]), ["low", "c", "a"]);
    assert.equal(await redis.zunionstore("u", ["z", "y"], { aggregate: "MIN" }), 5);
    assert.equal(await redis.zinterstore("i", ["z", "y"]), 1);
    assert.equal(await redis.zdiffstore("d", ["z", "y"]), 3);
    assert.equal(await redis.zintercard(["z", "y"]), 1);
    assert.equal(await redis.zintercard(["z", "y"], { limit: 1 }), 1);
    const one = await redis.zrandmember("z");
    assert.ok(typeof one === "string");
    assert.equal(await redis.zrandmember("missing"), null);
    r.rand = (await redis.zrandmember("z", { count: 10 })).sort();
    r.randScores = (await redis.zrandmember("z", { count: 10, withScores: true })).sort((p, q) =>
      p.score - q.score
    );
    assert.deepEqual(r.randScores, expected);
    r.popmax = await redis.zpopmax("z");
    assert.deepEqual(r.popmax, [{ member: "a", score: 10 }]);
    r.popmin = await redis.zpopmin("z", { count: 2 });
    assert.deepEqual(r.popmin, [{ member: "low", score: -Infinity }, { member: "b", score: 2.75 }]);
    assert.deepEqual(await redis.zpopmin("missing"), []);
    await redis.zadd("z", [{ score: 4, member: "d" }, { score: 5, member: "e" }]);
    r.zmpop = await redis.zmpop(["missing", "z"], "MAX", { count: 2 });
    assert.deepEqual(r.zmpop, {
      key: "z",
      members: [{ member: "e", score: 5 }, { member: "d", score: 4 }],
    });
    assert.equal(await redis.zmpop("missing", "MIN"), null);
    r.bzmpop = await redis.bzmpop("z", "MIN", 0.1);
    assert.deepEqual(r.bzmpop, { key: "z", members: [{ member: "c", score: 3 }] });
    assert.equal(await redis.bzmpop("z", "MIN", 0.05), null);
    await redis.zadd("w", [{ score: 1, member: "p" }, { score: 2, member: "q" }]);
    r.bzpopmax = await redis.bzpopmax(["missing", "w"], 0.1);
    assert.deepEqual(r.bzpopmax, { key: "w", member: "q", score: 2 });
    r.bzpopmin = await redis.bzpopmin("w", 0.1);
    assert.deepEqual(r.bzpopmin, { key: "w", member: "p", score: 1 });
    assert.equal(await redis.bzpopmin("w", 0.05), null);
    await redis.zadd("r", [{ score: 1, member: "a" }, { score: 2, member: "b" }, {
      score: 3,
      member: "c",
    }]);
    assert.equal(await redis.zremrangebyscore("r", "-inf", "(2"), 1);
    assert.equal(await redis.zremrangebyrank("r", 0, 0), 1);
    assert.equal(await redis.zrem("r", ["c", "nope"]), 1);
    r.page = await redis.zscan("u", "0");
    return r;
  });
});

Deno.test("StreamCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    assert.equal(await redis.xadd("s", "1-1", { temp: 21.5, unit: "C" }), "1-1");
    assert.equal(await redis.xadd("s", "2-0", [["temp", "22"]]), "2-0");
    assert.equal(await redis.xadd("nope", "*", { a: 1 }, { nomkstream: true }), null);
    const auto = await redis.xadd("s", "*", new Map([["temp", "23"]]), {
      trim: { strategy: "MAXLEN", threshold: 10, approximate: true, limit: 100 },
    });
    assert.match(auto!, /^\d+-\d+$/);
    assert.equal(await redis.xlen("s"), 3);
    r.range = await redis.xrange("s", "-", "2-0");
    assert.deepEqual(r.range, [
      { id: "1-1", fields: new Map([["temp", "21.5"], ["unit", "C"]]) },
      { id: "2-0", fields: new Map([["temp", "22"]]) },
    ]);
    assert.deepEqual(await redis.xrevrange("s", "2-0", "-", { count: 1 }), [
      { id: "2-0", fields: new Map([["temp", "22"]]) },
    ]);
    const raw = await redis.xrange("s", "1-1", "1-1", { returnBuffers: true });
    assert.deepEqual(raw, [{
      id: "1-1",
      fields: new Map([[bytes("temp"), bytes("21.5")], [bytes("unit"), bytes("C")]]),
    }]);
    r.read = await redis.xread({ s: "1-1" }, { count: 1 });
    assert.deepEqual(r.read, new Map([["s", [{ id: "2-0", fields: new Map([["temp", "22"]]) }]]]));
    assert.equal(await redis.xread([["s", "$"]], { block: 50 }), null);
    await redis.xadd("t", "5-0", { x: "1" });
    const readTwo = await redis.xread(new Map([["s", "2-0"], ["t", "0"]]));
    assert.deepEqual([...readTwo!.keys()], ["s", "t"]);
    assert.deepEqual(readTwo!.get("t"), [{ id: "5-0", fields: new Map([["x", "1"]]) }]);

    assert.equal(await redis.xgroupCreate("s", "g", "0"), "OK");
    await assert.rejects(
      redis.xgroupCreate("s", "g", "0"),
      (e) => e instanceof ReplyError && e.code === "BUSYGROUP",
    );
    assert.equal(
      await redis.xgroupCreate("new", "g", "$", { mkstream: true, entriesRead: 0 }),
      "OK",
    );
    assert.equal(await redis.xgroupCreateconsumer("s", "g", "w1"), true);
    assert.equal(await redis.xgroupCreateconsumer("s", "g", "w1"), false);
    r.group = await redis.xreadgroup(["g", "w1"], { s: ">" }, { count: 2 });
    assert.deepEqual(
      r.group,
      new Map([["s", [
        { id: "1-1", fields: new Map([["temp", "21.5"], ["unit", "C"]]) },
        { id: "2-0", fields: new Map([["temp", "22"]]) },
      ]]]),
    );
    assert.equal(await redis.xdel("s", "1-1"), 1);
    r.history = await redis.xreadgroup(["g", "w1"], { s: "0" });
    assert.deepEqual(
      r.history,
      new Map([["s", [
        { id: "1-1", fields: null },
        { id: "2-0", fields: new Map([["temp", "22"]]) },
      ]]]),
    );
    assert.equal(
      await redis.xreadgroup(["g", "w1"], { s: ">" }, { block: 50, count: 5, noack: true }).then((
        m,
      ) => m?.get("s")?.length),
      1,
    );
    const summary = await redis.xpending("s", "g");
    assert.equal(summary.count, 2);
    assert.deepEqual(summary.consumers, [{ name: "w1", count: 2 }]);
    r.summary = { ...summary, largest: null };
    assert.deepEqual(await redis.xpending("new", "g"), {
      count: 0,
      smallest: null,
      largest: null,
      consumers: [],
    });
    const pending = await redis.xpending("s", "g", { count: 10, consumer: "w1" });
    assert.deepEqual(pending.map((p) => [p.id, p.consumer, p.deliveries]), [["1-1", "w1", 1], [
      "2-0",
      "w1",
      2,
    ]]);
    assert.ok(pending.every((p) => typeof p.idleMs === "number" && p.idleMs >= 0));
    r.claimIds = await redis.xclaim("s", "g", "w2", 0, ["2-0"], { justid: true });
    assert.deepEqual(r.claimIds, ["2-0"]);
    r.claim = await redis.xclaim("s", "g", "w2", 0, "2-0", { retrycount: 5 });
    assert.deepEqual(r.claim, [{ id: "2-0", fields: new Map([["temp", "22"]]) }]);
    r.auto = await redis.xautoclaim("s", "g", "w3", 0, "0-0", { count: 10 });
    assert.deepEqual(r.auto, {
      next: "0-0",
      claimed: [{ id: "2-0", fields: new Map([["temp", "22"]]) }],
      deleted: ["1-1"],
    });
    assert.deepEqual((await redis.xautoclaim("s", "g", "w3", 0, "0-0", { justid: true })).claimed, [
      "2-0",
    ]);
    assert.equal(await redis.xack("s", "g", ["2-0", "9-9"]), 1);
    const info = await redis.xinfoStream("s");
    assert.equal(info.length, 2);
    assert.equal(info.groups, 1);
    r.infoKeys = Object.keys(info);
    assert.deepEqual([...(await redis.xinfoStream("s", { asMap: true })).keys()], r.infoKeys);
    const groups = await redis.xinfoGroups("s");
    assert.equal(groups[0]?.name, "g");
    r.groupKeys = Object.keys(groups[0]!);
    const consumers = await redis.xinfoConsumers("s", "g");
    r.consumers = consumers.map((c) => c.name).sort();
    assert.deepEqual(r.consumers, ["w1", "w2", "w3"]);
    assert.equal(await redis.xgroupDelconsumer("s", "g", "w1"), 0);
    assert.equal(await redis.xgroupSetid("s", "g", "0", { entriesRead: 0 }), "OK");
    assert.equal(await redis.xgroupDestroy("s", "g"), true);
    assert.equal(await redis.xgroupDestroy("s", "g"), false);
    assert.equal(await redis.xtrim("s", { strategy: "MAXLEN", threshold: 1 }), 1);
    assert.equal(
      await redis.xtrim("s", {
        strategy: "MINID",
        threshold: "9999999999999-0",
        approximate: false,
      }),
      1,
    );
    return r;
  });
});

Deno.test("ScriptingCommands run scripts and fall back from EVALSHA to EVAL on NOSCRIPT", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    const script = new Script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    assert.equal(await redis.scriptFlush({ mode: "SYNC" }), "OK");
    const before = redis.sent.length;
    r.first = await redis.runScript(script, { keys: ["n"], args: [5] });
    assert.equal(r.first, 5);
    assert.deepEqual(redis.sent.slice(before).map((argv) => argv[0]), ["EVALSHA", "EVAL"]);
    const again = redis.sent.length;
    assert.equal(await redis.runScript(script, { keys: ["n"], args: [1] }), 6);
    assert.deepEqual(redis.sent.slice(again).map((argv) => argv[0]), ["EVALSHA"]);
    assert.deepEqual(await redis.scriptExists([script.sha1, "0".repeat(40)]), [true, false]);
    assert.equal(await redis.scriptLoad(script.source), script.sha1);
    const reader = new Script("return redis.call('GET', KEYS[1])");
    assert.equal(await redis.runScript(reader, { keys: ["n"], readOnly: true }), "6");
    await assert.rejects(
      redis.runScript(new Script("return redis.call('SET', KEYS[1], 'x')"), {
        keys: ["n"],
        readOnly: true,
      }),
      ReplyError,
    );
    await assert.rejects(
      redis.runScript(new Script("syntax error here")),
      (e) => e instanceof ReplyError && e.code !== "NOSCRIPT",
    );
    assert.equal(await redis.eval("return ARGV[1]", { args: ["hi"] }), "hi");
    assert.equal(await redis.eval("return 1"), 1);
    assert.equal(await redis.evalRo("return redis.call('GET', KEYS[1])", { keys: ["n"] }), "6");
    assert.equal(await redis.evalsha(script.sha1, { keys: ["n"], args: [4] }), 10);
    assert.equal(await redis.evalshaRo(reader.sha1, { keys: ["n"] }), "10");
    await assert.rejects(
      redis.evalsha("0".repeat(40)),
      (e) => e instanceof ReplyError && e.code === "NOSCRIPT",
    );
    await redis.sendCommand([
      "FUNCTION",
      "LOAD",
      "REPLACE",
      "#!lua name=draytest\nredis.register_function('echo1', function(keys, args) return args[1] end)\n" +
      "redis.register_function{function_name='get1', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}",
    ]);
    assert.equal(await redis.fcall("echo1", { args: ["x"] }), "x");
    assert.equal(await redis.fcallRo("get1", { keys: ["n"] }), "10");
    r.table = await redis.eval("return {1, 'two', {3}}");
    assert.deepEqual(r.table, [1, "two", [3]]);
    return r;
  });
});

Deno.test("ServerCommands work the same over RESP2 and RESP3", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    assert.equal(await redis.ping(), "PONG");
    assert.equal(await redis.ping("hello"), "hello");
    assert.deepEqual(await redis.ping("hi", { returnBuffers: true }), bytes("hi"));
    assert.equal(await redis.echo("é"), "é");
    await redis.set("k", "v");
    assert.equal(await redis.dbsize(), 1);
    assert.equal(await redis.flushdb({ mode: "SYNC" }), "OK");
    assert.equal(await redis.dbsize(), 0);
    assert.equal(await redis.flushall({ mode: "ASYNC" }), "OK");
    const info = await redis.info("server");
    assert.equal(typeof info, "string");
    assert.match(info, /redis_version:7\./);
    assert.match(await redis.info(["server", "clients"]), /connected_clients:/);
    assert.match(await redis.info(), /# Server/);
    assert.equal(await redis.configSet({ "maxmemory-policy": "allkeys-lru", "hz": 15 }), "OK");
    r.config = await redis.configGet(["maxmemory-policy", "hz"]);
    assert.deepEqual(r.config, { "maxmemory-policy": "allkeys-lru", hz: "15" });
    assert.deepEqual(await redis.configGet("no-such-parameter"), {});
    assert.deepEqual(
      await redis.configGet("hz", "maxmemory-policy", { asMap: true }),
      new Map([["maxmemory-policy", "allkeys-lru"], ["hz", "15"]]),
    );
    await redis.configSet([["maxmemory-policy", "noeviction"], ["hz", "10"]]);
    return r;
  });
});

Deno.test("scan iterators visit everything through many pages and never split a pair", async () => {
  await bothProtocols(async (redis) => {
    const r: Record<string, unknown> = {};
    const keys = Array.from({ length: 600 }, (_, i) => `key:${i}`);
    await redis.mset(keys.map((k) => [k, "v"] as const));
    await redis.hset(
      "hash:big",
      Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`] as const),
    );
    await redis.sadd("set:big", Array.from({ length: 300 }, (_, i) => `m${i}`));
    await redis.zadd(
      "zset:big",
      Array.from({ length: 300 }, (_, i) => ({ score: i / 2, member: `m${i}` })),
    );

    const seen = new Set<string>();
    let pages = 0;
    for await (const key of redis.scanIterator({ match: "key:*", count: 7 })) seen.add(key);
    for (let cursor = "0";;) {
      const page = await redis.scan(cursor, { match: "key:*", count: 7 });
      pages++;
      cursor = page.cursor;
      if (cursor === "0") break;
    }
    assert.ok(pages > 10, `only ${pages} pages`);
    assert.deepEqual([...seen].sort(), [...keys].sort());
    const hashes: string[] = [];
    for await (const key of redis.scanIterator({ type: "hash" })) hashes.push(key);
    assert.deepEqual(hashes, ["hash:big"]);

    const fields = new Map<string, string>();
    for await (const pair of redis.hscanIterator("hash:big", { count: 5 })) {
      assert.equal(pair.length, 2);
      const [field, value] = pair;
      assert.equal(value, `v${field.slice(1)}`);
      fields.set(field, value);
    }
    assert.equal(fields.size, 300);
    for await (
      const [field, value] of redis.hscanIterator("hash:big", { match: "f1?", returnBuffers: true })
    ) {
      assert.ok(field instanceof Uint8Array && value instanceof Uint8Array);
    }

    const members = new Set<string>();
    for await (const member of redis.sscanIterator("set:big", { count: 5 })) members.add(member);
    assert.equal(members.size, 300);

    const scored = new Map<string, number>();
    for await (const { member, score } of redis.zscanIterator("zset:big", { count: 5 })) {
      assert.equal(score, Number(member.slice(1)) / 2);
      scored.set(member, score);
    }
    assert.equal(scored.size, 300);

    let none = 0;
    for await (const _ of redis.hscanIterator("missing")) none++;
    for await (const _ of redis.scanIterator({ match: "nothing:*" })) none++;
    assert.equal(none, 0);
    r.sizes = [seen.size, fields.size, members.size, scored.size];
    return r;
  });
});
