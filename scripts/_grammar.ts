// The grammar of COMMAND DOCS as a generated method's signature: the typed leading parameters,
// the options keys for optional modifiers, and the rest as `...args` (scripts/generate_commands.ts
// writes the methods from it; the coverage test reads the options back from grammar words).

import type { CatalogArgument, CatalogCommand } from "../redis/commands/catalog_types.ts";

type ArgumentDoc = CatalogArgument;
type CommandDoc = CatalogCommand;

const SIMPLE_TYPES = new Set(["key", "string", "integer", "double", "pattern", "unix-time"]);

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval options args").split(" "),
);

export function isOptional(arg: ArgumentDoc): boolean {
  return arg.flags.includes("optional");
}

export function isMultiple(arg: ArgumentDoc): boolean {
  return arg.flags.includes("multiple");
}

function isTokenChoice(arg: ArgumentDoc): boolean {
  const parts = arg.arguments ?? [];
  return arg.type === "oneof" && parts.length > 0 &&
    parts.every((choice) => choice.type === "pure-token" && choice.token !== undefined);
}

/** The grammar as the Redis docs write it: `[ID client-id]`, `key [key ...]`, `<NX | XX>`. */
export function syntax(arg: ArgumentDoc, nested = false): string {
  let body: string;
  switch (arg.type) {
    case "pure-token":
      body = arg.token ?? arg.name;
      break;
    case "oneof": {
      const choices = (arg.arguments ?? []).map((choice) => syntax(choice, true)).join(" | ");
      if (arg.token !== undefined) body = `${arg.token} <${choices}>`;
      else body = isOptional(arg) ? choices : `<${choices}>`;
      break;
    }
    case "block": {
      body = (arg.arguments ?? []).map((part) => syntax(part, true)).join(" ");
      if (arg.token !== undefined) body = `${arg.token} ${body}`;
      if (!isOptional(arg) && nested && (arg.arguments ?? []).length > 1) body = `<${body}>`;
      break;
    }
    default:
      body = arg.token === undefined ? arg.name : `${arg.token} ${arg.name}`;
  }
  if (isMultiple(arg)) {
    const again = arg.flags.includes("multiple_token") || arg.token === undefined
      ? body
      : body.slice(arg.token.length + 1);
    body = `${body} [${again} ...]`;
  }
  return isOptional(arg) ? `[${body}]` : body;
}

function camel(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  let out = (words[0] ?? "arg").toLowerCase();
  for (let i = 1; i < words.length; i++) {
    out += words[i]![0]!.toUpperCase() + words[i]!.slice(1).toLowerCase();
  }
  if (/^[0-9]/.test(out)) out = `arg${out}`;
  return RESERVED.has(out) ? `${out}Arg` : out;
}

/** A typed parameter of a generated method. */
export interface Parameter {
  name: string;
  type: string;
  doc: string;
}

/** How a command's method takes its arguments. */
export interface Signature {
  /** The typed leading parameters. */
  parameters: Parameter[];
  /** Expressions that follow the command name in argv (tokens as literals, then parameters). */
  argv: string[];
  /**
   * Whether the rest of the grammar is "more of the same value" (`key [key ...]`), taken as a
   * rest parameter of values or arrays of values (`...keys`), optionally followed by options.
   */
  rest: boolean;
  /** The rest parameter's name (`keys` for `key [key ...]`), when `rest` is set. */
  restName?: string;
  /** The grammar the rest parameter stands for. */
  restDoc?: string;
  /** The optional modifiers after the typed parameters, as keys of the options object. */
  options: OptionField[];
  /** A last optional value without a token (`ACL CAT [categoryname]`), as a last parameter. */
  optional?: Parameter;
}

