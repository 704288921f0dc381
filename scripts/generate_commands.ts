// Generates redis/commands/_generated.ts (a method for every command without a hand-written one)
// and redis/commands/_catalog.ts (the command catalog: arity, flags, ACL categories, key specs,
// tips and grammar of every command and subcommand) from a
// live redis-server's own COMMAND DOCS and COMMAND INFO.
//
//   deno task gen:commands               writes both files into redis/commands/
//   deno run -A scripts/generate_commands.ts --out-dir DIR
//
// The output depends only on what the server says: commands are sorted, and both files go
// through `deno fmt`, so the same server version always gives the same bytes (the tests check
// that the committed files are what this script makes).

import type { CatalogArgument, CatalogCommand } from "../redis/commands/catalog_types.ts";
import { readServerCatalog, type ServerCatalog } from "./_read_catalog.ts";
import { REPLY_KINDS, type ReplyKind } from "../redis/commands/_reply_kinds.ts";
import { EXCLUDED_COMMANDS, HAND_WRITTEN_COMMANDS } from "../redis/commands/_lists.ts";
import { methodName } from "../redis/commands/_naming.ts";
import { startRedisServer } from "../tests/_helpers/redis_server.ts";

/** One argument of a command's grammar. */
export type ArgumentDoc = CatalogArgument;

/** What the generator needs to know about one command or subcommand. */
export type CommandDoc = CatalogCommand;

/** What the server said, read once. */
export type ServerCommands = ServerCatalog;

/** The two generated files. */
export interface GeneratedFiles {
  "_generated.ts": string;
  "_catalog.ts": string;
}

/**
 * Reads COMMAND DOCS and COMMAND INFO from the redis-server at `port`.
 *
 * @param port A redis-server's port on 127.0.0.1.
 * @returns Every command and subcommand, sorted by name, and the server's version.
 */
export function readServerCommands(port: number): Promise<ServerCommands> {
  return readServerCatalog(port);
}

// ---- the grammar ----

const SIMPLE_TYPES = new Set(["key", "string", "integer", "double", "pattern", "unix-time"]);

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval options args").split(" "),
);

function isOptional(arg: ArgumentDoc): boolean {
  return arg.flags.includes("optional");
}

