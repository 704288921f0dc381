// classify(argv): one lookup in the catalog per command, in any case and as bytes; the kinds the
// client, its context and its session tracker read from it.

import assert from "node:assert/strict";
import { catalogCommands, classify } from "../../redis/commands/mod.ts";
import {
  C_MONITOR,
  C_MULTI,
  C_OTHER,
  C_PUBSUB,
  R_CLIENT_REPLY,
  R_MONITOR,
  R_NONE,
  R_PUBSUB,
  S_OTHER,
  S_WATCH,
} from "../../redis/commands/classify.ts";
import { refuseModeCommand } from "../../redis/client/_core.ts";

Deno.test("classify finds every catalog command and subcommand, in any case and as bytes", () => {
  const encoder = new TextEncoder();
  for (const command of catalogCommands()) {
    const words = command.name.split("|");
    for (const spell of [(w: string) => w, (w: string) => w.toUpperCase()]) {
      const argv = words.map(spell);
      assert.equal(classify(argv).command, command, command.name);
      assert.equal(classify(argv.map((w) => encoder.encode(w))).command, command, command.name);
    }
    const mixed = words.map((w) => w[0]!.toUpperCase() + w.slice(1));
    assert.equal(classify(mixed).name, command.name);
  }
  assert.equal(classify(["NOSUCH"]).command, undefined);
  assert.equal(classify(["CLIENT", "NOSUCH"]).name, "client");
  assert.equal(classify([]).command, undefined);
  assert.equal(classify([42]).command, undefined);
});

Deno.test("classify gives blocking rules exactly to the commands flagged blocking, and WAIT", () => {
  for (const command of catalogCommands()) {
    const argv = command.name.split("|");
    const expected = command.flags.includes("blocking") || command.name === "wait";
    assert.equal(classify(argv).blocking !== undefined, expected, command.name);
  }
});

Deno.test("classify marks the subscribe family, MONITOR, CLIENT REPLY and the session commands", () => {
  for (const name of ["subscribe", "PSUBSCRIBE", "ssubscribe", "unsubscribe", "punsubscribe"]) {
    assert.equal(classify([name]).context, C_PUBSUB, name);
    assert.equal(classify([name]).refusal, R_PUBSUB, name);
  }
  assert.equal(classify(["publish", "c", "m"]).refusal, R_NONE);
  assert.equal(classify(["monitor"]).context, C_MONITOR);
  assert.equal(classify(["monitor"]).refusal, R_MONITOR);
  assert.equal(classify(["client", "reply", "off"]).refusal, R_CLIENT_REPLY);
  assert.equal(classify(["multi"]).context, C_MULTI);
  assert.equal(classify(["watch", "k"]).session, S_WATCH);
  assert.equal(classify(["watch", "k"]).context, C_OTHER);
  assert.equal(classify(["GET", "k"]).session, S_OTHER);
  assert.throws(() => refuseModeCommand(["SUBSCRIBE", "c"]), /use client\.subscribe\(\)/);
  assert.throws(() => refuseModeCommand(["client", "reply", "skip"]), TypeError);
  refuseModeCommand(["client", "reply", "on"]);
  refuseModeCommand(["PUBLISH", "c", "m"]);
});
