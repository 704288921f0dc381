// `deno task demo`: a short tour of dray's Redis client. Uses REDIS_URL when set, otherwise starts
// a throwaway redis-server on a free port and stops it on exit (also on Ctrl-C). DRAY_TRANSPORT
// picks the transport: "auto" (the default), "deno" or "native".
import { nativeStatus } from "../native/mod.ts";
import { connect, ReplyError, type TransportPreference } from "../redis/mod.ts";
import { type RedisServer, startRedisServer } from "../tests/_helpers/redis_server.ts";

let server: RedisServer | undefined;
let url = Deno.env.get("REDIS_URL");
if (!url) {
  server = await startRedisServer();
  url = server.url;
  console.log(`redis: started a throwaway redis-server at ${url} (pid ${server.pid})`);
} else {
  console.log(`redis: using REDIS_URL=${url}`);
}

const onSigint = async () => {
  await server?.stop();
  Deno.exit(130);
};
Deno.addSignalListener("SIGINT", onSigint);

try {
  const status = nativeStatus();
  console.log(
    status.available
      ? `native: live, shim ${status.version} from ${status.path}`
      : `native: off (${status.reason}): ${status.message}`,
  );

  const transport = (Deno.env.get("DRAY_TRANSPORT") ?? "auto") as TransportPreference;
  await using client = await connect(url, { transport, name: "dray-demo" });
  const live = client.transport!;
  console.log(
    `client: connected over ${live.kind}${live.kind === "native" ? `+${live.driver}` : ""}` +
      `${live.tls ? " (TLS)" : ""} to ${JSON.stringify(live.remoteAddr)}, RESP${client.protocol}` +
      (live.fallback ? `; native unavailable: ${live.fallback.message}` : ""),
  );

  // Set and get.
  await client.sendCommand(["SET", "demo:greeting", "hello from dray"]);
  console.log(
    `GET demo:greeting -> ${JSON.stringify(await client.sendCommand(["GET", "demo:greeting"]))}`,
  );

  // Auto-pipelining: everything issued in one tick leaves in one write.
  const writes = client.stats.writes;
  const counters = await Promise.all(
    Array.from({ length: 1000 }, () => client.sendCommand<number>(["INCR", "demo:counter"])),
  );
  console.log(
    `1000 INCRs issued together -> last reply ${counters.at(-1)}, ` +
      `${client.stats.writes - writes} write(s)`,
  );

  // An explicit pipeline: each result in its place, an error reply as an element.
  const pipeline = client.pipeline();
  pipeline.sendCommand(["SET", "demo:name", "dray"]);
  pipeline.sendCommand(["INCR", "demo:name"]); // not an integer
  pipeline.sendCommand(["STRLEN", "demo:name"]);
  const results = await pipeline.exec();
  console.log(
    `pipeline -> ${
      results.map((r) => r instanceof ReplyError ? `ReplyError(${r.code})` : JSON.stringify(r))
        .join(", ")
    }`,
  );

  // A transaction: MULTI, the commands and EXEC in one block.
  const transaction = client.multi();
  transaction.sendCommand(["INCRBY", "demo:balance", 100]);
  transaction.sendCommand(["DECRBY", "demo:balance", 30]);
  transaction.sendCommand(["GET", "demo:balance"]);
  console.log(`transaction -> ${JSON.stringify(await transaction.exec())}`);

  await client.sendCommand(["DEL", "demo:greeting", "demo:counter", "demo:name", "demo:balance"]);
} finally {
  Deno.removeSignalListener("SIGINT", onSigint);
  await server?.stop();
}
