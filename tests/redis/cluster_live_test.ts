// Against one real 3-master cluster (redis-server 7.0.15): keySlot against CLUSTER KEYSLOT, the
// topology parsers against live CLUSTER SHARDS / SLOTS replies, and startCluster's own promises
// (free ports, every slot covered, nothing left running after stop or a failed start).

import { makeTlsFiles } from "../../redis/testing/_tls.ts";
import assert from "node:assert/strict";
import { encodeCommand, ReplyError, RespReader } from "../../redis/mod.ts";
import type { RedisArgument, RespValue } from "../../redis/resp/types.ts";
import { keySlot } from "../../redis/cluster/slot.ts";
import { parseClusterShards, parseClusterSlots } from "../../redis/cluster/topology.ts";
import { classifyClusterError, parseRedirect } from "../../redis/cluster/redirect.ts";
import { startCluster } from "../../redis/testing/mod.ts";
import { envNumber } from "../_helpers/env.ts";

const encoder = new TextEncoder();

// Sends every command in one write and reads every reply, in order, on one connection.
async function pipeline(port: number, commands: RedisArgument[][]): Promise<RespValue[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const parts = commands.map((argv) => encodeCommand(argv));
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    const writing = (async () => {
      for (let written = 0; written < bytes.length;) {
        written += await conn.write(bytes.subarray(written));
      }
    })();
    const reader = new RespReader();
    const replies: RespValue[] = [];
    const buffer = new Uint8Array(64 * 1024);
    while (replies.length < commands.length) {
      const value = reader.next();
      if (value !== undefined) {
        replies.push(value);
        continue;
      }
      const n = await conn.read(buffer);
      if (n === null) throw new Error("The node closed the connection");
      reader.feed(buffer.subarray(0, n));
    }
    await writing;
    return replies;
  } finally {
    conn.close();
  }
}

// xorshift32, so a failing run can be repeated with DRAY_FUZZ_SEED.
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

// Random keys that hit the hash-tag rules often: braces are 1 byte in 4.
function randomKey(next: () => number): Uint8Array {
  const key = new Uint8Array(Math.floor(next() * 24));
  for (let i = 0; i < key.length; i++) {
    const pick = next();
    key[i] = pick < 0.125 ? 0x7b : pick < 0.25 ? 0x7d : Math.floor(next() * 256);
  }
  return key;
}

