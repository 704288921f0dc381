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
import { signature, syntax } from "./_grammar.ts";

export { type OptionField, type Signature, signature, syntax } from "./_grammar.ts";

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
  trackingInfo: "TrackingInfo",
  rows: "Record<string, DocumentValue>[]",
  clusterShards: "ClusterShard[]",
  clusterSlots: "ClusterSlotRange[]",
  commandDocs: "Record<string, CommandDocsEntry>",
  commandInfo: "(CommandInfoEntry | null)[]",
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
  lcs: "string | number | LcsMatches",
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
  trackingInfo: "The connection's tracking state.",
  rows: "One object of fields per row.",
  clusterShards: "The shards.",
  clusterSlots: "The slot ranges with their nodes.",
  commandDocs: "The docs, by command name.",
  commandInfo: "One entry per name asked for, `null` for an unknown one.",
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
  lcs: "The subsequence; its length with `LEN`; the matches with `IDX`.",
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
  for (const parameter of [...sig.parameters, ...(sig.optional ? [sig.optional] : [])]) {
    paragraph(`@param ${parameter.name} ${parameter.doc}.`, "  ");
  }
  const name = methodName(command.name);
  if (sig.rest && sig.restName === undefined) {
    throw new Error(
      `${name}: its grammar is more than a run of one value; write it by hand or exclude it`,
    );
  }
  if (sig.rest) {
    paragraph(
      `@param ${sig.restName} ${sig.restDoc}: values or arrays of values, optionally followed ` +
        "by `CommandOptions`.",
      "  ",
    );
  } else if (sig.options.length > 0) {
    const keys = sig.options.map((field) => `${field.doc} as \`${field.key}\``).join(", ");
    paragraph(`@param options ${keys}; and buffers, timeout, abort signal.`, "  ");
  } else {
    lines.push(` * @param options Buffers, timeout, abort signal.`);
  }
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
  if (sig.optional) parameters.push(`${sig.optional.name}?: ${sig.optional.type}`);
  const generic = kind === "data" ? "<O extends CommandOptions = NoOptions>" : "";
  const fields = sig.options.map((field) => `${field.key}?: ${field.type}`).join("; ");
  parameters.push(
    sig.rest
      ? `...${sig.restName}: Spread<OneOrMany<RedisArgument>, CommandOptions>`
      : `options?: ${
        kind === "data" ? "O" : fields === "" ? "CommandOptions" : `CommandOptions & { ${fields} }`
      }`,
  );
  const head = `[${[...words.map((word) => JSON.stringify(word)), ...sig.argv].join(", ")}]`;
  const type = RETURN_TYPES[kind];
  const body: string[] = [];
  let send = sig.rest
    ? `sendArguments(this, ${head}, ${sig.restName})`
    : `this.sendCommand<RespValue>(${head}, options)`;
  if (sig.options.length > 0 || sig.optional) {
    body.push(`const argv: RedisArgument[] = ${head};`);
    if (sig.optional) {
      body.push(`if (${sig.optional.name} !== undefined) argv.push(${sig.optional.name});`);
    }
    for (const field of sig.options) body.push(field.push);
    send = "this.sendCommand<RespValue>(argv, options)";
  }
  body.push(`return ${send}.then(REPLY.${kind}) as Promise<${type}>;`);
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

const NOT_DOCUMENTS = new Set(["BulkString", "OK", "Record"]);

/** The document reply types the methods name, one per line. */
function documentImports(methods: string[]): string {
  const all = methods.join("\n");
  const names = new Set<string>();
  for (const type of Object.values(RETURN_TYPES)) {
    for (const name of type.match(/\b[A-Z][A-Za-z]+\b/g) ?? []) {
      if (!NOT_DOCUMENTS.has(name) && new RegExp(`\\b${name}\\b`).test(all)) {
        names.add(name);
      }
    }
  }
  return [...names].sort().map((name) => `  ${name},`).join("\n");
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
import type { BulkString, NoOptions, OneOrMany, Spread } from "./types.ts";
import type {
${documentImports(methods)}
} from "./reply_documents.ts";

/**
 * One method for every command of redis-server ${server.version} that has neither a hand-written
 * method nor a place in the exclusion list (\`redis/commands/_lists.ts\`), generated from the
 * server's own \`COMMAND DOCS\`. The typed leading parameters are the grammar's required
 * single values; optional modifiers after them (tokens, a token with a value, a choice among
 * tokens, a token with a block) are keys of the options object; a run of one value (\`key
 * [key ...]\`) is a rest parameter that takes values and arrays of values alike (\`watch("a",
 * "b")\`, \`watch(["a", "b"])\`), optionally followed by a \`CommandOptions\` object. Every
 * grammar richer than that has a hand-written method. Replies are typed and normalised to one
 * shape in RESP2 and RESP3 by the kind declared in \`redis/commands/_reply_kinds.ts\` (document
 * replies get interfaces of their own).
 *
 * @example Calling generated methods through any sender
 * \`\`\`ts
 * import { type RedisArgument, type RespValue } from "@dray/dray/redis";
 * import { RedisCommands } from "@dray/dray/redis/commands";
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
