// The rest of the coverage: the generated methods that argument lists made from the grammar
// cannot run (they need a state first: a library, a stream, an ACL file, a cluster node of their
// own) called with explicit arguments, each on a throwaway server when it changes the server; and
// the document replies decoded from real data, which must be identical in RESP2 and RESP3.

import assert from "node:assert/strict";
import { GeneratedCommands } from "../../redis/commands/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender, type TestSender } from "./_test_sender.ts";

/**
 * Generated methods no test calls, and why (redis-server 7.0.15). FAILOVER, CLUSTER REPLICATE,
 * CLUSTER FAILOVER, SCRIPT KILL, FUNCTION KILL and SHUTDOWN run in
 * commands_coverage_replicas_test.ts; MODULE LOADEX runs up to the server's refusal of a missing
 * file in commands_typed_grammar_test.ts.
 */
export const NOT_RUN_REASONS: Readonly<Record<string, string>> = {
  moduleLoad: "needs a module file; Debian's redis-server ships none (its refusal is tested)",
  moduleUnload: "needs a loaded module (its refusal is tested)",
};

type Call = (redis: TestSender) => Promise<unknown>;

/** One explicit call per method, after its setup; `check` looks at the decoded reply. */
const CALLS: Record<string, { setup?: string[][]; call: Call; check: (reply: unknown) => void }> = {
  aclDeluser: { call: (r) => r.aclDeluser("nobody"), check: (v) => assert.equal(v, 0) },
  aclDryrun: {
    call: (r) => r.aclDryrun("default", "get", "k"),
    check: (v) => assert.equal(v, "OK"),
  },
  aclLoad: { call: (r) => r.aclLoad(), check: (v) => assert.equal(v, "OK") },
  aclSave: { call: (r) => r.aclSave(), check: (v) => assert.equal(v, "OK") },
  bitop: {
    setup: [["SET", "a", "x"], ["SET", "b", "y"]],
    call: (r) => r.bitop("AND", "dest", "a", "b"),
    check: (v) => assert.equal(v, 1),
  },
  clientCaching: {
    setup: [["CLIENT", "TRACKING", "ON", "OPTIN"]],
    call: (r) => r.clientCaching("YES"),
    check: (v) => assert.equal(v, "OK"),
  },
  clientPause: {
    call: (r) => r.clientPause(1, { mode: "WRITE" }),
    check: (v) => assert.equal(v, "OK"),
  },
  configRewrite: { call: (r) => r.configRewrite(), check: (v) => assert.equal(v, "OK") },
  functionDelete: {
    setup: [["FUNCTION", "LOAD", "#!lua name=cov\nredis.register_function('f', function() end)"]],
    call: (r) => r.functionDelete("cov"),
    check: (v) => assert.equal(v, "OK"),
  },
  functionRestore: {
    setup: [["FUNCTION", "FLUSH"]],
    call: async (r) => {
      await r.sendCommand([
        "FUNCTION",
        "LOAD",
        "#!lua name=rs\nredis.register_function('g', function() end)",
      ]);
      const dump = await r.functionDump({ returnBuffers: true });
      assert.ok(dump instanceof Uint8Array);
      return r.functionRestore(dump, { policy: "REPLACE" });
    },
    check: (v) => assert.equal(v, "OK"),
  },
  latencyGraph: {
    setup: [["CONFIG", "SET", "latency-monitor-threshold", "1"], ["DEBUG", "SLEEP", "0.002"]],
    call: (r) => r.latencyGraph("command"),
    check: (v) => assert.match(v as string, /command - high/),
  },
  restore: {
    call: async (r) => {
      await r.sendCommand(["SET", "src", "v"]);
      const dump = await r.dump("src", { returnBuffers: true });
      return r.restore("copy", 0, dump!, { replace: true });
    },
    check: (v) => assert.equal(v, "OK"),
  },
  restoreAsking: {
    call: async (r) => {
      await r.sendCommand(["SET", "src", "v"]);
      const dump = await r.dump("src", { returnBuffers: true });
      return r.restoreAsking("copy2", 0, dump!, { replace: true, idletime: 5 });
    },
    check: (v) => assert.equal(v, "OK"),
  },
  xsetid: {
    setup: [["XADD", "s", "1-1", "f", "v"]],
    call: (r) => r.xsetid("s", "2-0"),
    check: (v) => assert.equal(v, "OK"),
  },
};

/** Cluster subcommands, on a cluster-enabled node of their own. */
const CLUSTER_CALLS: Record<string, { call: (r: TestSender, id: string) => Promise<unknown> }> = {
  clusterCountFailureReports: { call: (r, id) => r.clusterCountFailureReports(id) },
  clusterReplicas: { call: (r, id) => r.clusterReplicas(id) },
  clusterSlaves: { call: (r, id) => r.clusterSlaves(id) },
  clusterSetConfigEpoch: { call: (r) => r.clusterSetConfigEpoch(0) },
};

