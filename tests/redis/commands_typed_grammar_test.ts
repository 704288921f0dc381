// The methods whose grammar has blocks, choices or repeated groups (bitmaps.ts, geo.ts, admin.ts,
// hmset): each against a real server in RESP2 and RESP3 with the same reply, the words they send,
// and their refusals (a wrong option key, a value of the wrong type, a missing block field) as a
// TypeError before anything is sent. And every generated "more of the same" method takes its
// values spread and as arrays alike.

import assert from "node:assert/strict";
import type { RedisArgument, RespValue } from "../../redis/mod.ts";
import {
  type AclLogEntry,
  type AclLogOptions,
  type AclLogReply,
  GeneratedCommands,
  type GeoMember,
  type GeoRadiusOptions,
  type GeoRadiusReply,
  RedisCommands,
} from "../../redis/commands/mod.ts";
import type { CommandOptions } from "../../redis/commands/command_sender.ts";
import { METHOD_CHECKS } from "../../redis/commands/_method_checks.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender, type TestSender } from "./_test_sender.ts";

/** Records what each method sends, and answers null. */
class Recorder extends RedisCommands {
  sent: RedisArgument[][] = [];
  get protocol(): 2 | 3 {
    return 3;
  }
  sendCommand<T = RespValue>(argv: readonly RedisArgument[], _?: CommandOptions): Promise<T> {
    this.sent.push([...argv]);
    return Promise.resolve(null as T);
  }
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** `true` exactly when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

Deno.test("GeoRadiusReply and AclLogReply follow the options' type", () => {
  const checks: true[] = [
    true as Equal<GeoRadiusReply<{ store: "k" }>, number>,
    true as Equal<GeoRadiusReply<{ storeDist: "k"; count: 2 }>, number>,
    true as Equal<GeoRadiusReply<{ withDist: true }>, GeoMember[]>,
    true as Equal<GeoRadiusReply<Record<never, never>>, GeoMember[]>,
    true as Equal<GeoRadiusReply<GeoRadiusOptions>, GeoMember[] | number>,
    true as Equal<AclLogReply<{ reset: true }>, "OK">,
    true as Equal<AclLogReply<{ count: 1 }>, AclLogEntry[]>,
    true as Equal<AclLogReply<{ reset: false }>, AclLogEntry[]>,
    true as Equal<AclLogReply<AclLogOptions>, AclLogEntry[] | "OK">,
  ];
  assert.equal(checks.length, 9);
});

/** The argv each call sends, as text. */
async function sent(call: (r: Recorder) => Promise<unknown>): Promise<string[]> {
  const recorder = new Recorder();
  await call(recorder).catch(() => {}); // the recorder's null reply may not parse
  assert.equal(recorder.sent.length, 1);
  return recorder.sent[0]!.map(String);
}

Deno.test("RedisCommands block methods send the server's grammar", async () => {
  assert.deepEqual(await sent((r) => r.bitcount("k", { start: 1, end: -1, unit: "bit" })), [
    "BITCOUNT",
    "k",
    "1",
    "-1",
    "BIT",
  ]);
  assert.deepEqual(await sent((r) => r.bitpos("k", 1, { start: 2 })), ["BITPOS", "k", "1", "2"]);
  assert.deepEqual(
    await sent((r) =>
      r.geosearchstore("d", "s", { member: "a" }, { width: 1, height: 2, unit: "km" }, {
        order: "DESC",
        count: 3,
        any: true,
        storeDist: true,
      })
    ),
    ["GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "a", "BYBOX", "1", "2", "KM", "DESC", "COUNT", "3"]
      .concat(["ANY", "STOREDIST"]),
  );
  assert.deepEqual(
    await sent((r) => r.geoadd("g", [{ longitude: 1, latitude: 2, member: "m" }], { xx: true })),
    ["GEOADD", "g", "XX", "1", "2", "m"],
  );
  assert.deepEqual(
    await sent((r) =>
      r.migrate("h", 7000, ["a", "b"], 0, 100, {
        replace: true,
        auth2: { username: "u", password: "p" },
      })
    ),
    ["MIGRATE", "h", "7000", "", "0", "100", "REPLACE", "AUTH2", "u", "p", "KEYS", "a", "b"],
  );
  assert.deepEqual(
    await sent((r) => r.clientTracking("ON", { bcast: true, prefix: ["a:", "b:"], noloop: true })),
    ["CLIENT", "TRACKING", "ON", "PREFIX", "a:", "PREFIX", "b:", "BCAST", "NOLOOP"],
  );
  assert.deepEqual(await sent((r) => r.clientList({ id: [1, 2n] })), [
    "CLIENT",
    "LIST",
    "ID",
    "1",
    "2",
  ]);
  assert.deepEqual(await sent((r) => r.clusterSetslot(7, { stable: true })), [
    "CLUSTER",
    "SETSLOT",
    "7",
    "STABLE",
  ]);
  assert.deepEqual(await sent((r) => r.clusterAddslotsrange([[0, 5], [9, 10]])), [
    "CLUSTER",
    "ADDSLOTSRANGE",
    "0",
    "5",
    "9",
    "10",
  ]);
  assert.deepEqual(
    await sent((r) => r.failover({ to: { host: "h", port: 1, force: true }, timeout: 50 })),
    ["FAILOVER", "TO", "h", "1", "FORCE", "TIMEOUT", "50"],
  );
  assert.deepEqual(
    await sent((r) => r.moduleLoadex("/m.so", { config: { a: "1" }, args: ["x", "y"] })),
    ["MODULE", "LOADEX", "/m.so", "CONFIG", "a", "1", "ARGS", "x", "y"],
  );
  assert.deepEqual(await sent((r) => r.aclLog({ reset: true })), ["ACL", "LOG", "RESET"]);
});

Deno.test("RedisCommands block methods refuse a wrong option key, a wrong type or a missing field before sending", async () => {
  const recorder = new Recorder();
  const call = recorder as unknown as Record<string, AnyMethod>;
  const cases: [string, unknown[], RegExp][] = [
    ["geoadd", ["g", [{ longitude: 1, latitude: 2 }]], /"member"/],
    ["geoadd", ["g", [{ longitude: "1", latitude: 2, member: "m" }]], /"longitude"/],
    ["geoadd", ["g", []], /at least one/],
    ["geoadd", ["g", { longitude: 1, latitude: 2, member: "m" }, { nxx: true }], /nxx/],
    ["geosearch", ["g", { member: "m" }, { radius: 1 }], /unit/],
    ["geosearch", ["g", { member: "m" }, { radius: 1, width: 2, unit: "km" }], /exactly one/],
    ["geosearch", ["g", {}, { radius: 1, unit: "km" }], /"longitude"/],
    ["geosearch", ["g", { member: "m" }, { radius: 1, unit: "yd" }], /M, KM, FT, MI/],
    ["geosearch", ["g", { member: "m" }, { radius: 1, unit: "m" }, { any: true }], /needs "count"/],
    ["geosearch", ["g", { member: "m" }, { radius: 1, unit: "m" }, { withDist: 1 }], /boolean/],
    ["georadiusRo", ["g", 1, 2, 3, "km", { store: "x" }], /Unknown option "store"/],
    ["georadius", ["g", "1", 2, 3, "km"], /must be a number/],
    ["bitcount", ["k", { start: 0 }], /needs "end"/],
    ["bitcount", ["k", { start: "0", end: 1 }], /must be a number/],
    ["bitpos", ["k", 1, { unit: "BIT" }], /needs "start" and "end"/],
    ["bitpos", ["k", 2], /0 or 1/],
    ["bitfield", ["k", [{ operation: "SET", encoding: "u8", offset: 0 }]], /"value"/],
    ["bitfield", ["k", [{ operation: "OVERFLOW", behavior: "LOOP" }]], /WRAP, SAT, FAIL/],
    ["bitfield", ["k", [{ operation: "DEL" }]], /GET, SET, INCRBY, OVERFLOW/],
    ["bitfield", ["k", []], /non-empty/],
    ["bitfieldRo", ["k", [{ encoding: "u8" }]], /"offset"/],
    ["clusterSetslot", [1, {}], /exactly one of importing/],
    ["clusterSetslot", [1, { importing: "a", node: "b" }], /importing and node/],
    ["clusterSetslot", [1, { stable: false }], /must be true/],
    ["clusterAddslotsrange", [[0]], /\[start, end\]/],
    ["clusterDelslotsrange", [[]], /\[start, end\]|at least one/],
    ["clientList", [{ type: "ADMIN" }], /NORMAL, MASTER/],
    ["clientList", [{ id: ["x"] }], /takes numbers/],
    ["clientList", [{ type: "NORMAL", id: 1 }], /not both/],
    ["clientTracking", ["MAYBE"], /ON, OFF/],
    ["clientTracking", ["ON", { prefixes: "a" }], /Unknown option "prefixes"/],
    ["commandList", [{ filterBy: { module: "a", pattern: "b" } }], /exactly one/],
    ["commandList", [{ filterby: { module: "a" } }], /Unknown option "filterby"/],
    ["commandGetkeys", ["MSET", "a", "1"], /at most/],
    ["failover", [{ to: { host: "h" } }], /"port"/],
    [
      "migrate",
      ["h", 1, "k", 0, 10, { auth: "a", auth2: { username: "u", password: "p" } }],
      /not both/,
    ],
    ["migrate", ["h", 1, "k", 0, 10, { auth2: { username: "u" } }], /"password"/],
    ["migrate", ["h", 1, [], 0, 10], /at least one key/],
    ["moduleLoadex", ["/m.so", { args: "x" }], /"args" of moduleLoadex\(\) must be an array/],
    ["replicaof", ["NO", 6379], /"NO", "ONE"/],
    ["replicaof", ["host", "ONE"], /"NO", "ONE"/],
    ["slaveof", ["host", "6379"], /"NO", "ONE"/],
    ["aclLog", [{ count: 1, reset: true }], /not both/],
    ["aclLog", [{ count: "1" }], /must be a number/],
    ["hmset", ["h", {}], /at least one field/],
    ["hmset", ["h", { a: "1" }, "b"], /options object/],
  ];
  const failures: string[] = [];
  for (const [name, args, message] of cases) {
    recorder.sent = [];
    try {
      await call[name]!.apply(recorder, args);
      failures.push(`${name}(${JSON.stringify(args)}) was not refused`);
    } catch (error) {
      if (!(error instanceof TypeError) || !message.test(error.message)) {
        failures.push(`${name}: ${String(error)} does not match ${message}`);
      }
    }
    if (recorder.sent.length > 0) failures.push(`${name}: sent before refusing`);
  }
  assert.deepEqual(failures, []);
});

Deno.test("GeneratedCommands runs of one value take values spread and as arrays alike", async () => {
  const recorder = new Recorder();
  const call = recorder as unknown as Record<string, AnyMethod>;
  const rest = Object.getOwnPropertyNames(GeneratedCommands.prototype).filter((name) =>
    METHOD_CHECKS[name]?.[2] === true
  );
  assert.ok(rest.length >= 15, `only ${rest.length} rest methods`);
  for (const name of rest) {
    const leading = METHOD_CHECKS[name]![0].map((_, i) => `p${i}`);
    recorder.sent = [];
    await call[name]!.apply(recorder, [...leading, "a", "b", "c"]).catch(() => {});
    await call[name]!.apply(recorder, [...leading, ["a", "b"], "c"]).catch(() => {});
    await call[name]!.apply(recorder, [...leading, ["a", "b", "c"], { timeoutMs: 1000 }])
      .catch(() => {});
    assert.equal(recorder.sent.length, 3, name);
    assert.deepEqual(recorder.sent[1], recorder.sent[0], name);
    assert.deepEqual(recorder.sent[2], recorder.sent[0], name);
    assert.deepEqual(recorder.sent[0]!.slice(-3), ["a", "b", "c"], name);
  }
});

/** The calls of the block methods on a standalone server, each with its expected reply. */
async function standaloneCalls(r: TestSender, other: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  await r.flushall();
  await r.set("b", "\xff\x00\x0f"); // UTF-8: c3 bf 00 0f
  out.bitcount = await r.bitcount("b");
  out.bitcountRange = await r.bitcount("b", { start: 0, end: 0 });
  out.bitcountBits = await r.bitcount("b", { start: 0, end: 3, unit: "BIT" });
  out.bitpos = await r.bitpos("b", 0);
  out.bitposRange = await r.bitpos("b", 1, { start: 2, end: 2, unit: "BYTE" });
  out.bitfield = await r.bitfield("bf", [
    { operation: "SET", encoding: "u8", offset: "#0", value: 250 },
    { operation: "OVERFLOW", behavior: "SAT" },
    { operation: "INCRBY", encoding: "u8", offset: "#0", increment: 10 },
  ]);
  out.bitfieldRo = await r.bitfieldRo("bf", [{ encoding: "u8", offset: 0 }, {
    encoding: "i4",
    offset: 8,
  }]);
  out.geoadd = await r.geoadd("g", [
    { longitude: 13.361389, latitude: 38.115556, member: "Palermo" },
    { longitude: 15.087269, latitude: 37.502669, member: "Catania" },
  ]);
  out.geoaddCh = await r.geoadd("g", { longitude: 13.4, latitude: 38.1, member: "Palermo" }, {
    xx: true,
    ch: true,
  });
  out.geosearch = await r.geosearch("g", { member: "Catania" }, {
    width: 400,
    height: 400,
    unit: "km",
  }, { order: "ASC", count: 1 });
  out.geosearchstore = await r.geosearchstore("gs", "g", { longitude: 15, latitude: 37 }, {
    radius: 300,
    unit: "km",
  }, { storeDist: true });
  out.georadiusRo = (await r.georadiusRo("g", 15, 37, 200, "km", { withCoord: true, order: "ASC" }))
    .map((m) => m.member);
  out.georadiusbymember = await r.georadiusbymember("g", "Palermo", 300, "km", {
    order: "DESC",
    withDist: true,
  }).then((members) => members.map((m) => [m.member, typeof m.distance]));
  out.georadiusbymemberStore = await r.georadiusbymember("g", "Palermo", 300, "km", {
    storeDist: "gd",
  });
  out.georadiusbymemberRo = await r.georadiusbymemberRo("g", "Palermo", 1, "km");
  out.hmset = await r.hmset("h", { a: "1", b: "2" });
  out.hgetall = await r.hgetall("h");
  out.aclLogReset = await r.aclLog({ reset: true });
  out.aclLog = await r.aclLog({ count: 5 });
  const id = await r.clientId();
  out.clientList = (await r.clientList({ id })).startsWith(`id=${id} `);
  out.clientListType = (await r.clientList({ type: "NORMAL" })).includes(`id=${id} `);
  out.clientTracking = await r.clientTracking("ON", { bcast: true, prefix: ["x:"], noloop: true });
  out.clientTrackingOff = await r.clientTracking("OFF");
  out.commandGetkeys = await r.commandGetkeys(["MSET", "a", "1", "b", "2"]);
  out.commandGetkeysandflags = await r.commandGetkeysandflags(["SET", "a", "1"]);
  out.commandList = (await r.commandList({ filterBy: { aclcat: "geo" } })).includes("geoadd");
  out.commandListAll = (await r.commandList()).length > 200;
  await r.set("m1", "v");
  await r.set("m2", "w");
  out.migrate = await r.migrate("127.0.0.1", other, "m1", 0, 5000, { copy: true, replace: true });
  out.migrateKeys = await r.migrate("127.0.0.1", other, ["m1", "m2"], 0, 5000, { replace: true });
  out.migrateNone = await r.migrate("127.0.0.1", other, "m1", 0, 5000);
  out.replicaof = await r.replicaof("NO", "ONE");
  out.slaveof = await r.slaveof("NO", "ONE");
  return out;
}

Deno.test("RedisCommands block methods give the same replies in RESP2 and RESP3", async () => {
  await using server = await startRedisServer();
  await using target = await startRedisServer();
  const results: Record<string, unknown>[] = [];
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    results.push(await standaloneCalls(redis, target.port));
  }
  assert.deepEqual(results[0], results[1]);
  assert.deepEqual(results[1], {
    bitcount: 15, // "\xff" is sent as UTF-8: c3 bf 00 0f
    bitcountRange: 4,
    bitcountBits: 2,
    bitpos: 2,
    bitposRange: -1,
    bitfield: [0, 255],
    bitfieldRo: [255, 0],
    geoadd: 2,
    geoaddCh: 1,
    geosearch: [{ member: "Catania" }],
    geosearchstore: 2,
    georadiusRo: ["Catania", "Palermo"],
    georadiusbymember: [["Catania", "number"], ["Palermo", "number"]],
    georadiusbymemberStore: 2,
    georadiusbymemberRo: [{ member: "Palermo" }],
    hmset: "OK",
    hgetall: { a: "1", b: "2" },
    aclLogReset: "OK",
    aclLog: [],
    clientList: true,
    clientListType: true,
    clientTracking: "OK",
    clientTrackingOff: "OK",
    commandGetkeys: ["a", "b"],
    commandGetkeysandflags: [{ key: "a", flags: ["OW", "update"] }],
    commandList: true,
    commandListAll: true,
    migrate: "OK",
    migrateKeys: "OK",
    migrateNone: "NOKEY",
    replicaof: "OK",
    slaveof: "OK",
  });
});

Deno.test("RedisCommands cluster slot methods run on a cluster node, in RESP2 and RESP3", async () => {
  await using node = await startRedisServer({ args: ["--cluster-enabled", "yes"] });
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(node.port, protocol);
    const id = await redis.clusterMyid();
    assert.equal(await redis.clusterAddslotsrange([[0, 10], [20, 30]]), "OK");
    assert.equal(await redis.clusterDelslotsrange([20, 30]), "OK");
    assert.equal(await redis.clusterSetslot(5, { migrating: id }), "OK");
    assert.equal(await redis.clusterSetslot(5, { stable: true }), "OK");
    assert.equal(await redis.clusterSetslot(25, { node: id }), "OK");
    assert.equal(await redis.clusterDelslotsrange([[0, 10], [25, 25]]), "OK");
  }
});

Deno.test("RedisCommands moduleLoadex, moduleLoad and moduleUnload send their arguments and get the server's refusal without a module", async () => {
  await using server = await startRedisServer({ args: ["--enable-module-command", "yes"] });
  await using redis = await openSender(server.port, 3);
  await assert.rejects(
    redis.moduleLoadex("/nonexistent/dray.so", { config: [["a", "1"]], args: ["x"] }),
    { name: "ReplyError", message: /Error loading the extension/ },
  );
  assert.deepEqual(redis.sent.at(-1)!.map(String), [
    "MODULE",
    "LOADEX",
    "/nonexistent/dray.so",
    "CONFIG",
    "a",
    "1",
    "ARGS",
    "x",
  ]);
  await assert.rejects(redis.moduleLoad("/nonexistent/dray.so", "a", ["b"]), {
    name: "ReplyError",
    message: /Error loading the extension/,
  });
  assert.deepEqual(redis.sent.at(-1)!.map(String), [
    "MODULE",
    "LOAD",
    "/nonexistent/dray.so",
    "a",
    "b",
  ]);
  await assert.rejects(redis.moduleUnload("dray"), {
    name: "ReplyError",
    message: /no such module/,
  });
});
