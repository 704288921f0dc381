import type { CommandOptions } from "../commands/command_sender.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import { REFUSED } from "../commands/_checks.ts";
import { checkArgv } from "../context/_argv.ts";
import { AbortError, ProtocolError, ReplyError, WatchError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { Command, type LossHost, promiseFor, type Settle, toStrings } from "./_command.ts";
import { PLAIN, rejectMember, settleMember } from "./_settle.ts";
import { classify, type CommandClass } from "../commands/classify.ts";
import { armWhole, type ClientCore, ENGINE, refuseModeCommand } from "./_core.ts";
import type { BaseClient } from "./client_base.ts";
import type { ExecOptions } from "./pipeline.ts";

/**
 * Settles a transaction's members and its `exec()` from the replies to MULTI, each command, EXEC:
 * the settle strategy of every command of the block.
 */
class TransactionRun implements Settle {
  readonly multi: Command;
  readonly exec: Command;
  readonly members: Command[];
  readonly promise: Promise<RespValue[] | null>;
  /** It runs under a WATCH: sent again on another connection it would run unchecked. */
  watched = false;
  #queueErrors: (ReplyError | undefined)[];
  #multiError: ReplyError | undefined = undefined;
  #written = false;
  #done = false;
  #resolve!: (results: RespValue[] | null) => void;
  #reject!: (error: Error) => void;

  readonly #promises: Promise<unknown>[];

  constructor(members: Command[], promises: Promise<unknown>[]) {
    this.members = members;
    this.#promises = promises;
    this.#queueErrors = new Array(members.length).fill(undefined);
    this.multi = new Command(false, this);
    this.exec = new Command(members.some((member) => member.buffers), this);
    for (const member of members) member.settle = this;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Every entry of the block, in the order sent. */
  get entries(): Command[] {
    return [this.multi, ...this.members, this.exec];
  }

  reply(entry: Command, value: RespValue): void {
    if (this.#done) return; // given up: the replies are consumed and dropped
    if (entry === this.multi) {
      if (value instanceof ReplyError) this.#multiError = value;
    } else if (entry === this.exec) {
      this.#finish(value);
    } else if (value instanceof ReplyError) {
      this.#queueErrors[entry.index] = value; // failed to queue: EXEC will answer EXECABORT
    }
  }

  fail(_entry: Command, error: Error): void {
    this.failAll(error);
  }

  /**
   * The connection was lost with the block pending. Its entries come in order, EXEC last; the
   * block is decided on EXEC: written, the transaction may have run (`OutcomeUnknownError`);
   * partly written, the server dropped it (nothing applied: the connection's error); not
   * written at all, it goes back to the offline queue whole — unless it ran under a WATCH,
   * which the lost connection took with it: then it is not run, as if a key had changed.
   */
  lost(entry: Command, error: Error, written: boolean, host: LossHost): void {
    if (this.#done) return;
    if (written) this.#written = true;
    if (entry !== this.exec) return;
    if (written) {
      this.failAll(host.unknown(entry, error));
      return;
    }
    if (this.#written) {
      this.failAll(error);
      return;
    }
    if (this.watched) {
      this.notRun("The transaction was not run: the connection was lost after WATCH");
      return;
    }
    const queued = host.requeueBlock(this.entries);
    if (queued === true) {
      this.#multiError = undefined;
      this.#queueErrors.fill(undefined);
      return;
    }
    this.failAll(queued === false ? error : queued);
  }

  /** Not run because its WATCH cannot hold: `exec()` gives `null`, each command a WatchError. */
  notRun(message: string): void {
    if (this.#done) return;
    this.#done = true;
    for (const entry of this.entries) {
      entry.abandoned = true;
      entry.release();
    }
    const error = new WatchError(message);
    for (const member of this.members) rejectMember(member, this.#promises[member.index], error);
    this.#resolve(null);
  }

  /** Rejects `exec()` and every member with `error`, and drops the replies still to come. */
  failAll(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    for (const entry of this.entries) {
      entry.abandoned = true;
      entry.release();
    }
    for (const member of this.members) rejectMember(member, this.#promises[member.index], error);
    this.#reject(error);
  }

  #finish(value: RespValue): void {
    this.#done = true;
    const members = this.members;
    if (this.#multiError !== undefined) {
      for (const member of members) {
        rejectMember(member, this.#promises[member.index], this.#multiError);
      }
      this.#reject(this.#multiError);
      return;
    }
    if (value instanceof ReplyError) {
      // EXECABORT (a command failed to queue): each command rejects with its own error if it
      // had one, else with EXEC's.
      for (let i = 0; i < members.length; i++) {
        rejectMember(members[i]!, this.#promises[members[i]!.index], this.#queueErrors[i] ?? value);
      }
      this.#reject(value);
      return;
    }
    if (value === null) {
      const error = new WatchError("The transaction was not run: a watched key changed");
      for (const member of members) rejectMember(member, this.#promises[member.index], error);
      this.#resolve(null);
      return;
    }
    if (!Array.isArray(value) || value.length !== members.length) {
      const error = new ProtocolError(
        `Unexpected EXEC reply for ${members.length} commands`,
        { offset: 0 },
      );
      for (const member of members) rejectMember(member, this.#promises[member.index], error);
      this.#reject(error);
      return;
    }
    const decode = this.exec.buffers;
    for (let i = 0; i < members.length; i++) {
      const member = members[i]!;
      let element: RespValue = value[i]!;
      if (decode && !member.buffers) value[i] = element = toStrings(element);
      settleMember(member, this.#promises[i], element);
    }
    this.#resolve(value);
  }
}

/**
 * A transaction: commands are held locally until {@linkcode Transaction.exec}, then sent as
 * `MULTI`, the commands, `EXEC` in one contiguous block that nothing from other callers can
 * enter (the client's other commands go before or after it).
 *
 * - `exec()` resolves with EXEC's array: each command's reply, or the `ReplyError` it failed
 *   with (an error inside EXEC fails that element only). Each command's own promise settles with
 *   its element.
 * - A command that fails to queue (an unknown command, a wrong number of arguments) makes the
 *   server discard the transaction: `exec()` rejects with the `EXECABORT` `ReplyError`, and each
 *   command's promise with its own queueing error (or the EXECABORT one).
 * - After `WATCH` (sent with `sendCommand` before `exec()`), a watched key that changed makes
 *   EXEC answer null: nothing was applied, `exec()` resolves with `null`, and each command's
 *   promise rejects with {@linkcode WatchError}.
 *
 * Per-command `timeoutMs` and `signal` are not available inside a transaction (a command cannot
 * leave the block): give them to `exec()`. Promises of the commands are marked as handled when
 * they reject, so a caller that only awaits `exec()` never gets an unhandled rejection.
 *
 * **Typed commands.** A transaction has exactly `RedisClient`'s command methods, with the same
 * parameters and the same types (a compile-time test over every method keeps them equal). Here
 * each returns its queued form: the promise of the command's own reply, decoded as on the client
 * (`hgetall` an object, `incr` a number…), which settles when `exec()` runs (with the element of
 * EXEC's reply, or the error that element, the queueing or a failed `WATCH` gave it). Once
 * queued, it never surfaces as an unhandled rejection. A call its run-time argument checks refuse
 * is not queued: its promise rejects at once with a `TypeError`.
 *
 * @example A transaction with an error inside EXEC
 * ```ts ignore
 * import { connect, ReplyError } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379");
 * await client.sendCommand(["SET", "name", "dray"]);
 * const transaction = client.multi();
 * transaction.sendCommand(["INCR", "hits"]);
 * transaction.sendCommand(["LPUSH", "name", "x"]); // WRONGTYPE, at EXEC time
 * transaction.sendCommand(["INCR", "hits"]);
 * const [first, failed, second] = (await transaction.exec())!;
 * console.log(first, failed instanceof ReplyError, second); // 1 true 2
 * ```
 */
export class Transaction extends RedisCommands {
  #core: ClientCore;
  #members: Command[] = [];
  #promises: Promise<unknown>[] = [];
  #argvs: (readonly RedisArgument[])[] = [];
  #executed = false;
  #poison: TypeError | undefined = undefined;

  /**
   * Makes a transaction on a client; the same as `client.multi()`.
   *
   * @param client The client whose connection will carry the transaction.
   * @throws {TypeError} When `client` is not a `RedisClient`.
   *
   * @example
   * ```ts
   * import { RedisClient, Transaction } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Transaction(new RedisClient()).length, 0);
   * ```
   */
  constructor(client: BaseClient) {
    super();
    const core = (client as Partial<BaseClient> | undefined)?.[ENGINE]?.core;
    if (core === undefined) {
      throw new TypeError("Cannot make a transaction: expected a RedisClient");
    }
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
   * assert.equal(new RedisClient().multi().protocol, 3);
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#core.protocol;
  }

  /**
   * How many commands the transaction holds.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const transaction = new RedisClient().multi();
   * transaction.sendCommand(["INCR", "n"]);
   * assert.equal(transaction.length, 1);
   * ```
   */
  get length(): number {
    return this.#members.length;
  }

  /**
   * Always `true`: commands are answered when the batch runs.
   *
   * @returns `true`.
   */
  override get batched(): boolean {
    return true;
  }

  /** A typed call refused before it was queued fails the whole transaction (see `exec()`). */
  [REFUSED](error: unknown): void {
    if (!this.#executed) this.#poison ??= error as TypeError;
  }

  /**
   * Adds a command to the transaction. Nothing is sent before {@linkcode Transaction.exec}.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command name and its arguments.
   * @param options `returnBuffers` only (`timeoutMs` and `signal` belong to `exec()`).
   * @returns The command's element of EXEC's reply; rejects with its `ReplyError`, with
   * {@linkcode WatchError}, or with what made the whole transaction fail.
   * @throws {TypeError} (as a rejection) When the transaction was executed already, when
   * `timeoutMs` or `signal` is given, or when the command cannot be encoded or is refused; the
   * whole transaction then fails with that error at `exec()`, and nothing is sent.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const transaction = new RedisClient().multi();
   * await assert.rejects(transaction.sendCommand(["GET", "k"], { timeoutMs: 5 }), TypeError);
   * await assert.rejects(transaction.exec(), TypeError);
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    if (this.#executed) {
      return Promise.reject(new TypeError("Cannot add a command: the transaction was executed"));
    }
    let kind: CommandClass;
    try {
      if (options?.timeoutMs !== undefined || options?.signal !== undefined) {
        throw new TypeError(
          "Cannot give a command of a transaction its own timeoutMs or signal: give them to exec()",
        );
      }
      checkArgv(argv);
      kind = classify(argv);
      refuseModeCommand(argv, kind);
    } catch (error) {
      this.#poison ??= error as TypeError;
      return Promise.reject(error);
    }
    // Settled by the transaction's run once exec() makes it.
    const entry = new Command(options?.returnBuffers ?? this.#core.returnBuffers, PLAIN);
    entry.kind = kind;
    entry.index = this.#members.length;
    const promise = promiseFor<T>(entry);
    this.#promises.push(promise);
    this.#members.push(entry);
    this.#argvs.push(argv.slice());
    return promise;
  }

  /**
   * Sends `MULTI`, the commands and `EXEC` as one block, and waits for EXEC's reply.
   *
   * @param options A time limit or a signal for the whole transaction. When either fires after
   * the block was written, the server still runs the transaction; its replies are dropped.
   * @returns EXEC's array (replies, and `ReplyError`s for commands that failed inside it), or
   * `null` when a watched key changed and nothing was applied.
   * @throws {ReplyError} `EXECABORT` when a command failed to queue (nothing was applied).
   * @throws {ConnectionClosedError} When the client is not connected or closed, or the
   * connection ended first (or the error that ended it).
   * @throws {TimeoutError} When `options.timeoutMs` ran out.
   * @throws {AbortError} When `options.signal` aborted.
   * @throws {TypeError} When executed twice, or a command was refused when added.
   *
   * @example
   * ```ts
   * import { ConnectionClosedError, RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const transaction = new RedisClient().multi();
   * transaction.sendCommand(["INCR", "n"]).catch(() => {});
   * await assert.rejects(transaction.exec(), ConnectionClosedError); // never connected
   * ```
   */
  exec(options?: ExecOptions): Promise<RespValue[] | null> {
    if (this.#executed) {
      return Promise.reject(new TypeError("Cannot execute: the transaction was executed already"));
    }
    this.#executed = true;
    const run = new TransactionRun(this.#members, this.#promises);
    if (this.#poison !== undefined) {
      run.failAll(this.#poison);
      return run.promise;
    }
    const whole = armWhole(this.#core, options ?? {}, (error) => run.failAll(error));
    if (whole instanceof Error) {
      run.failAll(whole);
      return run.promise;
    }
    const watch = this.#core.transaction();
    if (watch === "lost") {
      run.notRun(
        "The transaction was not run: the connection was lost after WATCH, so a watched key " +
          "may have changed",
      );
      if (whole !== undefined) whole();
      this.#argvs = [];
      return run.promise;
    }
    run.watched = watch === "watched";
    try {
      this.#core.submitBatch(run.entries, [["MULTI"], ...this.#argvs, ["EXEC"]], true, [
        undefined,
        ...this.#promises,
        undefined,
      ]);
    } catch (error) {
      run.failAll(error as Error);
    }
    if (whole !== undefined) run.promise.then(whole, whole);
    this.#argvs = [];
    return run.promise;
  }

  /**
   * Drops the transaction without sending anything: each command's promise rejects (handled)
   * with an `AbortError`. Nothing was sent, so there is no `DISCARD` to send.
   *
   * @throws {TypeError} When the transaction was executed already.
   *
   * @example
   * ```ts
   * import { AbortError, RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const transaction = new RedisClient().multi();
   * const incr = transaction.sendCommand(["INCR", "n"]);
   * transaction.discard();
   * await assert.rejects(incr, AbortError);
   * ```
   */
  discard(): void {
    if (this.#executed) {
      throw new TypeError("Cannot discard: the transaction was executed already");
    }
    this.#executed = true;
    const error = new AbortError("The transaction was discarded");
    for (const member of this.#members) {
      rejectMember(member, this.#promises[member.index], error);
    }
    this.#argvs = [];
  }
}
