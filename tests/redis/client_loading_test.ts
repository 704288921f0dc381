// A client whose server restarts and loads its data set for a while: the reconnect waits until
// the data set is back, so the commands queued during the outage run on it instead of failing
// with LOADING. Real redis-server processes; `key-load-delay` (µs per key) makes the loading last.
// (A first connection is ready at once and gets LOADING per command: client_semantics_test.ts.)
import assert from "node:assert/strict";
import { ReplyError } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { connectVia, VARIANTS } from "./_client_helpers.ts";
import { EventLog } from "./_fault_helpers.ts";

const KEYS = 3000;
// 3000 keys at 300 µs each: about a second of loading, served in between every 1 KiB read.
const SLOW_LOAD = ["--key-load-delay", "300", "--loading-process-events-interval-bytes", "1024"];

for (
  const variant of VARIANTS.filter((v) => v.name === "deno tcp" || v.name === "native+shim unix")
) {
  Deno.test(
    `RedisClient (${variant.name}) waits out LOADING after a restart: queued commands run on the loaded data`,
    async () => {
      await using server = await startRedisServer({ args: SLOW_LOAD });
      await using client = await connectVia(variant, server, {
        reconnect: { strategy: () => 20 },
      });
      await client.sendCommand([
        "EVAL",
        `for i=1,${KEYS} do redis.call('SET','k'..i,'v'..i) end return 1`,
        "0",
      ]);
      await client.sendCommand(["SAVE"]);
      const log = new EventLog(client);
      server.kill("SIGKILL");
      await server.exited();
      await log.until("reconnecting");
      const queued = [client.get("k1"), client.get(`k${KEYS}`), client.incr("after")];
      // restart() returns once the server answers PING, that is once the data set is loaded;
      // the client tries every 20 ms meanwhile.
      await server.restart();
      assert.deepEqual(await Promise.all(queued), ["v1", `v${KEYS}`, 1]);
      const loading = log.events.filter((event) =>
        event.type === "error" && event.error instanceof ReplyError &&
        event.error.code === "LOADING"
      );
      assert.ok(loading.length > 0, `attempts met LOADING (events: ${log.types.join(", ")})`);
      assert.equal(client.status, "ready");
    },
  );
}
