// The server-side timeout of a blocking command, read from its arguments: how long the server
// may hold the reply back on purpose. Past it (plus a grace for the round trip), a missing reply
// means a dead connection.

import type { RedisArgument } from "../resp/types.ts";

/** The command blocks forever (a timeout of 0): no deadline can be set. */
export const FOREVER = -1;
/** The command does not block. */
export const NOT_BLOCKING = -2;

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

/** `BLOCK ms` among the options of XREAD / XREADGROUP, before STREAMS. */
function xreadBlock(argv: readonly RedisArgument[], from: number): number {
  for (let i = from; i < argv.length - 1; i++) {
    const token = word(argv[i]);
    if (token === "STREAMS") return NOT_BLOCKING;
    if (token === "BLOCK") return timeout(argv[i + 1], 1);
  }
  return NOT_BLOCKING;
}

/**
 * How long the server may keep `argv` waiting on purpose, in milliseconds: `FOREVER` when it
 * may block without end, `NOT_BLOCKING` when it does not block. The blocking commands of Redis
 * 7.0 (those flagged `blocking`, and `WAIT`).
 */
export function blockingTimeoutMs(argv: readonly RedisArgument[]): number {
  const name = argv[0];
  if (typeof name !== "string" || name.length < 4 || name.length > 10) return NOT_BLOCKING;
  const first = name.charCodeAt(0) | 0x20;
  if (first !== 0x62 /* b */ && first !== 0x78 /* x */ && first !== 0x77 /* w */) {
    return NOT_BLOCKING;
  }
  switch (name.toUpperCase()) {
    case "BLPOP":
    case "BRPOP":
    case "BZPOPMIN":
    case "BZPOPMAX":
    case "BRPOPLPUSH":
    case "BLMOVE":
      return argv.length < 3 ? NOT_BLOCKING : timeout(argv[argv.length - 1], 1000);
    case "BLMPOP":
    case "BZMPOP":
      return timeout(argv[1], 1000);
    case "XREAD":
      return xreadBlock(argv, 1);
    case "XREADGROUP":
      return xreadBlock(argv, 4);
    case "WAIT":
      return argv.length === 3 ? timeout(argv[2], 1) : NOT_BLOCKING;
    default:
      return NOT_BLOCKING;
  }
}