function alive(pid: number): boolean {
  return new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" }).outputSync()
    .success;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

const SPEC_KEYS = [
  "{user1000}.following",
  "{user1000}.followers",
  "foo{}{bar}",
  "foo{{bar}}zap",
  "foo{bar}{zap}",
  "{}x",
  "{}}",
  "foo{}}bar",
  "{}x}y",
  "a{}{b}}",
  "{",
  "}",
  "{}",
  "}{a}",
  "",
  "foo",
  "héllo{wörld}",
  "日本{語}",
];

Deno.test("startCluster serves a 3-master cluster that matches dray's slot and topology code", async (t) => {
  const cluster = await startCluster({ masters: 3 });
  const { nodes, dir } = cluster;
  try {
    await t.step("startCluster uses free ports other than 6379, three masters", () => {
      assert.equal(nodes.length, 3);
      assert.ok(nodes.every((node) => node.port !== 6379 && node.initialRole === "master"));
      assert.equal(new Set(nodes.map((node) => node.id)).size, 3);
    });

    const port = nodes[0]!.port;

    await t.step("keySlot matches CLUSTER KEYSLOT for 10,000 random binary keys", async () => {
      const seed = envNumber("DRAY_FUZZ_SEED") ?? 0x5107;
      const next = random(seed);
      const keys = Array.from({ length: 10_000 }, () => randomKey(next));
      const replies = await pipeline(port, keys.map((key) => ["CLUSTER", "KEYSLOT", key]));
      const mismatches = keys.filter((key, i) => keySlot(key) !== replies[i]);
      assert.deepEqual(mismatches.slice(0, 5), [], `seed ${seed}: ${mismatches.length} mismatches`);
    });

    await t.step(
      "keySlot matches CLUSTER KEYSLOT for the spec's tag cases and UTF-8 strings",
      async () => {
        const replies = await pipeline(port, SPEC_KEYS.map((key) => ["CLUSTER", "KEYSLOT", key]));
        assert.deepEqual(SPEC_KEYS.map((key) => keySlot(key)), replies);
        assert.deepEqual(SPEC_KEYS.map((key) => keySlot(encoder.encode(key))), replies);
        assert.equal(keySlot("foo{}{bar}"), 8363); // where npm's cluster-key-slot says 4015
      },
    );

    await t.step(
      "parseClusterShards covers all 16,384 slots from live RESP2 and RESP3 replies",
      async () => {
        const [resp2] = await pipeline(port, [["CLUSTER", "SHARDS"]]);
        const [, resp3] = await pipeline(port, [["HELLO", "3"], ["CLUSTER", "SHARDS"]]);
        assert.ok(resp3 instanceof Array && resp3[0] instanceof Map, "RESP3 shards are maps");
        for (const reply of [resp2, resp3]) {
          const map = parseClusterShards(reply, { host: "127.0.0.1", port });
          assert.equal(map.covered, true);
          assert.equal(map.shards.length, 3);
          assert.deepEqual(
            map.shards.map((shard) => shard.master?.id).sort(),
            nodes.map((node) => node.id).sort(),
          );
          for (let slot = 0; slot < 16384; slot += 511) {
            const owner = map.masterOf(slot)!;
            const [reply] = await pipeline(owner.port!, [["GET", keyForSlot(slot)]]);
            assert.equal(reply, null, `slot ${slot} is served by ${owner.address}`);
          }
        }
      },
    );

    await t.step("parseClusterSlots agrees with parseClusterShards on a live cluster", async () => {
      const [shards, slots] = await pipeline(port, [["CLUSTER", "SHARDS"], ["CLUSTER", "SLOTS"]]);
      const a = parseClusterShards(shards, { host: "127.0.0.1", port });
      const b = parseClusterSlots(slots, { host: "127.0.0.1", port });
      for (let slot = 0; slot < 16384; slot++) {
        assert.equal(a.masterOf(slot)?.address, b.masterOf(slot)?.address);
      }
    });

    await t.step("a node not owning a slot answers MOVED to the owner the map names", async () => {
      const map = parseClusterShards((await pipeline(port, [["CLUSTER", "SHARDS"]]))[0], {
        host: "127.0.0.1",
        port,
      });
      const slot = 16000;
      const owner = map.masterOf(slot)!;
      const other = nodes.find((node) => node.port !== owner.port)!;
      const [reply] = await pipeline(other.port, [["GET", keyForSlot(slot)]]);
      assert.ok(reply instanceof ReplyError);
      assert.equal(reply.message, `MOVED ${slot} ${owner.address}`);
    });

    await t.step(
      "parseRedirect reads live MOVED replies for ip, hostname and unknown endpoints",
      async () => {
        const map = parseClusterShards((await pipeline(port, [["CLUSTER", "SHARDS"]]))[0], {
          host: "127.0.0.1",
          port,
        });
        const slot = 42;
        const key = keyForSlot(slot);
        const owner = map.masterOf(slot)!;
        const asked = nodes.find((node) => node.port !== owner.port)!;
        const origin = { host: "127.0.0.1", port: asked.port };
        const movedTo = async (): Promise<unknown> => {
          const [reply] = await pipeline(asked.port, [["GET", key]]);
          assert.ok(reply instanceof ReplyError && reply.code === "MOVED", String(reply));
          return parseRedirect(reply, origin);
        };
        const until = async (type: string, host: string): Promise<void> => {
          await pipeline(asked.port, [["CONFIG", "SET", "cluster-preferred-endpoint-type", type]]);
          const deadline = Date.now() + 10_000;
          let last: unknown;
          while (Date.now() < deadline) {
            last = await movedTo();
            if (typeof last === "object" && last !== null && "host" in last && last.host === host) {
              assert.deepEqual(last, {
                kind: "moved",
                slot,
                host,
                port: owner.port,
                address: `${host}:${owner.port}`,
              });
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          assert.fail(`MOVED never named ${host} with ${type}: ${JSON.stringify(last)}`);
        };
        await until("ip", "127.0.0.1");
        for (const node of nodes) {
          await pipeline(node.port, [[
            "CONFIG",
            "SET",
            "cluster-announce-hostname",
            `n${node.port}.dray.test`,
          ]]);
        }
        await until("hostname", `n${owner.port}.dray.test`);
        await until("unknown-endpoint", "127.0.0.1"); // "MOVED 42 :port": the host that was asked
        await pipeline(owner.port!, [["CONFIG", "SET", "cluster-announce-hostname", ""]]);
        await pipeline(asked.port, [[
          "CONFIG",
          "SET",
          "cluster-preferred-endpoint-type",
          "hostname",
        ]]);
        const deadline = Date.now() + 10_000;
        let last: unknown;
        while (Date.now() < deadline && (last = await movedTo()) !== "unknown") {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(last, "unknown", "a node without a hostname is announced as '?'");
        await pipeline(asked.port, [["CONFIG", "SET", "cluster-preferred-endpoint-type", "ip"]]);
      },
    );

    await t.step(
      "classifyClusterError reads live ASK, TRYAGAIN and CLUSTERDOWN replies",
      async () => {
        const map = parseClusterShards((await pipeline(port, [["CLUSTER", "SHARDS"]]))[0], {
          host: "127.0.0.1",
          port,
        });
        const slot = keySlot("{t}a");
        const source = map.masterOf(slot)!;
        const target = map.nodes.find((node) => node.port !== source.port)!;
        const at = (node: typeof source) => ({ host: "127.0.0.1", port: node.port! });
        await pipeline(source.port!, [["SET", "{t}a", "1"]]);
        await pipeline(target.port!, [["CLUSTER", "SETSLOT", slot, "IMPORTING", source.id]]);
        await pipeline(source.port!, [["CLUSTER", "SETSLOT", slot, "MIGRATING", target.id]]);

        const [ask, tryAgain, present] = await pipeline(source.port!, [
          ["GET", "{t}b"],
          ["MGET", "{t}a", "{t}b"],
          ["GET", "{t}a"],
        ]);
        assert.ok(ask instanceof ReplyError && tryAgain instanceof ReplyError);
        assert.deepEqual(classifyClusterError(ask, at(source)), {
          kind: "ask",
          redirect: {
            kind: "ask",
            slot,
            host: "127.0.0.1",
            port: target.port,
            address: target.address,
          },
        });
        assert.deepEqual(classifyClusterError(tryAgain, at(source)), {
          kind: "retry",
          reason: "TRYAGAIN",
          refresh: false,
        });
        assert.equal(present, "1");
        const [moved, asking, afterAsking] = await pipeline(target.port!, [
          ["GET", "{t}b"],
          ["ASKING"],
          ["GET", "{t}b"],
        ]);
        assert.ok(moved instanceof ReplyError);
        assert.equal(classifyClusterError(moved, at(target)).kind, "moved");
        assert.deepEqual(
          [asking, afterAsking],
          ["OK", null],
          "ASKING lets the importing node answer",
        );

        await pipeline(source.port!, [["CLUSTER", "DELSLOTS", slot]]);
        const [down] = await pipeline(source.port!, [["GET", "{t}a"]]);
        assert.ok(down instanceof ReplyError, String(down));
        assert.deepEqual(classifyClusterError(down, at(source)), {
          kind: "retry",
          reason: "CLUSTERDOWN",
          refresh: true,
        });
      },
    );
  } finally {
    await cluster.stop();
  }
  assert.ok(nodes.every((node) => !alive(node.pid)), "no node process remains");
  assert.equal(await exists(dir), false, "the temp dir is removed");
});

// The first key of the form k<n> that hashes to `slot`.
function keyForSlot(slot: number): string {
  for (let n = 0;; n++) {
    if (keySlot(`k${n}`) === slot) return `k${n}`;
  }
}

// A CA and one node certificate for localhost and 127.0.0.1, in a temp dir: the same maker as
// startServer's `tls: true`.
async function makeCertificates(): Promise<
  { dir: string; certFile: string; keyFile: string; caFile: string }
> {
  const dir = await Deno.makeTempDir({ prefix: "dray-certs-" });
  return { dir, ...await makeTlsFiles(dir) };
}

function processState(pid: number): string {
  const { stdout } = new Deno.Command("ps", {
    args: ["-o", "stat=", "-p", String(pid)],
    stdout: "piped",
  })
    .outputSync();
  return new TextDecoder().decode(stdout).trim();
}

Deno.test("startCluster serves TLS only, with replicas, and signals single nodes", async (t) => {
  const certs = await makeCertificates();
  const cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
    tls: certs,
  });
  const { nodes, dir } = cluster;
  try {
    const first = nodes[0]!;

    await t.step("startCluster nodes refuse plaintext", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: first.port });
      try {
        await conn.write(encodeCommand(["PING"]));
        const buffer = new Uint8Array(64);
        const timer = setTimeout(() => conn.close(), 2000);
        const n = await conn.read(buffer).catch(() => null);
        clearTimeout(timer);
        assert.notEqual(
          n === null ? "" : new TextDecoder().decode(buffer.subarray(0, n)),
          "+PONG\r\n",
        );
      } finally {
        try {
          conn.close();
        } catch {
          // closed by the timer
        }
      }
    });

    await t.step("parseClusterShards reads TLS ports from a TLS-only cluster", async () => {
      assert.deepEqual(nodes.map((node) => node.initialRole), [
        "master",
        "master",
        "master",
        "replica",
        "replica",
        "replica",
      ]);
      const reply = await cluster.call(first.port, ["CLUSTER", "SHARDS"]);
      const map = parseClusterShards(reply, { host: "127.0.0.1", port: first.port, tls: true });
      assert.equal(map.covered, true);
      assert.deepEqual(
        map.nodes.map((node) => node.address).sort(),
        nodes.map((node) => `127.0.0.1:${node.port}`).sort(),
      );
      assert.ok(map.nodes.every((node) => node.port === undefined && node.health === "online"));
      assert.ok(map.shards.every((shard) => shard.replicas.length === 1));
      const plain = parseClusterShards(reply, { host: "127.0.0.1", port: first.port });
      assert.equal(plain.masterOf(0), undefined, "no plaintext port to use");
      assert.equal(plain.unknownEndpoints, 6);
    });

    await t.step("RedisClusterNode.kill stops, continues and kills one node", async () => {
      const replica = nodes.find((node) => node.initialRole === "replica")!;
      replica.kill("SIGSTOP");
      assert.match(processState(replica.pid), /^T/);
      replica.kill("SIGCONT");
      assert.doesNotMatch(processState(replica.pid), /^T/);
      replica.kill("SIGKILL");
      const deadline = Date.now() + 15_000;
      let health: string | undefined;
      while (Date.now() < deadline) {
        const reply = await cluster.call(first.port, ["CLUSTER", "SHARDS"]);
        health = parseClusterShards(reply, { host: "127.0.0.1", port: first.port, tls: true })
          .nodeById(replica.id)?.health;
        if (health === "failed") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(health, "failed", "the cluster marks the killed replica failed");
      await assert.rejects(cluster.call(1, ["PING"]), RangeError);
    });
  } finally {
    await cluster.stop();
    await Deno.remove(certs.dir, { recursive: true });
  }
  assert.ok(nodes.every((node) => !alive(node.pid)), "no node process remains");
  assert.equal(await exists(dir), false, "the temp dir is removed");
});