async function aclServerFiles(): Promise<{ dir: string; configFile: string }> {
  const dir = await Deno.makeTempDir({ prefix: "dray-cov-" });
  await Deno.writeTextFile(`${dir}/users.acl`, "user default on nopass ~* &* +@all\n");
  const configFile = `${dir}/redis.conf`;
  await Deno.writeTextFile(configFile, `aclfile ${dir}/users.acl\n`);
  return { dir, configFile };
}

Deno.test("GeneratedCommands methods that need a state first run with explicit arguments, in RESP2 and RESP3", async () => {
  for (const protocol of [2, 3] as const) {
    // Each protocol gets its own throwaway server and files: these calls change them (CONFIG
    // REWRITE writes the whole command line into the config file).
    const files = await aclServerFiles();
    try {
      await using server = await startRedisServer({ configFile: files.configFile });
      await using redis = await openSender(server.port, protocol);
      for (const [name, { setup, call, check }] of Object.entries(CALLS)) {
        await redis.sendCommand(["FLUSHALL"]);
        for (const argv of setup ?? []) await redis.sendCommand(argv);
        let reply: unknown;
        try {
          reply = await call(redis);
        } catch (error) {
          throw new Error(`${name} (RESP${protocol}): ${(error as Error).message}`);
        }
        check(reply);
      }
      await redis.sendCommand(["CLIENT", "UNPAUSE"]);
    } finally {
      await Deno.remove(files.dir, { recursive: true });
    }
  }
});

Deno.test("GeneratedCommands cluster subcommands run on a cluster node of their own", async () => {
  for (const protocol of [2, 3] as const) {
    await using node = await startRedisServer({ args: ["--cluster-enabled", "yes"] });
    await using redis = await openSender(node.port, protocol);
    const id = await redis.clusterMyid();
    const replies: Record<string, unknown> = {};
    for (const [name, { call }] of Object.entries(CLUSTER_CALLS)) {
      replies[name] = await call(redis, id);
    }
    assert.deepEqual(replies, {
      clusterCountFailureReports: 0,
      clusterReplicas: [],
      clusterSlaves: [],
      clusterSetConfigEpoch: "OK",
    });
    // CLUSTER MEET joins a second node; FORGET then drops it again.
    await using other = await startRedisServer({ args: ["--cluster-enabled", "yes"] });
    await using peer = await openSender(other.port, protocol);
    const otherId = await peer.clusterMyid();
    assert.equal(await redis.clusterMeet("127.0.0.1", other.port), "OK");
    for (let i = 0; i < 200; i++) {
      if ((await redis.clusterNodes()).includes(otherId)) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await redis.clusterForget(otherId), "OK");
  }
});

const VOLATILE = new Set([
  "timestamp",
  "ageSeconds",
  "clientInfo",
  "durationUs",
  "id",
  "latestMs",
  "maxMs",
  "latencyMs",
  "calls",
  "histogramUsec",
]);

/** The reply with volatile fields (times, durations, ids, addresses, counters) masked. */
function stable(name: string, value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v) => {
    if (VOLATILE.has(key)) return "~";
    if (name === "slowlogGet" && (key === "args" || key === "client")) return "~";
    if (name === "memoryStats" && key !== "" && typeof v === "number") return "~";
    return v;
  }));
}

