import type { RedisArgument } from "../resp/types.ts";
import { CATALOG } from "./_catalog.ts";
import { type BlockingRule, blockingRule } from "./_blocking_rule.ts";
import type { CatalogCommand } from "./catalog_types.ts";

// What the client and the context need to know about a command, found once per command from the
// catalog. The numbers are the ones the context (`C_*`) and the session tracker (`S_*`) use; they
// re-export them from here.

/** The context's kinds: a command the context does not need to know about. */
export const C_OTHER = 0;
/** `MULTI`. */
export const C_MULTI = 1;
/** `EXEC`. */
export const C_EXEC = 2;
/** `DISCARD`. */
export const C_DISCARD = 3;
/** `RESET`. */
export const C_RESET = 4;
/** `QUIT`. */
export const C_QUIT = 5;
/** `PING`. */
export const C_PING = 6;
/** The subscribe family: only through the pub/sub API. */
export const C_PUBSUB = 7;
/** `MONITOR`: only through the monitor API. */
export const C_MONITOR = 8;

/** The session tracker's kinds: none of the below. */
export const S_OTHER = 0;
/** `WATCH`. */
export const S_WATCH = 1;
/** `UNWATCH`. */
export const S_UNWATCH = 2;
/** `MULTI`. */
export const S_MULTI = 3;
/** `EXEC`. */
export const S_EXEC = 4;
/** `DISCARD`. */
export const S_DISCARD = 5;
/** `RESET`. */
export const S_RESET = 6;
/** `QUIT`. */
export const S_QUIT = 7;

/** Sent as a plain command: fine. */
export const R_NONE = 0;
/** The subscribe family: refused as a plain command. */
export const R_PUBSUB = 1;
/** `MONITOR`: refused as a plain command. */
export const R_MONITOR = 2;
/** `CLIENT REPLY`: refused unless its mode is `ON`. */
export const R_CLIENT_REPLY = 3;

/**
 * What {@linkcode classify} says about a command: its catalog row (`undefined` for a command the
 * catalog lacks), and what the client, its context and its session tracker do with it. One
 * object per catalog row, shared: classifying allocates nothing.
 *
 * @example
 * ```ts
 * import { classify } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * const kind = classify(["CLIENT", "KILL", "ID", "42"]);
 * assert.equal(kind.name, "client|kill");
 * assert.ok(kind.command?.flags.includes("admin"));
 * ```
 */
export interface CommandClass {
  /** The catalog name (`get`, `client|kill`), or the argv's own name in lower case. */
  readonly name: string;
  /** The catalog row; `undefined` for an unknown command. */
  readonly command: CatalogCommand | undefined;
  /** The context's kind (`C_*`). */
  readonly context: number;
  /** The session tracker's kind (`S_*`). */
  readonly session: number;
  /** Whether it is refused as a plain command (`R_*`). */
  readonly refusal: number;
  /** The server flags it `readonly`. */
  readonly readonly: boolean;
  /** Where its server-side timeout is, when it can block (`undefined` when it cannot). */
  readonly blocking: BlockingRule | undefined;
}

interface Row extends CommandClass {
  /** A container's subcommands by their own word, in lower and upper case. */
  subs: Map<string, Row> | undefined;
}

const CONTEXT_KINDS: Record<string, number> = {
  multi: C_MULTI,
  exec: C_EXEC,
  discard: C_DISCARD,
  reset: C_RESET,
  quit: C_QUIT,
  ping: C_PING,
  monitor: C_MONITOR,
};

const SESSION_KINDS: Record<string, number> = {
  watch: S_WATCH,
  unwatch: S_UNWATCH,
  multi: S_MULTI,
  exec: S_EXEC,
  discard: S_DISCARD,
  reset: S_RESET,
  quit: S_QUIT,
};

function row(command: CatalogCommand | undefined, name: string): Row {
  const flags = command?.flags ?? [];
  // The subscribe family: pub/sub commands a script may not run (PUBLISH and SPUBLISH may).
  const pubsubMode = flags.includes("pubsub") && flags.includes("noscript");
  return {
    name,
    command,
    context: pubsubMode ? C_PUBSUB : CONTEXT_KINDS[name] ?? C_OTHER,
    session: SESSION_KINDS[name] ?? S_OTHER,
    refusal: pubsubMode
      ? R_PUBSUB
      : name === "monitor"
      ? R_MONITOR
      : name === "client|reply"
      ? R_CLIENT_REPLY
      : R_NONE,
    readonly: flags.includes("readonly"),
    blocking: command === undefined ? undefined : blockingRule(command),
    subs: undefined,
  };
}

const ROWS = new Map<string, Row>();
for (const command of CATALOG) {
  const bar = command.name.indexOf("|");
  const entry = row(command, command.name);
  if (bar === -1) {
    ROWS.set(command.name, entry);
    ROWS.set(command.name.toUpperCase(), entry);
    continue;
  }
  const container = ROWS.get(command.name.slice(0, bar))!;
  const subs = container.subs ??= new Map();
  const word = command.name.slice(bar + 1);
  subs.set(word, entry);
  subs.set(word.toUpperCase(), entry);
}

function wordOf(argument: RedisArgument | undefined): string | undefined {
  if (typeof argument === "string") return argument;
  if (argument instanceof Uint8Array && argument.length <= 32) {
    return String.fromCharCode(...argument);
  }
  return undefined;
}

function find(map: Map<string, Row>, word: string): Row | undefined {
  return map.get(word) ?? map.get(word.toLowerCase());
}

const unknown = new Map<string, Row>();

function unknownRow(word: string | undefined): Row {
  const name = word === undefined ? "" : word.toLowerCase();
  let entry = unknown.get(name);
  if (entry === undefined) {
    entry = row(undefined, name);
    if (unknown.size < 64) unknown.set(name, entry);
  }
  return entry;
}

/**
 * Classifies a command from the catalog: which command or subcommand `argv` runs, and what the
 * client does with it. Run once per command; the result travels with it.
 *
 * @param argv A command as it would be sent; the name (and subcommand) in any case, as a string
 * or bytes.
 * @returns Its class; for an unknown command (or an unknown subcommand of a container) a class
 * with no catalog row, or the container's row.
 *
 * @example Transactions, blocking and unknown commands
 * ```ts
 * import { classify } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.equal(classify(["multi"]).name, "multi");
 * assert.ok(classify(["BLPOP", "q", "1"]).blocking !== undefined);
 * assert.equal(classify(["GET", "k"]).blocking, undefined);
 * assert.equal(classify(["NOSUCH"]).command, undefined);
 * assert.equal(classify(["CONFIG", "GET", "x"]).name, "config|get");
 * ```
 */
export function classify(argv: readonly RedisArgument[]): CommandClass {
  const first = argv[0];
  const name = typeof first === "string" ? first : wordOf(first);
  if (name === undefined) return unknownRow(undefined);
  const entry = find(ROWS, name);
  if (entry === undefined) return unknownRow(name);
  const subs = entry.subs;
  if (subs === undefined) return entry;
  const sub = wordOf(argv[1]);
  return (sub === undefined ? undefined : find(subs, sub)) ?? entry;
}
