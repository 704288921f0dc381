/**
 * The errors of Redis Cluster routing that a caller is meant to catch. Each extends
 * `RedisError`, so one `instanceof RedisError` check still covers all of dray's Redis errors.
 *
 * @module
 */

import { OutcomeUnknownError, RedisError } from "../errors.ts";

/**
 * Options for {@linkcode CrossSlotError}.
 *
 * @example
 * ```ts
 * import type { CrossSlotErrorOptions } from "./mod.ts";
 *
 * const options: CrossSlotErrorOptions = { keys: ["a", "b"], slots: [15495, 3300] };
 * ```
 */
export interface CrossSlotErrorOptions extends ErrorOptions {
  /** The keys of the command, in order. */
  keys: readonly (string | Uint8Array)[];
  /** The slot of each key, index for index. */
  slots: readonly number[];
}

/**
 * A command (or a transaction) names keys in more than one hash slot, so no single cluster node
 * can run it. It is raised before anything is sent. Give the keys a common hash tag
 * (`{user:1}:a`, `{user:1}:b`) to keep them in one slot.
 *
 * @example Which keys landed where
 * ```ts
 * import { CrossSlotError, keySlot } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const keys = ["a", "b"];
 * const error = new CrossSlotError("Keys 'a' and 'b' are in different slots", {
 *   keys,
 *   slots: keys.map((key) => keySlot(key)),
 * });
 * assert.deepEqual(error.slots, [15495, 3300]);
 * ```
 */
export class CrossSlotError extends RedisError {
  /** The keys of the command, in order. */
  readonly keys: readonly (string | Uint8Array)[];
  /** The slot of each key, index for index. */
  readonly slots: readonly number[];

  /**
   * Makes a cross-slot error.
   *
   * @param message Which keys are in which slots.
   * @param options The keys and their slots, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { CrossSlotError } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const error = new CrossSlotError("Cross slot", { keys: ["a"], slots: [15495] });
   * assert.equal(error.name, "CrossSlotError");
   * ```
   */
  constructor(message: string, options: CrossSlotErrorOptions) {
    super(message, options);
    this.keys = [...options.keys];
    this.slots = [...options.slots];
  }
}

/**
 * One redirect a command followed: a `MOVED` or an `ASK` reply, the slot it named and the node
 * it pointed at.
 *
 * @example
 * ```ts
 * import type { RedirectHop } from "./mod.ts";
 *
 * const hop: RedirectHop = { kind: "moved", slot: 3999, host: "127.0.0.1", port: 7001 };
 * ```
 */
export interface RedirectHop {
  /** `moved` (the slot has a new owner) or `ask` (this one query goes elsewhere). */
  readonly kind: "moved" | "ask";
  /** The slot the redirect named. */
  readonly slot: number;
  /** The host it pointed at (the answering node's host when the reply left it empty). */
  readonly host: string;
  /** The port it pointed at. */
  readonly port: number;
}

/**
 * Options for {@linkcode MaxRedirectionsError}.
 *
 * @example
 * ```ts
 * import type { MaxRedirectionsErrorOptions } from "./mod.ts";
 *
 * const options: MaxRedirectionsErrorOptions = { chain: [] };
 * ```
 */
export interface MaxRedirectionsErrorOptions extends ErrorOptions {
  /** The redirects the command followed, oldest first. */
  chain: readonly RedirectHop[];
}

/**
 * A command was redirected (`MOVED` / `ASK`) more times than `maxRedirects` allows: the nodes
 * kept disagreeing about who owns its slot. `chain` lists every hop, oldest first, so a ping-pong
 * between two nodes is visible. The command was never run (a redirect means "not executed").
 *
 * @example Reading the chain
 * ```ts
 * import { MaxRedirectionsError } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new MaxRedirectionsError("Too many redirects for slot 3999", {
 *   chain: [
 *     { kind: "moved", slot: 3999, host: "127.0.0.1", port: 7001 },
 *     { kind: "moved", slot: 3999, host: "127.0.0.1", port: 7000 },
 *   ],
 * });
 * assert.equal(error.chain.length, 2);
 * ```
 */
export class MaxRedirectionsError extends RedisError {
  /** The redirects the command followed, oldest first. */
  readonly chain: readonly RedirectHop[];

