// Debug logging: one line per lifecycle event of a client (connect, ready, error, close,
// reconnecting, end), to a sink of the user's or to stderr; turned on by the `debug` option or
// by `DRAY_DEBUG=redis` in the environment. No secret reaches a line: errors are scrubbed of the
// client's password, and URLs are never logged.

import { redactSecret } from "../context/_secret.ts";
import { readEnv } from "./_env.ts";

/**
 * Receives the debug log of a client (the `debug` option): a line of text, and the same facts as
 * fields (`scope`, `event`, `address`, and `attempt`, `delayMs`, `protocol`, `error` where they
 * apply). Never a password: errors are scrubbed of the client's own.
 *
 * @example
 * ```ts
 * import type { DebugSink } from "@dray/dray/redis";
 *
 * const lines: string[] = [];
 * const sink: DebugSink = (line) => void lines.push(line);
 * ```
 */
export type DebugSink = (line: string, fields: Readonly<Record<string, unknown>>) => void;

function stderrSink(line: string): void {
  console.error(line);
}

/**
 * Whether `DRAY_DEBUG` asks for `scope`: a comma- or space-separated list of scopes (`redis`,
 * `redis:*`, `*`, `dray`). Read only when the env permission for it is granted.
 */
export function debugEnabledByEnv(scope: string): boolean {
  const value = readEnv("DRAY_DEBUG");
  if (value === undefined) return false;
  for (const word of value.split(/[\s,]+/)) {
    const w = word.trim().toLowerCase();
    if (w === "*" || w === "dray" || w === "dray:*" || w === scope || w === `${scope}:*`) {
      return true;
    }
  }
  return false;
}

/**
 * The debug logger a `debug` option asks for: `undefined` when logging is off (`false`, or
 * unset without `DRAY_DEBUG`). `true` and `DRAY_DEBUG` log to stderr.
 */
export function resolveDebug(
  option: boolean | DebugSink | undefined,
  scope: string,
): DebugSink | undefined {
  if (option === false) return undefined;
  if (typeof option === "function") return option;
  if (option === true) return stderrSink;
  if (option !== undefined) {
    throw new TypeError(`debug must be a boolean or a function, got "${String(option)}"`);
  }
  return debugEnabledByEnv(scope) ? stderrSink : undefined;
}

/** One log line: `[dray:<scope>] <address> <event> key=value …`, values scrubbed of `secret`. */
export function debugLine(
  scope: string,
  address: string,
  event: string,
  fields: Readonly<Record<string, unknown>>,
  secret: string | undefined,
): string {
  let line = `[dray:${scope}] ${address} ${event}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === "number" || typeof value === "boolean") {
      line += ` ${key}=${value}`;
      continue;
    }
    const text = value instanceof Error ? `${value.name}: ${value.message}` : String(value);
    line += ` ${key}=${JSON.stringify(redactSecret(text, secret))}`;
  }
  return line;
}
