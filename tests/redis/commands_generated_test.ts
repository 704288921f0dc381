// The generated command surface against a live redis-server: every command the server lists has a
// method (or is excluded on purpose), no method names a command the server lacks, each generated
// method sends its own command with an argv its arity allows, the command table is what COMMAND
// INFO says, and the committed files are exactly what the generator makes today.

import assert from "node:assert/strict";
import type { RedisArgument, RespValue } from "../../redis/mod.ts";
import { commandSpec, GeneratedCommands, RedisCommands } from "../../redis/commands/mod.ts";
import type { CommandOptions } from "../../redis/commands/command_sender.ts";
import { CATALOG, CATALOG_VERSION } from "../../redis/commands/_catalog.ts";
import { readServerCatalog } from "../../scripts/_read_catalog.ts";
import { EXCLUDED_COMMANDS, HAND_WRITTEN_COMMANDS } from "../../redis/commands/_lists.ts";
import { methodName } from "../../redis/commands/_naming.ts";
import { METHOD_CHECKS } from "../../redis/commands/_method_checks.ts";
import { generate, readServerCommands } from "../../scripts/generate_commands.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender } from "./_test_sender.ts";

interface Sent {
  argv: RedisArgument[];
  options: CommandOptions | undefined;
}

/** Records what each method sends, and answers null. */
class Recorder extends RedisCommands {
  sent: Sent[] = [];
  get protocol(): 2 | 3 {
    return 3;
  }
  sendCommand<T = RespValue>(argv: readonly RedisArgument[], options?: CommandOptions): Promise<T> {
    this.sent.push({ argv: [...argv], options });
    return Promise.resolve(null as T);
  }
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** The recorder answers null, which a typed reply refuses after the command was recorded. */
function ignoreReply(error: unknown): void {
  if (!(error instanceof TypeError) || !/in the reply|Expected/.test(error.message)) throw error;
}

function generatedMethod(name: string): AnyMethod | undefined {
  if (!Object.hasOwn(GeneratedCommands.prototype, name)) return undefined;
  return (GeneratedCommands.prototype as unknown as Record<string, AnyMethod>)[name];
}

function isContainer(name: string, all: Set<string>): boolean {
  for (const other of all) if (other.startsWith(`${name}|`)) return true;
  return false;
}

async function serverCommandNames(): Promise<Set<string>> {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  const list = await redis.sendCommand<RespValue[]>(["COMMAND", "LIST"]);
  return new Set(list.map(String));
}

const generatedNames = Object.getOwnPropertyNames(GeneratedCommands.prototype).filter((name) =>
  name !== "constructor"
);

Deno.test("RedisCommands has a method for every command the live server lists, or excludes it", async () => {
  const names = await serverCommandNames();
  assert.ok(names.size > 300, `COMMAND LIST gave only ${names.size} names`);
  const missing: string[] = [];
  let generated = 0;
  let handWritten = 0;
  for (const name of names) {
    if (isContainer(name, names) || EXCLUDED_COMMANDS.has(name)) continue;
    const method = methodName(name);
    if (HAND_WRITTEN_COMMANDS.has(name)) {
      // Written by hand: on a family class, never generated.
      if (
        typeof (RedisCommands.prototype as unknown as Record<string, unknown>)[method] !==
          "function"
      ) {
        missing.push(`${name} (hand-written ${method})`);
      }
      assert.equal(
        generatedMethod(method),
        undefined,
        `${name} is both hand-written and generated`,
      );
      handWritten++;
    } else if (generatedMethod(method) === undefined) {
      missing.push(`${name} (${method})`);
    } else {
      generated++;
    }
  }
  assert.deepEqual(missing, []);
  assert.equal(handWritten, HAND_WRITTEN_COMMANDS.size);
  assert.equal(generated, generatedNames.length);
});

Deno.test("RedisCommands has no method and no list entry for a command the live server lacks", async () => {
  const names = await serverCommandNames();
  const byMethod = new Map([...names].map((name) => [methodName(name), name]));
  assert.equal(byMethod.size, names.size, "two commands share a method name");
  for (const method of generatedNames) {
    assert.ok(byMethod.has(method), `generated ${method} names no command of the server`);
  }
  for (const name of [...EXCLUDED_COMMANDS.keys(), ...HAND_WRITTEN_COMMANDS]) {
    assert.ok(names.has(name), `the lists name ${name}, which the server lacks`);
  }
  for (const { name } of CATALOG) {
    assert.ok(names.has(name), `the catalog has ${name}, which the server lacks`);
  }
  assert.equal(CATALOG.length, names.size);
});

Deno.test("CATALOG is exactly what the live server's COMMAND DOCS and COMMAND INFO say", async () => {
  await using server = await startRedisServer();
  const live = await readServerCatalog(server.port);
  assert.equal(live.version, CATALOG_VERSION);
  assert.equal(live.commands.length, CATALOG.length);
  for (let i = 0; i < CATALOG.length; i++) {
    // Every field: arity, flags, ACL categories, key specs, tips, grammar, subcommands.
    assert.deepEqual(CATALOG[i], live.commands[i], CATALOG[i]!.name);
  }
  assert.ok(CATALOG.some((c) => c.keySpecs.some((k) => k.findKeys.type === "keynum")));
  assert.ok(CATALOG.some((c) => c.tips.length > 0));
});

Deno.test("commandSpec holds what the live server's COMMAND INFO says about every command", async () => {
  await using server = await startRedisServer();
  const { commands } = await readServerCommands(server.port);
  assert.equal(commands.length, CATALOG.length);
  for (const command of commands) {
    const spec = commandSpec(command.name);
    assert.ok(spec, command.name);
    assert.equal(spec.arity, command.arity, command.name);
    assert.deepEqual([...spec.flags].sort(), [...command.flags].sort(), command.name);
    assert.deepEqual(
      [spec.firstKey, spec.lastKey, spec.keyStep],
      [command.firstKey, command.lastKey, command.keyStep],
      command.name,
    );
    assert.equal(spec.container, command.subcommands !== undefined, command.name);
  }
});

Deno.test("GeneratedCommands methods send their own command, with an argv their arity allows", async () => {
  const recorder = new Recorder();
  let checked = 0;
  for (const { name, arity } of CATALOG) {
    const method = generatedMethod(methodName(name));
    if (method === undefined) continue;
    const words = name.split("|").map((word) => word.toUpperCase());
    // Function.length counts the typed parameters, plus the options parameter of a method
    // without a rest (a rest parameter is not counted).
    const probe = Array.from({ length: method.length }, (_, i) => `p${i}`);
    // A rest method whose typed parameters are fewer than its arity asks: padded up to the
    // arity (an argv below it is refused with a TypeError before sending).
    const pad = Array.from(
      { length: Math.max(0, Math.abs(arity) - words.length - method.length) },
      (_, i) => `pad${i}`,
    );
    recorder.sent = [];
    await method.apply(recorder, [...probe, ...pad]).catch(ignoreReply);
    const [{ argv }] = recorder.sent as [Sent];
    assert.deepEqual(argv.slice(0, words.length), words, name);
    const typed = probe.filter((p) => argv.includes(p)).length;
    // The typed parameters, and the argv the required ones make alone (a last optional value
    // left out; a probe string in the options slot is no options object: a method with option
    // keys would read a string's methods as flags).
    const row = METHOD_CHECKS[methodName(name)]!;
    const required = row[2] ? typed : row[1];
    const placeholders = probe.slice(0, typed);
    recorder.sent = [];
    await method.apply(recorder, [...placeholders.slice(0, required), ...pad]).catch(ignoreReply);
    const n = (recorder.sent as [Sent])[0].argv.length - pad.length;

    // Whether there is a rest: an extra argument comes out last, and options are taken off.
    const options: CommandOptions = { returnBuffers: true };
    let rest: boolean;
    if (arity > 0 && pad.length > 0) {
      // A fixed arity reached through the rest: one more is refused before sending.
      recorder.sent = [];
      await assert.rejects(
        method.apply(recorder, [...placeholders, ...pad, "EXTRA"]),
        TypeError,
        name,
      );
      assert.equal(recorder.sent.length, 0, name);
      rest = true;
    } else {
      recorder.sent = [];
      await method.apply(recorder, [...placeholders, ...pad, "EXTRA", options]).catch(ignoreReply);
      const [extra] = recorder.sent as [Sent];
      rest = extra.argv.at(-1) === "EXTRA";
      if (rest) {
        assert.equal(typed, method.length, `${name} ignores one of its parameters`);
        assert.equal(extra.argv.length, n + pad.length + 1, name);
        assert.equal(extra.options, options, `${name} loses its options after the rest`);
      } else {
        // Without a rest the method's last parameter is the options object.
        assert.equal(typed, method.length - 1, `${name} ignores one of its parameters`);
        assert.ok(required === typed || required === typed - 1, `${name}: ${required} required`);
        recorder.sent = [];
        await method.apply(recorder, [...placeholders, options]).catch(ignoreReply);
        assert.equal(recorder.sent[0]!.options, options, `${name} loses its options`);
        assert.equal(recorder.sent[0]!.argv.length, n + typed - required, name);
      }
    }

    if (arity > 0) {
      assert.ok(n <= arity, `${name}: ${n} arguments for arity ${arity}`);
      if (!rest) assert.equal(n, arity, `${name}: fixed arity ${arity} but ${n} arguments`);
    } else {
      assert.ok(n <= -arity, `${name}: ${n} required arguments for arity ${arity}`);
      assert.ok(rest || n === -arity, `${name}: arity ${arity} but no rest parameter`);
    }
    checked++;
  }
  assert.equal(checked, generatedNames.length);
  assert.ok(checked > 130, `only ${checked} generated methods`);
});

Deno.test("the committed generated files are what scripts/generate_commands.ts makes", async () => {
  const files = await generate();
  for (const [name, source] of Object.entries(files)) {
    const committed = await Deno.readTextFile(
      new URL(`../../redis/commands/${name}`, import.meta.url),
    );
    assert.ok(
      committed === source,
      `${name} differs from a fresh generation: run deno task gen:commands`,
    );
  }
});

Deno.test("GeneratedCommands methods run against a live server over RESP2 and RESP3", async () => {
  await using server = await startRedisServer();
  const results: unknown[] = [];
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    await redis.flushall();
    assert.equal(await redis.clientSetname("dray-test"), "OK");
    assert.equal(await redis.clientGetname(), "dray-test");
    assert.equal(await redis.pfadd("hll", "a", "b", "c"), true);
    assert.equal(await redis.pfcount("hll"), 3);
    assert.equal(await redis.pfadd("hll", ["d", "e"], "f"), true); // arrays and values alike
    assert.equal(await redis.pfcount(["hll"]), 6);
    const sorted = await redis.sort("list-missing", { alpha: true, returnBuffers: true });
    assert.deepEqual(sorted, []);
    await redis.set("k", new Uint8Array([0xff, 0x00]));
    const dump = await redis.dump("k", { returnBuffers: true });
    assert.ok(dump instanceof Uint8Array && dump.length > 2);
    assert.equal(await redis.objectEncoding("k"), "embstr");
    results.push(await redis.lcs("missing-a", "missing-b"));
  }
  assert.deepEqual(results[0], results[1]);
});
