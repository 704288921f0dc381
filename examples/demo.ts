// `deno task demo`: a short tour of dray. Uses REDIS_URL when set, otherwise starts a throwaway
// redis-server on a free port and stops it on exit (also on Ctrl-C).
import { nativeStatus } from "../native/mod.ts";
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

  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port || 6379) });
  try {
    await conn.write(new TextEncoder().encode("*1\r\n$4\r\nPING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    console.log(
      `redis: PING -> ${JSON.stringify(new TextDecoder().decode(buf.subarray(0, n ?? 0)))}`,
    );
  } finally {
    conn.close();
  }
} finally {
  Deno.removeSignalListener("SIGINT", onSigint);
  await server?.stop();
}
