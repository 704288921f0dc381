// Scenario (g) of bench/redis_bench.ts, one contender per worker (its own isolate, as for the
// other scenarios): 16 BLPOP consumers on dedicated connections — dray's createPool, ioredis with
// one connection per consumer (as its docs advise), node-redis's createClientPool — while 50
// concurrent loops run SET then GET on the shared connection, 200,000 commands in all; every
// 100th command an RPUSH gives the consumers an item. Answers { seconds, getP99Ms }; every reply
// and every item is checked.

/// <reference lib="deno.worker" />

export type PoolContender = "dray" | "ioredis" | "node_redis";

export interface PoolSetup {
  contender: PoolContender;
  port: number;
  quick: boolean;
}

export const CONSUMERS = 16;
const LOOPS = 50;
const QUEUE = "bench:g:queue";
const STOP = "stop";

/** What a contender provides: the shared connection's commands and a consumer's pop. */
interface PoolRunner {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  rpush(key: string, value: string): Promise<unknown>;
  /** One BLPOP with a 1 s timeout on a dedicated connection; the element, or null. */
  pop(consumer: number): Promise<string | null>;
  close(): Promise<void>;
}

async function dray(port: number): Promise<PoolRunner> {
  const { connect, createPool } = await import("../redis/mod.ts");
  const client = await connect({ port });
  const pool = await createPool({ connection: { port }, min: CONSUMERS, max: CONSUMERS });
  return {
    set: (k, v) => client.set(k, v),
    get: (k) => client.get(k),
    rpush: (k, v) => client.rpush(k, v),
    pop: async () => (await pool.use((c) => c.blpop(QUEUE, 1)))?.element ?? null,
    async close() {
      await pool.close();
      await client.close();
    },
  };
}

async function ioredis(port: number): Promise<PoolRunner> {
  const { Redis } = await import("npm:ioredis@5.11.1");
  const open = async () => {
    const c = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
    await c.connect();
    return c;
  };
  const client = await open();
  const consumers = await Promise.all(Array.from({ length: CONSUMERS }, open));
  return {
    set: (k, v) => client.set(k, v),
    get: (k) => client.get(k),
    rpush: (k, v) => client.rpush(k, v),
    pop: async (i) => (await consumers[i]!.blpop(QUEUE, 1))?.[1] ?? null,
    async close() {
      await Promise.all([client, ...consumers].map((c) => c.quit()));
    },
  };
}

async function nodeRedis(port: number): Promise<PoolRunner> {
  const { createClient, createClientPool } = await import("npm:redis@5.12.1");
  const client = createClient({ socket: { port, host: "127.0.0.1" } });
  await client.connect();
  const pool = createClientPool(
    { socket: { port, host: "127.0.0.1" } },
    { minimum: CONSUMERS, maximum: CONSUMERS },
  );
  await pool.connect();
  return {
    set: (k, v) => client.set(k, v),
    get: (k) => client.get(k),
    rpush: (k, v) => client.rPush(k, v),
    pop: async () => (await pool.blPop(QUEUE, 1))?.element ?? null,
    close() {
      pool.destroy();
      client.destroy();
      return Promise.resolve();
    },
  };
}

let runner: PoolRunner | undefined;
let total = 200_000;

async function round(): Promise<{ seconds: number; getP99Ms: number }> {
  const r = runner!;
  let produced = 0;
  let consumed = 0;
  const consumers = Array.from({ length: CONSUMERS }, async (_, i) => {
    for (;;) {
      const item = await r.pop(i);
      if (item === STOP) return;
      if (item !== null) {
        if (!item.startsWith("item:")) throw new Error(`Bad item ${item}`);
        consumed++;
      }
    }
  });
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: LOOPS }, async (_, loop) => {
    const key = `bench:g:${loop}`;
    while (next < total) {
      const n = next;
      next += 2;
      const value = `v${n}`;
      if ((await r.set(key, value)) !== "OK") throw new Error("Bad SET reply");
      const t = performance.now();
      const got = await r.get(key);
      latencies.push(performance.now() - t);
      if (got !== value) throw new Error(`Bad GET reply ${String(got)}`);
      if (n % 100 === 0) {
        produced++;
        await r.rpush(QUEUE, `item:${n}`);
      }
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  for (let i = 0; i < CONSUMERS; i++) await r.rpush(QUEUE, STOP);
  await Promise.all(consumers);
  if (consumed !== produced) throw new Error(`Consumed ${consumed} of ${produced} items`);
  latencies.sort((a, b) => a - b);
  return { seconds, getP99Ms: latencies[Math.floor(latencies.length * 0.99)]! };
}

self.onmessage = async (event: MessageEvent<PoolSetup | "round" | "close">) => {
  try {
    const message = event.data;
    if (message === "close") {
      await runner?.close();
      self.postMessage({ closed: true });
    } else if (message === "round") {
      self.postMessage(await round());
    } else {
      total = message.quick ? 20_000 : 200_000;
      const make = message.contender === "dray"
        ? dray
        : message.contender === "ioredis"
        ? ioredis
        : nodeRedis;
      runner = await make(message.port);
      self.postMessage({ ready: true });
    }
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? `${error.stack}` : String(error) });
  }
};
