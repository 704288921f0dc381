/**
 * What a cluster error reply means and what to do about it. {@linkcode parseRedirect} reads
 * `MOVED` and `ASK`; {@linkcode classifyClusterError} maps any error reply to an action;
 * {@linkcode RedirectTracker} follows one command through its redirects and retries and decides,
 * reply by reply, whether to resend (where, after how long) or to give up with a typed error.
 *
 * Every reply handled here (`MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `READONLY`,
 * `LOADING`) means the command was **not** run, so resending is always safe.
 *
 * @module
 */

import type { ReplyError } from "../errors.ts";
import { ClusterDownError, MaxRedirectionsError, type RedirectHop } from "./errors.ts";
import { formatAddress } from "./_parse_topology.ts";

/**
 * A `MOVED` or `ASK` reply, read: the slot and the node to send to.
 *
 * @example
 * ```ts
 * import type { Redirect } from "./mod.ts";
 *
 * const redirect: Redirect = {
 *   kind: "ask", slot: 3999, host: "127.0.0.1", port: 7001, address: "127.0.0.1:7001",
 * };
 * ```
 */
export interface Redirect extends RedirectHop {
  /** `host:port`, with brackets around an IPv6 host, as in `ClusterNode.address`. */
  readonly address: string;
}

/**
 * The node that sent a reply: an empty host in a redirect means "the same host as this node".
 *
 * @example
 * ```ts
 * import type { ReplyOrigin } from "./mod.ts";
 *
 * const origin: ReplyOrigin = { host: "10.0.0.5", port: 7000 };
 * ```
 */
export interface ReplyOrigin {
  /** The host the command was sent to. */
  host: string;
  /** The port the command was sent to. */
  port: number;
}

/**
 * Reads a `MOVED <slot> <host>:<port>` or `ASK <slot> <host>:<port>` reply. The host may be an
 * IPv4 address, a hostname, an IPv6 address (bare, as Redis sends it, or in brackets), or empty,
 * which means the host of the node that answered. The endpoint `?` (a node that announces
 * hostnames but has none) is unknown: the result is `"unknown"`, and only a topology refresh can
 * tell where to go.
 *
 * @param reply The error reply, or its text.
 * @param origin The node that sent it.
 * @returns The redirect; `"unknown"` for a `?` endpoint; `undefined` when the reply is not a
 * well-formed `MOVED` or `ASK` (slot outside 0..16383, port outside 1..65535, extra words).
 *
 * @example Hosts as Redis writes them
 * ```ts
 * import { parseRedirect } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const origin = { host: "10.0.0.5", port: 7000 };
 * assert.deepEqual(parseRedirect("MOVED 3999 127.0.0.1:7001", origin), {
 *   kind: "moved", slot: 3999, host: "127.0.0.1", port: 7001, address: "127.0.0.1:7001",
 * });
 * assert.deepEqual(parseRedirect("ASK 3999 ::1:7001", origin), {
 *   kind: "ask", slot: 3999, host: "::1", port: 7001, address: "[::1]:7001",
 * });
 * assert.equal((parseRedirect("MOVED 3999 :7001", origin) as { host: string }).host, "10.0.0.5");
 * assert.equal(parseRedirect("MOVED 3999 ?:7001", origin), "unknown");
 * assert.equal(parseRedirect("MOVED 99999 127.0.0.1:7001", origin), undefined);
 * ```
 */
export function parseRedirect(
  reply: ReplyError | string,
  origin: ReplyOrigin,
): Redirect | "unknown" | undefined {
  const text = typeof reply === "string" ? reply : reply.message;
  const match = /^(MOVED|ASK) (\d{1,5}) (\S*)$/.exec(text);
  if (match === null) return undefined;
  const slot = Number(match[2]);
  if (slot > 16383) return undefined;
  const endpoint = match[3]!;
  const colon = endpoint.lastIndexOf(":");
  if (colon === -1) return undefined;
  const portText = endpoint.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) return undefined;
  let host = endpoint.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "?") return "unknown";
  if (host === "") host = origin.host;
  const kind = match[1] === "MOVED" ? "moved" : "ask";
  return { kind, slot, host, port, address: formatAddress(host, port) };
}

/**
 * What an error reply from a cluster node calls for:
 *
 * | reply | action |
 * | --- | --- |
 * | `MOVED` | `moved`: remember the slot's new owner, resend there at once, refresh soon |
 * | `ASK` | `ask`: send `ASKING` and the command, as one unit, to the target; the map stays |
 * | `MOVED`/`ASK` to `?` | `retry` with a refresh: the target is unknown until then |
 * | `TRYAGAIN` | `retry` after a short backoff (a multi-key command during a migration) |
 * | `CLUSTERDOWN`, `MASTERDOWN` | `retry` with backoff and a refresh, until the deadline |
 * | `READONLY` | `reroute` after a refresh: the node is no longer a master |
 * | `LOADING` | `reroute`: the node is loading its data set; use another or wait |
 * | anything else | `fail`: it is the command's own answer |
 *
 * @example
 * ```ts
 * import type { ClusterAction } from "./mod.ts";
 *
 * const action: ClusterAction = { kind: "retry", reason: "TRYAGAIN", refresh: false };
 * ```
 */
