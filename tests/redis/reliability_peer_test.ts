// Reconnecting against scripted peers: TCP servers that answer exactly as a test writes, so that
// the order of what a reconnecting client sends, and which commands were written when the
// connection died, are under the test's control. Not a mock of Redis: a peer on cue.
import assert from "node:assert/strict";
import {
  connect,
  ConnectError,
  OutcomeUnknownError,
  type PubSubMessage,
  RedisClient,
} from "../../redis/mod.ts";
import { answerProbe, HELLO3, resp, startScriptedPeer } from "./_client_helpers.ts";
import {
  assertError,
  assertValue,
  EventLog,
  faultTest,
  Ledger,
  sleep,
  withDeadline,
} from "./_fault_helpers.ts";

function push(...parts: (string | number)[]): string {
  return `>${parts.length}\r\n` +
    parts.map((p) => typeof p === "number" ? `:${p}\r\n` : `$${p.length}\r\n${p}\r\n`).join("");
}

/** A one-shot signal a peer script can wait on. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => fire = resolve);
  return { promise, fire };
}

faultTest(
  "RedisClient reconnects in order: the handshake, then the subscriptions, then the offline queue",
  async () => {
    const hangUp = signal();
    const done = signal();
    const seen: string[][][] = [];
    await using peer = startScriptedPeer(async (conn, index) => {
      if (index === 0) {
        assert.deepEqual((await conn.commands(1))[0], [
          "HELLO",
          "3",
          "AUTH",
          "default",
          "pw",
          "SETNAME",
          "me",
        ]);
        await conn.write(HELLO3);
        await conn.commands(2); // SELECT 2
        await conn.write("+OK\r\n");
        await conn.commands(3); // SELECT 5, from select()
        await conn.write("+OK\r\n");
        await conn.commands(4);
        await conn.write(push("subscribe", "a", 1) + push("subscribe", "b", 2));
        await conn.commands(5);
        await conn.write(push("psubscribe", "p*", 3));
        await conn.commands(6);
        await conn.write(push("ssubscribe", "s", 1));
        await hangUp.promise;
        conn.close();
        return;
      }
      const hello = await conn.commands(1);
      await conn.write(HELLO3);
      await conn.commands(2);
      await conn.write("+OK\r\n");
      await answerProbe(conn, 3); // a reconnect waits out a loading server
      const all = await conn.commands(8);
      seen.push(hello, all);
      await conn.write(
        push("subscribe", "a", 1) + push("subscribe", "b", 2) + push("psubscribe", "p*", 3) +
          push("ssubscribe", "s", 1) + "+OK\r\n$1\r\nv\r\n" + push("message", "a", "hi") +
          push("pmessage", "p*", "px", "hey"),
      );
      await done.promise;
    });
    const client = await connect(peer.url, {
      password: "pw",
      name: "me",
      db: 2,
      reconnect: { strategy: () => 100 },
    });
    const log = new EventLog(client);
    await client.select(5);
    const channels = await client.subscribe(["a", "b"]);
    const patterns = await client.psubscribe("p*");
    await client.ssubscribe("s", () => {});
    hangUp.fire();
    await log.until("close");
    assert.equal(client.status, "reconnecting");
    const ledger = new Ledger();
    const set = ledger.track("SET", client.sendCommand(["SET", "k", "v"]));
    const get = ledger.track("GET", client.sendCommand(["GET", "k"]));
    assert.equal(client.stats.offline, 2, "both wait offline");
    await log.until("ready");
    assertValue(await set, "OK", "SET");
    assertValue(await get, "v", "GET");
    const iterator = channels[Symbol.asyncIterator]();
    const message = await withDeadline(5000, "a message", iterator.next());
    assert.deepEqual(
      message.value,
      {
        kind: "channel",
        channel: "a",
        message: "hi",
        pattern: undefined,
      } satisfies PubSubMessage,
    );
    const matched = await withDeadline(5000, "a pmessage", patterns[Symbol.asyncIterator]().next());
    assert.equal(matched.value?.channel, "px");
    const [hello, all] = seen[0] === undefined ? [[], []] : [seen[0], seen[1]!];
    assert.deepEqual(hello[0], ["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "me"]);
    assert.deepEqual(all.slice(1), [
      ["SELECT", "5"], // the database of the last select(), not the option's
      ["PING"], // not loading
      ["SUBSCRIBE", "a", "b"],
      ["PSUBSCRIBE", "p*"],
      ["SSUBSCRIBE", "s"],
      ["SET", "k", "v"],
      ["GET", "k"],
    ]);
    assert.deepEqual(log.types, ["error", "close", "reconnecting", "connect", "ready"]);
    const reconnecting = log.events[2]!;
    assert.equal(reconnecting.attempt, 1);
    assert.equal(reconnecting.delayMs, 100);
    assert.equal(client.stats.connections, 2);
    done.fire();
    await client.close();
    assert.deepEqual(log.types.slice(-2), ["close", "end"]);
  },
);

faultTest(
  "RedisClient retries a handshake that dies midway, and one that never answers",
  async () => {
    const hangUp = signal();
    const done = signal();
    await using peer = startScriptedPeer(async (conn, index) => {
      await conn.commands(1);
      if (index === 1) {
        conn.close(); // dies mid-handshake
        return;
      }
      if (index === 2) {
        await done.promise; // never answers: connectTimeoutMs gives up on it
        return;
      }
      await conn.write(HELLO3);
      if (index === 0) {
        await hangUp.promise;
        conn.close();
        return;
      }
      assert.deepEqual((await conn.commands(2))[1], ["PING"]); // not loading
      await conn.write("+PONG\r\n");
      assert.deepEqual((await conn.commands(3))[2], ["ECHO", "through"]);
      await conn.write("$7\r\nthrough\r\n");
      await done.promise;
    });
    const client = await connect(peer.url, {
      connectTimeoutMs: 300,
      reconnect: { strategy: () => 20 },
    });
    const log = new EventLog(client);
    hangUp.fire();
    await log.until("close");
    const echo = client.sendCommand(["ECHO", "through"]);
    assert.equal(await withDeadline(5000, "ECHO", echo), "through");
    assert.deepEqual(log.types, [
      "error",
      "close",
      "reconnecting",
      "connect",
      "error", // the connection died during the handshake
      "close",
      "reconnecting",
      "connect",
      "error", // the handshake timed out
      "close",
      "reconnecting",
      "connect",
      "ready",
    ]);
    const timedOut = log.events[8]!.error;
    assert.ok(timedOut instanceof ConnectError && timedOut.code === "ETIMEDOUT");
    assert.deepEqual(log.events.filter((e) => e.type === "reconnecting").map((e) => e.attempt), [
      1,
      2,
      3,
    ]);
    assert.equal(peer.received.length, 4);
    done.fire();
    await client.close();
  },
);

for (const retryReadOnly of [1, 0]) {
  faultTest(
    `RedisClient with retryReadOnly ${retryReadOnly}: a written write rejects with OutcomeUnknownError and is never resent`,
    async () => {
      const done = signal();
      await using peer = startScriptedPeer(async (conn, index) => {
        await conn.commands(1);
        await conn.write(HELLO3);
        if (index === 0) {
          await conn.commands(5); // SET, GET, INCR, OBJECT ENCODING, PING
          await conn.write("+OK\r\n"); // SET answered; the rest written, never answered
          conn.close();
          return;
        }
        await answerProbe(conn, 2); // a reconnect waits out a loading server
        const all = await conn.commands(retryReadOnly > 0 ? 4 : 2);
        await conn.write(retryReadOnly > 0 ? "$1\r\n1\r\n$6\r\nembstr\r\n" : "");
        if (retryReadOnly > 0) {
          assert.deepEqual(all.slice(2), [["GET", "a"], ["OBJECT", "ENCODING", "a"]]);
        }
        await done.promise;
      });
      const client = await connect(peer.url, {
        retryReadOnly,
        reconnect: { strategy: () => 10 },
      });
      const log = new EventLog(client);
      const ledger = new Ledger();
      ledger.track("SET", client.sendCommand(["SET", "a", "1"]));
      ledger.track("GET", client.sendCommand(["GET", "a"]));
      ledger.track("INCR", client.sendCommand(["INCR", "n"]));
      ledger.track("OBJECT ENCODING", client.sendCommand(["OBJECT", "ENCODING", "a"]));
      ledger.track("PING", client.sendCommand(["PING"]));
      const outcomes = await ledger.settled();
      assertValue(outcomes.get("SET"), "OK", "SET");
      const incr = assertError(outcomes.get("INCR"), OutcomeUnknownError, "INCR");
      assert.equal(incr.command, "INCR");
      assert.match(String(incr.cause), /closed the connection/);
      // PING is not flagged readonly by the server: its reply is lost like a write's.
      assertError(outcomes.get("PING"), OutcomeUnknownError, "PING");
      if (retryReadOnly > 0) {
        assertValue(outcomes.get("GET"), "1", "GET, sent again");
        assertValue(outcomes.get("OBJECT ENCODING"), "embstr", "a read-only subcommand");
        assert.equal(client.stats.resent, 2);
      } else {
        assertError(outcomes.get("GET"), OutcomeUnknownError, "GET");
        assertError(outcomes.get("OBJECT ENCODING"), OutcomeUnknownError, "OBJECT ENCODING");
      }
      await log.until("ready");
      done.fire();
      await client.close();
      const second = peer.received[1]!;
      assert.equal(second.includes("INCR"), false, "the INCR was never sent again");
      assert.equal(second.includes("SET"), false);
    },
  );
}

faultTest(
  "RedisClient rejects a transaction whose EXEC was written with OutcomeUnknownError, as a whole",
  async () => {
    const done = signal();
    await using peer = startScriptedPeer(async (conn, index) => {
      await conn.commands(1);
      await conn.write(HELLO3);
      if (index === 0) {
        await conn.commands(5); // MULTI, INCR, INCR, EXEC
        await conn.write("+OK\r\n+QUEUED\r\n+QUEUED\r\n");
        conn.close();
        return;
      }
      await answerProbe(conn, 2); // a reconnect waits out a loading server
      await conn.commands(3); // the test's ping()
      await conn.write("+PONG\r\n");
      await done.promise;
    });
    const client = await connect(peer.url, { reconnect: { strategy: () => 10 } });
    const ledger = new Ledger();
    const transaction = client.multi();
    ledger.track("first", transaction.sendCommand(["INCR", "n"]));
    ledger.track("second", transaction.sendCommand(["INCR", "m"]));
    ledger.track("exec", transaction.exec());
    const outcomes = await ledger.settled();
    const exec = assertError(outcomes.get("exec"), OutcomeUnknownError, "exec()");
    assert.equal(exec.command, "EXEC");
    assert.equal(assertError(outcomes.get("first"), OutcomeUnknownError, "first"), exec);
    assert.equal(assertError(outcomes.get("second"), OutcomeUnknownError, "second"), exec);
    assert.equal(await client.ping(), "PONG");
    done.fire();
    await client.close();
    assert.equal(peer.received[1]!.includes("MULTI"), false, "never sent again");
  },
);

faultTest(
  "RedisClient settles a pipeline across a lost connection command by command",
  async () => {
    const done = signal();
    await using peer = startScriptedPeer(async (conn, index) => {
      await conn.commands(1);
      await conn.write(HELLO3);
      if (index === 0) {
        await conn.commands(4);
        await conn.write(":1\r\n");
        conn.close();
        return;
      }
      await answerProbe(conn, 2); // a reconnect waits out a loading server
      assert.deepEqual((await conn.commands(3))[2], ["GET", "k"]);
      await conn.write("$1\r\nv\r\n");
      await done.promise;
    });
    const client = await connect(peer.url, { reconnect: { strategy: () => 10 } });
    const ledger = new Ledger();
    const pipeline = client.pipeline();
    ledger.track("INCR a", pipeline.sendCommand(["INCR", "a"]));
    ledger.track("INCR b", pipeline.sendCommand(["INCR", "b"]));
    ledger.track("GET", pipeline.sendCommand(["GET", "k"]));
    ledger.track("exec", pipeline.exec());
    const outcomes = await ledger.settled();
    assertValue(outcomes.get("INCR a"), 1, "answered before the loss");
    const lost = assertError(outcomes.get("INCR b"), OutcomeUnknownError, "INCR b");
    assertValue(outcomes.get("GET"), "v", "the read, sent again");
    assert.equal(assertError(outcomes.get("exec"), OutcomeUnknownError, "exec()"), lost);
    done.fire();
    await client.close();
  },
);

faultTest(
  "RedisClient gives up after maxAttempts: the offline queue rejects with the reason",
  async () => {
    await using peer = startScriptedPeer(async (conn, index) => {
      if (index > 0) {
        conn.close(); // every reconnect attempt fails
        return;
      }
      await conn.commands(1);
      await conn.write(HELLO3);
      await sleep(50);
      conn.close();
    });
    const client = new RedisClient({
      url: peer.url,
      reconnect: { strategy: () => 10, maxAttempts: 3 },
    });
    const log = new EventLog(client);
    await client.connect();
    await log.until("close");
    const ledger = new Ledger();
    ledger.track("queued", client.sendCommand(["PING"]));
    const outcomes = await ledger.settled();
    const error = assertError(outcomes.get("queued"), Error, "queued");
    assert.match(error.message, /Gave up reconnecting .* after 3 failed attempts/);
    const reason = await client.finished;
    assert.equal(reason, error);
    assert.equal(client.status, "closed");
    assert.equal(log.count("reconnecting"), 3);
    assert.equal(log.types.at(-1), "end");
    assert.equal(log.events.at(-1)!.error, reason);
    await assert.rejects(client.sendCommand(["PING"]), /closed/);
  },
);

faultTest("RedisClient reports a reconnect listener that throws and carries on", async () => {
  const reported: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    reported.push(event.error);
  };
  globalThis.addEventListener("error", onError);
  const done = signal();
  try {
    await using peer = startScriptedPeer(async (conn, index) => {
      await conn.commands(1);
      await conn.write(HELLO3);
      if (index === 0) {
        await sleep(20);
        conn.close();
        return;
      }
      await answerProbe(conn, 2); // a reconnect waits out a loading server
      await conn.commands(3); // the test's ping()
      await conn.write("+PONG\r\n");
      await done.promise;
    });
    const client = await connect(peer.url, { reconnect: { strategy: () => 10 } });
    client.addEventListener("close", () => {
      throw new Error("a listener's bug");
    });
    const log = new EventLog(client);
    await log.until("ready");
    assert.equal(await client.ping(), "PONG");
    assert.deepEqual(reported.map((e) => (e as Error).message), ["a listener's bug"]);
    done.fire();
    await client.close();
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});

faultTest(
  "RedisClient offline queue: bounded by commands and bytes, or off to fail fast",
  async () => {
    const done = signal();
    // A peer that drops the first connection and never answers a reconnect: the client stays
    // offline.
    const dropping = () =>
      startScriptedPeer(async (conn, index) => {
        if (index > 0) {
          await done.promise;
          return;
        }
        await conn.commands(1);
        await conn.write(HELLO3);
        await sleep(20);
        conn.close();
      });
    await using peer = dropping();
    await using other = dropping();
    const bounded = await connect(peer.url, {
      reconnect: { strategy: () => 10 },
      offlineQueue: { maxCommands: 3, maxBytes: 64 },
    });
    const failFast = await connect(other.url, {
      reconnect: { strategy: () => 10 },
      offlineQueue: false,
    });
    const logs = [new EventLog(bounded), new EventLog(failFast)];
    await Promise.all(logs.map((log) => log.until("close")));
    const ledger = new Ledger();
    ledger.track("1", bounded.sendCommand(["ECHO", "1"]));
    ledger.track("2", bounded.sendCommand(["ECHO", "2"]));
    ledger.track("big", bounded.sendCommand(["ECHO", "x".repeat(64)]));
    ledger.track("3", bounded.sendCommand(["ECHO", "3"]));
    ledger.track("4", bounded.sendCommand(["ECHO", "4"]));
    ledger.track("fast", failFast.sendCommand(["ECHO", "fast"]));
    assert.equal(bounded.stats.offline, 3);
    bounded.destroy();
    failFast.destroy();
    const outcomes = await ledger.settled();
    const { OfflineQueueFullError, ConnectionClosedError } = await import("../../redis/mod.ts");
    const bytes = assertError(outcomes.get("big"), OfflineQueueFullError, "big");
    assert.deepEqual([bytes.limit, bytes.unit], [64, "bytes"]);
    const count = assertError(outcomes.get("4"), OfflineQueueFullError, "4");
    assert.deepEqual([count.limit, count.unit], [3, "commands"]);
    for (const label of ["1", "2", "3"]) {
      assertError(
        outcomes.get(label),
        ConnectionClosedError,
        label,
        (e) => /destroyed/.test(e.message),
      );
    }
    assertError(
      outcomes.get("fast"),
      ConnectionClosedError,
      "fast",
      (e) => /offline queue is off/.test(e.message),
    );
    done.fire();
    await bounded.finished;
    await failFast.finished;
  },
);

faultTest(
  "RedisClient close() while reconnecting rejects the offline queue, never sent",
  async () => {
    const done = signal();
    await using peer = startScriptedPeer(async (conn, index) => {
      if (index > 0) {
        await done.promise;
        return;
      }
      await conn.commands(1);
      await conn.write(HELLO3);
      await sleep(20);
      conn.close();
    });
    const client = await connect(peer.url, { reconnect: { strategy: () => 60_000 } });
    const log = new EventLog(client);
    await log.until("reconnecting");
    const ledger = new Ledger();
    ledger.track("waiting", client.sendCommand(["SET", "k", "v"]));
    await client.close();
    const outcomes = await ledger.settled();
    const { ConnectionClosedError } = await import("../../redis/mod.ts");
    assertError(
      outcomes.get("waiting"),
      ConnectionClosedError,
      "waiting",
      (e) => !(e instanceof OutcomeUnknownError) && /before the command was sent/.test(e.message),
    );
    assert.equal(await client.finished, undefined);
    assert.equal(log.types.at(-1), "end");
    assert.equal(peer.received.length, 1, "no attempt after close()");
    done.fire();
  },
);

faultTest("RedisClient sends QUIT and ends without reconnecting", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(2);
    await conn.write("+OK\r\n");
    conn.close();
  });
  const client = await connect(peer.url);
  assert.equal(await client.sendCommand(["QUIT"]), "OK");
  assert.equal(await client.finished, undefined);
  assert.equal(client.status, "closed");
  assert.equal(peer.received.length, 1);
  assert.ok(peer.received[0]!.endsWith(resp("QUIT")));
});
