// Pub/sub against scripted peers: TCP servers that send malformed push and confirmation frames on
// cue. Not a mock of Redis — a peer that breaks the protocol where a real one never would.
import assert from "node:assert/strict";
import {
  connect,
  OutcomeUnknownError,
  ProtocolError,
  RedisError,
  type RespValue,
} from "../../redis/mod.ts";
import { HELLO3, settledWithin, startScriptedPeer } from "./_client_helpers.ts";

function bulk(text: string): string {
  return `$${text.length}\r\n${text}\r\n`;
}

function frame(protocol: 2 | 3, ...parts: (string | number)[]): string {
  return `${protocol === 2 ? "*" : ">"}${parts.length}\r\n` +
    parts.map((p) => typeof p === "number" ? `:${p}\r\n` : bulk(p)).join("");
}

const MALFORMED: { name: string; bytes: (protocol: 2 | 3) => string; match: RegExp }[] = [
  {
    name: "a message of one element (>1 message)",
    bytes: (p) => `${p === 2 ? "*" : ">"}1\r\n$7\r\nmessage\r\n`,
    match: /3 elements/,
  },
  {
    name: "a confirmation for an unknown channel",
    bytes: (p) => frame(p, "unsubscribe", "nobody", 0),
    match: /no subscribe or unsubscribe command is waiting/,
  },
  {
    name: "a confirmation with a non-integer count",
    bytes: (p) => `${p === 2 ? "*" : ">"}3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n+zero\r\n`,
    match: /count/,
  },
  {
    name: "a message for a channel never subscribed",
    bytes: (p) => frame(p, "message", "elsewhere", "x"),
    match: /not subscribed/,
  },
];

for (const protocol of [2, 3] as const) {
  for (const c of MALFORMED) {
    Deno.test(`RedisClient RESP${protocol} closes with a ProtocolError on ${c.name}, after the messages before it`, async () => {
      await using peer = startScriptedPeer(async (conn) => {
        await conn.commands(1);
        await conn.write(protocol === 3 ? HELLO3 : "+PONG\r\n");
        await conn.commands(2);
        await conn.write(frame(protocol, "subscribe", "a", 1));
        await conn.commands(protocol === 3 ? 3 : 2); // RESP3: the GET too
        await conn.write(frame(protocol, "message", "a", "before") + c.bytes(protocol));
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      const client = await connect(peer.url, { protocol, reconnect: false });
      const sub = await client.subscribe("a");
      const handled: RespValue[] = [];
      const pending = protocol === 3 ? client.sendCommand(["GET", "k"]) : undefined;
      const watched = pending === undefined ? undefined : settledWithin(pending, 5000);
      const iterator = sub[Symbol.asyncIterator]();
      const first = await settledWithin(iterator.next(), 5000);
      assert.ok(first !== "pending" && "value" in first);
      assert.deepEqual(first.value, {
        done: false,
        value: { kind: "channel", channel: "a", message: "before", pattern: undefined },
      });
      handled.push(first.value.value!.message);
      const reason = await client.finished;
      assert.ok(reason instanceof ProtocolError, `finished with ${reason}`);
      assert.match(reason.message, c.match);
      await assert.rejects(iterator.next(), (e) => e === reason);
      assert.equal(await sub.finished, reason);
      if (watched !== undefined) {
        // The GET was written and never answered.
        const outcome = await watched;
        assert.ok(
          outcome !== "pending" && "error" in outcome &&
            outcome.error instanceof OutcomeUnknownError && outcome.error.cause === reason,
        );
      }
      assert.deepEqual(handled, ["before"], "nothing before the bad frame was lost");
    });
  }
}

Deno.test("RedisClient ends a shard subscription the server drops on its own, and carries on", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(HELLO3);
    await conn.commands(2);
    await conn.write(frame(3, "ssubscribe", "s{1}", 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await conn.write(frame(3, "sunsubscribe", "s{1}", 0)); // its slot moved away
    await conn.commands(3);
    await conn.write("+PONG\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  await using client = await connect(peer.url, { reconnect: false });
  const sub = await client.ssubscribe("s{1}");
  const ended = await settledWithin(sub.finished, 5000);
  assert.ok(ended !== "pending" && "value" in ended && ended.value instanceof RedisError);
  assert.match(ended.value.message, /on its own/);
  await assert.rejects(sub[Symbol.asyncIterator]().next(), RedisError);
  assert.equal(await client.ping(), "PONG");
});