/** One optional modifier of the grammar as a key of the options object. */
export interface OptionField {
  /** The key. */
  key: string;
  /** Its TypeScript type. */
  type: string;
  /** The grammar it stands for. */
  doc: string;
  /** The statement that appends it to `argv`. */
  push: string;
  /** How a test turns the words of the grammar back into the key's value. */
  shape: {
    kind: "flag" | "value" | "choice" | "block";
    token?: string;
    tokens?: string[];
    size?: number;
  };
}

const OPTION_NAMES = new Set(["returnBuffers", "timeoutMs", "signal"]);

/** Option keys for grammar names that say little (`[FORCE | TAKEOVER]` is named "options"). */
const OPTION_RENAMES: Readonly<Record<string, string>> = {
  optionsArg: "mode",
  async: "mode",
  hardSoft: "mode",
  nosaveSave: "mode",
  timeoutError: "mode",
};

/**
 * The options object for the optional modifiers `args` (the grammar after the typed parameters),
 * when each is one the options can say: a pure token (`[WITHSCORES]` → `withScores: true`), a
 * token with one value (`[COUNT count]` → `count: 10`), a choice among tokens (`[ASYNC | SYNC]`
 * → `flushType: "ASYNC"`), or a token with a block of values (`[LIMIT offset count]` → `limit:
 * [0, 10]`). Anything else (a repeated or nested part, an untokened value) keeps `...args`.
 */
function optionFields(args: ArgumentDoc[], used: Set<string>): OptionField[] | undefined {
  const out: OptionField[] = [];
  for (const arg of args) {
    if (!isOptional(arg) || isMultiple(arg)) return undefined;
    // A value's key is its token (`[IDLETIME seconds]` → `idletime`), unless its name says the
    // same in camel case (`[ENTRIESADDED entries-added]` → `entriesAdded`).
    const named = camel(arg.name);
    const squashed = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
    const byToken = SIMPLE_TYPES.has(arg.type) && arg.token !== undefined &&
      squashed(named) !== squashed(arg.token);
    const key = byToken ? camel(arg.token!) : OPTION_RENAMES[named] ?? named;
    if (used.has(key) || OPTION_NAMES.has(key)) return undefined;
    used.add(key);
    const doc = `\`${syntax(arg)}\``;
    const token = arg.token === undefined ? undefined : JSON.stringify(arg.token);
    if (arg.type === "pure-token" && token !== undefined) {
      out.push({
        key,
        type: "boolean",
        doc,
        push: `if (options?.${key}) argv.push(${token});`,
        shape: { kind: "flag", token: arg.token! },
      });
    } else if (SIMPLE_TYPES.has(arg.type) && token !== undefined) {
      out.push({
        key,
        type: "RedisArgument",
        doc,
        push: `if (options?.${key} !== undefined) argv.push(${token}, options.${key});`,
        shape: { kind: "value", token: arg.token! },
      });
    } else if (isTokenChoice(arg)) {
      const tokens = (arg.arguments ?? []).map((choice) => choice.token!);
      const list = JSON.stringify(tokens);
      out.push({
        key,
        type: tokens.map((t) => JSON.stringify(t)).join(" | "),
        doc,
        push: `if (options?.${key} !== undefined) argv.push(${
          token === undefined ? "" : `${token}, `
        }choice(options.${key}, ${list}, ${JSON.stringify(key)}));`,
        shape: { kind: "choice", ...(arg.token !== undefined && { token: arg.token }), tokens },
      });
    } else if (
      arg.type === "block" && token !== undefined && (arg.arguments ?? []).length > 0 &&
      (arg.arguments ?? []).every((part) =>
        SIMPLE_TYPES.has(part.type) && part.token === undefined && !isOptional(part) &&
        !isMultiple(part)
      )
    ) {
      const parts = arg.arguments!;
      out.push({
        key,
        type: `readonly [${parts.map((part) => `${camel(part.name)}: RedisArgument`).join(", ")}]`,
        doc,
        push:
          `if (options?.${key} !== undefined) argv.push(${token}, ...block(options.${key}, ${parts.length}, ${
            JSON.stringify(key)
          }));`,
        shape: { kind: "block", token: arg.token!, size: parts.length },
      });
    } else {
      return undefined;
    }
  }
  return out;
}

