// The handshake checks who answered: a Redis server answers HELLO 3 with a map saying proto 3,
// PING with PONG, AUTH/CLIENT SETNAME/SELECT with OK. A peer that echoes every byte (what a socket
// connected to itself does) or answers with other shapes fails connect() with a HandshakeError.
import assert from "node:assert/strict";
import { connect, HandshakeError, RedisError, type RespValue } from "../../redis/mod.ts";
import { Handshake } from "../../redis/protocol.ts";
import { answerProbe, HELLO3, resp, startScriptedPeer } from "./_client_helpers.ts";
import { EventLog, sleep } from "./_fault_helpers.ts";

function failsWith(step: ReturnType<Handshake["reply"]>, command: string): HandshakeError {
  assert.equal(step.kind, "fail");
  const error = step.kind === "fail" ? step.error : undefined;
  assert.ok(error instanceof HandshakeError, `expected a HandshakeError, got ${error}`);
  assert.equal(error.command, command);
  return error;
}

Deno.test("Handshake fails with HandshakeError when HELLO is answered with its own arguments", () => {
  const handshake = new Handshake({ password: "hunter2-long", name: "app" });
  const [hello] = handshake.start();
  const error = failsWith(handshake.reply(hello as RespValue), "HELLO");
  assert.match(error.message, /answered HELLO with an array of 7 elements starting with "HELLO"/);
  assert.doesNotMatch(error.message, /hunter2/);
  assert.equal(handshake.expected, 0);
});

Deno.test("Handshake refuses HELLO replies that are not a map with proto 3", () => {
  const replies: RespValue[] = [
    "OK",
    null,
    3,
    ["server", "redis", "proto", 3], // RESP2's shape: the server did not switch
    new Map<RespValue, RespValue>([["server", "redis"]]),
    new Map<RespValue, RespValue>([["server", "redis"], ["proto", 2]]),
    new Map<RespValue, RespValue>([["server", "redis"], ["proto", "3"]]),
    new Set<RespValue>(["proto", 3]),
  ];
  for (const reply of replies) {
    const handshake = new Handshake();
    handshake.start();
    failsWith(handshake.reply(reply), "HELLO");
  }
  const bigint = new Handshake();
  bigint.start();
  assert.deepEqual(
    bigint.reply(new Map<RespValue, RespValue>([["proto", 3n]])),
    { kind: "done", protocol: 3 },
  );
});

Deno.test("Handshake refuses a PING answered with anything but PONG", () => {
  for (const reply of [["PING"], "OK", "PING", 1] as RespValue[]) {
    const handshake = new Handshake({ protocol: 2 });
    handshake.start();
    failsWith(handshake.reply(reply), "PING");
  }
});

Deno.test("Handshake refuses AUTH, CLIENT SETNAME and SELECT answered with anything but OK", () => {
  const resp2 = new Handshake({ protocol: 2, password: "pw", name: "n", db: 1 });
  assert.equal(resp2.start().length, 3);
  failsWith(resp2.reply(["AUTH", "pw"]), "AUTH");

  const setname = new Handshake({ protocol: 2, password: "pw", name: "n", db: 1 });
  setname.start();
  assert.deepEqual(setname.reply("OK"), { kind: "wait" });
  failsWith(setname.reply("PONG"), "CLIENT SETNAME");

  const select = new Handshake({ db: 4 });
  select.start();
  assert.equal(select.reply(new Map<RespValue, RespValue>([["proto", 3]])).kind, "send");
  const error = failsWith(select.reply(["SELECT", "4"]), "SELECT");
  assert.match(error.message, /array of 2 elements starting with "SELECT" instead of OK/);
});

