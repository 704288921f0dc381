import type { CommandOptions } from "../commands/command_sender.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import { REFUSED } from "../commands/_checks.ts";
import { ConnectionClosedError, OutcomeUnknownError, ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type ClusterCore, targetOf } from "./_core.ts";
import { commonSlot } from "./_route.ts";
import { ClusterDownError, ClusterOutcomeUnknownError } from "./errors.ts";
import { RedirectTracker } from "./redirect.ts";
import type { ClusterAddress } from "./types.ts";

interface Member {
  readonly argv: readonly RedisArgument[];
  readonly options: CommandOptions | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const REDIRECTS = new Set(["MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN"]);

/**
 * A transaction of a {@linkcode ClusterClient}: `MULTI`, the queued commands and `EXEC` on the
 * master of their one slot. A command whose keys are in another slot than the ones before
 * rejects with `CrossSlotError` at once, and so does `exec()`: nothing is sent. When the slot
 * moved (`MOVED`, `ASK` while queueing, which aborts the `EXEC`), the whole transaction is sent
 * again to the new owner (after `ASKING` for `ASK`); a transaction whose connection was lost
 * after `EXEC` was written rejects with `ClusterOutcomeUnknownError`.
 *
 * @example
 * ```ts ignore
 * import { connectCluster, CrossSlotError } from "@dray/dray/redis";
 * import { startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using servers = await startCluster();
 * await using cluster = await connectCluster({ nodes: servers.seeds });
 * const tx = cluster.multi();
 * tx.set("{u:1}:name", "ada");
 * await assert.rejects(tx.set("{u:2}:name", "bob"), CrossSlotError);
 * await assert.rejects(tx.exec(), CrossSlotError);
 * ```
 */
export class ClusterTransaction extends RedisCommands {
  #core: ClusterCore;
  #members: Member[] = [];
  #slot: number | undefined;
  #error: Error | undefined;
  #executed = false;

  /**
   * Makes a transaction; use {@linkcode ClusterClient.multi}.
   *
   * @param core The client's engine.
   *
   * @example
   * ```ts ignore
   * const tx = cluster.multi();
   * ```
   */
  constructor(core: ClusterCore) {
    super();
    this.#core = core;
  }

  /**
   * The RESP version of the node connections.
   *
   * @example
   * ```ts ignore
   * console.log(cluster.multi().protocol); // 3
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#core.protocol;
  }

  /**
   * `true`: replies come when the transaction runs.
   *
   * @example
   * ```ts ignore
   * console.log(cluster.multi().batched); // true
   * ```
   */
  override get batched(): boolean {
    return true;
  }

  /**
   * How many commands are queued.
   *
   * @example
   * ```ts ignore
   * const tx = cluster.multi();
   * tx.incr("n");
   * console.log(tx.length); // 1
   * ```
   */
  get length(): number {
    return this.#members.length;
  }

  /** A typed call refused before it was queued fails the whole transaction (see `exec()`). */
  [REFUSED](error: unknown): void {
    if (!this.#executed) this.#error ??= error as Error;
  }

  /**
   * Queues one command.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command.
   * @param options The command options.
   * @returns Its reply, once `exec()` ran.
   *
   * @example
   * ```ts ignore
   * const tx = cluster.multi();
   * const n = tx.sendCommand(["INCR", "n"]);
   * await tx.exec();
   * console.log(await n); // 1
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    if (this.#executed) {
      return Promise.reject(new TypeError("Cannot add a command: the transaction was executed"));
    }
    try {
      const slot = commonSlot([argv], this.#core.prefix);
      if (slot !== undefined && this.#slot !== undefined && slot !== this.#slot) {
        commonSlot([...this.#members.map((m) => m.argv), argv], this.#core.prefix);
      }
      this.#slot ??= slot;
    } catch (error) {
      this.#error ??= error as Error;
      return Promise.reject(error);
    }
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res as (value: unknown) => void;
      reject = rej;
    });
    promise.catch(() => {});
    this.#members.push({ argv: argv.slice(), options, resolve, reject });
    return promise;
  }

  /**
   * Runs the transaction on the slot's master.
   *
   * @returns The replies of the commands, or `null` when a watched key changed.
   * @throws {CrossSlotError} The commands' keys are in more than one slot.
   *
   * @example
   * ```ts ignore
   * const tx = cluster.multi();
   * tx.incr("n");
   * console.log(await tx.exec()); // [1]
   * ```
   */
  async exec(): Promise<RespValue[] | null> {
    if (this.#executed) throw new TypeError("Cannot execute: the transaction was executed already");
    this.#executed = true;
    const members = this.#members;
    try {
      if (this.#error !== undefined) throw this.#error;
      const result = await this.#run(members);
      for (let i = 0; i < members.length; i++) {
        const value = result === null ? null : result[i];
        if (value instanceof Error) members[i]!.reject(value);
        else members[i]!.resolve(value);
      }
      return result;
    } catch (error) {
      for (const member of members) member.reject(error);
      throw error;
    }
  }

  async #run(members: readonly Member[]): Promise<RespValue[] | null> {
    const core = this.#core;
    const tracker = new RedirectTracker();
    const deadline = performance.now() + 5000;
    let ask: ClusterAddress | undefined;
    for (;;) {
      const master = ask === undefined ? core.nodeFor(this.#slot, false) : undefined;
      const target = ask ?? (master && targetOf(master));
      if (target === undefined) {
        throw new ClusterDownError(`No master serves slot ${this.#slot}`, { attempts: 0 });
      }
      const address = `${target.host}:${target.port}`;
      const client = await core.pool.get(target);
      if (ask !== undefined) client.sendCommand(["ASKING"]).catch(() => {});
      ask = undefined;
      const tx = client.multi();
      const queued = members.map((m) => tx.sendCommand(m.argv, m.options));
      for (const q of queued) q.catch(() => {});
      try {
        const result = await tx.exec();
        if (result === null) return null;
        return result;
      } catch (error) {
        const settled = await Promise.allSettled(queued);
        const redirect = settled.find((r) =>
          r.status === "rejected" && r.reason instanceof ReplyError && REDIRECTS.has(r.reason.code)
        );
        const reply = redirect?.status === "rejected" ? redirect.reason as ReplyError : undefined;
        if (reply !== undefined) {
          const [host, port] = [target.host, target.port];
          const decision = tracker.decide(reply, { host, port }, performance.now(), deadline);
          if (decision.kind === "fail") throw decision.error;
          if (decision.kind === "moved") core.moved(decision.redirect, address);
          if (decision.kind === "ask") {
            ask = decision.redirect;
            core.emit("redirect", { redirect: decision.redirect, node: address });
          }
          if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));
          continue;
        }
        if (error instanceof OutcomeUnknownError) {
          throw new ClusterOutcomeUnknownError(
            `The connection to ${address} was lost after EXEC was sent (slot ${this.#slot})`,
            { command: "EXEC", node: address, slot: this.#slot, cause: error },
          );
        }
        if (error instanceof ConnectionClosedError && performance.now() < deadline) {
          await core.refresh();
          continue;
        }
        throw error;
      }
    }
  }
}