Deno.test("startCluster leaves no process and no temp dir when it fails half-way", async () => {
  const cases: [string[], RegExp][] = [
    [["--no-such-option", "1"], /exited during startup/], // the nodes never come up
    [["--cluster-enabled", "no"], /redis-cli --cluster create failed/], // they run, the join fails
  ];
  for (const [args, message] of cases) {
    const before = new Set(await clusterPids());
    const dirsBefore = await clusterDirs();
    await assert.rejects(() => startCluster({ args, startTimeoutMs: 20_000 }), message);
    const after = (await clusterPids()).filter((pid) => !before.has(pid));
    assert.deepEqual(after, [], `${args.join(" ")}: no process remains`);
    assert.deepEqual(await clusterDirs(), dirsBefore, `${args.join(" ")}: no dir remains`);
  }
});

Deno.test("startCluster rejects fewer than 3 masters before starting anything", async () => {
  await assert.rejects(() => startCluster({ masters: 2 }), RangeError);
});

// The pids of this process's children whose working directory is one startCluster made
// (redis-server chdirs to --dir, and rewrites its command line, so the cwd is what tells them
// apart from the other test files' servers under --parallel).
async function clusterPids(): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent !== Deno.pid) continue;
      const cwd = await Deno.readLink(`/proc/${entry.name}/cwd`);
      if (cwd.includes("/dray-cluster-")) pids.push(Number(entry.name));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids.sort((a, b) => a - b);
}

// The temp dirs startCluster makes.
async function clusterDirs(): Promise<string[]> {
  const names: string[] = [];
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const entry of Deno.readDir(tmp)) {
    if (entry.name.startsWith("dray-cluster-")) names.push(entry.name);
  }
  return names.sort();
}
