import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { CommandOptions } from "./command_sender.ts";
import { Script } from "./script.ts";
import type { RunScriptOptions } from "./scripting.ts";

/**
 * What {@linkcode defineScript} needs to know about a Lua script.
 *
 * @typeParam R What a call resolves with: what `decode` returns, or the reply as sent.
 *
 * @example A script with one key and a typed reply
 * ```ts
 * import type { ScriptDefinition } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const definition: ScriptDefinition<number> = {
 *   lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
 *   keys: 1,
 *   decode: Number,
 * };
 * assert.equal(definition.keys, 1);
 * ```
 */
export interface ScriptDefinition<R = RespValue> {
  /** The Lua source. */
  lua: string;
  /** How many of a call's leading arguments are keys (`KEYS[1..]`); the rest are `ARGV[1..]`. */
  keys: number;
  /** Run it with `EVALSHA_RO`/`EVAL_RO`: the script must not write (allowed on replicas). */
  readOnly?: boolean;
  /**
   * Turns the script's reply into what a call resolves with, and checks it: a reply of another
   * shape should throw. Without it a call resolves with the reply as the protocol carries it.
   */
  decode?: (reply: RespValue) => R;
}

/**
 * What a defined script runs on: anything with `runScript` (`RedisClient`, `Pipeline`,
 * `Transaction`, or any `RedisCommands`).
 *
 * @example Any command surface
 * ```ts
 * import { type ScriptRunner } from "@dray/dray/redis";
 * import { RedisCommands } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * const runs: (redis: RedisCommands) => ScriptRunner = (redis) => redis;
 * assert.equal(typeof runs, "function");
 * ```
 */
export interface ScriptRunner {
  /** Runs a {@linkcode Script}: `EVALSHA`, `EVAL` on `NOSCRIPT`, `EVAL` in a batch. */
  runScript<T = RespValue>(script: Script, options?: RunScriptOptions): Promise<T>;
}

/**
 * The arguments of a call to a defined script: its keys, then its other arguments, then
 * optionally the command options (buffers, timeout, abort signal).
 *
 * @example Two keys, one argument, a timeout
 * ```ts
 * import type { ScriptArguments } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const call: ScriptArguments = ["from", "to", 5, { timeoutMs: 500 }];
 * assert.equal(call.length, 4);
 * ```
 */
export type ScriptArguments = RedisArgument[] | [...RedisArgument[], CommandOptions];

function isArgument(value: unknown): value is RedisArgument {
  return typeof value === "string" || typeof value === "number" || typeof value === "bigint" ||
    value instanceof Uint8Array;
}

function ignore(): void {}

const OPTION_KEYS = new Set(["returnBuffers", "timeoutMs", "signal"]);

/**
 * A Lua script with a name, a number of keys and a reply type, made by {@linkcode defineScript}:
 * `run(redis, ...keysThenArgs)` runs it on the client, in a pipeline or in a transaction
 * (`EVALSHA` with the `NOSCRIPT` → `EVAL` fallback on a client, `EVAL` in a batch), and
 * {@linkcode withScripts} turns a set of them into named methods of one command surface.
 *
 * @typeParam N The script's name.
 * @typeParam R What a call resolves with.
 *
 * @example Running a defined script
 * ```ts
 * import { connect, defineScript } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * const incrBy = defineScript("incrBy", {
 *   lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
 *   keys: 1,
 *   decode: Number,
 * });
 * await using server = await startServer();
 * await using redis = await connect(server.url);
 * const n: number = await incrBy.run(redis, "counter", 5);
 * assert.equal(n, 5);
 * ```
 */
export class DefinedScript<N extends string = string, R = RespValue> extends Script {
  /** The name its method gets from {@linkcode withScripts}. */
  readonly name: N;
  /** How many leading arguments are keys. */
  readonly keys: number;
  /** Whether it runs with `EVALSHA_RO`/`EVAL_RO`. */
  readonly readOnly: boolean;
  #decode: ((reply: RespValue) => R) | undefined;

