// Generates docs/commands.md: every command of the catalog, grouped by the catalog's groups, with
// the method that sends it and the reply type that method declares (read from the signatures with
// `deno doc --json`), then the helpers that are not one command, and what has no method and why.
//
//   deno run -A scripts/generate_commands_doc.ts            writes docs/commands.md
//   deno run -A scripts/generate_commands_doc.ts --check    fails when the file is stale

// deno-lint-ignore-file no-explicit-any

import { HAND_WRITTEN_FAMILIES } from "./_families.ts";
import { CATALOG, CATALOG_VERSION } from "../redis/commands/_catalog.ts";
import { EXCLUDED_COMMANDS } from "../redis/commands/_lists.ts";
import { methodName } from "../redis/commands/_naming.ts";
import { format } from "./generate_commands.ts";

/** The families' classes, as `deno doc` names them: the first to have a method names it. */
const FAMILIES = [...HAND_WRITTEN_FAMILIES, "GeneratedCommands"];

/** A type from `deno doc --json`, written back as TypeScript. */
function render(type: any): string {
  if (type === undefined || type === null) return "unknown";
  switch (type.kind) {
    case "keyword":
      return type.value;
    case "literal":
      if (type.value.kind === "string") return JSON.stringify(type.value.string);
      if (type.value.kind === "number") return String(type.value.number);
      if (type.value.kind === "boolean") return String(type.value.boolean);
      return type.repr;
    case "typeRef": {
      const params = type.value.typeParams ?? [];
      return params.length === 0
        ? type.value.typeName
        : `${type.value.typeName}<${params.map(render).join(", ")}>`;
    }
    case "union":
      return type.value.map((part: any) => {
        const text = render(part);
        return part.kind === "fnOrConstructor" ? `(${text})` : text;
      }).join(" | ");
    case "array": {
      const inner = render(type.value);
      return type.value.kind === "union" ? `(${inner})[]` : `${inner}[]`;
    }
    case "tuple":
      return `[${type.value.map(render).join(", ")}]`;
    case "parenthesized":
      return `(${render(type.value)})`;
    case "typeOperator":
      return `${type.value.operator} ${render(type.value.tsType)}`;
    default:
      return type.repr || type.kind;
  }
}

/** The reply type of a method: what its promise (or async iterator) gives. */
function replyType(method: any): string {
  const type = method.functionDef.returnType;
  if (type?.kind === "typeRef" && type.value.typeName === "Promise") {
    return render(type.value.typeParams?.[0]);
  }
  return render(type);
}

