// keyPrefix: the prefix goes in front of the key arguments only, found by the catalog's key specs
// (`keyPositions`), never in front of values, channels, patterns of KEYS/SCAN, or other words.
// SORT and SORT_RO are the one addition: their BY and GET patterns name keys too.

import { keyPositions } from "../commands/command_keys.ts";
import type { RedisArgument } from "../resp/types.ts";

const encoder = new TextEncoder();

function withPrefix(prefix: string, bytes: Uint8Array, key: RedisArgument): RedisArgument {
  if (typeof key === "string") return prefix + key;
  if (key instanceof Uint8Array) {
    const out = new Uint8Array(bytes.length + key.length);
    out.set(bytes);
    out.set(key, bytes.length);
    return out;
  }
  return prefix + String(key);
}

function upper(argument: RedisArgument | undefined): string | undefined {
  if (typeof argument === "string") return argument.toUpperCase();
  if (argument instanceof Uint8Array && argument.length <= 16) {
    return String.fromCharCode(...argument).toUpperCase();
  }
  return undefined;
}

/** SORT's BY and GET patterns (but `GET #`, the element itself), by position. */
function sortPatterns(argv: readonly RedisArgument[], into: number[]): void {
  for (let i = 2; i < argv.length; i++) {
    const token = upper(argv[i]);
    if (token === "BY") {
      if (i + 1 < argv.length) into.push(i + 1);
      i++;
    } else if (token === "GET") {
      if (i + 1 < argv.length && upper(argv[i + 1]) !== "#") into.push(i + 1);
      i++;
    } else if (token === "LIMIT") {
      i += 2;
    } else if (token === "STORE") {
      i++;
    }
  }
}

/**
 * The command with `prefix` in front of each of its keys: the arguments the catalog's key specs
 * name (`keyPositions`, movable keys included: `EVAL`'s `numkeys`, `XREAD … STREAMS`, `MIGRATE …
 * KEYS`), and for `SORT`/`SORT_RO` the `BY` and `GET` patterns too (not `GET #`). Nothing else is
 * touched: values, channels, the patterns of `KEYS` and `SCAN MATCH`, a script's body and ARGV.
 * A command without keys is returned as it is; otherwise a new array (the input is not changed).
 * Byte keys get the prefix as UTF-8 bytes in front.
 *
 * @param argv The command, its name first.
 * @param prefix The prefix; `""` changes nothing.
 * @returns The command to send.
 *
 * @example
 * ```ts
 * import { prefixKeys } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(prefixKeys(["MSET", "a", "1", "b", "2"], "app:"), ["MSET", "app:a", "1", "app:b", "2"]);
 * assert.deepEqual(
 *   prefixKeys(["EVAL", "return KEYS[1]", 1, "k", "arg"], "app:"),
 *   ["EVAL", "return KEYS[1]", 1, "app:k", "arg"],
 * );
 * assert.deepEqual(prefixKeys(["KEYS", "user:*"], "app:"), ["KEYS", "user:*"]);
 * ```
 */
export function prefixKeys(
  argv: readonly RedisArgument[],
  prefix: string,
): readonly RedisArgument[] {
  if (prefix === "" || !Array.isArray(argv) || argv.length < 2) return argv;
  const positions = keyPositions(argv);
  const name = upper(argv[0]);
  if (name === "SORT" || name === "SORT_RO") sortPatterns(argv, positions);
  if (positions.length === 0) return argv;
  const bytes = encoder.encode(prefix);
  const out = argv.slice();
  // A key named twice (in two specs) is prefixed once.
  for (const i of new Set(positions)) out[i] = withPrefix(prefix, bytes, argv[i]!);
  return out;
}