  /**
   * Makes a too-many-redirects error.
   *
   * @param message How many redirects, for which slot.
   * @param options The chain of redirects, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { MaxRedirectionsError } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new MaxRedirectionsError("Too many", { chain: [] }).name, "MaxRedirectionsError");
   * ```
   */
  constructor(message: string, options: MaxRedirectionsErrorOptions) {
    super(message, options);
    this.chain = [...options.chain];
  }
}

/**
 * Why asking one node for the topology failed.
 *
 * @example
 * ```ts
 * import type { NodeFailure } from "./mod.ts";
 *
 * const failure: NodeFailure = { node: "127.0.0.1:7000", cause: new Error("Connection refused") };
 * ```
 */
export interface NodeFailure {
  /** The node asked, as `host:port`. */
  readonly node: string;
  /** What went wrong there: a connect error, an auth or TLS error, a timeout, a bad reply. */
  readonly cause: unknown;
}

/**
 * Options for {@linkcode TopologyRefreshError}.
 *
 * @example
 * ```ts
 * import type { TopologyRefreshErrorOptions } from "./mod.ts";
 *
 * const options: TopologyRefreshErrorOptions = { failures: [] };
 * ```
 */
export interface TopologyRefreshErrorOptions extends ErrorOptions {
  /** Each node that was asked and why it failed. */
  failures: readonly NodeFailure[];
}

/**
 * No node gave a usable topology. Unlike an opaque "failed to refresh slots", it keeps each
 * node's own cause (authentication, TLS, timeout, refused, a reply that did not parse), so the
 * real problem is visible. `errors` holds the same causes as `AggregateError` would.
 *
 * @example Finding the cause per node
 * ```ts
 * import { TopologyRefreshError } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new TopologyRefreshError("No node answered CLUSTER SHARDS", {
 *   failures: [
 *     { node: "127.0.0.1:7000", cause: new Error("Connection refused") },
 *     { node: "127.0.0.1:7001", cause: new Error("WRONGPASS invalid username-password pair") },
 *   ],
 * });
 * assert.equal(error.failures[1]?.node, "127.0.0.1:7001");
 * assert.equal(error.errors.length, 2);
 * ```
 */
export class TopologyRefreshError extends RedisError {
  /** Each node that was asked and why it failed. */
  readonly failures: readonly NodeFailure[];

  /**
   * Makes a refresh error.
   *
   * @param message What was attempted.
   * @param options Each node's failure, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { TopologyRefreshError } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TopologyRefreshError("Failed", { failures: [] }).name, "TopologyRefreshError");
   * ```
   */
  constructor(message: string, options: TopologyRefreshErrorOptions) {
    super(message, options);
    this.failures = options.failures.map((failure) => ({ ...failure }));
  }

  /**
   * The causes alone, in the order of {@linkcode TopologyRefreshError.failures}.
   *
   * @example
   * ```ts
   * import { TopologyRefreshError } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const cause = new Error("Timed out");
   * const error = new TopologyRefreshError("Failed", { failures: [{ node: "h:1", cause }] });
   * assert.equal(error.errors[0], cause);
   * ```
   */
  get errors(): unknown[] {
    return this.failures.map((failure) => failure.cause);
  }
}

/**
 * Options for {@linkcode ClusterDownError}.
 *
 * @example
 * ```ts
 * import type { ClusterDownErrorOptions } from "./mod.ts";
 *
 * const options: ClusterDownErrorOptions = { attempts: 3 };
 * ```
 */
export interface ClusterDownErrorOptions extends ErrorOptions {
  /** How many times the command was sent and answered `CLUSTERDOWN` (or `MASTERDOWN`). */
  attempts: number;
}

/**
 * The cluster kept answering `CLUSTERDOWN` (or `MASTERDOWN`) until the command's deadline: the
 * slot has no reachable master (a failover that has not finished, too few masters, a hash slot
 * not served). `cause` is the last error reply. The command was never run.
 *
 * @example
 * ```ts
 * import { ClusterDownError } from "./mod.ts";
 * import { RedisError, ReplyError } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ClusterDownError("The cluster is down", {
 *   attempts: 4,
 *   cause: new ReplyError("CLUSTERDOWN The cluster is down"),
 * });
 * assert.ok(error instanceof RedisError);
 * assert.equal(error.attempts, 4);
 * ```
 */
export class ClusterDownError extends RedisError {
  /** How many times the command was sent and answered `CLUSTERDOWN` (or `MASTERDOWN`). */
  readonly attempts: number;

