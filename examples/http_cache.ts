// A `Deno.serve` cache in front of a slow function. Results live in Redis for a minute, and the
// client's own cache (client-side caching, kept coherent by CLIENT TRACKING) answers repeated
// reads from memory without a round trip, until anyone changes the key.
//
//   REDIS_URL=redis://localhost:6379 deno run -A examples/http_cache.ts    # then GET /square/12
import { connect, type RedisClient } from "@dray/dray/redis";

/** The slow function in front of which the cache stands: a square, after 200 ms. */
export async function slowSquare(n: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  return n * n;
}

/** A running cache server. */
export interface CacheServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The Redis client, whose `cache.stats` count memory hits. */
  readonly redis: RedisClient;
}

/** Serves `GET /square/<n>` on `port` (0: a free one), with its results cached in Redis. */
export async function startCacheServer(redisUrl: string, port = 0): Promise<CacheServer> {
  const redis = await connect(redisUrl, { cache: {} });
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (request) => {
    const match = new URL(request.url).pathname.match(/^\/square\/(\d+)$/);
    if (match === null) return new Response("try /square/12\n", { status: 404 });
    const key = `square:${match[1]}`;
    const hitsBefore = redis.cache!.stats.hits;
    let value = await redis.cache!.get(key); // memory, else Redis
    let source = redis.cache!.stats.hits > hitsBefore ? "memory" : "redis";
    if (value === null) {
      value = String(await slowSquare(Number(match[1])));
      await redis.set(key, value, { ex: 60 });
      source = "computed";
    }
    return new Response(`${value}\n`, { headers: { "x-cache": source } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    redis,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await redis.close();
    },
  };
}

if (import.meta.main) {
  const server = await startCacheServer(
    Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379",
    8000,
  );
  console.log(`cache: serving ${server.url}/square/12`);
}