export type ClusterAction =
  | { readonly kind: "moved" | "ask"; readonly redirect: Redirect }
  | {
    readonly kind: "retry";
    readonly reason: "TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN" | "MOVED" | "ASK";
    readonly refresh: boolean;
  }
  | { readonly kind: "reroute"; readonly reason: "READONLY" | "LOADING"; readonly refresh: boolean }
  | { readonly kind: "fail" };

/** How a demoted master refuses WAIT (an `ERR` reply, not `READONLY`). */
const REPLICA_WAIT = /WAIT cannot be used with replica instances/;

/**
 * Maps an error reply from a cluster node to the action it calls for (see
 * {@linkcode ClusterAction} for the table).
 *
 * @param reply The error reply.
 * @param origin The node that sent it.
 * @returns The action.
 *
 * @example
 * ```ts
 * import { classifyClusterError } from "./mod.ts";
 * import { ReplyError } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const origin = { host: "127.0.0.1", port: 7000 };
 * const action = classifyClusterError(new ReplyError("CLUSTERDOWN The cluster is down"), origin);
 * assert.deepEqual(action, { kind: "retry", reason: "CLUSTERDOWN", refresh: true });
 * assert.equal(classifyClusterError(new ReplyError("WRONGTYPE Operation"), origin).kind, "fail");
 * ```
 */
export function classifyClusterError(reply: ReplyError, origin: ReplyOrigin): ClusterAction {
  switch (reply.code) {
    case "MOVED":
    case "ASK": {
      const redirect = parseRedirect(reply, origin);
      if (redirect === undefined) return { kind: "fail" };
      if (redirect === "unknown") return { kind: "retry", reason: reply.code, refresh: true };
      return { kind: redirect.kind, redirect };
    }
    case "TRYAGAIN":
      return { kind: "retry", reason: "TRYAGAIN", refresh: false };
    case "CLUSTERDOWN":
    case "MASTERDOWN":
      return { kind: "retry", reason: reply.code, refresh: true };
    case "READONLY":
      return { kind: "reroute", reason: "READONLY", refresh: true };
    case "LOADING":
      return { kind: "reroute", reason: "LOADING", refresh: false };
    case "ERR":
      // A demoted master refuses WAIT as a replica would: like READONLY, the node is no longer
      // the key's master, so refresh and send it (routed by its key) to the new one.
      if (REPLICA_WAIT.test(reply.message)) {
        return { kind: "reroute", reason: "READONLY", refresh: true };
      }
      return { kind: "fail" };
    default:
      return { kind: "fail" };
  }
}

/**
 * Options for {@linkcode RedirectTracker}.
 *
 * @example
 * ```ts
 * import type { RedirectTrackerOptions } from "./mod.ts";
 *
 * const options: RedirectTrackerOptions = { maxRedirects: 5, maxRetries: 10 };
 * ```
 */
export interface RedirectTrackerOptions {
  /** How many `MOVED`/`ASK` replies a command may follow (default 16). */
  maxRedirects?: number;
  /**
   * How many times a command may be retried for `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`,
   * `READONLY` or `LOADING` when it has no deadline (default 32).
   */
  maxRetries?: number;
  /** The first backoff and its cap for `TRYAGAIN`, in ms (default `[10, 200]`). */
  tryAgainBackoffMs?: readonly [number, number];
  /** The first backoff and its cap for the other retries, in ms (default `[50, 500]`). */
  retryBackoffMs?: readonly [number, number];
  /**
   * `MOVED` replies for the same slot this close together (in ms) count as a ping-pong between
   * nodes that disagree (default 100): from the third one on, the resend waits.
   */
  pingPongWindowMs?: number;
}

/**
 * What to do with a command after an error reply, as {@linkcode RedirectTracker.decide} says.
 *
 * - `moved`: point the slot at `redirect` in the slot map, resend there after `delayMs`;
 *   `toSender` says the node redirected to itself (recreate that connection);
 * - `ask`: send `ASKING` and the command, as one unit, to `redirect`; the slot map stays;
 * - `retry`: resend after `delayMs` to the slot's owner, refreshing the topology first if
 *   `refresh`;
 * - `reroute`: the node cannot serve it now (`READONLY`: no longer a master; `LOADING`): send
 *   elsewhere after `delayMs`, refreshing first if `refresh`;
 * - `fail`: reject the command with `error`.
 *
 * @example
 * ```ts
 * import type { RedirectDecision } from "./mod.ts";
 *
 * function describe(decision: RedirectDecision): string {
 *   return decision.kind === "fail" ? decision.error.message : `${decision.kind} in ${decision.delayMs} ms`;
 * }
 * ```
 */
