// createPool against a real redis-server: 100 BLPOP consumers on leased connections while the
// shared client serves GETs (none waits behind a BLPOP) and produces; sizes, the acquire
// timeout, health checks on acquire and release, WATCH/MULTI on a lease.

import assert from "node:assert/strict";
import {
  connect,
  createPool,
  Pool,
  PoolClosedError,
  PoolTimeoutError,
  ReplyError,
} from "../../redis/mod.ts";
import { startServer } from "../../redis/testing/mod.ts";
import { rawCommands } from "../../redis/testing/_raw.ts";

async function blockedClients(socketPath: string): Promise<number> {
  const [info] = await rawCommands(socketPath, ["INFO clients"]);
  return Number(info!.match(/^blocked_clients:(\d+)/m)?.[1]);
}

Deno.test("Pool serves 100 BLPOP consumers while no GET on the shared client waits behind one", async () => {
  await using server = await startServer({ config: { maxclients: 1000 } });
  await using client = await connect(server.url);
  await using pool = await createPool({ connection: { url: server.url }, max: 100 });
  await client.set("unrelated", "value");
  let popped = 0;
  const consumers = Array.from({ length: 100 }, () =>
    pool.use(async (c) => {
      const reply = await c.blpop("jobs", 0);
      popped++;
      return reply;
    }));
  while (await blockedClients(server.socketPath) < 100) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(pool.stats.leased, 100);
  // Every GET is answered while all 100 BLPOPs are still blocked.
  const latencies: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const start = performance.now();
    assert.equal(await client.get("unrelated"), "value");
    latencies.push(performance.now() - start);
  }
  assert.equal(popped, 0, "no BLPOP was answered before the producer pushed");
  await client.rpush("jobs", ...Array.from({ length: 100 }, (_, i) => `job-${i}`));
  const replies = await Promise.all(consumers);
  const jobs = replies.map((reply) => reply!.element).sort();
  assert.deepEqual(jobs, Array.from({ length: 100 }, (_, i) => `job-${i}`).sort());
  assert.equal(pool.stats.idle, 100);
  latencies.sort((a, b) => a - b);
  console.log(
    `GET p50 ${latencies[499]!.toFixed(2)} ms, p99 ${latencies[989]!.toFixed(2)} ms ` +
      `(1000 GETs while 100 BLPOPs blocked on leased connections)`,
  );
});

Deno.test("Pool.acquire rejects with PoolTimeoutError when every connection is leased", async () => {
  await using server = await startServer();
  await using pool = await createPool({
    connection: { url: server.url },
    max: 1,
    acquireTimeoutMs: 50,
  });
  const lease = await pool.acquire();
  await assert.rejects(pool.acquire(), PoolTimeoutError);
  const controller = new AbortController();
  const waiting = pool.acquire({ timeoutMs: 10_000, signal: controller.signal });
  controller.abort();
  await assert.rejects(waiting, PoolTimeoutError);
  const next = pool.acquire({ timeoutMs: 10_000 });
  lease.release();
  const second = await next;
  assert.equal(second.client, lease.client, "the released connection goes to the waiter");
  second.release();
  assert.deepEqual(pool.stats, { size: 1, idle: 1, leased: 0, waiting: 0 });
});

Deno.test("createPool opens min connections and checks them on acquire and release", async () => {
  await using server = await startServer();
  await using pool = await createPool({ connection: { url: server.url }, min: 2, max: 3 });
  assert.deepEqual(pool.stats, { size: 2, idle: 2, leased: 0, waiting: 0 });
  // A connection killed while idle is replaced on acquire.
  const [list] = await rawCommands(server.socketPath, ["CLIENT KILL TYPE normal"]);
  assert.equal(list, "2");
  await new Promise((resolve) => setTimeout(resolve, 50));
  {
    await using lease = await pool.acquire();
    assert.equal(await lease.client.ping(), "PONG");
  }
  // A lease left subscribed is destroyed on release, not handed out again.
  const lease = await pool.acquire();
  await lease.client.subscribe("news");
  const subscribed = lease.client;
  lease.release();
  await subscribed.finished;
  assert.equal(subscribed.status, "closed");
  const other = await pool.acquire();
  assert.notEqual(other.client, subscribed);
  other.release();
});

Deno.test("Pool.use runs WATCH/MULTI on one leased connection and releases it", async () => {
  await using server = await startServer();
  await using client = await connect(server.url);
  await using pool = await createPool({ connection: { url: server.url }, max: 2 });
  await client.set("balance", 100);
  const result = await pool.use(async (c) => {
    await c.watch("balance");
    const balance = Number(await c.get("balance"));
    const tx = c.multi();
    tx.set("balance", balance - 30);
    return await tx.exec();
  });
  assert.deepEqual(result, ["OK"]);
  assert.equal(await client.get("balance"), "70");
  await assert.rejects(pool.use((c) => c.sendCommand(["NOSUCHCOMMAND"])), ReplyError);
  assert.equal(pool.stats.idle, 1, "a reply error leaves the connection usable");
});

Deno.test("Pool refuses bad sizes and acquire after close", async () => {
  assert.throws(() => new Pool({ max: 0 }), RangeError);
  assert.throws(() => new Pool({ min: 3, max: 2 }), RangeError);
  const pool = new Pool();
  await pool.close();
  await assert.rejects(pool.acquire(), PoolClosedError);
});
