// connectSentinel against scripted fake sentinels (a tiny RESP server in the test) and real
// data nodes: a sentinel that names a replica is skipped after ROLE; a stale "master" that
// answers READONLY makes the client find the master again and send the unwritten command once.

import assert from "node:assert/strict";
import {
  connectSentinel,
  MasterNameUnknownError,
  SentinelClient,
  SentinelUnreachableError,
} from "../../redis/mod.ts";
import { startServer } from "../../redis/testing/mod.ts";
import { rawCommands } from "../../redis/testing/_raw.ts";
import { resp, sentinelHandler, startFakeServer } from "./_fake_resp_server.ts";

async function waitLinked(replicaSocket: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [info] = await rawCommands(replicaSocket, ["INFO replication"]);
    if (info!.includes("master_link_status:up")) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("The replica did not link");
}

Deno.test("connectSentinel skips a sentinel's answer whose ROLE is not master", async () => {
  await using master = await startServer({ config: { "repl-diskless-sync-delay": 0 } });
  await using replica = await startServer({
    args: ["--replicaof", "127.0.0.1", String(master.port)],
  });
  await waitLinked(replica.socketPath);
  // The sentinel with the higher epoch names the replica: tried first, skipped after ROLE.
  await using wrong = startFakeServer(
    sentinelHandler("mymaster", () => ({ port: replica.port, epoch: 7 })),
  );
  await using right = startFakeServer(
    sentinelHandler("mymaster", () => ({ port: master.port, epoch: 6 })),
  );
  await using client = await connectSentinel({
    sentinels: [`127.0.0.1:${wrong.port}`, `redis://127.0.0.1:${right.port}`],
    name: "mymaster",
    watchers: 0,
  });
  assert.equal(client.master, `127.0.0.1:${master.port}`);
  await client.set("where", "master");
  assert.equal(await rawCommands(master.socketPath, ["GET where"]).then((r) => r[0]), "master");
});

Deno.test("SentinelClient resends an unwritten command once after a stale master's READONLY", async () => {
  await using master = await startServer();
  let incrs = 0;
  await using stale = startFakeServer((argv) => {
    switch (argv[0]) {
      case "HELLO":
        return resp.error("ERR unknown command 'HELLO'");
      case "PING":
        return resp.simple("PONG");
      case "ROLE":
        return resp.array([resp.bulk("master"), resp.int(0), resp.array([])]);
      case "INCR":
        incrs++;
        return resp.error("READONLY You can't write against a read only replica.");
      default:
        return resp.error(`ERR unknown command '${argv[0]}'`);
    }
  });
  // The sentinel names the stale node until it has refused a write, then the real master.
  await using sentinel = startFakeServer(
    sentinelHandler(
      "mymaster",
      () => incrs === 0 ? { port: stale.port, epoch: 1 } : { port: master.port, epoch: 2 },
    ),
  );
  await using client = await connectSentinel({
    sentinels: [`127.0.0.1:${sentinel.port}`],
    name: "mymaster",
    watchers: 0,
  });
  assert.equal(client.master, `127.0.0.1:${stale.port}`);
  assert.equal(await client.incr("counter"), 1);
  assert.equal(incrs, 1);
  assert.equal(client.master, `127.0.0.1:${master.port}`);
  const [counter] = await rawCommands(master.socketPath, ["GET counter"]);
  assert.equal(counter, "1"); // sent once to the real master: no duplicate
});

Deno.test("connectSentinel rejects an unknown name with MasterNameUnknownError", async () => {
  await using sentinel = startFakeServer(
    sentinelHandler("mymaster", () => ({ port: 1, epoch: 1 })),
  );
  await assert.rejects(
    connectSentinel({ sentinels: [`127.0.0.1:${sentinel.port}`], name: "other", watchers: 0 }),
    MasterNameUnknownError,
  );
});

Deno.test("connectSentinel rejects with SentinelUnreachableError carrying each sentinel's cause", async () => {
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    ports.push(listener.addr.port);
    listener.close();
  }
  const error = await connectSentinel({
    sentinels: ports.map((port) => `127.0.0.1:${port}`),
    name: "mymaster",
    sentinel: { timeoutMs: 500 },
    watchers: 0,
  }).then(() => undefined, (error: unknown) => error);
  assert.ok(error instanceof SentinelUnreachableError);
  assert.deepEqual(
    error.causes.map((cause) => cause.address).sort(),
    ports.map((port) => `127.0.0.1:${port}`).sort(),
  );
});

Deno.test("SentinelClient refuses malformed options with a TypeError", () => {
  assert.throws(() => new SentinelClient({ sentinels: [], name: "m" }), TypeError);
  assert.throws(() => new SentinelClient({ sentinels: ["nohost"], name: "m" }), TypeError);
  assert.throws(() => new SentinelClient({ sentinels: ["h:1"], name: "" }), TypeError);
  assert.throws(
    // @ts-expect-error: an unknown readFrom
    () => new SentinelClient({ sentinels: ["h:1"], name: "m", readFrom: "any" }),
    TypeError,
  );
});

Deno.test("SentinelClient takes seeds as host:port, [v6]:port, URLs and objects", async () => {
  const client = new SentinelClient({
    sentinels: ["10.0.0.1:26379", "[::1]:26380", "redis://sentinel.local:26381", {
      host: "10.0.0.4",
      port: 26382,
    }],
    name: "mymaster",
  });
  assert.deepEqual(client.sentinels, [
    "10.0.0.1:26379",
    "[::1]:26380",
    "sentinel.local:26381",
    "10.0.0.4:26382",
  ]);
  await client.close();
  assert.throws(
    () => new SentinelClient({ sentinels: ["h:70000"], name: "m" }),
    TypeError,
  );
  assert.throws(
    () => new SentinelClient({ sentinels: ["unix:///tmp/s.sock"], name: "m" }),
    TypeError,
  );
});