export type RedirectDecision =
  | {
    readonly kind: "moved";
    readonly redirect: Redirect;
    readonly delayMs: number;
    readonly toSender: boolean;
  }
  | { readonly kind: "ask"; readonly redirect: Redirect; readonly delayMs: number }
  | {
    readonly kind: "retry";
    readonly reason: "TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN" | "MOVED" | "ASK";
    readonly refresh: boolean;
    readonly delayMs: number;
  }
  | {
    readonly kind: "reroute";
    readonly reason: "READONLY" | "LOADING";
    readonly refresh: boolean;
    readonly delayMs: number;
  }
  | { readonly kind: "fail"; readonly error: Error };

function backoff([first, cap]: readonly [number, number], attempt: number): number {
  return Math.min(cap, first * 2 ** Math.min(attempt - 1, 30));
}

/**
 * Follows one command through a cluster's error replies: counts its redirects and retries,
 * keeps the chain of `MOVED`/`ASK` hops, and decides after each error reply what happens next.
 * Pure: the caller passes the clock and the deadline, and does the sending and the waiting.
 *
 * - `MOVED`/`ASK` resend at once, up to `maxRedirects`, then `MaxRedirectionsError` with the
 *   chain. A third `MOVED` for the same slot within `pingPongWindowMs` of the previous ones waits
 *   (10 ms, doubling up to 200 ms): the nodes disagree until their views converge.
 * - `TRYAGAIN` waits 10 ms, doubling up to 200 ms; after the deadline (or `maxRetries` without
 *   one) the reply itself is the error.
 * - `CLUSTERDOWN`/`MASTERDOWN` wait 50 ms, doubling up to 500 ms, with a refresh; after the
 *   deadline, `ClusterDownError`.
 * - `READONLY`/`LOADING` reroute (the first at once, later ones with that backoff).
 * - Anything else fails with the reply itself.
 *
 * @example A migration seen by one command
 * ```ts
 * import { RedirectTracker } from "./mod.ts";
 * import { ReplyError } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const tracker = new RedirectTracker();
 * const origin = { host: "127.0.0.1", port: 7000 };
 * const ask = tracker.decide(new ReplyError("ASK 12182 127.0.0.1:7001"), origin, 0, 5000);
 * assert.equal(ask.kind, "ask");
 * const retry = tracker.decide(new ReplyError("TRYAGAIN Multiple keys request"), origin, 1, 5000);
 * assert.deepEqual(retry, { kind: "retry", reason: "TRYAGAIN", refresh: false, delayMs: 10 });
 * assert.equal(tracker.chain.length, 1);
 * ```
 */
export class RedirectTracker {
  #maxRedirects: number;
  #maxRetries: number;
  #tryAgain: readonly [number, number];
  #retry: readonly [number, number];
  #window: number;
  #chain: Redirect[] = [];
  #tryAgains = 0;
  #retries = 0;
  #downs = 0;
  // Consecutive MOVED replies for one slot, each within the window of the one before.
  #pingPong = { slot: -1, count: 0, at: -Infinity };

