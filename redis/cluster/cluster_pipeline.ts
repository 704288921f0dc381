import type { PipelineResult } from "../client/pipeline.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { ClusterCommandOptions, ClusterCore } from "./_core.ts";
import { type Route, routeCommand } from "./_route.ts";
import { targetOf } from "./_core.ts";
import type { NodeTarget } from "./_nodes.ts";
import { reassemble } from "./_reduce.ts";
import type { CommandOptions } from "../commands/command_sender.ts";

interface Send {
  readonly argv: readonly RedisArgument[];
  readonly options: CommandOptions | undefined;
  readonly slot: number | undefined;
  readonly readonly: boolean;
  /** Its reply, once sent. */
  promise: Promise<unknown> | undefined;
}

interface Entry {
  readonly argv: readonly RedisArgument[];
  readonly options: CommandOptions | undefined;
  readonly route: Route | Error;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

function stripKey(options: ClusterCommandOptions | undefined): CommandOptions | undefined {
  if (options?.key === undefined) return options;
  const { key: _key, ...rest } = options;
  return rest;
}

/**
 * A pipeline of a {@linkcode ClusterClient}: commands on any slots, queued until
 * {@linkcode ClusterPipeline.exec}, which splits them by node, writes each node's part at once
 * (all nodes in parallel) and returns the replies in the order of the calls. A command answered
 * `MOVED`, `ASK` or `TRYAGAIN`, or whose connection was lost before it was written, is sent
 * again on its own; the others are not. `sendCommand(argv, { key })` puts a keyless command
 * (`WAIT`) on the connection of that key's master, right after the commands queued before it.
 *
 * @example Writes acknowledged by WAIT in one pipeline
 * ```ts
 * import { connectCluster } from "@dray/dray/redis";
 * import { startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using servers = await startCluster();
 * await using cluster = await connectCluster({ nodes: servers.seeds });
 * const batch = cluster.pipeline();
 * batch.rpush("jobs:{eu}", "a");
 * batch.sendCommand(["WAIT", "0", "50"], { key: "jobs:{eu}" });
 * batch.get("other");
 * assert.deepEqual(await batch.exec(), [1, 0, null]);
 * ```
 */
export class ClusterPipeline extends RedisCommands {
  #core: ClusterCore;
  #entries: Entry[] = [];
  #executed = false;

  /**
   * Makes a pipeline; use {@linkcode ClusterClient.pipeline}.
   *
   * @param core The client's engine.
   *
   * @example
   * ```ts ignore
   * const batch = cluster.pipeline();
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
   * console.log(cluster.pipeline().protocol); // 3
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#core.protocol;
  }

  /**
   * How many commands are queued.
   *
   * @example
   * ```ts ignore
   * const batch = cluster.pipeline();
   * batch.get("a");
   * console.log(batch.length); // 1
   * ```
   */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * `true`: replies come when the batch runs.
   *
   * @example
   * ```ts ignore
   * console.log(cluster.pipeline().batched); // true
   * ```
   */
  override get batched(): boolean {
    return true;
  }

  /**
   * Queues one command.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command.
   * @param options `key` to route a keyless command, and the command options.
   * @returns Its reply, once `exec()` ran.
   *
   * @example
   * ```ts ignore
   * const batch = cluster.pipeline();
   * const pong = batch.sendCommand(["PING"]);
   * await batch.exec();
   * console.log(await pong); // PONG
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: ClusterCommandOptions,
  ): Promise<T> {
    if (this.#executed) {
      return Promise.reject(new TypeError("Cannot add a command: the pipeline was executed"));
    }
    let route: Route | Error;
    try {
      route = routeCommand(argv, options?.key, this.#core.crossSlot, this.#core.prefix);
    } catch (error) {
      route = error as Error;
    }
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res as (value: unknown) => void;
      reject = rej;
    });
    promise.catch(() => {});
    this.#entries.push({ argv: argv.slice(), options: stripKey(options), route, resolve, reject });
    return promise;
  }

  /**
   * Sends every queued command.
   *
   * @returns Each command's reply or error, in the order of the calls.
   *
   * @example
   * ```ts ignore
   * const batch = cluster.pipeline();
   * batch.set("a", "1");
   * batch.get("a");
   * console.log(await batch.exec()); // ["OK", "1"]
   * ```
   */
  async exec(): Promise<PipelineResult[]> {
    if (this.#executed) {
      throw new TypeError("Cannot execute: the pipeline was executed already");
    }
    this.#executed = true;
    const core = this.#core;
    const entries = this.#entries;
    this.#entries = [];
    const groups = new Map<string, { node: NodeTarget; sends: Send[] }>();
    // Each entry: its one send, the sends of its parts, or its promise when sent on its own.
    const plan: (Send | Send[] | Promise<unknown>)[] = new Array(entries.length);
    const queue = (send: Send): Send => {
      const node = core.nodeFor(send.slot, send.readonly);
      if (node === undefined) {
        send.promise = core.dispatch(send.argv, send.options, send.slot, send.readonly);
        return send;
      }
      let group = groups.get(node.address);
      if (group === undefined) {
        group = { node: targetOf(node), sends: [] };
        groups.set(node.address, group);
      }
      group.sends.push(send);
      return send;
    };
    for (let i = 0; i < entries.length; i++) {
      const { route, argv, options } = entries[i]!;
      if (route instanceof Error) {
        plan[i] = Promise.reject(route);
      } else if (route.kind === "slot" || route.kind === "any") {
        const slot = route.kind === "slot" ? route.slot : undefined;
        plan[i] = queue({ argv, options, slot, readonly: route.readonly, promise: undefined });
      } else if (route.kind === "split") {
        plan[i] = route.parts.map((part) =>
          queue({
            argv: part.argv,
            options,
            slot: part.slot,
            readonly: route.readonly,
            promise: undefined,
          })
        );
      } else {
        plan[i] = core.send(argv, options);
      }
    }
    for (const [address, group] of groups) this.#sendGroup(address, group.node, group.sends);
    const promises = plan.map((step, i): Promise<unknown> => {
      if (step instanceof Promise) return step;
      if (!Array.isArray(step)) return step.promise!;
      const route = entries[i]!.route as Route & { kind: "split" };
      return Promise.all(step.map((send) => send.promise!)).then((replies) =>
        reassemble(route.parts, replies, route.response)
      );
    });
    const settled = await Promise.allSettled(promises);
    return settled.map((result, i) => {
      const entry = entries[i]!;
      if (result.status === "fulfilled") {
        entry.resolve(result.value);
        return result.value as RespValue;
      }
      entry.reject(result.reason);
      return result.reason instanceof Error ? result.reason : new Error(String(result.reason));
    });
  }

  // One node's part: one pipeline on its connection, each failure recovered on its own.
  #sendGroup(address: string, node: NodeTarget, sends: readonly Send[]): void {
    const core = this.#core;
    const recover = (send: Send) => (error: unknown) =>
      core.recover(error, send.argv, send.options, send.slot, send.readonly, address, undefined);
    const ready = core.pool.ready(address);
    if (ready === undefined) {
      const opening = Promise.resolve(core.pool.get(node));
      for (const send of sends) {
        send.promise = opening.then((client) => client.sendCommand(send.argv, send.options))
          .catch(recover(send));
      }
      return;
    }
    // Sent in one synchronous loop, they leave together (auto-pipelining), in order.
    for (const send of sends) {
      send.promise = ready.sendCommand(send.argv, send.options).catch(recover(send));
    }
  }
}