/** A TCP peer that sends back every byte it receives, as a socket connected to itself does. */
function startEchoPeer(): { port: number; open: () => number } & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const served: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      served.push((async () => {
        const buffer = new Uint8Array(4096);
        try {
          for (;;) {
            const n = await conn.read(buffer);
            if (n === null) break;
            let at = 0;
            while (at < n) at += await conn.write(buffer.subarray(at, n));
          }
        } catch {
          // the client closed it
        } finally {
          open.delete(conn);
          try {
            conn.close();
          } catch {
            // already closed
          }
        }
      })());
    }
  })();
  return {
    port: listener.addr.port,
    open: () => open.size,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting.catch(() => {});
      for (const conn of open) conn.close();
      await Promise.all(served);
    },
  };
}

Deno.test("connect rejects with HandshakeError against a peer that echoes every byte", async () => {
  await using peer = startEchoPeer();
  const cases = [
    { protocol: 3 as const, command: "HELLO" },
    { protocol: 2 as const, command: "PING" },
    { protocol: 2 as const, command: "AUTH", password: "echo-me-not-42", db: 2 },
    { protocol: 3 as const, command: "HELLO", password: "echo-me-not-42", name: "n" },
  ];
  for (const { command, ...options } of cases) {
    const error = await connect({
      hostname: "127.0.0.1",
      port: peer.port,
      reconnect: false,
      ...options,
    }).then(
      (client) => {
        client.destroy();
        return undefined;
      },
      (error: unknown) => error,
    );
    assert.ok(error instanceof HandshakeError, `${JSON.stringify(options)}: got ${error}`);
    assert.ok(error instanceof RedisError);
    assert.equal(error.command, command);
    for (const text of [error.message, String(error), Deno.inspect(error)]) {
      assert.doesNotMatch(text, /echo-me-not-42/);
    }
  }
  // Every connection was closed by the client once the handshake failed.
  const deadline = Date.now() + 10_000;
  while (peer.open() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(peer.open(), 0);
});

Deno.test("connect rejects with HandshakeError when HELLO is answered with the wrong shape", async () => {
  const answers = [
    "+OK\r\n",
    "*4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n",
    "%1\r\n+server\r\n+redis\r\n",
    "%1\r\n+proto\r\n:2\r\n",
    "_\r\n",
  ];
  for (const answer of answers) {
    await using peer = startScriptedPeer(async (conn) => {
      await conn.commands(1);
      await conn.write(answer);
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    await assert.rejects(
      connect(peer.url, { reconnect: false }),
      (error) => error instanceof HandshakeError && error.command === "HELLO",
      JSON.stringify(answer),
    );
  }
});

Deno.test("connect still succeeds against a peer that answers HELLO as Redis does", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(2);
    await conn.write("+PONG\r\n");
  });
  const client = await connect(peer.url, { reconnect: false });
  assert.equal(await client.sendCommand(["PING"]), "PONG");
  client.destroy();
});

Deno.test("RedisClient reconnects past a connection that echoes (a self-connect) to a real answer", async () => {
  await using peer = startScriptedPeer(async (conn, index) => {
    if (index === 0) {
      // The first connection is dropped once ready.
      await conn.commands(1);
      await conn.write(HELLO3);
      await sleep(20);
      return;
    }
    if (index === 1) {
      // The second echoes every command back, as a socket connected to itself would, until the
      // client hangs up.
      for (let n = 0;; n++) {
        const received = await conn.commands(n + 1).catch(() => undefined);
        if (received === undefined) return;
        await conn.write(resp(...received[n]!));
      }
    }
    await conn.commands(1);
    await conn.write(HELLO3);
    await answerProbe(conn, 2); // a reconnect waits out a loading server
    assert.deepEqual((await conn.commands(3))[2], ["GET", "k"]);
    await conn.write("$5\r\nvalue\r\n");
    await sleep(100);
  });
  const client = await connect(peer.url, { reconnect: { strategy: () => 10 } });
  const log = new EventLog(client);
  try {
    await log.until("close");
    // Queued offline while reconnecting: it must not go to the echoing connection.
    assert.equal(await client.sendCommand(["GET", "k"]), "value");
    const errors = log.events.filter((event) => event.type === "error").map((e) => e.error);
    assert.ok(errors.some((error) => error instanceof HandshakeError), String(errors));
  } finally {
    client.destroy();
  }
});
