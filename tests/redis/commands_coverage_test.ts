// Every generated method against a real server, in RESP2 and RESP3: called with argument lists
// generated from its grammar, its reply must have the shape its declared kind promises (the
// normaliser refuses any other shape with a TypeError). A server error reply (a cluster command
// on a standalone server, a value the generator cannot make valid) counts as not covered.

import assert from "node:assert/strict";
import { ReplyError } from "../../redis/mod.ts";
import { catalogCommands } from "../../redis/commands/mod.ts";
import { REPLY_KINDS } from "../../redis/commands/_reply_kinds.ts";
import { methodName } from "../../redis/commands/_naming.ts";
import { GeneratedCommands } from "../../redis/commands/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { argvVariants, callArguments, DEFAULT_VALUES, type Values } from "./_argv_gen.ts";
import { signature } from "../../scripts/generate_commands.ts";
import { openSender } from "./_test_sender.ts";

/**
 * Commands not run here, and why: those that change the server run on throwaway servers in
 * commands_coverage_more_test.ts, which also lists what cannot run on a standalone 7.0.15.
 */
const NOT_RUN: Record<string, string> = {
  shutdown: "stops the server",
  clientPause: "pauses every client",
  monitor: "excluded from the surface",
};

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** Values the server takes where the placeholders would be refused. */
const VALUES: Values = {
  key: DEFAULT_VALUES.key,
  value(arg) {
    if (arg.type === "string") {
      if (arg.name === "username") return "default";
      if (arg.name === "command") return "get";
      if (arg.name === "min") return "-";
      if (arg.name === "max") return "+";
      if (arg.name === "event") return "command";
    }
    return DEFAULT_VALUES.value(arg);
  },
};

Deno.test("GeneratedCommands replies have their declared shape for every command, in RESP2 and RESP3", async () => {
  await using server = await startRedisServer();
  // The cluster group runs against a cluster-enabled node (a cluster of one, without slots).
  await using node = await startRedisServer({ args: ["--cluster-enabled", "yes"] });
  const covered = new Map<string, Set<number>>();
  const mismatches: string[] = [];
  for (const protocol of [2, 3] as const) {
    await using standalone = await openSender(server.port, protocol);
    await using clustered = await openSender(node.port, protocol);
    for (const command of catalogCommands()) {
      const redis = command.group === "cluster" ? clustered : standalone;
      const name = methodName(command.name);
      if (!Object.hasOwn(GeneratedCommands.prototype, name) || name in NOT_RUN) continue;
      const method = (GeneratedCommands.prototype as unknown as Record<string, AnyMethod>)[name]!;
      const words = command.name.split("|").length;
      const shape = signature(command);
      for (const argv of argvVariants(command, 4, VALUES)) {
        // A method with options keys takes the grammar's modifiers as an options object.
        const call = callArguments(shape, argv.slice(words));
        if (call === undefined) continue;
        try {
          await redis.sendCommand(["FLUSHALL"]); // no key of another type in the way
          await method.apply(redis, call);
        } catch (error) {
          if (error instanceof ReplyError) continue;
          // COMMAND GETKEYS has no grammar in COMMAND DOCS: its generated list is below arity.
          if (error instanceof TypeError && / takes (at least|exactly) /.test(error.message)) {
            continue;
          }
          mismatches.push(`${argv.join(" ")} (RESP${protocol}): ${(error as Error).message}`);
          continue;
        }
        let set = covered.get(name);
        if (set === undefined) covered.set(name, set = new Set());
        set.add(protocol);
        break;
      }
    }
  }
  assert.deepEqual(mismatches, []);
  const both = [...covered].filter(([, set]) => set.size === 2).map(([name]) => name);
  const typed = both.filter((name) => REPLY_KINDS.has(name));
  if (Deno.env.get("DRAY_PRINT_COUNTS")) {
    const all = Object.getOwnPropertyNames(GeneratedCommands.prototype).length - 1;
    const missing = Object.getOwnPropertyNames(GeneratedCommands.prototype).filter((name) =>
      name !== "constructor" && !covered.has(name)
    );
    console.log({ generated: all, covered: both.length, typedCovered: typed.length, missing });
  }
  assert.ok(typed.length >= 100, `only ${typed.length} typed methods covered`);
  assert.ok(both.length >= 110, `only ${both.length} methods covered`);
});

Deno.test("GeneratedCommands has a declared reply kind for every method, and no other", () => {
  const names = Object.getOwnPropertyNames(GeneratedCommands.prototype).filter((name) =>
    name !== "constructor"
  ).sort();
  assert.deepEqual([...REPLY_KINDS.keys()].sort(), names);
});
