import type { RedisArgument } from "../resp/types.ts";
import type { CatalogArgument, CatalogCommand, KeySpec } from "./catalog_types.ts";
import { classify } from "./classify.ts";

// Key positions from the catalog's key specs, the way the server reads them (getKeysUsingKeySpecs
// in db.c): each spec begins at an index or after a keyword and finds a range or a counted run of
// keys. A spec whose start is `unknown` (SORT's STORE) is read from the grammar instead: the key
// argument that points at it is found after its token, skipping the values of other tokens.

function upper(argument: RedisArgument | undefined): string | undefined {
  if (typeof argument === "string") return argument.toUpperCase();
  if (argument instanceof Uint8Array && argument.length <= 64) {
    return String.fromCharCode(...argument).toUpperCase();
  }
  return undefined;
}

function integer(argument: RedisArgument | undefined): number | undefined {
  if (typeof argument === "number") return Number.isInteger(argument) ? argument : undefined;
  if (typeof argument === "bigint") return Number(argument);
  const text = upper(argument);
  if (text === undefined || !/^-?\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** Positions found by one spec; `undefined` when the spec cannot be read (an invalid argv). */
function specPositions(spec: KeySpec, argv: readonly RedisArgument[]): number[] | undefined {
  const argc = argv.length;
  let first = 0;
  const begin = spec.beginSearch;
  if (begin.type === "index") {
    first = begin.index;
  } else if (begin.type === "keyword") {
    const forward = begin.startFrom > 0;
    const start = forward ? begin.startFrom : argc + begin.startFrom;
    const end = forward ? argc - 1 : 1;
    const step = forward ? 1 : -1;
    for (let i = start; i !== end + step; i += step) {
      if (i >= argc || i < 1) break;
      if (upper(argv[i]) === begin.keyword) {
        first = i + 1;
        break;
      }
    }
    if (first === 0) return [];
  } else {
    return undefined;
  }
  const find = spec.findKeys;
  let last: number;
  let step: number;
  if (find.type === "range") {
    if (find.lastKey >= 0) last = first + find.lastKey;
    else if (find.limit === 0) last = argc + find.lastKey;
    else last = first + (Math.trunc((argc - first) / find.limit) + find.lastKey);
    step = find.keyStep;
  } else if (find.type === "keynum") {
    if (first + find.keyNumIndex >= argc) return undefined;
    const count = integer(argv[first + find.keyNumIndex]);
    if (count === undefined || count < 0) return undefined;
    first += find.firstKey;
    last = first + count - 1;
    step = find.keyStep;
  } else {
    return undefined;
  }
  const out: number[] = [];
  for (let i = first; i <= last; i += step) {
    if (i >= argc || i < first) {
      // A variadic command called with too few arguments: the server refuses it later.
      continue;
    }
    out.push(i);
  }
  return out;
}

/** How many argv words follow a token of the grammar (0 for a pure token). */
function valuesAfterToken(arg: CatalogArgument): number {
  if (arg.type === "pure-token") return 0;
  if (arg.type === "block") {
    let sum = 0;
    for (const part of arg.arguments ?? []) sum += part.token === undefined ? 1 : 2;
    return sum;
  }
  return 1;
}

function tokens(args: readonly CatalogArgument[], into: Map<string, CatalogArgument>): void {
  for (const arg of args) {
    if (arg.token !== undefined && !into.has(arg.token)) into.set(arg.token, arg);
    if (arg.type === "oneof") tokens(arg.arguments ?? [], into);
  }
}

/**
 * The positions of the key arguments of a spec with an unknown start, from the grammar: the
 * last occurrence of the token of the key argument that points at the spec.
 */
function grammarPositions(
  command: CatalogCommand,
  index: number,
  argv: readonly RedisArgument[],
): number[] {
  const target = command.arguments.find((arg) =>
    arg.type === "key" && arg.keySpecIndex === index && arg.token !== undefined
  );
  if (target === undefined) return [];
  const byToken = new Map<string, CatalogArgument>();
  tokens(command.arguments, byToken);
  let fixed = command.name.split("|").length;
  for (const arg of command.arguments) {
    if (arg.token !== undefined || arg.flags.includes("optional")) break;
    fixed++;
  }
  let found = -1;
  for (let i = fixed; i < argv.length; i++) {
    const word = upper(argv[i]);
    if (word === undefined) continue;
    const arg = byToken.get(word);
    if (arg === undefined) continue;
    if (arg === target) {
      if (i + 1 < argv.length) found = i + 1;
      i++;
    } else {
      i += valuesAfterToken(arg);
    }
  }
  return found === -1 ? [] : [found];
}

/**
 * The tokens that stand in place of a key of spec `index`: a `oneof` of the key and a pure token
 * (`MIGRATE host port <key | ""> … KEYS key …`): where the argv holds the token and another
 * spec finds keys, it is not a key.
 */
function standIns(args: readonly CatalogArgument[], index: number, into: Set<string>): void {
  for (const arg of args) {
    const parts = arg.arguments ?? [];
    if (arg.type === "oneof" && parts.some((p) => p.type === "key" && p.keySpecIndex === index)) {
      for (const part of parts) {
        if (part.type === "pure-token" && part.token !== undefined) into.add(part.token);
      }
    }
    standIns(parts, index, into);
  }
}

// Per command, per key spec: found once (keyed by the row itself, so a lookup makes nothing).
const standInCache = new WeakMap<CatalogCommand, Set<string>[]>();

function standInsOf(command: CatalogCommand, index: number): Set<string> {
  let sets = standInCache.get(command);
  if (sets === undefined) standInCache.set(command, sets = []);
  let set = sets[index];
  if (set === undefined) {
    set = new Set();
    standIns(command.arguments, index, set);
    sets[index] = set;
  }
  return set;
}

/**
 * The argv indexes of the keys of a command, from the catalog's key specs (and, for what key
 * specs leave `unknown`, the grammar). A spec marked `not_key` (a channel, a pattern) is left
 * out. Unknown commands have none.
 *
 * @param argv A command as it would be sent.
 * @returns The indexes, in the order the specs give them; a key named twice appears twice.
 *
 * @example
 * ```ts
 * import { keyPositions } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(keyPositions(["MSET", "a", "1", "b", "2"]), [1, 3]);
 * assert.deepEqual(keyPositions(["EVAL", "return 1", "2", "x", "y", "arg"]), [3, 4]);
 * assert.deepEqual(keyPositions(["SORT", "list", "LIMIT", "0", "5", "STORE", "out"]), [1, 6]);
 * ```
 */
export function keyPositions(argv: readonly RedisArgument[]): number[] {
  const command = classify(argv).command;
  if (command === undefined || command.subcommands !== undefined) return [];
  const out: number[] = [];
  const specs = command.keySpecs;
  let invalid = false;
  // Stand-ins (MIGRATE's "" key): no key when another spec finds the keys, else the key itself.
  const held: number[] = [];
  for (let j = 0; j < specs.length; j++) {
    const spec = specs[j]!;
    if (spec.flags.includes("not_key")) continue;
    if (spec.beginSearch.type === "unknown") {
      out.push(...grammarPositions(command, j, argv));
      continue;
    }
    const found = specPositions(spec, argv);
    if (found === undefined) {
      invalid = true;
      continue;
    }
    const skip = standInsOf(command, j);
    for (const i of found) {
      if (skip.size === 0 || !skip.has(upper(argv[i]) ?? "\0")) out.push(i);
      else held.push(i);
    }
  }
  // The server gives no keys for an argv one of whose specs cannot be read.
  if (invalid) return [];
  return out.length === 0 ? held : out;
}

/**
 * The key arguments of a command, from the catalog's key specs: what a cluster router hashes,
 * what client-side caching tracks. Movable keys (`EVAL`'s `numkeys`, `ZUNION`, `XREAD`'s
 * `STREAMS`, `MIGRATE`'s `KEYS`) are found too.
 *
 * @param argv A command as it would be sent.
 * @returns The key arguments, in order.
 *
 * @example Keys of a few commands
 * ```ts
 * import { keys } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(keys(["GET", "user:1"]), ["user:1"]);
 * assert.deepEqual(keys(["XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"]), ["s1", "s2"]);
 * assert.deepEqual(keys(["OBJECT", "ENCODING", "k"]), ["k"]);
 * assert.deepEqual(keys(["PING"]), []);
 * ```
 */
export function keys(argv: readonly RedisArgument[]): RedisArgument[] {
  return keyPositions(argv).map((i) => argv[i]!);
}