  /**
   * Defines a script; {@linkcode defineScript} is the shorter way to call this.
   *
   * @param name The name of its method (an identifier).
   * @param definition The Lua source, the number of keys, `readOnly` and `decode`.
   * @throws {TypeError} When the name is not an identifier, the source not a string, or `keys`
   * not a non-negative integer.
   *
   * @example Defining a script
   * ```ts
   * import { DefinedScript } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const script = new DefinedScript("one", { lua: "return 1", keys: 0 });
   * assert.equal(script.sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
   * ```
   */
  constructor(name: N, definition: ScriptDefinition<R>) {
    if (typeof name !== "string" || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) {
      throw new TypeError(`Script name "${String(name)}" is not an identifier`);
    }
    if (typeof definition?.lua !== "string") {
      throw new TypeError(`Script "${name}" needs its Lua source as a string in "lua"`);
    }
    if (!Number.isSafeInteger(definition.keys) || definition.keys < 0) {
      throw new TypeError(
        `Script "${name}" needs "keys" as a non-negative integer, got "${String(definition.keys)}"`,
      );
    }
    if (definition.decode !== undefined && typeof definition.decode !== "function") {
      throw new TypeError(`Script "${name}" has a "decode" that is not a function`);
    }
    super(definition.lua);
    this.name = name;
    this.keys = definition.keys;
    this.readOnly = definition.readOnly ?? false;
    this.#decode = definition.decode;
  }

