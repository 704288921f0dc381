import type { CommandOptions } from "../commands/command_sender.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import { checkArgv } from "../context/_argv.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { Command, type LossHost, promiseFor, type Settle } from "./_command.ts";
import { PLAIN, rejectMember, settleLost, settleMember } from "./_settle.ts";
import { classify, type CommandClass } from "../commands/classify.ts";
import { armWhole, type ClientCore, ENGINE, refuseModeCommand } from "./_core.ts";
import type { BaseClient } from "./client_base.ts";

/**
 * Options for `exec()` of a {@linkcode Pipeline} or a `Transaction`.
 *
 * @example
 * ```ts
 * import type { ExecOptions } from "@dray/dray/redis";
 *
 * const options: ExecOptions = { timeoutMs: 1000, signal: AbortSignal.timeout(5000) };
 * ```
 */
export interface ExecOptions {
  /**
   * Reject `exec()` (and every command not yet answered) with `TimeoutError` after this long
   * (default: the client's `commandTimeoutMs`, if any).
   */
  timeoutMs?: number;
  /** Reject `exec()` (and every command not yet answered) with `AbortError` when this aborts. */
  signal?: AbortSignal;
}

/**
 * What an element of `Pipeline.exec()`'s result can be: the command's reply, or the error its
 * promise rejected with (a `ReplyError`, or a `TimeoutError` / `AbortError` of its own options).
 *
 * @example
 * ```ts
 * import { ReplyError, type PipelineResult } from "@dray/dray/redis";
 *
 * const results: PipelineResult[] = ["OK", new ReplyError("WRONGTYPE Operation"), "1"];
 * ```
 */
export type PipelineResult = RespValue | Error;

/**
 * Settles a pipeline's members and its `exec()`: the settle strategy of its commands. A member
 * whose connection was lost goes as a plain command would (requeued, retried or failed).
 */
class PipelineRun implements Settle {
  readonly results: PipelineResult[];
  readonly #promises: Promise<unknown>[];
  #left: number;
  #done = false;
  #resolve!: (results: PipelineResult[]) => void;
  #reject!: (error: Error) => void;
  readonly promise: Promise<PipelineResult[]>;

