import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import type { Script } from "./script.ts";
import { bools, pushAll, text } from "./_replies.ts";
import type { OneOrMany } from "./types.ts";

/**
 * The keys and arguments of a script or function call.
 *
 * @example One key, two arguments
 * ```ts
 * import type { ScriptCallOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const call: ScriptCallOptions = { keys: ["counter"], args: [5, "EX"] };
 * assert.equal(call.keys?.length, 1);
 * ```
 */
export interface ScriptCallOptions extends CommandOptions {
  /** `KEYS[1..]`: the keys the script touches (they decide the slot in a cluster). */
  keys?: readonly RedisArgument[];
  /** `ARGV[1..]`: the other arguments. */
  args?: readonly RedisArgument[];
}

/**
 * Options of `runScript`.
 *
 * @example A read-only script
 * ```ts
 * import type { RunScriptOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: RunScriptOptions = { keys: ["k"], readOnly: true };
 * assert.equal(options.readOnly, true);
 * ```
 */
export interface RunScriptOptions extends ScriptCallOptions {
  /** Use `EVALSHA_RO`/`EVAL_RO` (the script must not write; allowed on replicas). */
  readOnly?: boolean;
}

/**
 * Options of `functionLoad`.
 *
 * @example Replacing a library
 * ```ts
 * import type { FunctionLoadOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: FunctionLoadOptions = { replace: true };
 * assert.equal(options.replace, true);
 * ```
 */
export interface FunctionLoadOptions extends CommandOptions {
  /** `REPLACE`: overwrite a library of the same name. */
  replace?: boolean;
}

function callArgv(
  command: string,
  target: RedisArgument,
  options: ScriptCallOptions | undefined,
): RedisArgument[] {
  const keys = options?.keys ?? [];
  const argv: RedisArgument[] = [command, target, keys.length, ...keys];
  if (options?.args !== undefined) argv.push(...options.args);
  return argv;
}

/**
 * Typed methods for scripting: `EVAL`, `EVALSHA`, their read-only forms, `FCALL`, `SCRIPT LOAD`,
 * `SCRIPT EXISTS`, `SCRIPT FLUSH`, and {@linkcode ScriptingCommands.runScript}, which sends
 * `EVALSHA` and falls back to `EVAL` when the server answers `NOSCRIPT`.
 *
 * @example A script, cached by the server after its first run
 * ```ts ignore
 * import { Script } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const incrTo = new Script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
 * assert.equal(await redis.runScript(incrTo, { keys: ["n"], args: [5] }), 5);
 * ```
 */
export abstract class ScriptingCommands extends CommandSender {
  /**
   * `EVAL script numkeys [key [key ...]] [arg [arg ...]]`: runs a Lua script.
   *
   * @typeParam T What the caller declares the script or function returns.
   * @param script The Lua source.
   * @param options `keys`, `args`, and the command options.
   * @returns What the script returns, as the protocol carries it.
   *
   * @example Returning an argument
   * ```ts ignore
   * assert.equal(await redis.eval("return ARGV[1]", { args: ["hi"] }), "hi");
   * ```
   */
  eval<T = RespValue>(script: RedisArgument, options?: ScriptCallOptions): Promise<T> {
    return this.sendCommand<T>(callArgv("EVAL", script, options), options);
  }

  /**
   * `EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]`: runs a read-only Lua script.
   *
   * @typeParam T What the caller declares the script or function returns.
   * @param script The Lua source.
   * @param options `keys`, `args`, and the command options.
   * @returns What the script returns.
   *
   * @example Reading a key
   * ```ts ignore
   * await redis.evalRo("return redis.call('GET', KEYS[1])", { keys: ["k"] });
   * ```
   */
  evalRo<T = RespValue>(script: RedisArgument, options?: ScriptCallOptions): Promise<T> {
    return this.sendCommand<T>(callArgv("EVAL_RO", script, options), options);
  }

  /**
   * `EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]`: runs a cached script by its SHA1.
   *
   * @typeParam T What the caller declares the script or function returns.
   * @param sha1 The script's SHA1.
   * @param options `keys`, `args`, and the command options.
   * @returns What the script returns; rejects with `ReplyError` code `NOSCRIPT` when the server
   * does not have it.
   *
   * @example Running a loaded script
   * ```ts ignore
   * const sha1 = await redis.scriptLoad("return 42");
   * assert.equal(await redis.evalsha(sha1), 42);
   * ```
   */
  evalsha<T = RespValue>(sha1: RedisArgument, options?: ScriptCallOptions): Promise<T> {
    return this.sendCommand<T>(callArgv("EVALSHA", sha1, options), options);
  }

  /**
   * `EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]`: runs a cached read-only script.
   *
   * @typeParam T What the caller declares the script or function returns.
   * @param sha1 The script's SHA1.
   * @param options `keys`, `args`, and the command options.
   * @returns What the script returns.
   *
   * @example Running a loaded read-only script
   * ```ts ignore
   * await redis.evalshaRo(sha1, { keys: ["k"] });
   * ```
   */
  evalshaRo<T = RespValue>(sha1: RedisArgument, options?: ScriptCallOptions): Promise<T> {
    return this.sendCommand<T>(callArgv("EVALSHA_RO", sha1, options), options);
  }

