// `deno task demo`: a tour of dray's two libraries. The Redis tour uses REDIS_URL when set,
// otherwise a throwaway redis-server on a free port (stopped on exit, also on Ctrl-C); without
// either it says how to get one and goes on. The dmover tour needs nothing. DRAY_TRANSPORT picks
// the Redis transport: "auto" (the default), "deno" or "native".
import { type RedisServer, ServerStartError, startServer } from "@dray/dray/redis/testing";
import { dmoverTour } from "./_demo_dmover.ts";
import { redisTour } from "./_demo_redis.ts";

const say = (line: string): void => console.log(line);

let server: RedisServer | undefined;
let url = Deno.env.get("REDIS_URL");
if (url) {
  say(`redis: using REDIS_URL=${url}`);
} else {
  try {
    server = await startServer();
    url = server.url;
    say(`redis: started a throwaway redis-server at ${url} (pid ${server.pid})`);
  } catch (error) {
    if (!(error instanceof ServerStartError)) throw error;
    say(
      "redis: skipped: no redis-server on PATH (apt-get install redis-server, brew install redis) " +
        "and no REDIS_URL (REDIS_URL=redis://host:6379 deno task demo)",
    );
  }
}

const onSigint = async (): Promise<void> => {
  await server?.stop();
  Deno.exit(130);
};
Deno.addSignalListener("SIGINT", onSigint);
try {
  if (url) await redisTour(url, say);
  await dmoverTour(say);
} finally {
  Deno.removeSignalListener("SIGINT", onSigint);
  await server?.stop();
}
