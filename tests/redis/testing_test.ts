// The public throwaway-server helpers (`redis/testing`): password, TLS, unix socket and extra
// configuration each reach the server; stopping kills the process and removes the dir; a server
// the program forgot to stop is killed when the program exits; a failed start is a typed error.
import assert from "node:assert/strict";
import { connect, ReplyError } from "../../redis/mod.ts";
import {
  ServerStartError,
  startCluster,
  startSentinel,
  startServer,
} from "../../redis/testing/mod.ts";

function alive(pid: number): boolean {
  // `kill -0` succeeds while the process exists (a zombie is reaped by Deno once awaited).
  return new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" }).outputSync()
    .success;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("startServer serves a client on a free port and removes everything on dispose", async () => {
  let pid: number;
  let dir: string;
  {
    await using server = await startServer();
    pid = server.pid;
    dir = server.dir;
    assert.notEqual(server.port, 6379);
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    await using client = await connect(server.url);
    assert.equal(await client.set("k", "v"), "OK");
    assert.equal(await client.get("k"), "v");
    assert.ok(alive(pid));
  }
  assert.equal(alive(pid), false);
  assert.equal(await exists(dir), false);
});

Deno.test("startServer requires the password it was given and puts it in the url", async () => {
  await using server = await startServer({ password: "s3 cret" });
  assert.match(server.url, /^redis:\/\/:s3%20cret@127\.0\.0\.1:\d+$/);
  await using client = await connect(server.url);
  assert.equal(await client.ping(), "PONG");
  await assert.rejects(
    connect(`redis://127.0.0.1:${server.port}`, { reconnect: false }),
    (error: unknown) => error instanceof ReplyError && /NOAUTH|AUTH/.test(error.message),
  );
});

Deno.test("startServer applies config entries and serves its unix socket", async () => {
  await using server = await startServer({ config: { "maxclients": 7, "hz": 20 } });
  await using client = await connect(`unix://${server.socketPath}`);
  assert.deepEqual(
    await client.sendCommand(["CONFIG", "GET", "maxclients"]),
    new Map([["maxclients", "7"]]),
  );
  assert.deepEqual(await client.sendCommand(["CONFIG", "GET", "hz"]), new Map([["hz", "20"]]));
});

Deno.test("startServer with tls serves TLS only, trusted through the CA it made", async () => {
  await using server = await startServer({ tls: true });
  assert.match(server.url, /^rediss:\/\/127\.0\.0\.1:\d+$/);
  assert.match(server.tls!.caPem, /BEGIN CERTIFICATE/);
  await using client = await connect(server.url, { tls: { caCerts: [server.tls!.caPem] } });
  assert.equal(await client.ping(), "PONG");
  assert.equal(client.transport?.tls, true);
});

Deno.test("startServer throws ServerStartError when the server refuses its configuration", async () => {
  await assert.rejects(
    startServer({ config: { "no-such-directive": 1 } }),
    (error: unknown) =>
      error instanceof ServerStartError && /exited during startup/.test(error.message),
  );
});

Deno.test("startServer kills a server the program never stopped when it calls Deno.exit", async () => {
  const module = new URL("../../redis/testing/mod.ts", import.meta.url).href;
  const script = `import { startServer } from "${module}";
const server = await startServer();
console.log(server.pid, server.dir);
Deno.exit(0);`; // no stop: the program exits with the server running
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const [pid, dir] = new TextDecoder().decode(output.stdout).trim().split(" ");
  const deadline = Date.now() + 10_000;
  while (alive(Number(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(Number(pid)), false);
  await Deno.remove(dir!, { recursive: true }).catch(() => {});
});

Deno.test("startCluster serves every slot with the replicas asked for, and stops every node", async () => {
  let pids: number[];
  let dir: string;
  {
    await using cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
    pids = cluster.nodes.map((node) => node.pid);
    dir = cluster.dir;
    assert.equal(cluster.nodes.length, 6);
    assert.deepEqual(
      cluster.seeds,
      cluster.nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
    );
    assert.deepEqual(cluster.nodes.map((node) => node.initialRole), [
      "master",
      "master",
      "master",
      "replica",
      "replica",
      "replica",
    ]);
    assert.ok(cluster.nodes.every((node) => node.dir.startsWith(`${dir}/`)));
    const roles: string[] = [];
    for (const node of cluster.nodes) {
      await using client = await connect(node.url);
      const info = String(await client.sendCommand(["CLUSTER", "INFO"]));
      assert.match(info, /cluster_state:ok/);
      assert.match(info, /cluster_slots_assigned:16384/);
      const [role] = await client.sendCommand<[string]>(["ROLE"]);
      roles.push(role);
      assert.equal(await client.sendCommand(["CLUSTER", "MYID"]), node.id);
    }
    assert.deepEqual(roles, ["master", "master", "master", "slave", "slave", "slave"]);
    // A write reaches the master of its slot.
    await using first = await connect(cluster.nodes[0]!.url);
    const slot = await first.sendCommand<number>(["CLUSTER", "KEYSLOT", "greeting"]);
    const shards = await first.sendCommand<Map<string, unknown>[]>(["CLUSTER", "SHARDS"]);
    const owner = shards.find((shard) => {
      const slots = shard.get("slots") as number[];
      for (let i = 0; i < slots.length; i += 2) {
        if (slot >= slots[i]! && slot <= slots[i + 1]!) return true;
      }
      return false;
    })!;
    const master = (owner.get("nodes") as Map<string, unknown>[])
      .find((node) => node.get("role") === "master")!;
    await using client = await connect(`redis://127.0.0.1:${master.get("port")}`);
    assert.equal(await client.set("greeting", "hello"), "OK");
  }
  for (const pid of pids) assert.equal(alive(pid), false);
  assert.equal(await exists(dir), false);
});

Deno.test("startCluster with a password and tls true requires both on every node, one CA for all", async () => {
  await using cluster = await startCluster({
    replicasPerMaster: 1,
    password: "s3cret",
    tls: true,
    config: { hz: 20 },
  });
  assert.match(cluster.tls!.caPem, /BEGIN CERTIFICATE/);
  const tls = { caCerts: [cluster.tls!.caPem] };
  for (const node of cluster.nodes) {
    assert.match(node.url, /^rediss:\/\/:s3cret@127\.0\.0\.1:\d+$/);
    await using client = await connect(node.url, { tls });
    assert.equal(client.transport?.tls, true);
    assert.match(String(await client.sendCommand(["CLUSTER", "INFO"])), /cluster_state:ok/);
    assert.deepEqual(await client.sendCommand(["CONFIG", "GET", "hz"]), new Map([["hz", "20"]]));
  }
  const first = cluster.nodes[0]!;
  await assert.rejects(
    connect(`rediss://127.0.0.1:${first.port}`, { tls, reconnect: false }),
    (error: unknown) => error instanceof ReplyError && /NOAUTH|AUTH/.test(error.message),
  );
  assert.equal(await cluster.call(first.port, ["CLUSTER", "MYID"]), first.id);
  await assert.rejects(cluster.call(1, ["PING"]), RangeError);
});

Deno.test("startCluster rejects fewer than 3 masters and a fractional replica count", async () => {
  await assert.rejects(startCluster({ masters: 2 }), RangeError);
  await assert.rejects(startCluster({ replicasPerMaster: 0.5 }), RangeError);
});

Deno.test("startSentinel watches a master and fails over to its replica, then stops everything", async () => {
  let pids: number[];
  let dirs: string[];
  {
    await using set = await startSentinel({ replicas: 1, sentinels: 3, downAfterMs: 500 });
    pids = [set.master, ...set.replicas, ...set.sentinels].map((server) => server.pid);
    dirs = set.sentinels.map((sentinel) => sentinel.dir);
    assert.equal(set.seeds.length, 3);
    await using sentinel = await connect(`redis://127.0.0.1:${set.seeds[0]!.port}`);
    const where = () => sentinel.sendCommand(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]);
    assert.deepEqual(await where(), ["127.0.0.1", String(set.master.port)]);
    await using replica = await connect(set.replicas[0]!.url);
    assert.equal((await replica.sendCommand<string[]>(["ROLE"]))[0], "slave");
    set.master.kill("SIGKILL");
    const deadline = Date.now() + 30_000;
    let now: unknown;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      now = await where();
    } while (
      JSON.stringify(now) !== JSON.stringify(["127.0.0.1", String(set.replicas[0]!.port)]) &&
      Date.now() < deadline
    );
    assert.deepEqual(now, ["127.0.0.1", String(set.replicas[0]!.port)]);
  }
  for (const pid of pids) assert.equal(alive(pid), false);
  for (const dir of dirs) assert.equal(await exists(dir), false);
});
