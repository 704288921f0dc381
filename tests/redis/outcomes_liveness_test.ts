// Issue 14, item 7: a stalled server cannot wedge a connection for good. A peer that declares a
// 512 MiB bulk and never sends it: after a command timed out and nothing more arrived for a few
// times its timeout, the connection is taken for dead and the client reconnects. A server that
// is only slow (DEBUG SLEEP) keeps its connection.
import assert from "node:assert/strict";
import { connect, OutcomeUnknownError, TimeoutError } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { HELLO3, type PeerConnection, startScriptedPeer } from "./_client_helpers.ts";
import { faultTest, sleep, withDeadline } from "./_fault_helpers.ts";

/** Waits until the client closed the peer's connection (commands() throws then). */
async function untilClosed(conn: PeerConnection, seen: number): Promise<void> {
  for (;;) {
    try {
      await conn.commands(seen + 1_000_000);
    } catch (error) {
      if (String(error).includes("Peer closed")) return;
    }
  }
}

/** Answers every command with +OK until the client goes away. */
async function answerAll(conn: PeerConnection, from: number): Promise<void> {
  for (let n = from + 1;; n++) {
    try {
      await conn.commands(n);
    } catch {
      return;
    }
    await conn.write("+OK\r\n");
  }
}

faultTest(
  "RedisClient takes a connection stalled in the middle of a 512 MiB bulk for dead and " +
    "reconnects, so a command issued 5 s later succeeds",
  async () => {
    const accepted: number[] = [];
    await using peer = startScriptedPeer(async (conn, index) => {
      accepted.push(index);
      await conn.commands(1);
      await conn.write(HELLO3);
      if (index === 0) {
        await conn.commands(2);
        await conn.write("$536870912\r\n"); // and not one byte more
        await untilClosed(conn, 2);
        return;
      }
      await answerAll(conn, 1);
    });
    await using client = await connect(peer.url, {
      commandTimeoutMs: 500,
      reconnect: { strategy: () => 20 },
    });
    const stalled = client.get("big").then(() => "resolved", (error: unknown) => error);
    await sleep(1000);
    const behind = client.set("k", "v").then(() => "resolved", (error: unknown) => error);
    assert.ok((await stalled) instanceof TimeoutError);
    const second = await behind;
    assert.ok(
      second instanceof TimeoutError || second instanceof OutcomeUnknownError,
      `the command behind the stall times out or is lost with it, got ${String(second)}`,
    );
    await sleep(4000); // 5 s after the stall
    const later = await withDeadline(10_000, "SET 5 s after the stall", client.set("k", "v"));
    assert.equal(later, "OK");
    assert.equal(client.stats.connections, 2, "on a fresh connection");
    assert.deepEqual(accepted, [0, 1]);
  },
  { deadlineMs: 30_000 },
);

faultTest(
  "RedisClient keeps a connection whose server is slow but answers after a command timed out",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url);
    const sleeping = admin.sendCommand(["DEBUG", "SLEEP", "1"]);
    await sleep(50);
    const timedOut = client.get("k", { timeoutMs: 300 }).then(
      () => "resolved",
      (error: unknown) => error,
    );
    const patient = client.set("k", "v");
    assert.ok((await timedOut) instanceof TimeoutError);
    await sleeping;
    assert.equal(await patient, "OK");
    await sleep(1500); // past the watch that the timeout started
    assert.equal(await client.get("k"), "v");
    assert.equal(client.stats.connections, 1, "the slow connection was kept");
  },
);