  /**
   * Makes a tracker for one command.
   *
   * @param options The limits and backoffs.
   * @throws {RangeError} When a limit is not a whole number >= 0, or a backoff is negative.
   *
   * @example
   * ```ts
   * import { RedirectTracker } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedirectTracker({ maxRedirects: 3 }).chain.length, 0);
   * ```
   */
  constructor(options: RedirectTrackerOptions = {}) {
    this.#maxRedirects = whole(options.maxRedirects ?? 16, "maxRedirects");
    this.#maxRetries = whole(options.maxRetries ?? 32, "maxRetries");
    this.#tryAgain = pair(options.tryAgainBackoffMs ?? [10, 200], "tryAgainBackoffMs");
    this.#retry = pair(options.retryBackoffMs ?? [50, 500], "retryBackoffMs");
    this.#window = options.pingPongWindowMs ?? 100;
    if (!(this.#window >= 0)) {
      throw new RangeError(`pingPongWindowMs must be >= 0, got ${options.pingPongWindowMs}`);
    }
  }

  /**
   * The `MOVED`/`ASK` hops followed so far, oldest first.
   *
   * @example
   * ```ts
   * import { RedirectTracker } from "./mod.ts";
   * import { ReplyError } from "../mod.ts";
   * import assert from "node:assert/strict";
   *
   * const tracker = new RedirectTracker();
   * tracker.decide(new ReplyError("MOVED 1 127.0.0.1:7001"), { host: "127.0.0.1", port: 7000 }, 0, 1000);
   * assert.equal(tracker.chain[0]?.port, 7001);
   * ```
   */
  get chain(): readonly Redirect[] {
    return [...this.#chain];
  }

  /**
   * Decides what happens to the command after an error reply.
   *
   * @param reply The error reply the command got.
   * @param origin The node that sent it.
   * @param now The current time in ms (any clock, as long as `deadline` uses the same one).
   * @param deadline When the command gives up, on the same clock; `Infinity` for never (retries
   * are then bounded by `maxRetries`).
   * @returns The decision.
   *
   * @example Giving up on CLUSTERDOWN at the deadline
   * ```ts
   * import { ClusterDownError, RedirectTracker } from "./mod.ts";
   * import { ReplyError } from "../mod.ts";
   * import assert from "node:assert/strict";
   *
   * const tracker = new RedirectTracker();
   * const origin = { host: "127.0.0.1", port: 7000 };
   * const down = new ReplyError("CLUSTERDOWN The cluster is down");
   * assert.equal(tracker.decide(down, origin, 0, 200).kind, "retry"); // waits 50 ms
   * assert.equal(tracker.decide(down, origin, 50, 200).kind, "retry"); // waits 100 ms, until 150
   * const last = tracker.decide(down, origin, 150, 200); // 200 ms more would pass the deadline
   * assert.ok(last.kind === "fail" && last.error instanceof ClusterDownError);
   * ```
   */
  decide(reply: ReplyError, origin: ReplyOrigin, now: number, deadline: number): RedirectDecision {
    const action = classifyClusterError(reply, origin);
    switch (action.kind) {
      case "moved":
      case "ask":
        return this.#redirect(action.kind, action.redirect, origin, now);
      case "retry":
        return this.#retryLater(action, reply, now, deadline);
      case "reroute": {
        const delayMs = this.#retries === 0 ? 0 : backoff(this.#retry, this.#retries);
        this.#retries++;
        if (this.#expired(now + delayMs, deadline, this.#retries)) {
          return { kind: "fail", error: reply };
        }
        return { ...action, delayMs };
      }
      case "fail":
        return { kind: "fail", error: reply };
    }
  }

  #redirect(
    kind: "moved" | "ask",
    redirect: Redirect,
    origin: ReplyOrigin,
    now: number,
  ): RedirectDecision {
    this.#chain.push(redirect);
    if (this.#chain.length > this.#maxRedirects) {
      return {
        kind: "fail",
        error: new MaxRedirectionsError(
          `Too many redirects (${this.#chain.length}) for slot ${redirect.slot}, last to ${redirect.address}`,
          { chain: this.#chain },
        ),
      };
    }
    if (kind === "ask") {
      this.#pingPong = { slot: -1, count: 0, at: -Infinity };
      return { kind, redirect, delayMs: 0 };
    }
    const previous = this.#pingPong;
    const count = previous.slot === redirect.slot && now - previous.at <= this.#window
      ? previous.count + 1
      : 1;
    this.#pingPong = { slot: redirect.slot, count, at: now };
    return {
      kind,
      redirect,
      delayMs: count >= 3 ? backoff(this.#tryAgain, count - 2) : 0,
      toSender: redirect.address === formatAddress(origin.host, origin.port),
    };
  }

  #retryLater(
    action: Extract<ClusterAction, { kind: "retry" }>,
    reply: ReplyError,
    now: number,
    deadline: number,
  ): RedirectDecision {
    if (action.reason === "TRYAGAIN") {
      const delayMs = backoff(this.#tryAgain, ++this.#tryAgains);
      if (this.#expired(now + delayMs, deadline, this.#tryAgains)) {
        return { kind: "fail", error: reply };
      }
      return { ...action, delayMs };
    }
    const isDown = action.reason === "CLUSTERDOWN" || action.reason === "MASTERDOWN";
    const attempts = isDown ? ++this.#downs : ++this.#retries;
    const delayMs = backoff(this.#retry, attempts);
    if (this.#expired(now + delayMs, deadline, attempts)) {
      const error = isDown
        ? new ClusterDownError(`The cluster answered ${reply.code} ${attempts} times`, {
          attempts,
          cause: reply,
        })
        : reply;
      return { kind: "fail", error };
    }
    return { ...action, delayMs };
  }

  #expired(resendAt: number, deadline: number, attempts: number): boolean {
    return Number.isFinite(deadline) ? resendAt > deadline : attempts > this.#maxRetries;
  }
}

function whole(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0, got ${value}`);
  }
  return value;
}

function pair(value: readonly [number, number], name: string): readonly [number, number] {
  if (!(value[0] >= 0 && value[1] >= value[0])) {
    throw new RangeError(`${name} must be [first, cap] with 0 <= first <= cap, got ${value}`);
  }
  return value;
}