  /**
   * Makes a cluster-down error.
   *
   * @param message What was attempted, and until when.
   * @param options The number of attempts, and the last reply as `cause`.
   *
   * @example
   * ```ts
   * import { ClusterDownError } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ClusterDownError("Down", { attempts: 1 }).name, "ClusterDownError");
   * ```
   */
  constructor(message: string, options: ClusterDownErrorOptions) {
    super(message, options);
    this.attempts = options.attempts;
  }
}

/**
 * A `CLUSTER SHARDS` or `CLUSTER SLOTS` reply does not describe a valid topology: a field is
 * missing or has the wrong type, two shards claim one slot, a node id appears twice, a port is
 * out of range. The refresh that read it fails over to another node.
 *
 * @example
 * ```ts
 * import { InvalidTopologyError, parseClusterShards } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => parseClusterShards("not a topology", { host: "127.0.0.1", port: 7000 }),
 *   InvalidTopologyError,
 * );
 * ```
 */
export class InvalidTopologyError extends RedisError {}

/**
 * Options for {@linkcode ClusterOutcomeUnknownError}.
 *
 * @example
 * ```ts
 * import type { ClusterOutcomeUnknownErrorOptions } from "./mod.ts";
 *
 * const options: ClusterOutcomeUnknownErrorOptions = {
 *   command: "INCR",
 *   node: "127.0.0.1:7000",
 *   slot: 12182,
 * };
 * ```
 */
export interface ClusterOutcomeUnknownErrorOptions extends ErrorOptions {
  /** The command's name, as it was sent. */
  command: string;
  /** The node it was written to, `host:port` as announced. */
  node: string;
  /** Its slot; `undefined` for a keyless command. */
  slot: number | undefined;
}

/**
 * A write reached a cluster node whose connection was then lost before the reply came: it may
 * have been applied, or not. The cluster client never sends it again on its own (unlike clients
 * that re-send and may apply a write twice). It is an `OutcomeUnknownError` that also names the
 * node and the slot.
 *
 * @example
 * ```ts
 * import { ClusterOutcomeUnknownError } from "./mod.ts";
 * import { OutcomeUnknownError } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new ClusterOutcomeUnknownError("Lost", {
 *   command: "INCR",
 *   node: "127.0.0.1:7000",
 *   slot: 5,
 * });
 * assert.ok(error instanceof OutcomeUnknownError);
 * assert.equal(error.node, "127.0.0.1:7000");
 * ```
 */
export class ClusterOutcomeUnknownError extends OutcomeUnknownError {
  /** The node it was written to, `host:port` as announced. */
  readonly node: string;
  /** Its slot; `undefined` for a keyless command. */
  readonly slot: number | undefined;

  /**
   * Makes the error.
   *
   * @param message What was lost, where.
   * @param options The command, the node, the slot and the `cause`.
   *
   * @example
   * ```ts
   * import { ClusterOutcomeUnknownError } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const error = new ClusterOutcomeUnknownError("Lost", { command: "SET", node: "n:1", slot: 0 });
   * assert.equal(error.name, "ClusterOutcomeUnknownError");
   * ```
   */
  constructor(message: string, options: ClusterOutcomeUnknownErrorOptions) {
    super(message, options);
    this.node = options.node;
    this.slot = options.slot;
  }
}

/**
 * A cluster node could not be reached. `announced` is the address the cluster gave for it,
 * `address` the one connected to (after `mapAddress`); `cause` is the connect error.
 *
 * @example
 * ```ts
 * import { NodeUnreachableError } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new NodeUnreachableError("10.0.0.5:6379", "127.0.0.1:17000", new Error("refused"));
 * assert.match(error.message, /10\.0\.0\.5:6379/);
 * ```
 */
export class NodeUnreachableError extends RedisError {
  /** The address the cluster announced. */
  readonly announced: string;
  /** The address connected to. */
  readonly address: string;

  /**
   * Makes the error.
   *
   * @param announced The announced address.
   * @param address The address connected to.
   * @param cause The connect error.
   *
   * @example
   * ```ts
   * import { NodeUnreachableError } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new NodeUnreachableError("a:1", "a:1", undefined).address, "a:1");
   * ```
   */
  constructor(announced: string, address: string, cause: unknown) {
    const via = announced === address ? "" : ` (announced as ${announced})`;
    super(`Cannot connect to cluster node ${address}${via}`, { cause });
    this.announced = announced;
    this.address = address;
  }
}
