// The command table's lookups, the local SHA1 of scripts, and the typed replies' static shapes.

import assert from "node:assert/strict";
import { type BulkString, Script } from "../../redis/mod.ts";
import {
  commandFlags,
  commandSpec,
  isReadOnlyCommand,
  lookupCommand,
} from "../../redis/commands/mod.ts";
import { methodName } from "../../redis/commands/_naming.ts";

Deno.test("commandSpec finds commands and subcommands in any spelling", () => {
  assert.equal(commandSpec("GET")?.name, "get");
  assert.equal(commandSpec("config get")?.name, "config|get");
  assert.equal(commandSpec("Config|Get")?.name, "config|get");
  assert.equal(commandSpec("nosuch"), undefined);
  assert.equal(commandSpec("toString"), undefined);
  assert.equal(commandSpec("__proto__"), undefined);
  const set = commandSpec("set")!;
  assert.deepEqual([set.arity, set.firstKey, set.lastKey, set.keyStep], [-3, 1, 1, 1]);
  assert.equal(commandSpec("client")?.container, true);
  assert.equal(commandSpec("get")?.container, false);
});

Deno.test("commandFlags gives the server's flags", () => {
  assert.ok(commandFlags("get")?.has("readonly"));
  assert.ok(commandFlags("get")?.has("fast"));
  assert.ok(commandFlags("set")?.has("write"));
  assert.ok(commandFlags("blpop")?.has("blocking"));
  assert.ok(commandFlags("xread")?.has("blocking"));
  assert.ok(commandFlags("subscribe")?.has("pubsub"));
  assert.equal(commandFlags("nosuch"), undefined);
});

Deno.test("lookupCommand resolves subcommands from an argv, in bytes too", () => {
  assert.equal(lookupCommand(["object", "encoding", "k"])?.name, "object|encoding");
  assert.equal(
    lookupCommand([new TextEncoder().encode("CONFIG"), new TextEncoder().encode("GET"), "x"])
      ?.name,
    "config|get",
  );
  assert.equal(lookupCommand(["CONFIG", "NOSUCH"])?.name, "config");
  assert.equal(lookupCommand(["CONFIG"])?.name, "config");
  assert.equal(lookupCommand(["GET", "config"])?.name, "get");
  assert.equal(lookupCommand(["config|get"]), undefined);
  assert.equal(lookupCommand([]), undefined);
  assert.equal(lookupCommand([42]), undefined);
});

Deno.test("isReadOnlyCommand follows the readonly flag through subcommands", () => {
  for (
    const argv of [
      ["GET", "k"],
      ["hgetall", "h"],
      ["OBJECT", "ENCODING", "k"],
      ["XREAD", "STREAMS", "s", "0"],
      ["SORT_RO", "l"],
      ["EVAL_RO", "return 1", "0"],
    ]
  ) {
    assert.equal(isReadOnlyCommand(argv), true, argv.join(" "));
  }
  for (
    const argv of [
      ["SET", "k", "v"],
      ["SORT", "l"],
      ["EVAL", "return 1", "0"],
      ["BLPOP", "l", "0"],
      ["CONFIG", "GET", "x"],
      ["CONFIG"],
      ["OBJECT"],
      ["NOSUCH"],
      ["MULTI"],
    ]
  ) {
    assert.equal(isReadOnlyCommand(argv), false, argv.join(" "));
  }
});

Deno.test("methodName turns command names into camelCase method names", () => {
  assert.equal(methodName("get"), "get");
  assert.equal(methodName("client|setname"), "clientSetname");
  assert.equal(methodName("CLIENT|NO-EVICT"), "clientNoEvict");
  assert.equal(methodName("restore-asking"), "restoreAsking");
  assert.equal(methodName("eval_ro"), "evalRo");
  assert.equal(methodName("cluster|count-failure-reports"), "clusterCountFailureReports");
});

Deno.test("Script computes the SHA1 that crypto.subtle computes, for every padding case", async () => {
  for (const length of [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
    let source = "";
    for (let i = 0; i < length; i++) source += String.fromCharCode(97 + (i * 7) % 26);
    const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(source));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    assert.equal(new Script(source).sha1, hex, `length ${length}`);
  }
  assert.equal(new Script("return 'é'").sha1.length, 40);
});

Deno.test("BulkString maps the options type to the reply's string type", () => {
  const text: BulkString<Record<never, never>> = "a";
  const explicit: BulkString<{ returnBuffers: false }> = "a";
  const bytes: BulkString<{ returnBuffers: true; timeoutMs: 5 }> = new Uint8Array();
  const either: BulkString<{ returnBuffers: boolean }>[] = ["a", new Uint8Array()];
  // @ts-expect-error: bytes are not text
  const wrong: BulkString<{ returnBuffers: true }> = "a";
  assert.equal([text, explicit, bytes, either, wrong].length, 5);
});
