// Where a blocking command's server-side timeout is, read from its grammar in the catalog: the
// argument named `timeout` or written after `BLOCK`, in seconds when the grammar types it
// `double` and in milliseconds when `integer`. Its position is fixed from the start, fixed from
// the end, or found by its token before the next required token (`BLOCK ms` before `STREAMS`).

import type { RedisArgument } from "../resp/types.ts";
import type { CatalogArgument, CatalogCommand } from "./catalog_types.ts";

/** The command blocks forever (a timeout of 0): no deadline can be set. */
export const FOREVER = -1;
/** The command does not block. */
export const NOT_BLOCKING = -2;

/** Where a blocking command's timeout is, and its unit in milliseconds. */
export interface BlockingRule {
  /** The command's arity: an argv it does not allow never blocks (the server refuses it). */
  readonly arity: number;
  /** Milliseconds per unit: 1000 for seconds, 1 for milliseconds. */
  readonly unit: number;
  /** Its argv index from the start, or -1. */
  readonly at: number;
  /** Its position from the end (1 is the last argument), or 0. */
  readonly fromEnd: number;
  /** The token written before it, searched from `searchFrom` when neither position is fixed. */
  readonly token: string | undefined;
  /** Where the token search starts. */
  readonly searchFrom: number;
  /** Tokens that end the search (a later required argument's). */
  readonly stops: readonly string[];
}

/** Commands the server does not flag `blocking` that hold their reply up to a timeout. */
const ALSO_BLOCKING = new Set(["wait"]);

/** How many argv words an argument takes, when that is fixed. */
function width(arg: CatalogArgument): number | undefined {
  if (arg.flags.includes("optional") || arg.flags.includes("multiple")) return undefined;
  const token = arg.token === undefined ? 0 : 1;
  const parts = arg.arguments ?? [];
  if (arg.type === "pure-token") return 1;
  if (arg.type === "block") {
    let sum = token;
    for (const part of parts) {
      const w = width(part);
      if (w === undefined) return undefined;
      sum += w;
    }
    return sum;
  }
  if (arg.type === "oneof") {
    const widths = new Set(parts.map(width));
    if (widths.size !== 1) return undefined;
    const [w] = widths;
    return w === undefined ? undefined : w + token;
  }
  return 1 + token;
}

function isTimeout(arg: CatalogArgument): boolean {
  return (arg.type === "double" || arg.type === "integer") &&
    (arg.name === "timeout" || arg.token === "BLOCK");
}

/**
 * The blocking rule of a catalog command: `undefined` when it does not block (or its grammar
 * names no timeout).
 */
export function blockingRule(command: CatalogCommand): BlockingRule | undefined {
  if (!command.flags.includes("blocking") && !ALSO_BLOCKING.has(command.name)) return undefined;
  const args = command.arguments;
  const target = args.findIndex(isTimeout);
  if (target === -1) return undefined;
  const arg = args[target]!;
  const unit = arg.type === "double" ? 1000 : 1;
  const arity = command.arity;
  const token = arg.token === undefined ? 0 : 1;
  const words = command.name.split("|").length;
  let prefix: number | undefined = words;
  for (let i = 0; i < target && prefix !== undefined; i++) {
    const w = width(args[i]!);
    prefix = w === undefined ? undefined : prefix + w;
  }
  if (prefix !== undefined && !arg.flags.includes("optional")) {
    return {
      arity,
      unit,
      at: prefix + token,
      fromEnd: 0,
      token: undefined,
      searchFrom: 0,
      stops: [],
    };
  }
  let suffix: number | undefined = 1;
  for (let i = target + 1; i < args.length && suffix !== undefined; i++) {
    const w = width(args[i]!);
    suffix = w === undefined ? undefined : suffix + w;
  }
  if (suffix !== undefined && !arg.flags.includes("optional")) {
    return { arity, unit, at: -1, fromEnd: suffix, token: undefined, searchFrom: 0, stops: [] };
  }
  let searchFrom = words;
  for (let i = 0; i < target; i++) {
    const w = width(args[i]!);
    if (w === undefined) break;
    searchFrom += w;
  }
  const stops = args.slice(target + 1).filter((a) =>
    !a.flags.includes("optional") && a.token !== undefined
  ).map((a) => a.token!);
  return { arity, unit, at: -1, fromEnd: 0, token: arg.token, searchFrom, stops };
}

function word(argument: RedisArgument | undefined): string | undefined {
  if (typeof argument === "string") return argument.toUpperCase();
  if (argument instanceof Uint8Array && argument.length < 16) {
    return String.fromCharCode(...argument).toUpperCase();
  }
  return undefined;
}

/** A timeout argument in `unit` ms per unit; FOREVER for 0, NOT_BLOCKING when unreadable. */
function timeout(argument: RedisArgument | undefined, unit: number): number {
  let value: number;
  if (typeof argument === "number") value = argument;
  else if (typeof argument === "bigint") value = Number(argument);
  else {
    const text = word(argument);
    if (text === undefined || text.trim() === "") return NOT_BLOCKING;
    value = Number(text);
  }
  if (!Number.isFinite(value) || value < 0) return NOT_BLOCKING; // the server refuses it
  return value === 0 ? FOREVER : value * unit;
}

/**
 * How long the server may keep `argv` waiting on purpose under `rule`, in milliseconds:
 * `FOREVER`, or `NOT_BLOCKING` when there is no rule or the timeout is not there.
 */
export function ruleTimeoutMs(
  rule: BlockingRule | undefined,
  argv: readonly RedisArgument[],
): number {
  if (rule === undefined) return NOT_BLOCKING;
  const arity = rule.arity;
  if (arity > 0 ? argv.length !== arity : argv.length < -arity) return NOT_BLOCKING;
  if (rule.at !== -1) {
    return argv.length <= rule.at ? NOT_BLOCKING : timeout(argv[rule.at], rule.unit);
  }
  if (rule.fromEnd !== 0) {
    return argv.length - rule.fromEnd < 1
      ? NOT_BLOCKING
      : timeout(argv[argv.length - rule.fromEnd], rule.unit);
  }
  for (let i = rule.searchFrom; i < argv.length - 1; i++) {
    const token = word(argv[i]);
    if (token === undefined) continue;
    if (rule.stops.includes(token)) return NOT_BLOCKING;
    if (token === rule.token) return timeout(argv[i + 1], rule.unit);
  }
  return NOT_BLOCKING;
}
