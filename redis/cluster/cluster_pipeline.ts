import type { PipelineResult } from "../client/pipeline.ts";
import { classify, type CommandClass } from "../commands/classify.ts";
import type { CommandOptions } from "../commands/command_sender.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { ClusterCommandOptions, ClusterCore } from "./_core.ts";
import { type BatchItem, type ReplySink, sendBatch, splitItems } from "./_node_batch.ts";
import { type Route, routeCommand } from "./_route.ts";

// A queued command: its route, its promise's resolving functions, and (once exec() runs) what
// the batch needs to send it: the entry is its own batch item.
class Entry implements BatchItem {
  readonly argv: readonly RedisArgument[];
  readonly options: CommandOptions | undefined;
  readonly route: Route | Error;
  readonly slot: number | undefined;
  readonly readonly: boolean;
  readonly kind: CommandClass;
  readonly promise: Promise<unknown>;
  sink: ReplySink = NO_SINK;
  at = 0;
  resolve: (value: unknown) => void = noop;
  reject: (error: unknown) => void = noop;

  constructor(
    argv: readonly RedisArgument[],
    options: CommandOptions | undefined,
    route: Route | Error,
  ) {
    this.argv = argv;
    this.options = options;
    this.route = route;
    this.slot = route instanceof Error || route.kind !== "slot" ? undefined : route.slot;
    this.readonly = !(route instanceof Error) && route.kind !== "all" && route.readonly;
    this.kind = classify(argv);
    capturing = this;
    this.promise = new Promise(capture);
    capturing = undefined;
  }
}

function noop(): void {}

const NO_SINK: ReplySink = { settled: noop, failed: noop };

// The entry whose promise is being made: its resolving functions go into it (no closure each).
let capturing: Entry | undefined;

function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  capturing!.resolve = resolve;
  capturing!.reject = reject;
}

function stripKey(options: ClusterCommandOptions | undefined): CommandOptions | undefined {
  if (options?.key === undefined) return options;
  const { key: _key, ...rest } = options;
  return rest;
}

// One exec(): each command's reply lands at its index as it arrives; exec() resolves when the
// last one has.
class PipelineRun implements ReplySink {
  readonly results: PipelineResult[];
  readonly promise: Promise<PipelineResult[]>;
  #entries: readonly Entry[];
  #left: number;
  #resolve!: (results: PipelineResult[]) => void;

  constructor(entries: readonly Entry[]) {
    this.#entries = entries;
    this.#left = entries.length;
    this.results = new Array(entries.length).fill(null);
    this.promise = new Promise((resolve) => this.#resolve = resolve);
  }

  settled(at: number, value: unknown): void {
    this.#entries[at]!.resolve(value);
    this.#record(at, value as RespValue);
  }

  failed(at: number, error: unknown): void {
    const entry = this.#entries[at]!;
    entry.promise.catch(noop); // a caller who only awaits exec() gets no unhandled rejection
    entry.reject(error);
    this.#record(at, error instanceof Error ? error : new Error(String(error)));
  }

  #record(at: number, value: PipelineResult): void {
    this.results[at] = value;
    if (--this.#left === 0) this.#resolve(this.results);
  }
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
    const entry = new Entry(argv.slice(), stripKey(options), route);
    this.#entries.push(entry);
    return entry.promise as Promise<T>;
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
  exec(): Promise<PipelineResult[]> {
    if (this.#executed) {
      return Promise.reject(new TypeError("Cannot execute: the pipeline was executed already"));
    }
    this.#executed = true;
    const core = this.#core;
    const entries = this.#entries;
    this.#entries = [];
    const run = new PipelineRun(entries);
    if (entries.length === 0) return Promise.resolve(run.results);
    const items: BatchItem[] = [];
    const later: (() => void)[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const { route, argv, options } = entry;
      if (route instanceof Error) {
        later.push(() => run.failed(i, route));
      } else if (route.kind === "slot" || route.kind === "any") {
        entry.sink = run;
        entry.at = i;
        items.push(entry);
      } else if (route.kind === "split") {
        // Its parts are queued on their nodes in order with the rest; its reply is put together.
        const reply = splitItems(items, route, options, entry.kind);
        reply.promise.then((value) => run.settled(i, value), (error) => run.failed(i, error));
      } else {
        core.send(argv, options).then(
          (value) => run.settled(i, value),
          (error) => run.failed(i, error),
        );
      }
    }
    sendBatch(core, items);
    for (const fail of later) fail();
    return run.promise;
  }
}