/** A run of the same value (`key [key ...]`) as a rest parameter named for its values. */
function restOf(
  arg: ArgumentDoc,
  unique: (name: string) => string,
): { rest: true; restName: string; restDoc: string } {
  const name = camel(arg.name);
  return {
    rest: true,
    restName: unique(name.endsWith("s") ? `${name}List` : `${name}s`),
    restDoc: `\`${syntax(arg)}\` (${arg.type})`,
  };
}

/**
 * The leading part of the grammar becomes typed parameters, as long as each argument is
 * required and is one value (with its token, if any) or a choice among tokens; the first
 * argument that is optional, repeated or compound ends it, and the rest of the grammar is taken
 * as `...args`. A repeated value keeps its first occurrence typed.
 */
export function signature(command: CommandDoc): Signature {
  const parameters: Parameter[] = [];
  const argv: string[] = [];
  const used = new Set<string>();
  const unique = (name: string): string => {
    let out = name;
    for (let i = 2; used.has(out); i++) out = `${name}${i}`;
    used.add(out);
    return out;
  };
  const args = command.arguments;
  // Never more typed arguments than the arity requires: some grammars mark as required what the
  // server accepts without (GEOHASH key [member ...] has arity -2).
  const words = command.name.split("|").length;
  const room = () => Math.abs(command.arity) - words - argv.length;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (isOptional(arg)) break;
    if (room() < (arg.token === undefined ? 1 : 2)) break;
    if (SIMPLE_TYPES.has(arg.type)) {
      if (isMultiple(arg) && arg.token === undefined && i === args.length - 1) {
        return { parameters, argv, options: [], ...restOf(arg, unique) };
      }
      if (arg.token !== undefined) argv.push(JSON.stringify(arg.token));
      const name = unique(camel(arg.name));
      parameters.push({ name, type: "RedisArgument", doc: `\`${syntax(arg)}\` (${arg.type})` });
      argv.push(name);
      if (isMultiple(arg)) break;
      continue;
    }
    if (isTokenChoice(arg) && !isMultiple(arg)) {
      if (arg.token !== undefined) argv.push(JSON.stringify(arg.token));
      const name = unique(camel(arg.name));
      const type = (arg.arguments ?? []).map((choice) => JSON.stringify(choice.token)).join(" | ");
      parameters.push({ name, type, doc: `\`${syntax(arg)}\`` });
      argv.push(name);
      continue;
    }
    if (arg.type === "pure-token" && arg.token !== undefined && !isMultiple(arg)) {
      argv.push(JSON.stringify(arg.token));
      continue;
    }
    break;
  }
  // The last argument is an optional run of the same value (`[element [element ...]]`).
  const tail = args[i];
  if (
    i === args.length - 1 && tail !== undefined && isMultiple(tail) &&
    SIMPLE_TYPES.has(tail.type) && tail.token === undefined
  ) {
    return { parameters, argv, options: [], ...restOf(tail, unique) };
  }
  // The arity has the last word: COMMAND DOCS leaves some grammars out (COMMAND GETKEYS).
  const fixed = words + argv.length;
  if (i < args.length && command.arity === -fixed) {
    const last = args[i]!;
    if (
      i === args.length - 1 && isOptional(last) && !isMultiple(last) &&
      SIMPLE_TYPES.has(last.type) && last.token === undefined
    ) {
      const optional = {
        name: unique(camel(last.name)),
        type: "RedisArgument",
        doc: `\`${syntax(last)}\` (${last.type})`,
      };
      return { parameters, argv, rest: false, options: [], optional };
    }
    const options = optionFields(args.slice(i), used);
    if (options !== undefined) return { parameters, argv, rest: false, options };
  }
  return {
    parameters,
    argv,
    rest: i < args.length || command.arity < 0 || fixed < command.arity,
    options: [],
  };
}