Deno.test("RedisCommands document replies decode real data to the same value in RESP2 and RESP3", async () => {
  await using server = await startRedisServer();
  await using setup = await openSender(server.port, 3);
  await setup.sendCommand(["CONFIG", "SET", "latency-monitor-threshold", "1"]);
  await setup.sendCommand(["DEBUG", "SLEEP", "0.002"]);
  await setup.sendCommand(["ACL", "SETUSER", "reader", "on", ">secret", "~r:*", "+get"]);
  await setup.sendCommand(["AUTH", "reader", "wrong"]).catch(() => {});
  await setup.sendCommand(["GEOADD", "g", "13.361389", "38.115556", "Palermo"]);
  await setup.sendCommand(["GEOADD", "g", "15.087269", "37.502669", "Catania"]);
  await setup.sendCommand(["SET", "l1", "ohmytext"]);
  await setup.sendCommand(["SET", "l2", "mynewtext"]);
  await setup.sendCommand([
    "FUNCTION",
    "LOAD",
    "#!lua name=docs\nredis.register_function{function_name='h', callback=function() return 1 end, " +
    "flags={'no-writes'}, description='one'}",
  ]);
  const calls: Record<string, (r: TestSender) => Promise<unknown>> = {
    aclGetuser: (r) => r.aclGetuser("reader"),
    aclGetuserMissing: (r) => r.aclGetuser("nobody"),
    aclLog: (r) => r.aclLog({ count: 1 }),
    clientTrackinginfo: (r) => r.clientTrackinginfo(),
    commandDocs: (r) => r.commandDocs("get", "client"),
    commandInfo: (r) => r.commandInfo("get", "xadd", "nope"),
    commandGetkeysandflags: (r) => r.commandGetkeysandflags(["lmove", "a", "b", "LEFT", "RIGHT"]),
    functionList: (r) => r.functionList({ withcode: true, libraryname: "do*" }),
    functionStats: (r) => r.functionStats(),
    latencyHistogram: (r) => r.latencyHistogram("set"),
    latencyLatest: (r) => r.latencyLatest(),
    latencyHistory: (r) => r.latencyHistory("command"),
    memoryStats: (r) => r.memoryStats(),
    moduleList: (r) => r.moduleList(),
    role: (r) => r.role(),
    slowlogGet: (r) => r.slowlogGet(2),
    pubsubNumsub: (r) => r.pubsubNumsub("a", "b"),
    geopos: (r) => r.geopos("g", "Palermo", "nowhere"),
    geosearch: (r) =>
      r.geosearch("g", { longitude: 15, latitude: 37 }, { radius: 200, unit: "km" }, {
        order: "ASC",
        withCoord: true,
        withDist: true,
        withHash: true,
      }),
    georadius: (r) => r.georadius("g", 15, 37, 200, "KM", { withDist: true, order: "ASC" }),
    georadiusStore: (r) => r.georadius("g", 15, 37, 200, "KM", { store: "dest" }),
    lcs: (r) => r.lcs("l1", "l2"),
    lcsLen: (r) => r.lcs("l1", "l2", { len: true }),
    lcsIdx: (r) => r.lcs("l1", "l2", { idx: true, withmatchlen: true }),
    bitfield: (r) =>
      r.bitfield("bf", [
        { operation: "SET", encoding: "u8", offset: 0, value: 200 },
        { operation: "GET", encoding: "u8", offset: 0 },
        { operation: "OVERFLOW", behavior: "FAIL" },
        { operation: "INCRBY", encoding: "u8", offset: 0, increment: 100 },
      ]),
  };
  const byProtocol: Record<string, unknown>[] = [];
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    const out: Record<string, unknown> = {};
    for (const [name, call] of Object.entries(calls)) {
      await redis.sendCommand(["DEL", "bf", "dest"]);
      try {
        out[name] = stable(name, await call(redis));
      } catch (error) {
        throw new Error(`${name} (RESP${protocol}): ${(error as Error).message}`);
      }
    }
    byProtocol.push(out);
  }
  assert.deepEqual(byProtocol[0], byProtocol[1]);
  const resp3 = byProtocol[1]!;
  assert.deepEqual((resp3.aclGetuser as { keys: string }).keys, "~r:*");
  assert.equal(resp3.aclGetuserMissing, null);
  assert.equal((resp3.aclLog as { reason: string }[])[0]?.reason, "auth");
  assert.deepEqual(resp3.clientTrackinginfo, { flags: ["off"], redirect: -1, prefixes: [] });
  assert.ok(
    "client|list" in
      ((resp3.commandDocs as Record<string, { subcommands: object }>).client!.subcommands),
  );
  assert.equal((resp3.commandInfo as unknown[])[2], null);
  assert.deepEqual(resp3.commandGetkeysandflags, [
    { key: "a", flags: ["RW", "access", "delete"] },
    { key: "b", flags: ["RW", "insert"] },
  ]);
  assert.equal(
    (resp3.functionList as { functions: { description: string }[] }[])[0]?.functions[0]
      ?.description,
    "one",
  );
  assert.deepEqual(resp3.role, { role: "master", offset: 0, replicas: [] });
  assert.deepEqual(resp3.pubsubNumsub, { a: 0, b: 0 });
  assert.equal((resp3.geopos as unknown[])[1], null);
  const [near] = resp3.geosearch as {
    member: string;
    distance: number;
    hash: number;
    longitude: number;
  }[];
  assert.equal(near?.member, "Catania");
  assert.equal(typeof near?.distance, "number");
  assert.equal(typeof near?.hash, "number");
  assert.equal(typeof near?.longitude, "number");
  assert.equal(resp3.georadiusStore, 2);
  assert.equal(resp3.lcs, "mytext");
  assert.equal(resp3.lcsLen, 6);
  assert.deepEqual(resp3.lcsIdx, {
    matches: [{ a: [4, 7], b: [5, 8], length: 4 }, { a: [2, 3], b: [0, 1], length: 2 }],
    len: 6,
  });
  assert.deepEqual(resp3.bitfield, [0, 200, null]);
});

Deno.test("GeneratedCommands not-run list names only generated methods", () => {
  for (const name of Object.keys(NOT_RUN_REASONS)) {
    assert.equal(
      typeof (GeneratedCommands.prototype as unknown as Record<string, unknown>)[name],
      "function",
      name,
    );
  }
  const covered = new Set([
    ...Object.keys(CALLS),
    ...Object.keys(CLUSTER_CALLS),
    "clusterMeet",
    "clusterForget",
  ]);
  for (const name of covered) assert.ok(!(name in NOT_RUN_REASONS), name);
});
