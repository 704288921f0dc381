// Run-time argument checks of every typed method, called from JavaScript (no type-check): too many
// or too few arguments, an unknown option, a value of the wrong type throw TypeError before
// anything is sent, and spread values of a one-or-many parameter are all sent (never dropped).

import assert from "node:assert/strict";
import type { RedisArgument, RespValue } from "../../redis/mod.ts";
import { RedisCommands } from "../../redis/commands/mod.ts";
import type { CommandOptions } from "../../redis/commands/command_sender.ts";
import { METHOD_CHECKS } from "../../redis/commands/_method_checks.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender } from "./_test_sender.ts";

/** Records what each method sends, and answers null. */
class Recorder extends RedisCommands {
  sent: RedisArgument[][] = [];
  get protocol(): 2 | 3 {
    return 3;
  }
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    _options?: CommandOptions,
  ): Promise<T> {
    this.sent.push([...argv]);
    return Promise.resolve(null as T);
  }
}

type AnyMethod = (...args: unknown[]) => unknown;

/** Every method name of the command surface, read from the prototypes themselves. */
function surface(): string[] {
  const names = new Set<string>();
  for (
    let at: object | null = RedisCommands.prototype;
    at !== null && at !== Object.prototype;
    at = Object.getPrototypeOf(at)
  ) {
    for (const name of Object.getOwnPropertyNames(at)) {
      const descriptor = Object.getOwnPropertyDescriptor(at, name)!;
      if (name === "constructor" || name === "sendCommand" || name.startsWith("#")) continue;
      if (typeof descriptor.value === "function") names.add(name);
    }
  }
  return [...names].sort();
}

/** A value of the kind a parameter takes. */
function placeholder(kind: string, i: number): unknown {
  switch (kind) {
    case "num":
      return 1;
    case "bool":
      return true;
    case "many":
      return [`m${i}`];
    default:
      return `p${i}`;
  }
}

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    const result = call();
    if (result instanceof Promise) await result;
    else if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) {
      return undefined; // an iterator that was not refused: not run further
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

Deno.test("RedisCommands has a run-time check for every method of its surface", () => {
  const names = surface();
  assert.ok(names.length > 300, `only ${names.length} methods`);
  const missing = names.filter((name) => !Object.hasOwn(METHOD_CHECKS, name));
  assert.deepEqual(missing, []);
});

Deno.test("RedisCommands methods called from JavaScript with arity ± 1 or an unknown option throw TypeError before sending", async () => {
  const recorder = new Recorder();
  const proto = recorder as unknown as Record<string, AnyMethod>;
  const failures: string[] = [];
  let checked = 0;
  for (const name of surface()) {
    const [kinds, required, rest, keys] = METHOD_CHECKS[name]!;
    const valid = kinds.slice(0, required).map((kind, i) => placeholder(kind, i));

    // One fewer than the required arguments.
    if (required > 0) {
      recorder.sent = [];
      const error = await outcome(() => proto[name]!.apply(recorder, valid.slice(0, -1)));
      if (!(error instanceof TypeError) || recorder.sent.length > 0) {
        failures.push(`${name}: ${required - 1} arguments were not refused`);
      }
    }

    // One more than it takes: a value where the options object (or nothing) goes.
    if (!rest) {
      // A one-or-many parameter gets a single value here, so that EXTRA can spread after it.
      const full = kinds.map((kind, i) => kind === "many" ? `m${i}` : placeholder(kind, i));
      const extra = [...full, "EXTRA"];
      recorder.sent = [];
      const error = await outcome(() => proto[name]!.apply(recorder, extra));
      if (kinds.at(-1) === "many" && kinds.length > 0) {
        // A one-or-many last parameter takes spread values: all of them are sent (the
        // recorder's null reply may then fail to parse: that is not a refusal).
        const sent = recorder.sent.flat().map(String);
        if (!sent.includes("EXTRA") || !sent.includes(`m${kinds.length - 1}`)) {
          failures.push(`${name}: a spread value was dropped (${String(error)})`);
        }
      } else if (!(error instanceof TypeError) || recorder.sent.length > 0) {
        failures.push(`${name}: one argument too many was not refused`);
      }
    }

    // An unknown option.
    if (keys !== null) {
      recorder.sent = [];
      const args = rest ? [...valid, { noSuchOption: 1 }] : [
        ...kinds.map((kind, i) => i < required ? placeholder(kind, i) : undefined),
        { noSuchOption: 1 },
      ];
      const error = await outcome(() => proto[name]!.apply(recorder, args));
      if (!(error instanceof TypeError) || !/noSuchOption/.test(error.message)) {
        failures.push(`${name}: an unknown option was not refused (${String(error)})`);
      } else if (recorder.sent.length > 0) {
        failures.push(`${name}: sent before refusing an unknown option`);
      }
    }
    checked++;
  }
  assert.deepEqual(failures, []);
  assert.ok(checked > 300);
});

Deno.test("RedisCommands methods refuse values of the wrong type before sending", async () => {
  const recorder = new Recorder();
  const cases: [string, unknown[]][] = [
    ["get", [{ key: "k" }]],
    ["get", [undefined]],
    ["set", ["k", null]],
    ["expire", ["k", "60"]],
    ["set", ["k", "v", { nx: "yes" }]],
    ["set", ["k", "v", { ex: "10" }]],
    ["del", [["a", { b: 1 }]]],
    ["aclDeluser", ["u", { nested: true }, "x"]],
    ["clientKill", []], // CLIENT KILL alone: below its arity
  ];
  for (const [name, args] of cases) {
    recorder.sent = [];
    const method = (recorder as unknown as Record<string, AnyMethod>)[name]!;
    await assert.rejects(
      Promise.resolve().then(() => method.apply(recorder, args)),
      TypeError,
      `${name}(${JSON.stringify(args)})`,
    );
    assert.equal(recorder.sent.length, 0, name);
  }
});

Deno.test("RedisClient del, lpush, mget and hmget take spread values and arrays alike, and lose none", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  const call = redis as unknown as Record<string, AnyMethod>;
  await redis.mset({ a: "1", b: "2", c: "3", d: "4" });
  assert.equal(await redis.del("a", "b"), 2); // was 1: "b" was taken as options
  assert.equal(await redis.del(["c", "d", "e"]), 2);
  assert.equal(await redis.lpush("q", "x", "y"), 2); // was 1: "y" was dropped
  assert.deepEqual(await redis.lrange("q", 0, -1), ["y", "x"]);
  assert.equal(await redis.sadd("s", "m1", "m2", { timeoutMs: 1000 }), 2);
  assert.deepEqual((await redis.sinter("s", "s", { returnBuffers: false })).sort(), ["m1", "m2"]);
  assert.equal(await redis.scard("s"), 2);
  await redis.mset({ a: "1", b: "2" });
  assert.deepEqual(await redis.mget("a", "b", "nope"), ["1", "2", null]);
  assert.deepEqual(await redis.mget(["a", "b"], { returnBuffers: false }), ["1", "2"]);
  await redis.hset("h", { f: "1", g: "2" });
  assert.deepEqual(await redis.hmget("h", "f", "g"), ["1", "2"]);
  assert.deepEqual(await redis.hmget("h", ["g", "x"]), ["2", null]);
  await assert.rejects(call.get!.call(redis, "a", "b") as Promise<unknown>, TypeError);
});

