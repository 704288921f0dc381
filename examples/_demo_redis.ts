// The Redis half of `deno task demo`: typed commands, auto-pipelining, a pipeline, a transaction
// and pub/sub, on one client, printing which transport ran and why.
import { connect, ReplyError, type TransportPreference } from "@dray/dray/redis";

/** Runs the Redis tour against `url`; `say` prints a line. */
export async function redisTour(url: string, say: (line: string) => void): Promise<void> {
  const transport = (Deno.env.get("DRAY_TRANSPORT") ?? "auto") as TransportPreference;
  await using redis = await connect(url, { transport, name: "dray-demo" });
  const live = redis.transport!;
  const why = live.fallback
    ? `native asked for but unavailable: ${live.fallback.message}`
    : live.kind === "native"
    ? "DRAY_TRANSPORT=native"
    : transport === "deno"
    ? "DRAY_TRANSPORT=deno"
    : "the default: Deno.connect was as fast on one connection and also carries TLS";
  say(`redis: connected over the ${live.kind} transport (${why}), RESP${redis.protocol}`);

  // Typed commands.
  await redis.set("demo:greeting", "hello from dray", { ex: 60 });
  say(`redis: get demo:greeting -> ${JSON.stringify(await redis.get("demo:greeting"))}`);
  await redis.hset("demo:user", { name: "ada", born: 1815 });
  say(
    `redis: hgetall demo:user -> ${JSON.stringify(await redis.hgetall("demo:user"))}`,
  );

  // Auto-pipelining: everything issued in one tick leaves in one write.
  const writes = redis.stats.writes;
  const counters = await Promise.all(Array.from({ length: 1000 }, () => redis.incr("demo:hits")));
  say(
    `redis: 1000 incr issued together -> last reply ${counters.at(-1)}, ` +
      `${redis.stats.writes - writes} write(s) on the socket`,
  );

  // A pipeline: one block of commands, every result in its place, an error reply as an element.
  const pipeline = redis.pipeline();
  pipeline.set("demo:name", "dray");
  pipeline.incr("demo:name").catch(() => {}); // not an integer: its own promise rejects
  pipeline.get("demo:name");
  const results = await pipeline.exec();
  say(
    `redis: pipeline -> ${
      results.map((r) => r instanceof ReplyError ? `ReplyError(${r.code})` : JSON.stringify(r))
        .join(", ")
    }`,
  );

  // A transaction: MULTI ... EXEC, applied as one block no other client can enter.
  const transaction = redis.multi();
  transaction.incrby("demo:balance", 100);
  transaction.decrby("demo:balance", 30);
  transaction.get("demo:balance");
  say(`redis: transaction -> ${JSON.stringify(await transaction.exec())}`);

  // Pub/sub: a second connection subscribes, this one publishes.
  await using listener = await connect(url, { transport });
  const subscription = await listener.subscribe("demo:news");
  const receivers = await redis.publish("demo:news", "dray says hi");
  for await (const { channel, message } of subscription) {
    say(`redis: pub/sub -> ${receivers} subscriber got ${JSON.stringify(message)} on ${channel}`);
    break; // leaving the loop unsubscribes
  }

  await redis.del(["demo:greeting", "demo:user", "demo:hits", "demo:name", "demo:balance"]);
}
