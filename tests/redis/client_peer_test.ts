// RedisClient against scripted peers: TCP servers that send exactly the bytes a test writes, to
// play a malformed or rude server. Not a mock of Redis — a peer that breaks the protocol on cue.
// The clients here do not reconnect: each test is about how one connection ends (reconnecting
// is tested in reliability_*_test.ts and faults_*_test.ts).
import assert from "node:assert/strict";
import {
  connect,
  ConnectError,
  ConnectionClosedError,
  OutcomeUnknownError,
  ProtocolError,
  RedisClient,
  ReplyError,
  TimeoutError,
} from "../../redis/mod.ts";
import { HELLO3, resp, settledWithin, startScriptedPeer } from "./_client_helpers.ts";

Deno.test("RedisClient treats a reply with nothing queued as a ProtocolError that closes", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(2);
    await conn.write("$5\r\nfirst\r\n+surprise\r\n");
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
  const client = await connect(peer.url, { reconnect: false });
  assert.equal(await client.sendCommand(["GET", "a"]), "first");
  const reason = await client.finished;
  assert.ok(reason instanceof ProtocolError);
  assert.match(reason.message, /no command waiting.*surprise/);
  assert.equal(client.status, "closed");
  await assert.rejects(
    client.sendCommand(["PING"]),
    (e) => e instanceof ConnectionClosedError && e.cause === reason,
  );
});

Deno.test("RedisClient rejects what is pending with OutcomeUnknownError caused by the ProtocolError of malformed input", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(4);
    await conn.write("$1\r\nx\r\n@garbage\r\n:1\r\n");
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
  const client = await connect(peer.url, { reconnect: false });
  const replies = await Promise.allSettled([
    client.sendCommand(["GET", "a"]),
    client.sendCommand(["GET", "b"]),
    client.sendCommand(["GET", "c"]),
  ]);
  assert.deepEqual(replies[0], { status: "fulfilled", value: "x" });
  const reason = await client.finished;
  assert.ok(reason instanceof ProtocolError);
  for (const reply of replies.slice(1)) {
    // Written, never answered: they may have run.
    assert.ok(reply.status === "rejected" && reply.reason instanceof OutcomeUnknownError);
    assert.equal(reply.reason.cause, reason);
  }
});

Deno.test("RedisClient gives the server's protocol error to its own command and a ConnectionClosedError caused by it to the rest", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(4);
    await conn.write("-ERR Protocol error: invalid bulk length\r\n");
    conn.close();
  });
  const client = await connect(peer.url, { reconnect: false });
  const replies = await Promise.allSettled([
    client.sendCommand(["SET", "a", "1"]),
    client.sendCommand(["SET", "b", "2"]),
    client.sendCommand(["SET", "c", "3"]),
  ]);
  const [own, ...rest] = replies;
  assert.ok(own!.status === "rejected" && own!.reason instanceof ReplyError);
  assert.equal(own!.reason.message, "ERR Protocol error: invalid bulk length");
  const reason = await client.finished;
  assert.ok(reason instanceof ConnectionClosedError && !(reason instanceof OutcomeUnknownError));
  assert.equal(reason.cause, own!.reason);
  for (const reply of rest) {
    // Written after the command the server refused: it ran none of them.
    assert.ok(reply.status === "rejected");
    assert.equal(reply.reason, reason);
  }
});

Deno.test("RedisClient rejects connect() with an error the server sends before any reply", async () => {
  for (const protocol of [2, 3] as const) {
    await using peer = startScriptedPeer(async (conn) => {
      await conn.write("-ERR max number of clients reached\r\n");
      conn.close();
    });
    const client = new RedisClient({ url: peer.url, protocol, reconnect: false });
    const connecting = client.connect();
    const waiting = client.sendCommand(["PING"]);
    const isMaxClients = (e: unknown) =>
      e instanceof ReplyError && e.message === "ERR max number of clients reached";
    await assert.rejects(connecting, isMaxClients);
    await assert.rejects(waiting, isMaxClients);
  }
});

