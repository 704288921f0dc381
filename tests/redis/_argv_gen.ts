// Argument lists generated from a catalog command's grammar, for the differential and coverage
// tests: the fewest arguments, the most, and seeded random choices between. Keys are unique
// (`{k}0`, `{k}1`, … — one hash slot), a `numkeys` integer counts the keys generated after it,
// and the parts of a repeated block repeat together (`STREAMS k1 k2 id1 id2`).

import type { CatalogArgument, CatalogCommand } from "../../redis/commands/catalog_types.ts";

/** How choices are made: fewest, most, or random from a seed. */
export type Shape = "min" | "max" | number;

/** Values by argument type, overridable per argument name. */
export interface Values {
  key(n: number): string;
  value(arg: CatalogArgument): string;
}

/** A small, seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The default values: a placeholder per type. */
export const DEFAULT_VALUES: Values = {
  key: (n) => `{k}${n}`,
  value(arg) {
    switch (arg.type) {
      case "integer":
        return "1";
      case "double":
        return "1.5";
      case "unix-time":
        return "1700000000";
      case "pattern":
        return "p*";
      default:
        return `v-${arg.name}`;
    }
  },
};

/**
 * One argument list (after the command's words) for `command` in `shape`.
 *
 * @param command A catalog row.
 * @param shape Fewest, most, or a random seed.
 * @param values What to put where.
 * @returns The whole argv, command words first.
 */
export function generateArgv(
  command: CatalogCommand,
  shape: Shape,
  values: Values = DEFAULT_VALUES,
): string[] {
  const next = typeof shape === "number" ? random(shape) : undefined;
  const out: string[] = command.name.split("|").map((word) => word.toUpperCase());
  let keys = 0;
  // A `numkeys` waiting for the count of the keys that follow it.
  let pending: { at: number; from: number } | undefined;
  const include = (): boolean => shape === "max" || (next !== undefined && next() < 0.5);
  const repeat = (): number =>
    shape === "min" ? 1 : shape === "max" ? 2 : 1 + Math.floor(next!() * 3);
  const choose = (n: number): number =>
    shape === "min" ? 0 : shape === "max" ? n - 1 : Math.floor(next!() * n);

  function one(arg: CatalogArgument, times: number): void {
    void times;
    switch (arg.type) {
      case "pure-token":
        out.push(arg.token!);
        return;
      case "oneof": {
        const parts = arg.arguments ?? [];
        if (arg.token !== undefined) out.push(arg.token);
        emit(parts[choose(parts.length)]!, times);
        return;
      }
      case "block": {
        if (arg.token !== undefined) out.push(arg.token);
        const shared = repeat(); // repeated parts of one block repeat together
        for (const part of arg.arguments ?? []) emit(part, shared);
        return;
      }
      case "key":
        if (arg.token !== undefined) out.push(arg.token);
        out.push(values.key(keys++));
        return;
      default:
        if (arg.token !== undefined) out.push(arg.token);
        if (arg.type === "integer" && /^num_?keys$/.test(arg.name)) {
          pending = { at: out.length, from: keys };
        }
        out.push(values.value(arg));
    }
  }

  /** `times`: how often a repeated part of an enclosing repeated block repeats. */
  function emit(arg: CatalogArgument, times = 0): void {
    if (arg.flags.includes("optional") && !include()) return;
    if (!arg.flags.includes("multiple")) {
      one(arg, times);
      return;
    }
    const n = times > 0 ? times : repeat();
    for (let i = 0; i < n; i++) {
      if (i > 0 && arg.token !== undefined && !arg.flags.includes("multiple_token")) {
        const { token: _drop, ...rest } = arg;
        one(rest, n);
      } else {
        one(arg, n);
      }
    }
    if (pending !== undefined && arg.type === "key") {
      out[pending.at] = String(keys - pending.from);
      pending = undefined;
    }
  }

  for (const arg of command.arguments) emit(arg);
  return out;
}

/**
 * A few argument lists for `command`: fewest, most, and `randoms` seeded ones, without
 * duplicates.
 *
 * @param command A catalog row.
 * @param randoms How many random shapes.
 * @param values What to put where.
 * @returns The argvs.
 */
export function argvVariants(
  command: CatalogCommand,
  randoms = 6,
  values: Values = DEFAULT_VALUES,
): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  const shapes: Shape[] = ["min", "max"];
  for (let i = 0; i < randoms; i++) shapes.push(i + 1);
  for (const shape of shapes) {
    const argv = generateArgv(command, shape, values);
    const id = JSON.stringify(argv);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(argv);
  }
  return out;
}

/** How a generated method takes the words after its command's name (see `signature`). */
export interface CallShape {
  /** `signature(command).argv`: literals (JSON strings) and parameter names. */
  argv: string[];
  /** A last optional value without a token, as a last parameter. */
  optional?: unknown;
  /** Its options keys with the grammar they stand for. */
  options: {
    key: string;
    shape: {
      kind: "flag" | "value" | "choice" | "block";
      token?: string;
      tokens?: string[];
      size?: number;
    };
  }[];
}

/**
 * The arguments to call a method with options keys with, from words of its grammar: the typed
 * parameters, then an options object made from the modifiers; `undefined` when the words do not
 * read as its grammar.
 */
export function callArguments(shape: CallShape, words: readonly string[]): unknown[] | undefined {
  if (shape.options.length === 0 && shape.optional === undefined) return [...words];
  const out: unknown[] = [];
  let i = 0;
  for (const expression of shape.argv) {
    if (i >= words.length) return undefined;
    if (!expression.startsWith('"')) out.push(words[i]);
    i++;
  }
  if (shape.optional !== undefined && i < words.length) out.push(words[i++]);
  const options: Record<string, unknown> = {};
  const upper = (at: number): string | undefined => words[at]?.toUpperCase();
  for (const { key, shape: field } of shape.options) {
    if (i >= words.length) break;
    switch (field.kind) {
      case "flag":
        if (upper(i) === field.token) (options[key] = true, i++);
        break;
      case "value":
        if (upper(i) === field.token) (options[key] = words[i + 1], i += 2);
        break;
      case "choice": {
        const at = field.token === undefined ? i : i + 1;
        if (field.token !== undefined && upper(i) !== field.token) break;
        if (field.tokens!.includes(upper(at)!)) (options[key] = upper(at), i = at + 1);
        break;
      }
      case "block":
        if (upper(i) === field.token) {
          options[key] = words.slice(i + 1, i + 1 + field.size!);
          i += 1 + field.size!;
        }
        break;
    }
  }
  if (i !== words.length) return undefined;
  if (Object.keys(options).length > 0) out.push(options);
  return out;
}
