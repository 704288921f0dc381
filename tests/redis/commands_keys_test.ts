// keys(argv) from the catalog's key specs against the server's own COMMAND GETKEYS, over every
// command with keys and argument lists generated from its grammar.

import assert from "node:assert/strict";
import type { RespValue } from "../../redis/mod.ts";
import { catalogCommands, keyPositions, keys } from "../../redis/commands/mod.ts";
import { ReplyError } from "../../redis/errors.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { argvVariants } from "./_argv_gen.ts";
import { openSender } from "./_test_sender.ts";

Deno.test("keys finds what COMMAND GETKEYS finds for every command with keys, 0 mismatches", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  const mismatches: string[] = [];
  let compared = 0;
  let refused = 0;
  const commands = new Set<string>();
  for (const command of catalogCommands()) {
    if (command.keySpecs.length === 0 && !command.flags.includes("movablekeys")) continue;
    for (const argv of argvVariants(command, 10)) {
      let expected: string[];
      try {
        const reply = await redis.sendCommand<RespValue[]>(["COMMAND", "GETKEYS", ...argv]);
        expected = reply.map(String);
      } catch (error) {
        if (!(error instanceof ReplyError)) throw error;
        if (/no key arguments/.test(error.message)) {
          expected = []; // only `not_key` specs (shard channels)
        } else {
          refused++; // an argv the server does not take (a grammar value it rejects)
          continue;
        }
      }
      const actual = keys(argv).map(String);
      compared++;
      commands.add(command.name);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`${argv.join(" ")}: keys ${actual.join(",")} server ${expected.join(",")}`);
      }
    }
  }
  if (Deno.env.get("DRAY_PRINT_COUNTS")) {
    console.log({ compared, refused, commands: commands.size });
  }
  assert.deepEqual(mismatches, []);
  assert.ok(compared > 500, `only ${compared} argument lists compared (${refused} refused)`);
  assert.ok(commands.size > 150, `only ${commands.size} commands compared`);
});

Deno.test("keyPositions reads movable keys, keywords from the end and SORT's STORE", () => {
  assert.deepEqual(keyPositions(["ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2"]), [
    1,
    3,
    4,
  ]);
  assert.deepEqual(
    keyPositions(["MIGRATE", "h", "6379", "", "0", "5000", "KEYS", "a", "b"]),
    [7, 8],
  );
  assert.deepEqual(keyPositions(["SORT", "l", "BY", "STORE", "STORE", "d"]), [1, 5]);
  assert.deepEqual(keyPositions(["EVAL", "return 1", "x"]), []);
  assert.deepEqual(keyPositions(["nosuch", "a"]), []);
  assert.deepEqual(keys([new TextEncoder().encode("GET"), "k"]), ["k"]);
});