function isMultiple(arg: ArgumentDoc): boolean {
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

interface Parameter {
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
  /** Whether the rest of the grammar is taken as `...args: CommandArguments`. */
  rest: boolean;
  /** The optional modifiers after the typed parameters, as keys of the options object. */
  options: OptionField[];
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
      if (arg.token !== undefined) argv.push(JSON.stringify(arg.token));
      const name = unique(camel(arg.name));
      parameters.push({ name, type: "RedisArgument", doc: `\`${syntax(arg)}\` (${arg.type})` });
      argv.push(name);
      if (isMultiple(arg)) {
        i++;
        return { parameters, argv, rest: true, options: [] };
      }
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
  // The arity has the last word: COMMAND DOCS leaves some grammars out (COMMAND GETKEYS).
  const fixed = words + argv.length;
  if (i < args.length && command.arity === -fixed) {
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

// ---- writing the files ----

const RETURN_TYPES: Record<ReplyKind, string> = {
  ok: '"OK"',
  str: "string",
  bulk: "string | null",
  strs: "string[]",
  bulks: "(string | null)[]",
  int: "number",
  intn: "number | null",
  bool: "boolean",
  dbln: "number | null",
  data: "BulkString<O> | null",
  aclUser: "AclUser | null",
  aclLog: 'AclLogEntry[] | "OK"',
  trackingInfo: "TrackingInfo",
  rows: "Record<string, DocumentValue>[]",
  clusterShards: "ClusterShard[]",
  clusterSlots: "ClusterSlotRange[]",
  commandDocs: "Record<string, CommandDocsEntry>",
  commandInfo: "(CommandInfoEntry | null)[]",
  keysWithFlags: "KeyWithFlags[]",
  functionList: "FunctionLibrary[]",
  functionStats: "FunctionStats",
  latencyHistogram: "LatencyHistogram",
  latencyLatest: "LatencyLatest[]",
  latencyHistory: "LatencySample[]",
  memoryStats: "MemoryStats",
  role: "RoleReply",
  slowlog: "SlowlogEntry[]",
  counts: "Record<string, number>",
  positions: "([longitude: number, latitude: number] | null)[]",
  geoMembers: "GeoMember[]",
  geoMembersOrCount: "GeoMember[] | number",
  lcs: "string | number | LcsMatches",
  integersOrNull: "(number | null)[]",
  any: "RespValue",
};

const RETURN_DOCS: Record<ReplyKind, string> = {
  ok: '`"OK"`.',
  str: "The reply as text.",
  bulk: "The reply as text, or `null`.",
  strs: "The reply's items as text.",
  bulks: "The reply's items as text, `null` for a missing one.",
  int: "The integer reply (a RangeError past 2^53).",
  intn: "The integer reply, or `null`.",
  bool: "Whether the server answered 1.",
  dbln: "The number, or `null`.",
  data: "The value (bytes with `returnBuffers`), or `null`.",
  aclUser: "The user's rules, or `null` when there is no such user.",
  aclLog: 'The entries, or `"OK"` after `RESET`.',
  trackingInfo: "The connection's tracking state.",
  rows: "One object of fields per row.",
  clusterShards: "The shards.",
  clusterSlots: "The slot ranges with their nodes.",
  commandDocs: "The docs, by command name.",
  commandInfo: "One entry per name asked for, `null` for an unknown one.",
  keysWithFlags: "The keys with their flags.",
  functionList: "The libraries.",
  functionStats: "The running function and the engines' counts.",
  latencyHistogram: "The histograms, by command.",
  latencyLatest: "One row per event.",
  latencyHistory: "The samples.",
  memoryStats: "The statistics, by name.",
  role: "The role and its replication state.",
  slowlog: "The entries, newest first.",
  counts: "The number of subscribers, by channel.",
  positions: "A position per member, `null` for a missing one.",
  geoMembers: "The members, with what `WITH\u2026` asked for.",
  geoMembersOrCount:
    "The members, with what `WITH\u2026` asked for; with `STORE`/`STOREDIST` the number stored.",
  lcs: "The subsequence; its length with `LEN`; the matches with `IDX`.",
  integersOrNull: "One integer per `GET`/`SET`/`INCRBY`, `null` where `OVERFLOW FAIL` refused.",
  any: "The server's reply, as sent (a debugging or replication internal).",
};

function commandWords(name: string): string[] {
  return name.split("|").map((word) => word.toUpperCase());
}

function sanitize(doc: string): string {
  return doc.replaceAll("*/", "*\\/").replace(/\s+/g, " ").trim();
}

function sentence(doc: string): string {
  const out = sanitize(doc);
  return /[.!?]$/.test(out) ? out : `${out}.`;
}

/** Whether `command` gets a generated method. */
export function isGenerated(command: CommandDoc): boolean {
  return (command.subcommands ?? []).length === 0 && !EXCLUDED_COMMANDS.has(command.name) &&
    !HAND_WRITTEN_COMMANDS.has(command.name);
}

/** Splits `text` into JSDoc lines of at most `width` characters (longer words stay whole). */
function wrap(text: string, width = 92): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

function method(command: CommandDoc): string {
  const words = commandWords(command.name);
  const sig = signature(command);
  const grammar = [words.join(" "), ...command.arguments.map((arg) => syntax(arg))].join(" ");
  const lines: string[] = [];
  const paragraph = (text: string, indent = "") => {
    wrap(text).forEach((line, i) => lines.push(` * ${i === 0 ? "" : indent}${line}`));
  };
  lines.push(`/**`);
  paragraph(sentence(command.summary));
  lines.push(` *`);
  lines.push(` * \`${sanitize(grammar)}\``);
  if (command.arguments.length === 0 && sig.rest) {
    lines.push(` *`);
    paragraph("`COMMAND DOCS` gives no grammar for its arguments.");
  }
  lines.push(` *`);
  paragraph(`- Since: Redis ${command.since}`, "  ");
  if (command.complexity !== undefined && command.complexity !== "") {
    paragraph(`- Complexity: ${sanitize(command.complexity)}`, "  ");
  }
  const flags = command.flags.length > 0 ? `; flags: ${command.flags.join(", ")}` : "";
  paragraph(`- Group: ${command.group}${flags}`, "  ");
  lines.push(` *`);
  for (const parameter of sig.parameters) {
    paragraph(`@param ${parameter.name} ${parameter.doc}.`, "  ");
  }
  if (sig.rest) {
    paragraph(
      "@param args The rest of the grammar, in order, optionally followed by `CommandOptions`.",
      "  ",
    );
  } else if (sig.options.length > 0) {
    const keys = sig.options.map((field) => `${field.doc} as \`${field.key}\``).join(", ");
    paragraph(`@param options ${keys}; and buffers, timeout, abort signal.`, "  ");
  } else {
    lines.push(` * @param options Buffers, timeout, abort signal.`);
  }
  const name = methodName(command.name);
  const kind = REPLY_KINDS.get(name);
  if (kind === undefined) throw new Error(`${name} has no reply kind in _reply_kinds.ts`);
  if (kind === "data" && sig.rest) throw new Error(`${name}: a data reply needs a fixed arity`);
  lines.push(` * @returns ${RETURN_DOCS[kind]}`);
  if (command.deprecatedSince !== undefined) {
    const replaced = command.replacedBy === undefined
      ? ""
      : `: replaced by ${sanitize(command.replacedBy)}`;
    paragraph(`@deprecated Since Redis ${command.deprecatedSince}${replaced}.`, "  ");
  }
  lines.push(` */`);
  const parameters = sig.parameters.map((p) => `${p.name}: ${p.type}`);
  const generic = kind === "data" ? "<O extends CommandOptions = NoOptions>" : "";
  const fields = sig.options.map((field) => `${field.key}?: ${field.type}`).join("; ");
  parameters.push(
    sig.rest
      ? "...args: CommandArguments"
      : `options?: ${
        kind === "data" ? "O" : fields === "" ? "CommandOptions" : `CommandOptions & { ${fields} }`
      }`,
  );
  const head = `[${[...words.map((word) => JSON.stringify(word)), ...sig.argv].join(", ")}]`;
  const type = RETURN_TYPES[kind];
  const body: string[] = [];
  let send = sig.rest
    ? `sendArguments(this, ${head}, args)`
    : `this.sendCommand<RespValue>(${head}, options)`;
  if (sig.options.length > 0) {
    body.push(`const argv: RedisArgument[] = ${head};`);
    for (const field of sig.options) body.push(field.push);
    send = "this.sendCommand<RespValue>(argv, options)";
  }
  body.push(
    kind === "any" ? `return ${send};` : `return ${send}.then(REPLY.${kind}) as Promise<${type}>;`,
  );
  lines.push(`${name}${generic}(${parameters.join(", ")}): Promise<${type}> {`);
  for (const statement of body) lines.push(`  ${statement}`);
  lines.push(`}`);
  return lines.map((line) => `  ${line}`).join("\n");
}

function header(version: string): string {
  return `// Generated by scripts/generate_commands.ts from redis-server ${version}'s COMMAND DOCS and ` +
    `COMMAND INFO.\n// Do not edit: change the script or redis/commands/_lists.ts, then run ` +
    "`deno task gen:commands`.\n";
}

/** The helpers of `_send.ts` the methods use. */
function sendImports(methods: string[]): string {
  const all = methods.join("\n");
  return ["block", "choice", "sendArguments"].filter((name) =>
    new RegExp(`[^A-Za-z]${name}\\(`).test(all)
  ).join(", ");
}

/**
 * The source of `_generated.ts`, before formatting.
 *
 * @param server What the server said.
 * @returns TypeScript source.
 */
export function renderMethods(server: ServerCommands): string {
  const names = new Map<string, string>();
  const methods: string[] = [];
  for (const command of server.commands) {
    if (!isGenerated(command)) continue;
    const name = methodName(command.name);
    const clash = names.get(name);
    if (clash !== undefined) {
      throw new Error(`"${command.name}" and "${clash}" both map to ${name}`);
    }
    names.set(name, command.name);
    methods.push(method(command));
  }
  return `${header(server.version)}
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { REPLY } from "./_reply_shapes.ts";
import { ${sendImports(methods)} } from "./_send.ts";
import type { BulkString, CommandArguments, NoOptions } from "./types.ts";
import type {
  AclLogEntry,
  AclUser,
  ClusterShard,
  ClusterSlotRange,
  CommandDocsEntry,
  CommandInfoEntry,
  DocumentValue,
  FunctionLibrary,
  FunctionStats,
  GeoMember,
  KeyWithFlags,
  LatencyHistogram,
  LatencyLatest,
  LatencySample,
  LcsMatches,
  MemoryStats,
  RoleReply,
  SlowlogEntry,
  TrackingInfo,
} from "./reply_documents.ts";

/**
 * One method for every command of redis-server ${server.version} that has neither a hand-written
 * method nor a place in the exclusion list (\`redis/commands/_lists.ts\`), generated from the
 * server's own \`COMMAND DOCS\`. The typed leading parameters are the grammar's required
 * single values; optional modifiers after them (tokens, a token with a value, a choice among
 * tokens, a token with a block) are keys of the options object; any other rest of the grammar
 * goes into \`...args\` in the order the server reads it, optionally followed by a
 * \`CommandOptions\` object. Replies are typed
 * and normalised to one shape in RESP2 and RESP3 by the kind declared in
 * \`redis/commands/_reply_kinds.ts\` (document replies get interfaces of their own); three
 * debugging and replication internals stay \`RespValue\`.
 *
 * @example Calling generated methods through any sender
 * \`\`\`ts
 * import { type RedisArgument, RedisCommands, type RespValue } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * class Recorder extends RedisCommands {
 *   readonly sent: RedisArgument[][] = [];
 *   get protocol(): 2 | 3 {
 *     return 3;
 *   }
 *   sendCommand<T = RespValue>(argv: readonly RedisArgument[]): Promise<T> {
 *     this.sent.push([...argv]);
 *     return Promise.resolve("OK" as T);
 *   }
 * }
 * const recorder = new Recorder();
 * await recorder.clientSetname("worker-1");
 * await recorder.clientNoEvict("ON", { timeoutMs: 500 });
 * assert.deepEqual(recorder.sent, [["CLIENT", "SETNAME", "worker-1"], ["CLIENT", "NO-EVICT", "ON"]]);
 * \`\`\`
 */
export abstract class GeneratedCommands extends CommandSender {
${methods.join("\n\n")}
}
`;
}

/**
 * The source of `_catalog.ts`: one command per line, as JSON (which `deno fmt` leaves alone).
 *
 * @param server What the server said.
 * @returns TypeScript source.
 */
export function renderCatalog(server: ServerCommands): string {
  const rows = server.commands.map((c) => `  ${JSON.stringify(c)},`);
  return `// deno-fmt-ignore-file
${header(server.version)}
import type { CatalogCommand } from "./catalog_types.ts";

/** The server version the catalog was read from. */
export const CATALOG_VERSION = ${JSON.stringify(server.version)};

/**
 * Every command and subcommand of redis-server ${server.version}, sorted by name, as its own
 * \`COMMAND INFO\` and \`COMMAND DOCS\` describe them.
 */
export const CATALOG: readonly CatalogCommand[] = [
${rows.join("\n")}
];
`;
}

/**
 * Formats TypeScript source with `deno fmt` and the repository's settings.
 *
 * @param source The source.
 * @param ext The language, by file extension (`ts`, `md`).
 * @returns The formatted source.
 */
export async function format(source: string, ext = "ts"): Promise<string> {
  const config = new URL("../deno.json", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", config, "--ext", ext, "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(source));
  await writer.close();
  const output = await child.output();
  if (!output.success) {
    throw new Error(`deno fmt failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/**
 * Starts a throwaway redis-server and makes both files from what it says.
 *
 * @returns The formatted files by name.
 */
export async function generate(): Promise<GeneratedFiles> {
  await using server = await startRedisServer();
  const commands = await readServerCommands(server.port);
  return {
    "_generated.ts": await format(renderMethods(commands)),
    "_catalog.ts": renderCatalog(commands),
  };
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--out-dir");
  const outDir = at === -1
    ? new URL("../redis/commands/", import.meta.url).pathname
    : `${Deno.args[at + 1]}/`;
  const files = await generate();
  for (const [name, source] of Object.entries(files)) {
    await Deno.writeTextFile(`${outDir}${name}`, source);
    console.log(`wrote ${outDir}${name} (${source.split("\n").length} lines)`);
  }
}