async function methods(): Promise<Map<string, { family: string; reply: string }>> {
  const root = new URL("../redis/commands/mod.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  const json = JSON.parse(new TextDecoder().decode(output.stdout));
  const classes = new Map<string, any>();
  for (const node of Object.values<any>(json.nodes)) {
    for (const symbol of node.symbols ?? []) {
      const declaration = symbol.declarations?.find((d: any) => d.kind === "class");
      if (declaration !== undefined) classes.set(symbol.name, declaration);
    }
  }
  const out = new Map<string, { family: string; reply: string }>();
  for (const family of FAMILIES) {
    const declaration = classes.get(family);
    if (declaration === undefined) throw new Error(`deno doc has no ${family}`);
    for (const method of declaration.def.methods ?? []) {
      if (method.isStatic || method.kind !== "method" || out.has(method.name)) continue;
      out.set(method.name, { family, reply: replyType(method) });
    }
  }
  return out;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/**
 * The source of docs/commands.md.
 *
 * @returns Markdown.
 */
export async function renderDoc(): Promise<string> {
  const all = await methods();
  const used = new Set<string>();
  const groups = new Map<string, string[]>();
  const excluded: string[] = [];
  for (const command of CATALOG) {
    if ((command.subcommands ?? []).length > 0) continue;
    const words = command.name.split("|").map((word) => word.toUpperCase()).join(" ");
    const reason = EXCLUDED_COMMANDS.get(command.name);
    if (reason !== undefined) {
      excluded.push(`| \`${words}\` | ${cell(reason)} |`);
      continue;
    }
    const name = methodName(command.name);
    const method = all.get(name);
    if (method === undefined) throw new Error(`${command.name} has no method ${name}`);
    used.add(name);
    const generated = method.family === "GeneratedCommands" ? "generated" : method.family;
    const rows = groups.get(command.group) ?? [];
    rows.push(`| \`${words}\` | \`${name}\` | \`${cell(method.reply)}\` | ${generated} |`);
    groups.set(command.group, rows);
  }
  const sections: string[] = [];
  for (const group of [...groups.keys()].sort()) {
    const rows = groups.get(group)!;
    sections.push(
      `### ${group} (${rows.length})\n\n| Command | Method | Reply | Family |\n|---|---|---|---|\n` +
        rows.join("\n"),
    );
  }
  const helpers = [...all].filter(([name]) => !used.has(name)).map(([name, method]) =>
    `| \`${name}\` | \`${cell(method.reply)}\` | ${method.family} |`
  );
  const typed = [...used].length;
  return `# Commands

<!-- Generated by scripts/generate_commands_doc.ts from the command catalog (redis-server
${CATALOG_VERSION}) and the methods' signatures. Do not edit: run
\`deno run -A scripts/generate_commands_doc.ts\`. -->

Every command and subcommand of redis-server ${CATALOG_VERSION} has a method on \`RedisClient\`,
\`Pipeline\` and \`Transaction\` (${typed} methods, one per command), except the ${excluded.length}
listed at the end, which the client offers its own way. The tables below follow the catalog's
groups; the reply column is the type the method's promise resolves with (in a pipeline or a
transaction, when the batch runs).

## The rules

- **One shape in RESP2 and RESP3.** Every reply is normalised by the method: hash-like replies are
  plain objects (\`HGETALL\` → \`Record<string, string>\`, a \`Map\` with \`asMap: true\`), scores and
  doubles are \`number\`s, \`SMEMBERS\` is an array, and documents (\`ROLE\`, \`SLOWLOG GET\`,
  \`COMMAND DOCS\`, \`FUNCTION LIST\`, …) are objects with camel-case fields
  (\`reply_documents.ts\`). The coverage tests call the methods against real servers in both
  protocols and compare.
- **Integers are \`number\`s**, never silently rounded: a reply beyond 2^53 rejects with a
  \`RangeError\` that names \`{ bigint: true }\` (the counters take it and resolve with a
  \`bigint\`).
- **User data as bytes**: a method whose reply holds values takes \`returnBuffers: true\` and its
  type then says \`Uint8Array\` (\`BulkString<O>\`).
- **Arguments are checked before anything is sent**: too many or too few, an unknown option key
  or a value of the wrong type reject with a \`TypeError\`, from TypeScript and from plain
  JavaScript alike; nothing is ever dropped.
- **Generated methods** take the grammar's required leading values as parameters; when the rest
  of the grammar is optional modifiers (tokens, a token with a value, a choice among tokens, a
  token with a block of values) they are keys of the options object, in camel case and named by
  their token: \`restore(key, 0, dump, { replace: true, idletime: 5 })\`,
  \`functionFlush({ mode: "SYNC" })\`. A run of one value is a rest parameter that takes values
  and arrays alike, optionally ending with \`CommandOptions\`: \`watch("a", "b")\`,
  \`pfadd("hll", ["x", "y"])\`.
- **Hand-written methods** (the families) take an options object, and block objects where the
  grammar has blocks or choices: \`geoadd(key, [{ longitude, latitude, member }], { nx: true })\`,
  \`geosearch(key, { member }, { radius, unit }, { withDist: true })\`,
  \`bitfield(key, [{ operation: "INCRBY", encoding: "u8", offset: 0, increment: 1 }])\`,
  \`clusterSetslot(slot, { importing: nodeId })\`, \`clientKill({ id })\`.
- **Scripts**: \`eval<T>\`, \`evalsha<T>\`, \`fcall<T>\` and \`runScript<T>\` return what the
  caller declares; \`defineScript(name, { lua, keys, readOnly?, decode? })\` makes a named script
  whose \`decode\` types and checks its reply, run with \`script.run(redis, ...keysThenArgs)\` or
  as a named method with \`withScripts(redis, [script]).name(...)\` on a client, a pipeline or a
  transaction (\`EVALSHA\` with the \`NOSCRIPT\` → \`EVAL\` fallback on a client, \`EVAL\` in a
  batch). They are the only replies left open (\`RespValue\` unless declared).

## By group

${sections.join("\n\n")}

## Helpers (more than one command, or a command in a friendlier form)

| Method | Reply | Family |
|---|---|---|
${helpers.join("\n")}

## Commands without a method

| Command | Why |
|---|---|
${excluded.join("\n")}
`;
}

if (import.meta.main) {
  const path = new URL("../docs/commands.md", import.meta.url).pathname;
  const source = await format(await renderDoc(), "md");
  if (Deno.args.includes("--check")) {
    if (await Deno.readTextFile(path) !== source) {
      console.error(`${path} is stale: run deno run -A scripts/generate_commands_doc.ts`);
      Deno.exit(1);
    }
  } else {
    await Deno.writeTextFile(path, source);
    console.log(`wrote ${path} (${source.split("\n").length} lines)`);
  }
}
