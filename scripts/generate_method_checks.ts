// Generates redis/commands/_method_checks.ts: for every public method of RedisCommands (the
// hand-written families and the generated methods), what its parameters are, read from the
// signatures themselves through `deno doc --json`: how many positional parameters and how many of
// them are required, which one takes one-or-many values (so `del("a", "b")` and `del(["a", "b"])`
// both work), whether a rest takes the rest of the grammar, and the keys of its options object
// with their types. redis/commands/_checks.ts checks every call against it at run time.
//
//   deno run -A scripts/generate_method_checks.ts            writes the file
//   deno run -A scripts/generate_method_checks.ts --check    fails when the file is stale

// deno-lint-ignore-file no-explicit-any

import { HAND_WRITTEN_FAMILIES } from "./_families.ts";

// The last family with a method gives its row: hand-written signatures over generated ones, and
// RedisCommands' overloads over both.
const FAMILIES = ["GeneratedCommands", ...HAND_WRITTEN_FAMILIES, "RedisCommands"];

/** A parameter kind the runtime check knows: a Redis argument, a number, one-or-many, other. */
type Kind = "arg" | "num" | "many" | "bool" | "any";

/** One method's row: [positional kinds, required count, rest, option keys with kinds or null]. */
type Row = [Kind[], number, boolean, Record<string, Kind> | null];

function kindOf(type: any): Kind {
  if (type === undefined) return "any";
  const repr: string = type.repr ?? "";
  if (type.kind === "keyword" && type.value === "number") return "num";
  if (type.kind === "keyword" && type.value === "boolean") return "bool";
  if (repr === "RedisArgument") return "arg";
  if (repr === "OneOrMany" && type.value?.typeParams?.[0]?.repr === "RedisArgument") return "many";
  return "any";
}

function symbols(json: any): Map<string, any> {
  const out = new Map<string, any>();
  for (const node of Object.values<any>(json.nodes)) {
    for (const symbol of node.symbols ?? []) out.set(symbol.name, symbol);
  }
  return out;
}

function optionKeys(type: any, all: Map<string, any>, into: Record<string, Kind>): void {
  if (type === undefined) return;
  if (type.kind === "intersection" || type.kind === "union") {
    for (const part of type.value) optionKeys(part, all, into);
    return;
  }
  if (type.kind === "typeLiteral") {
    for (const p of type.value.properties) into[p.name] = kindOf(p.tsType);
    return;
  }
  if (type.kind !== "typeRef") return;
  if (type.value.typeName === "Omit") {
    const [base, dropped] = type.value.typeParams;
    const keys: Record<string, Kind> = {};
    optionKeys(base, all, keys);
    const names = dropped.kind === "union" ? dropped.value : [dropped];
    for (const name of names) delete keys[String(name.value?.string ?? name.repr)];
    Object.assign(into, keys);
    return;
  }
  const symbol = all.get(type.value.typeName);
  const declaration = symbol?.declarations?.find((d: any) => d.kind === "interface");
  if (declaration === undefined) {
    if (type.value.typeName === "NoOptions") return;
    throw new Error(`Cannot resolve the options type ${type.value.typeName}`);
  }
  for (const parent of declaration.def.extends ?? []) optionKeys(parent, all, into);
  for (const p of declaration.def.properties ?? []) into[p.name] = kindOf(p.tsType);
}

function row(method: any, all: Map<string, any>): Row {
  const def = method.functionDef;
  const kinds: Kind[] = [];
  let required = 0;
  let rest = false;
  let options: Record<string, Kind> | null = null;
  for (const param of def.params) {
    if (param.kind === "rest") {
      rest = true;
      options = {};
      optionKeys(
        all.get("CommandOptions") && {
          kind: "typeRef",
          value: { typeName: "CommandOptions" },
        },
        all,
        options,
      );
      continue;
    }
    if (param.name === "options") {
      options = {};
      let type = param.tsType;
      if (type?.kind === "typeRef" && type.value.resolution?.kind === "typeParam") {
        const tp = def.typeParams.find((t: any) => t.name === type.value.typeName);
        type = tp?.constraint;
      }
      optionKeys(type, all, options);
      continue;
    }
    kinds.push(kindOf(param.tsType));
    if (!param.optional && param.kind !== "assign") required = kinds.length;
  }
  return [kinds, required, rest, options];
}

/**
 * The source of `_method_checks.ts`.
 *
 * @returns TypeScript source.
 */
export async function renderChecks(): Promise<string> {
  const root = new URL("../redis/commands/mod.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  const all = symbols(JSON.parse(new TextDecoder().decode(output.stdout)));
  const rows = new Map<string, Row>();
  for (const family of FAMILIES) {
    const symbol = all.get(family);
    if (symbol === undefined) throw new Error(`deno doc has no ${family}`);
    const declaration = symbol.declarations.find((d: any) => d.kind === "class");
    for (const method of declaration.def.methods ?? []) {
      if (method.isStatic || method.accessibility === "private" || method.kind !== "method") {
        continue;
      }
      rows.set(method.name, row(method, all));
    }
  }
  const names = [...rows.keys()].sort();
  const lines = names.map((name) => `${JSON.stringify(name)}:${JSON.stringify(rows.get(name))},`);
  return `// deno-fmt-ignore-file
// Generated by scripts/generate_method_checks.ts from the method signatures (deno doc --json).
// Do not edit: change a signature, then run \`deno run -A scripts/generate_method_checks.ts\`.

/**
 * Per method: the kinds of its positional parameters (\`arg\` a Redis argument, \`num\` a number,
 * \`many\` one value or a list, \`bool\`, \`any\`), how many are required, whether a rest takes the
 * rest of the grammar, and its option keys with their kinds (\`null\`: no options).
 */
export const METHOD_CHECKS: Readonly<
  Record<string, readonly [readonly string[], number, boolean, Readonly<Record<string, string>> | null]>
> = {
${lines.join("\n")}
};
`;
}

if (import.meta.main) {
  const path = new URL("../redis/commands/_method_checks.ts", import.meta.url).pathname;
  const source = await renderChecks();
  if (Deno.args.includes("--check")) {
    const committed = await Deno.readTextFile(path);
    if (committed !== source) {
      console.error(`${path} is stale: run deno run -A scripts/generate_method_checks.ts`);
      Deno.exit(1);
    }
  } else {
    await Deno.writeTextFile(path, source);
    console.log(`wrote ${path} (${source.split("\n").length} lines)`);
  }
}