Deno.test("the committed _method_checks.ts is what scripts/generate_method_checks.ts makes", async () => {
  const { renderChecks } = await import("../../scripts/generate_method_checks.ts");
  const committed = await Deno.readTextFile(
    new URL("../../redis/commands/_method_checks.ts", import.meta.url),
  );
  assert.ok(
    committed === await renderChecks(),
    "_method_checks.ts is stale: run deno run -A scripts/generate_method_checks.ts",
  );
});

Deno.test("StringCommands counters are numbers, exact bigints with bigint: true, and never lose precision silently", async () => {
  await using server = await startRedisServer();
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    await redis.del("n", "big", "h");
    const n = await redis.incr("n");
    assert.equal(n + 1, 2); // a number: no cast needed
    assert.equal(await redis.incrby("n", 5, { bigint: true }), 6n);
    await redis.set("big", "9007199254740992"); // 2^53
    await assert.rejects(redis.incr("big"), { name: "RangeError", message: /bigint: true/ });
    assert.equal(await redis.get("big"), "9007199254740993"); // it did run
    assert.equal(await redis.incr("big", { bigint: true }), 9007199254740994n);
    assert.equal(await redis.decrby("big", 3, { bigint: true }), 9007199254740991n);
    assert.equal(await redis.decr("big"), 9007199254740990);
    assert.equal(await redis.hincrby("h", "f", 2 ** 53 - 1), 2 ** 53 - 1);
    await assert.rejects(redis.hincrby("h", "f", 1), RangeError);
    assert.equal(await redis.hincrby("h", "f", 1, { bigint: true }), 2n ** 53n + 1n);
  }
});

Deno.test("KeyCommands sort and ServerCommands clientKill are typed from their options", async () => {
  await using server = await startRedisServer();
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    await using other = await openSender(server.port, protocol);
    await redis.del("l", "out", "w_1", "w_2", "w_3");
    await redis.rpush("l", "3", "1", "2");
    const sorted: (string | null)[] = await redis.sort("l");
    assert.deepEqual(sorted, ["1", "2", "3"]);
    const stored: number = await redis.sort("l", { order: "DESC", store: "out" });
    assert.equal(stored, 3);
    assert.deepEqual(await redis.lrange("out", 0, -1), ["3", "2", "1"]);
    await redis.mset({ w_1: "30", w_2: "10" });
    assert.deepEqual(await redis.sortRo("l", { by: "w_*", get: ["#", "w_*"] }), [
      "3",
      null,
      "2",
      "10",
      "1",
      "30",
    ]);
    const id = await other.clientId();
    assert.equal(await redis.clientKill({ id }), 1);
    await assert.rejects(redis.clientKill({}), TypeError);
  }
});
