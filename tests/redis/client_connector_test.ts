// The client's connector option: every connect and reconnect goes through it, so reconnects,
// backoff, outcome-unknown errors and the offline queue run here on in-memory transports and a
// ManualLoop (no socket, no real timer).
import assert from "node:assert/strict";
import { ManualLoop } from "../../loop/mod.ts";
import {
  ConnectError,
  type Connector,
  exponentialBackoff,
  OutcomeUnknownError,
  RedisClient,
  type RedisClientOptions,
  TimeoutError,
} from "../../redis/mod.ts";
import { MemoryConnector, plainServer, type Responder } from "./_memory_transport.ts";

/** Runs the loop's queued work and lets the memory streams' promises settle. */
async function settle(loop: ManualLoop, rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    loop.tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Settles the loop until `promise` settles (it must, within a few hundred rounds). */
async function until<T>(loop: ManualLoop, promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => done = true);
  watched.catch(() => {});
  for (let i = 0; i < 200 && !done; i++) await settle(loop, 1);
  assert.ok(done, "the promise did not settle");
  return await watched;
}

function client(connector: MemoryConnector, options: RedisClientOptions = {}) {
  const loop = new ManualLoop();
  const made = new RedisClient({
    hostname: "redis.invalid",
    port: 7000,
    protocol: 2,
    loop,
    connector: connector.connect,
    reconnect: {
      strategy: exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 400, jitter: "none" }),
    },
    ...options,
  });
  return { loop, client: made };
}

/** Answers as `plainServer` does until the first SET, then nothing (a server that hung). */
function hangingAtSet(): Responder {
  const server = plainServer();
  let hung = false;
  return (argv) => {
    hung ||= argv[0]!.toUpperCase() === "SET";
    return hung ? undefined : server(argv);
  };
}

Deno.test("RedisClient connects through its connector with the options it would give connectTransport", async () => {
  const connector = new MemoryConnector(plainServer());
  const { loop, client: redis } = client(connector, { connectTimeoutMs: 0 });
  await until(loop, redis.connect());
  assert.equal(connector.calls.length, 1);
  const options = connector.calls[0]!;
  assert.equal(options.hostname, "redis.invalid");
  assert.equal(options.port, 7000);
  assert.equal(options.connectTimeoutMs, 0);
  assert.ok(options.signal instanceof AbortSignal);
  assert.deepEqual(connector.last.commands, [["PING"]]); // the RESP2 handshake
  assert.equal(await until(loop, redis.set("k", "v")), "OK");
  assert.equal(await until(loop, redis.get("k")), "v");
  await until(loop, redis.close());
  assert.equal(connector.last.closed, true);
});

Deno.test("RedisClient reconnects through its connector on the backoff schedule and flushes the offline queue", async () => {
  const store = new Map<string, string>();
  const connector = new MemoryConnector(plainServer(store));
  const { loop, client: redis } = client(connector);
  const delays: number[] = [];
  redis.addEventListener("reconnecting", (event) => void delays.push(event.delayMs!));
  await until(loop, redis.connect());
  connector.last.end(); // the server hangs up
  await settle(loop);
  assert.equal(redis.status, "reconnecting");
  const waiting = redis.set("after", "1"); // no connection: into the offline queue
  await settle(loop);
  assert.equal(redis.stats.offline, 1);
  assert.equal(connector.calls.length, 1);
  loop.advance(99);
  await settle(loop);
  assert.equal(connector.calls.length, 1, "not before the backoff delay");
  loop.advance(1);
  assert.equal(await until(loop, waiting), "OK");
  assert.equal(connector.calls.length, 2);
  assert.deepEqual(delays, [100]);
  assert.equal(store.get("after"), "1");
  assert.equal(redis.status, "ready");
  assert.equal(redis.stats.connections, 2);
  await until(loop, redis.close());
});

Deno.test("RedisClient fails a written write with OutcomeUnknownError and sends a read again after a loss", async () => {
  const connector = new MemoryConnector(hangingAtSet(), plainServer(new Map([["k", "old"]])));
  const { loop, client: redis } = client(connector);
  await until(loop, redis.connect());
  const write = redis.set("k", "new");
  write.catch(() => {});
  await settle(loop);
  const read = redis.get("k");
  await settle(loop);
  assert.deepEqual(connector.last.commands.map((argv) => argv[0]), ["PING", "SET", "GET"]);
  connector.last.fail(Object.assign(new Error("reset"), { name: "ConnectionReset" }));
  await settle(loop);
  await assert.rejects(until(loop, write), (error: Error) => {
    assert.ok(error instanceof OutcomeUnknownError);
    assert.equal(error.command, "SET");
    return true;
  });
  loop.advance(100);
  // The GET was written too, but it is read-only: sent again on the new connection.
  assert.equal(await until(loop, read), "old");
  assert.deepEqual(connector.last.commands, [["PING"], ["GET", "k"]]);
  assert.equal(redis.stats.resent, 1);
  await until(loop, redis.close());
});

Deno.test("RedisClient expires offline-queued commands while its connector keeps failing", async () => {
  const refused = new ConnectError("Cannot connect: refused", {
    code: "ECONNREFUSED",
    address: "redis.invalid:7000",
  });
  const connector = new MemoryConnector(plainServer(), refused);
  const { loop, client: redis } = client(connector, { offlineQueue: { timeoutMs: 1000 } });
  await until(loop, redis.connect());
  connector.last.end();
  await settle(loop);
  const waiting = redis.get("k");
  waiting.catch(() => {});
  loop.advance(100); // attempt 1 fails
  await settle(loop);
  loop.advance(200); // attempt 2 fails
  await settle(loop);
  assert.equal(connector.calls.length, 3);
  loop.advance(700); // the command waited 1000 ms
  await assert.rejects(until(loop, waiting), (error: Error) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.cause, refused);
    return true;
  });
  assert.equal(redis.status, "reconnecting");
  await until(loop, redis.close());
  assert.equal(redis.status, "closed");
});

Deno.test("RedisClient gives up after maxAttempts failed connector calls", async () => {
  const refused = new ConnectError("Cannot connect: refused", {
    code: "ECONNREFUSED",
    address: "redis.invalid:7000",
  });
  const connector = new MemoryConnector(plainServer(), refused);
  const { loop, client: redis } = client(connector, {
    reconnect: {
      strategy: exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 400, jitter: "none" }),
      maxAttempts: 2,
    },
  });
  const delays: number[] = [];
  redis.addEventListener("reconnecting", (event) => void delays.push(event.delayMs!));
  await until(loop, redis.connect());
  connector.last.end();
  await settle(loop);
  loop.advance(100);
  await settle(loop);
  loop.advance(200);
  const error = await until(loop, redis.finished);
  assert.equal(connector.calls.length, 3);
  assert.deepEqual(delays, [100, 200]);
  assert.match(String(error?.message), /Gave up reconnecting to redis\.invalid:7000 after 2/);
  assert.equal(error?.cause, refused);
  assert.equal(redis.status, "closed");
});

Deno.test("RedisClient refuses a connector that is not a function", () => {
  assert.throws(
    () => new RedisClient({ connector: "tcp" as unknown as Connector }),
    TypeError,
  );
});