  /**
   * `FCALL function numkeys [key [key ...]] [arg [arg ...]]`: calls a function loaded with
   * `FUNCTION LOAD`.
   *
   * @typeParam T What the caller declares the script or function returns.
   * @param fn The function's name.
   * @param options `keys`, `args`, and the command options.
   * @returns What the function returns.
   *
   * @example Calling a function
   * ```ts ignore
   * await redis.fcall("myfunc", { keys: ["k"], args: [1] });
   * ```
   */
  fcall<T = RespValue>(fn: RedisArgument, options?: ScriptCallOptions): Promise<T> {
    return this.sendCommand<T>(callArgv("FCALL", fn, options), options);
  }

  /**
   * `FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]`: calls a read-only function.
   *
   * @typeParam T What the caller declares the script or function returns.
   * @param fn The function's name.
   * @param options `keys`, `args`, and the command options.
   * @returns What the function returns.
   *
   * @example Calling a read-only function
   * ```ts ignore
   * await redis.fcallRo("myreader", { keys: ["k"] });
   * ```
   */
  fcallRo<T = RespValue>(fn: RedisArgument, options?: ScriptCallOptions): Promise<T> {
    return this.sendCommand<T>(callArgv("FCALL_RO", fn, options), options);
  }

  /**
   * `FUNCTION LOAD [REPLACE] function-code`: loads a library of Redis functions.
   *
   * @param code The library's source, starting with its `#!lua name=…` shebang.
   * @param options `replace` (overwrite a library of the same name), and the command options.
   * @returns The library's name.
   *
   * @example Loading and calling a function
   * ```ts ignore
   * const name = await redis.functionLoad(
   *   "#!lua name=mylib\nredis.register_function('echo1', function(keys, args) return args[1] end)",
   * );
   * assert.equal(name, "mylib");
   * assert.equal(await redis.fcall<string>("echo1", { args: ["hi"] }), "hi");
   * ```
   */
  functionLoad(code: RedisArgument, options?: FunctionLoadOptions): Promise<string> {
    const argv: RedisArgument[] = ["FUNCTION", "LOAD"];
    if (options?.replace) argv.push("REPLACE");
    argv.push(code);
    return this.sendCommand<RespValue>(argv, options).then(text);
  }

  /**
   * Runs a {@linkcode Script}: `EVALSHA` with its SHA1, and `EVAL` with its source when the
   * server answers `NOSCRIPT` (after a restart, `SCRIPT FLUSH` or on another node); `EVAL` also
   * caches it for the next call. The `EVALSHA` goes out at once, in order with the commands
   * around it; the fallback `EVAL` is sent when the `NOSCRIPT` reply arrives, after commands
   * issued meanwhile. In a pipeline or a transaction, where a reply arrives only when the batch
   * runs, it sends `EVAL` with the source instead (which also caches the script).
   *
   * @typeParam T What the caller declares the script returns.
   * @param script The script.
   * @param options `keys`, `args`, `readOnly`, and the command options.
   * @returns What the script returns.
   *
   * @example Running a script
   * ```ts ignore
   * const script = new Script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
   * assert.equal(await redis.runScript(script, { keys: ["n"], args: [2] }), 2);
   * ```
   */
  runScript<T = RespValue>(script: Script, options?: RunScriptOptions): Promise<T> {
    const readOnly = options?.readOnly ?? false;
    if (this.batched) {
      // In a pipeline or a transaction the NOSCRIPT reply would come too late to fall back.
      return this.sendCommand<T>(
        callArgv(readOnly ? "EVAL_RO" : "EVAL", script.source, options),
        options,
      );
    }
    return this.sendCommand<T>(
      callArgv(readOnly ? "EVALSHA_RO" : "EVALSHA", script.sha1, options),
      options,
    ).catch((error: unknown) => {
      if (!(error instanceof ReplyError) || error.code !== "NOSCRIPT") throw error;
      return this.sendCommand<T>(
        callArgv(readOnly ? "EVAL_RO" : "EVAL", script.source, options),
        options,
      );
    });
  }

  /**
   * `SCRIPT EXISTS sha1 [sha1 ...]`: whether scripts are cached.
   *
   * @param sha1s One SHA1 or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns A boolean per SHA1.
   *
   * @example Checking the cache
   * ```ts ignore
   * assert.deepEqual(await redis.scriptExists([script.sha1]), [true]);
   * ```
   */
  scriptExists(sha1s: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<boolean[]> {
    return this.sendCommand<RespValue>(pushAll(["SCRIPT", "EXISTS"], sha1s), options).then(bools);
  }

  /**
   * `SCRIPT FLUSH [ASYNC | SYNC]`: empties the script cache.
   *
   * @param options `mode`, and the command options.
   * @returns `"OK"`.
   *
   * @example Flushing in the background
   * ```ts ignore
   * assert.equal(await redis.scriptFlush({ mode: "ASYNC" }), "OK");
   * ```
   */
  scriptFlush(options?: CommandOptions & { mode?: "ASYNC" | "SYNC" }): Promise<"OK"> {
    const argv: RedisArgument[] = ["SCRIPT", "FLUSH"];
    if (options?.mode !== undefined) argv.push(options.mode);
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `SCRIPT LOAD script`: caches a script without running it.
   *
   * @param source The Lua source.
   * @param options Buffers, timeout, abort signal.
   * @returns Its SHA1.
   *
   * @example Loading
   * ```ts ignore
   * assert.equal(await redis.scriptLoad("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
   * ```
   */
  scriptLoad(source: RedisArgument, options?: CommandOptions): Promise<string> {
    return this.sendCommand<RespValue>(["SCRIPT", "LOAD", source], options).then(text);
  }
}