  /**
   * Runs the script on `redis`: the first `keys` arguments are its keys, the rest its other
   * arguments, and a last plain object the command options.
   *
   * @param redis A client, a pipeline, a transaction.
   * @param args The keys, then the other arguments, then optionally the command options.
   * @returns What `decode` makes of the reply, or the reply as sent.
   * @throws {TypeError} (as a rejection) Fewer arguments than keys, an argument that is not a
   * string, number, bigint or `Uint8Array`, or an unknown option: nothing is sent.
   *
   * @example A read-only script in a pipeline
   * ```ts
   * import { connect, defineScript } from "@dray/dray/redis";
   * import { startServer } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * const lengthOf = defineScript("lengthOf", {
   *   lua: "return redis.call('STRLEN', KEYS[1])",
   *   keys: 1,
   *   readOnly: true,
   * });
   * await using server = await startServer();
   * await using redis = await connect(server.url);
   * await redis.set("greeting", "hello");
   * const pipeline = redis.pipeline();
   * const length = lengthOf.run(pipeline, "greeting");
   * await pipeline.exec();
   * assert.equal(await length, 5);
   * ```
   */
  run(redis: ScriptRunner, ...args: ScriptArguments): Promise<R> {
    let options: CommandOptions | undefined;
    const values = args as unknown[];
    let end = values.length;
    const last = values[end - 1];
    if (last !== null && typeof last === "object" && !(last instanceof Uint8Array)) {
      options = last as CommandOptions;
      end--;
      for (const key of Object.keys(options)) {
        if (!OPTION_KEYS.has(key)) {
          return Promise.reject(new TypeError(`Script "${this.name}" has no option "${key}"`));
        }
      }
    }
    if (end < this.keys) {
      return Promise.reject(
        new TypeError(`Script "${this.name}" takes at least ${this.keys} key(s), got ${end}`),
      );
    }
    for (let i = 0; i < end; i++) {
      if (!isArgument(values[i])) {
        return Promise.reject(
          new TypeError(
            `Script "${this.name}" argument ${i + 1} is not a string, number, bigint or ` +
              `Uint8Array: "${String(values[i])}"`,
          ),
        );
      }
    }
    const argv = values as RedisArgument[];
    let sent: Promise<RespValue>;
    try {
      sent = redis.runScript<RespValue>(this, {
        ...options,
        keys: argv.slice(0, this.keys),
        args: argv.slice(this.keys, end),
        readOnly: this.readOnly,
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const decode = this.#decode;
    const result = decode === undefined ? sent as Promise<R> : sent.then(decode);
    // In a pipeline or a transaction an error reply is also an element of exec()'s result: a
    // call nobody awaits must not surface as an unhandled rejection.
    if ((redis as { batched?: boolean }).batched === true) result.catch(ignore);
    return result;
  }
}

/**
 * Defines a named Lua script with a number of keys and, through `decode`, a typed and checked
 * reply; run it with `script.run(redis, ...)` on a client, a pipeline or a transaction, or give a
 * command surface named methods with {@linkcode withScripts} (as ioredis' `defineCommand`).
 *
 * @typeParam N The script's name.
 * @typeParam R What a call resolves with.
 * @param name The name of its method.
 * @param definition `lua`, `keys`, and optionally `readOnly` and `decode`.
 * @returns The defined script.
 * @throws {TypeError} When the name is not an identifier, `lua` not a string, or `keys` not a
 * non-negative integer.
 *
 * @example A script as a named method of a client and of a transaction
 * ```ts
 * import { connect, defineScript, withScripts } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * const scripts = [
 *   defineScript("incrBy", {
 *     lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
 *     keys: 1,
 *     decode: Number,
 *   }),
 * ] as const;
 * await using server = await startServer();
 * await using redis = await connect(server.url);
 * assert.equal(await withScripts(redis, scripts).incrBy("n", 2), 2);
 * const transaction = redis.multi();
 * const queued = withScripts(transaction, scripts).incrBy("n", 3);
 * await transaction.exec();
 * assert.equal(await queued, 5);
 * ```
 */
export function defineScript<const N extends string, R = RespValue>(
  name: N,
  definition: ScriptDefinition<R>,
): DefinedScript<N, R> {
  return new DefinedScript(name, definition);
}

/**
 * The named methods {@linkcode withScripts} makes from a list of defined scripts.
 *
 * @typeParam S The defined scripts.
 *
 * @example The type of one method
 * ```ts
 * import type { DefinedScript, ScriptMethods } from "@dray/dray/redis";
 *
 * type Methods = ScriptMethods<readonly [DefinedScript<"incrBy", number>]>;
 * const check: keyof Methods = "incrBy";
 * ```
 */
export type ScriptMethods<S extends readonly DefinedScript<string, unknown>[]> = {
  readonly [D in S[number] as D["name"]]: D extends DefinedScript<string, infer R>
    ? (...args: ScriptArguments) => Promise<R>
    : never;
};

/**
 * Named methods for defined scripts, bound to one command surface (a client, a pipeline, a
 * transaction): `withScripts(redis, [incrBy]).incrBy("n", 2)` is `incrBy.run(redis, "n", 2)`.
 *
 * @typeParam S The defined scripts.
 * @param redis The command surface the methods run on.
 * @param scripts The defined scripts (`as const` keeps their names in the type).
 * @returns An object with one method per script, named by it.
 * @throws {TypeError} When two scripts have the same name.
 *
 * @example Methods on a pipeline
 * ```ts
 * import { connect, defineScript, withScripts } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * const echo = defineScript("echo", { lua: "return ARGV[1]", keys: 0, decode: String });
 * await using server = await startServer();
 * await using redis = await connect(server.url);
 * const pipeline = redis.pipeline();
 * const echoed = withScripts(pipeline, [echo] as const).echo("hi");
 * await pipeline.exec();
 * assert.equal(await echoed, "hi");
 * ```
 */
export function withScripts<const S extends readonly DefinedScript<string, unknown>[]>(
  redis: ScriptRunner,
  scripts: S,
): ScriptMethods<S> {
  const out: Record<string, (...args: ScriptArguments) => Promise<unknown>> = {};
  for (const script of scripts) {
    if (!(script instanceof DefinedScript)) {
      throw new TypeError(`withScripts takes scripts made by defineScript, got "${script}"`);
    }
    if (Object.hasOwn(out, script.name)) {
      throw new TypeError(`Two scripts are named "${script.name}"`);
    }
    out[script.name] = (...args: ScriptArguments) => script.run(redis, ...args);
  }
  return out as ScriptMethods<S>;
}