Deno.test("RedisClient reports a spontaneous error after the handshake as the reason it closed", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await conn.write("-ERR max number of clients reached\r\n");
    conn.close();
  });
  const client = await connect(peer.url, { reconnect: false });
  const reason = await client.finished;
  assert.ok(reason instanceof ReplyError && reason.message === "ERR max number of clients reached");
  await assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
});

Deno.test("RedisClient rejects with ConnectionClosedError when the server hangs up mid-reply", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(3);
    await conn.write("$10\r\nabc");
    conn.close();
  });
  const client = await connect(peer.url, { reconnect: false });
  const replies = await Promise.allSettled([
    client.sendCommand(["GET", "a"]),
    client.sendCommand(["GET", "b"]),
  ]);
  for (const reply of replies) {
    assert.ok(reply.status === "rejected" && reply.reason instanceof ConnectionClosedError);
  }
});

Deno.test("RedisClient rejects connect() when the server hangs up during the handshake", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    conn.close();
  });
  await assert.rejects(connect(peer.url), ConnectionClosedError);
});

Deno.test("RedisClient connectTimeoutMs covers a handshake that never completes", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  await assert.rejects(
    connect(peer.url, { connectTimeoutMs: 100 }),
    (e) => e instanceof ConnectError && e.code === "ETIMEDOUT",
  );
});

Deno.test("RedisClient never sends a command that timed out while waiting for the handshake", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await conn.write(HELLO3);
    const [, ...commands] = await conn.commands(2);
    await conn.write("+kept\r\n");
    assert.deepEqual(commands, [["ECHO", "kept"]]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  const client = new RedisClient({ url: peer.url, reconnect: false });
  const connecting = client.connect();
  const early = client.sendCommand(["ECHO", "early"], { timeoutMs: 10 });
  const kept = client.sendCommand(["ECHO", "kept"]);
  await assert.rejects(early, TimeoutError);
  await connecting;
  assert.equal(await kept, "kept");
  await client.close();
  assert.equal(peer.received[0]!.includes("early"), false);
});

Deno.test("RedisClient settles every promise when the connection is destroyed mid-stream", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(51);
    // Answer half, some with errors.
    let text = "";
    for (let i = 0; i < 25; i++) text += i % 5 === 0 ? "-ERR nope\r\n" : `:${i}\r\n`;
    await conn.write(text);
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  const client = await connect(peer.url, { reconnect: false });
  const settled: string[] = [];
  const promises = Array.from(
    { length: 50 },
    (_, i) =>
      client.sendCommand(["INCR", `k${i}`], i % 7 === 0 ? { timeoutMs: 5_000 } : undefined).then(
        () => void settled.push("ok"),
        (e) => void settled.push(e.constructor.name),
      ),
  );
  while (client.stats.replies < 1 + 25) await new Promise((resolve) => setTimeout(resolve, 5));
  client.destroy();
  const all = await settledWithin(Promise.all(promises), 2000);
  assert.notEqual(all, "pending", "every promise settled");
  assert.equal(settled.length, 50);
  assert.equal(settled.filter((s) => s === "ok").length, 20);
  assert.equal(settled.filter((s) => s === "ReplyError").length, 5);
  assert.equal(settled.filter((s) => s === "ConnectionClosedError").length, 25);
  await client.finished;
});

Deno.test("RedisClient sends what the peer expects, byte for byte", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(3);
    await conn.write("+OK\r\n$2\r\nhi\r\n:1\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  const client = await connect(peer.url, { name: "me", reconnect: false });
  await Promise.all([
    client.sendCommand(["SET", "k", "hi"]),
    client.sendCommand(["GET", "k"]),
    client.sendCommand(["INCR", "n"]),
  ]);
  await client.close();
  assert.equal(
    peer.received[0],
    resp("HELLO", "3", "SETNAME", "me") + resp("SET", "k", "hi") + resp("GET", "k") +
      resp("INCR", "n"),
  );
});
