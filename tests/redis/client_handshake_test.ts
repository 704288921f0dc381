import assert from "node:assert/strict";
import { ReplyError, type RespValue } from "../../redis/mod.ts";
import { Handshake, type HandshakeStep } from "../../redis/protocol.ts";

const HELLO_REPLY = new Map<RespValue, RespValue>([["server", "redis"], ["proto", 3]]);

Deno.test("Handshake sends HELLO 3 with AUTH and SETNAME, then SELECT", () => {
  const handshake = new Handshake({ username: "app", password: "pw", name: "n1", db: 5 });
  assert.deepEqual(handshake.start(), [[
    "HELLO",
    "3",
    "AUTH",
    "app",
    "pw",
    "SETNAME",
    "n1",
  ]]);
  assert.equal(handshake.expected, 1);
  assert.deepEqual(handshake.reply(HELLO_REPLY), { kind: "send", commands: [["SELECT", "5"]] });
  assert.deepEqual(handshake.reply("OK"), { kind: "done", protocol: 3 });
  assert.equal(handshake.expected, 0);
});

Deno.test("Handshake authenticates the default user with a password alone", () => {
  const handshake = new Handshake({ password: "pw" });
  assert.deepEqual(handshake.start(), [["HELLO", "3", "AUTH", "default", "pw"]]);
  assert.deepEqual(handshake.reply(HELLO_REPLY), { kind: "done", protocol: 3 });
});

Deno.test("Handshake falls back to RESP2 when HELLO is unknown, denied or unsupported", () => {
  const refusals = [
    "ERR unknown command 'HELLO', with args beginning with: '3' ",
    "ERR unknown command `HELLO`, with args beginning with: `3`, ",
    "NOPERM User default has no permissions to run the 'hello' command",
    "NOPROTO unsupported protocol version",
  ];
  for (const text of refusals) {
    const handshake = new Handshake({ username: "u", password: "p", name: "n", db: 2 });
    handshake.start();
    assert.deepEqual(handshake.reply(new ReplyError(text)), {
      kind: "send",
      commands: [["AUTH", "u", "p"], ["CLIENT", "SETNAME", "n"], ["SELECT", "2"]],
    }, text);
    assert.equal(handshake.expected, 3);
    assert.deepEqual(handshake.reply("OK"), { kind: "wait" });
    assert.deepEqual(handshake.reply("OK"), { kind: "wait" });
    assert.deepEqual(handshake.reply("OK"), { kind: "done", protocol: 2 });
  }
});

Deno.test("Handshake is done at once when HELLO is refused and there is nothing to set up", () => {
  const handshake = new Handshake();
  handshake.start();
  assert.deepEqual(
    handshake.reply(new ReplyError("ERR unknown command 'HELLO'")),
    { kind: "done", protocol: 2 },
  );
});

Deno.test("Handshake fails with the server's error for anything but a refused HELLO", () => {
  for (
    const text of [
      "WRONGPASS invalid username-password pair or user is disabled.",
      "ERR max number of clients reached",
      "LOADING Redis is loading the dataset in memory",
      "NOAUTH HELLO must be called with the client already authenticated",
    ]
  ) {
    const handshake = new Handshake({ password: "x" });
    handshake.start();
    const error = new ReplyError(text);
    const step: HandshakeStep = handshake.reply(error);
    assert.deepEqual(step, { kind: "fail", error });
  }
  // In RESP2, any error of the setup fails it.
  const resp2 = new Handshake({ protocol: 2, password: "x", db: 1 });
  assert.deepEqual(resp2.start(), [["AUTH", "x"], ["SELECT", "1"]]);
  const denied = new ReplyError("WRONGPASS invalid username-password pair");
  assert.deepEqual(resp2.reply(denied), { kind: "fail", error: denied });
});

Deno.test("Handshake with RESP2 and nothing to set up sends PING", () => {
  const handshake = new Handshake({ protocol: 2 });
  assert.deepEqual(handshake.start(), [["PING"]]);
  assert.deepEqual(handshake.reply("PONG"), { kind: "done", protocol: 2 });
  const refused = new Handshake({ protocol: 2 });
  refused.start();
  const error = new ReplyError("ERR max number of clients reached");
  assert.deepEqual(refused.reply(error), { kind: "fail", error });
});

Deno.test("Handshake refuses bad options and unexpected replies", () => {
  assert.throws(() => new Handshake({ protocol: 4 as 3 }), TypeError);
  assert.throws(() => new Handshake({ db: -1 }), RangeError);
  assert.throws(() => new Handshake({ db: 1.5 }), RangeError);
  assert.throws(() => new Handshake({ username: "u" }), TypeError);
  const handshake = new Handshake();
  assert.throws(() => handshake.reply("OK"), TypeError);
});