  constructor(size: number, promises: Promise<unknown>[]) {
    this.#promises = promises;
    this.results = new Array(size).fill(null);
    this.#left = size;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  reply(entry: Command, value: RespValue): void {
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.release();
    settleMember(entry, this.#promises[entry.index], value);
    this.#record(entry.index, value);
  }

  lost(entry: Command, error: Error, written: boolean, host: LossHost): void {
    settleLost(entry, error, written, host);
  }

  fail(entry: Command, error: Error): void {
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.release();
    rejectMember(entry, this.#promises[entry.index], error);
    this.results[entry.index] = error;
    this.failAll(error);
  }

  /** A member's own timeout or abort: it becomes an error element. */
  giveUp(entry: Command, error: Error): void {
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.release();
    rejectMember(entry, this.#promises[entry.index], error);
    this.#record(entry.index, error);
  }

  /** `exec()` rejects with `error` (once); members not yet settled stay to be settled. */
  failAll(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#reject(error);
  }

  #record(index: number, value: PipelineResult): void {
    this.results[index] = value;
    if (--this.#left === 0 && !this.#done) {
      this.#done = true;
      this.#resolve(this.results);
    }
  }
}

/**
 * An explicit pipeline: commands are held locally until {@linkcode Pipeline.exec}, then queued
 * as one block (no `MULTI`), encoded together, usually in one write. Each command's promise
 * settles with its own reply or error — an error reply fails that command only and never shifts
 * the others — and `exec()` resolves with every result in order, errors as elements (see
 * {@linkcode PipelineResult}). It rejects only when the connection fails (with that error) or
 * when its own `timeoutMs`/`signal` fires.
 *
 * Promises of commands in a pipeline are marked as handled when they reject, so a caller that
 * only awaits `exec()` never gets an unhandled rejection. Per-command `timeoutMs` and `signal`
 * start when `exec()` is called.
 *
 * **Typed commands.** A pipeline has exactly `RedisClient`'s command methods, with the same
 * parameters and the same types (a compile-time test over every method keeps them equal). Here
 * each returns its queued form: the promise of the command's own reply, decoded as on the client
 * (`hgetall` an object, `incr` a number…), which settles when `exec()` runs; awaiting it before
 * `exec()` waits for `exec()`. Once queued, it never surfaces as an unhandled rejection. A call
 * its run-time argument checks refuse is not queued: its promise rejects at once with a
 * `TypeError`, and `exec()` runs the others.
 *
 * @example Errors stay in their place
 * ```ts ignore
 * import { connect, ReplyError } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379");
 * const pipeline = client.pipeline();
 * const set = pipeline.sendCommand(["SET", "k", "v"]);
 * pipeline.sendCommand(["INCR", "k"]); // ERR value is not an integer
 * pipeline.sendCommand(["GET", "k"]);
 * const results = await pipeline.exec();
 * console.log(await set, results[1] instanceof ReplyError, results[2]); // OK true v
 * ```
 */
export class Pipeline extends RedisCommands {
  #core: ClientCore;
  #entries: Command[] = [];
  #argvs: (readonly RedisArgument[])[] = [];
  #promises: Promise<unknown>[] = [];
  #options: (CommandOptions | undefined)[] = [];
  #executed = false;

  /**
   * Makes a pipeline on a client; the same as `client.pipeline()`.
   *
   * @param client The client whose connection will carry the commands.
   * @throws {TypeError} When `client` is not a `RedisClient`.
   *
   * @example
   * ```ts
   * import { Pipeline, RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const pipeline = new Pipeline(new RedisClient());
   * assert.equal(pipeline.length, 0);
   * ```
   */
  constructor(client: BaseClient) {
    super();
    const core = (client as Partial<BaseClient> | undefined)?.[ENGINE]?.core;
    if (core === undefined) throw new TypeError("Cannot make a pipeline: expected a RedisClient");
    this.#core = core;
  }

  /**
   * The client's RESP version (see `RedisClient.protocol`).
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient({ protocol: 2 }).pipeline().protocol, 2);
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#core.protocol;
  }

  /**
   * How many commands the pipeline holds.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const pipeline = new RedisClient().pipeline();
   * pipeline.sendCommand(["PING"]);
   * assert.equal(pipeline.length, 1);
   * ```
   */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * Always `true`: commands are answered when the batch runs.
   *
   * @returns `true`.
   */
  override get batched(): boolean {
    return true;
  }

  /**
   * Adds a command. Nothing is sent before {@linkcode Pipeline.exec}.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command name and its arguments.
   * @param options `returnBuffers`, and a `timeoutMs` / `signal` that start at `exec()`.
   * @returns The command's own reply; rejects with its `ReplyError`, `TimeoutError`,
   * `AbortError`, or the error that ended the connection.
   * @throws {TypeError} (as a rejection) When the pipeline was executed already, or the command
   * cannot be encoded or is refused (see `RedisClient.sendCommand`); it is then not added.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const pipeline = new RedisClient().pipeline();
   * await assert.rejects(pipeline.sendCommand([]), TypeError);
   * assert.equal(pipeline.length, 0);
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    if (this.#executed) {
      return Promise.reject(new TypeError("Cannot add a command: the pipeline was executed"));
    }
    let kind: CommandClass;
    try {
      checkArgv(argv);
      kind = classify(argv);
      refuseModeCommand(argv, kind);
    } catch (error) {
      return Promise.reject(error);
    }
    // Settled by the pipeline's run once exec() makes it.
    const entry = new Command(options?.returnBuffers ?? this.#core.returnBuffers, PLAIN);
    entry.kind = kind;
    entry.index = this.#entries.length;
    const promise = promiseFor<T>(entry);
    this.#promises.push(promise);
    this.#entries.push(entry);
    this.#argvs.push(argv.slice());
    this.#options.push(options);
    return promise;
  }

  /**
   * Sends every command as one block and waits for all of them.
   *
   * @param options A time limit or a signal for the whole pipeline.
   * @returns Every result in order: a reply, or the error of that command (see
   * {@linkcode PipelineResult}).
   * @throws {ConnectionClosedError} When the client is not connected or closed, or the
   * connection ended before every reply arrived (or the error that ended it).
   * @throws {TimeoutError} When `options.timeoutMs` ran out.
   * @throws {AbortError} When `options.signal` aborted.
   * @throws {TypeError} When the pipeline was executed already.
   *
   * @example
   * ```ts
   * import { ConnectionClosedError, RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const pipeline = new RedisClient().pipeline();
   * assert.deepEqual(await pipeline.exec(), []); // nothing to send
   *
   * const other = new RedisClient().pipeline();
   * const ping = other.sendCommand(["PING"]);
   * await assert.rejects(other.exec(), ConnectionClosedError); // never connected
   * await assert.rejects(ping, ConnectionClosedError);
   * ```
   */
  exec(options?: ExecOptions): Promise<PipelineResult[]> {
    if (this.#executed) {
      return Promise.reject(new TypeError("Cannot execute: the pipeline was executed already"));
    }
    this.#executed = true;
    const entries = this.#entries;
    const run = new PipelineRun(entries.length, this.#promises);
    if (entries.length === 0) return Promise.resolve([]);
    const core = this.#core;
    const giveUp = (entry: Command, error: Error) => run.giveUp(entry, error);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      entry.settle = run;
      const own = this.#options[i];
      if (own !== undefined && (own.timeoutMs !== undefined || own.signal !== undefined)) {
        const aborted = core.arm(entry, own, giveUp);
        if (aborted !== undefined) run.giveUp(entry, aborted);
      }
    }
    const giveUpAll = (error: Error) => {
      run.failAll(error);
      for (const entry of entries) run.giveUp(entry, error);
    };
    const whole = armWhole(core, options ?? {}, giveUpAll);
    if (whole instanceof Error) {
      giveUpAll(whole);
    } else {
      try {
        core.submitBatch(entries, this.#argvs, false, this.#promises);
      } catch (error) {
        for (const entry of entries) run.fail(entry, error as Error);
      }
      if (whole !== undefined) run.promise.then(whole, whole);
    }
    this.#argvs = [];
    this.#options = [];
    return run.promise;
  }
}
