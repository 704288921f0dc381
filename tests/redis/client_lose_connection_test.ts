// When the cluster client gives up a node's connection (a hung master the cluster took for
// failed), the connection ends as a loss, not as a destroy on the user's order: a command already
// written rejects with OutcomeUnknownError, so the cluster never sends it again (the hung master
// may have run it and replicated it to the replica now serving its slots).
import assert from "node:assert/strict";
import { ENGINE } from "../../redis/client/_core.ts";
import { connect, ConnectionClosedError, OutcomeUnknownError } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";

Deno.test("RedisClient loseConnection rejects written commands with OutcomeUnknownError, unlike destroy()", async () => {
  await using server = await startRedisServer();
  for (const how of ["lose", "destroy"] as const) {
    const client = await connect(server.url, { reconnect: false, retryReadOnly: 0 });
    await client.set("k", "v");
    const sleeping = client.sendCommand(["DEBUG", "SLEEP", "0.3"]); // written, answered late
    const push = client.sendCommand(["RPUSH", `list-${how}`, "x"]); // written behind it
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reason = new ConnectionClosedError("given up");
    if (how === "lose") client[ENGINE].loseConnection(reason);
    client.destroy();
    for (const [name, pending] of [["DEBUG", sleeping], ["RPUSH", push]] as const) {
      const error = await pending.then(() => undefined, (error: unknown) => error);
      assert.ok(error instanceof ConnectionClosedError, `${how} ${name}: ${error}`);
      if (how === "lose") {
        assert.ok(error instanceof OutcomeUnknownError, `${how} ${name}: ${error}`);
        assert.equal(error.command, name);
        assert.equal(error.cause, reason);
      } else {
        assert.ok(!(error instanceof OutcomeUnknownError), "destroy() is the user's order");
      }
    }
    await client.finished.catch(() => {});
  }
});
