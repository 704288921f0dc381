// The opening alone, as a table: the handshake's replies, then the setup commands', each giving
// the step the Context takes next.
import assert from "node:assert/strict";
import { Opening, type OpeningStep } from "../../redis/context/_opening.ts";
import type { ContextOptions } from "../../redis/context/types.ts";
import { ReplyError, type RespValue } from "../../redis/mod.ts";

const HELLO3: RespValue = new Map<RespValue, RespValue>([["proto", 3]]);
const SETUP: ContextOptions["setup"] = () => [["CLIENT", "TRACKING", "on"], ["SUBSCRIBE", "a"]];
const refused = new ReplyError("NOPERM this user has no permissions");
const loading = new ReplyError("LOADING Redis is loading the dataset in memory");

function summary(step: OpeningStep): unknown {
  switch (step.kind) {
    case "send":
      return ["send", step.commands.map((argv) => argv.join(" ")), step.protocol];
    case "ready":
      return ["ready", step.protocol];
    case "fail":
      return ["fail", step.error.message];
    case "wait":
      return ["wait"];
  }
}

Deno.test("Opening runs the handshake, then the setup commands, then says ready", () => {
  const table: [string, ContextOptions, string[], [RespValue, unknown][]][] = [
    ["RESP3, no setup", {}, ["HELLO 3"], [[HELLO3, ["ready", 3]]]],
    ["RESP2, no setup", { protocol: 2 }, ["PING"], [["PONG", ["ready", 2]]]],
    ["RESP3 with setup", { setup: SETUP }, ["HELLO 3"], [
      [HELLO3, ["send", ["CLIENT TRACKING on", "SUBSCRIBE a"], 3]],
      ["OK", ["wait"]],
      [1, ["ready", 3]],
    ]],
    ["a setup command refused", { protocol: 2, setup: SETUP }, ["PING"], [
      ["PONG", ["send", ["CLIENT TRACKING on", "SUBSCRIBE a"], 2]],
      [refused, ["fail", refused.message]],
    ]],
    ["the handshake refused", { protocol: 2, password: "pw" }, ["AUTH pw"], [
      [refused, ["fail", refused.message]],
    ]],
    ["until loaded: a PING after HELLO", { untilLoaded: true }, ["HELLO 3"], [
      [HELLO3, ["send", ["PING"], 3]],
      ["PONG", ["ready", 3]],
    ]],
    ["until loaded: LOADING fails the opening", { untilLoaded: true }, ["HELLO 3"], [
      [HELLO3, ["send", ["PING"], 3]],
      [loading, ["fail", loading.message]],
    ]],
    ["until loaded, RESP2: the handshake's PING", { protocol: 2, untilLoaded: true }, ["PING"], [
      [loading, ["fail", loading.message]],
    ]],
    [
      "until loaded, RESP2 with AUTH and setup",
      {
        protocol: 2,
        password: "pw",
        untilLoaded: true,
        setup: SETUP,
      },
      ["AUTH pw"],
      [
        ["OK", ["send", ["PING", "CLIENT TRACKING on", "SUBSCRIBE a"], 2]],
        [loading, ["fail", loading.message]],
      ],
    ],
    ["until loaded: an ACL that denies PING", { untilLoaded: true, setup: SETUP }, ["HELLO 3"], [
      [HELLO3, ["send", ["PING", "CLIENT TRACKING on", "SUBSCRIBE a"], 3]],
      [refused, ["wait"]],
      ["OK", ["wait"]],
      [1, ["ready", 3]],
    ]],
    ["until loaded: a setup command still may not fail", { untilLoaded: true, setup: SETUP }, [
      "HELLO 3",
    ], [
      [HELLO3, ["send", ["PING", "CLIENT TRACKING on", "SUBSCRIBE a"], 3]],
      ["PONG", ["wait"]],
      [loading, ["fail", loading.message]],
    ]],
  ];
  for (const [what, options, first, steps] of table) {
    const opening = new Opening(options);
    assert.deepEqual(opening.start().map((argv) => argv.join(" ")), first, what);
    for (const [reply, step] of steps) {
      assert.equal(opening.expecting, true, what);
      assert.deepEqual(summary(opening.reply(reply)), step, what);
    }
  }
});
