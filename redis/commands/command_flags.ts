import type { RedisArgument } from "../resp/types.ts";
import { catalogEntry } from "./catalog.ts";

/**
 * What `COMMAND INFO` says about one command or subcommand of Redis 7.0, from the table generated
 * by `scripts/generate_commands.ts`.
 *
 * @example The flags of GET
 * ```ts
 * import { commandSpec } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * const get = commandSpec("get")!;
 * assert.equal(get.arity, 2);
 * assert.ok(get.flags.has("readonly"));
 * ```
 */
export interface CommandSpec {
  /** The name as `COMMAND LIST` spells it: `get`, `config|get`. */
  readonly name: string;
  /** The number of arguments including the name (and subcommand); negative means "at least". */
  readonly arity: number;
  /** `write`, `readonly`, `denyoom`, `admin`, `pubsub`, `noscript`, `blocking`, `fast`, … */
  readonly flags: ReadonlySet<string>;
  /** The argv index of the first key, 0 when the command has none. */
  readonly firstKey: number;
  /** The argv index of the last key; negative counts from the end (-1 is the last argument). */
  readonly lastKey: number;
  /** The distance between keys from `firstKey` to `lastKey`. */
  readonly keyStep: number;
  /** Whether the command is a container (`CONFIG`, `CLIENT`) whose subcommands have specs. */
  readonly container: boolean;
}

const specs = new Map<string, CommandSpec | null>();

function normalise(name: string): string {
  return name.trim().toLowerCase().split(/\s+/).join("|");
}

/**
 * Looks a command up by name.
 *
 * @param name `get`, `GET`, `config|get` or `CONFIG GET`.
 * @returns Its spec, or `undefined` when Redis 7.0 has no such command.
 *
 * @example A subcommand
 * ```ts
 * import { commandSpec } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.equal(commandSpec("CONFIG GET")?.name, "config|get");
 * assert.equal(commandSpec("nosuchcommand"), undefined);
 * ```
 */
export function commandSpec(name: string): CommandSpec | undefined {
  const key = normalise(name);
  const cached = specs.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const row = catalogEntry(key);
  const spec: CommandSpec | null = row === undefined ? null : {
    name: key,
    arity: row.arity,
    flags: new Set(row.flags),
    firstKey: row.firstKey,
    lastKey: row.lastKey,
    keyStep: row.keyStep,
    container: row.subcommands !== undefined,
  };
  specs.set(key, spec);
  return spec ?? undefined;
}

/**
 * The flags of a command, as `COMMAND INFO` lists them.
 *
 * @param name `get`, `config|get` or `CONFIG GET`, in any case.
 * @returns The flags, or `undefined` for an unknown command.
 *
 * @example Blocking commands say so
 * ```ts
 * import { commandFlags } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.ok(commandFlags("blpop")?.has("blocking"));
 * assert.ok(commandFlags("config get")?.has("admin"));
 * ```
 */
export function commandFlags(name: string): ReadonlySet<string> | undefined {
  return commandSpec(name)?.flags;
}

function word(argument: RedisArgument | undefined): string | undefined {
  if (argument === undefined) return undefined;
  if (typeof argument === "string") return argument.toLowerCase();
  if (argument instanceof Uint8Array) return new TextDecoder().decode(argument).toLowerCase();
  return String(argument);
}

/**
 * Finds the spec of the command an argv runs: the subcommand's for a container
 * (`["OBJECT", "ENCODING", key]` gives `object|encoding`), the container's own when the
 * subcommand is unknown.
 *
 * @param argv A command as it would be sent.
 * @returns The spec, or `undefined` when the command is unknown.
 *
 * @example A subcommand in an argv
 * ```ts
 * import { lookupCommand } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.equal(lookupCommand(["OBJECT", "ENCODING", "key"])?.name, "object|encoding");
 * assert.equal(lookupCommand(["get", "key"])?.name, "get");
 * ```
 */
export function lookupCommand(argv: readonly RedisArgument[]): CommandSpec | undefined {
  const name = word(argv[0]);
  if (name === undefined || name.includes("|")) return undefined;
  const spec = commandSpec(name);
  if (spec === undefined || !spec.container) return spec;
  const sub = word(argv[1]);
  if (sub === undefined || sub.includes("|")) return spec;
  return commandSpec(`${name}|${sub}`) ?? spec;
}

/**
 * Whether an argv runs a command that the server flags `readonly`: it never changes data, so it
 * can be sent again after a connection died before its reply arrived. Unknown commands, and
 * containers called without a known subcommand, are not read-only.
 *
 * @param argv A command as it would be sent.
 * @returns `true` when the command carries the `readonly` flag.
 *
 * @example Reads and writes
 * ```ts
 * import { isReadOnlyCommand } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isReadOnlyCommand(["GET", "k"]), true);
 * assert.equal(isReadOnlyCommand(["OBJECT", "ENCODING", "k"]), true);
 * assert.equal(isReadOnlyCommand(["SET", "k", "v"]), false);
 * assert.equal(isReadOnlyCommand(["CONFIG", "SET", "maxmemory", "0"]), false);
 * ```
 */
export function isReadOnlyCommand(argv: readonly RedisArgument[]): boolean {
  return lookupCommand(argv)?.flags.has("readonly") ?? false;
}
