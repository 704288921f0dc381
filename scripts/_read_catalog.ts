// Reads a live redis-server's COMMAND DOCS and COMMAND INFO (over RESP3, where both arrive as
// maps) into catalog rows: one per command and subcommand, sorted by name.

import { encodeCommand, RespReader, type RespValue } from "../redis/mod.ts";
import type {
  BeginSearch,
  CatalogArgument,
  CatalogCommand,
  FindKeys,
  KeySpec,
} from "../redis/commands/catalog_types.ts";

/** What the server said, read once. */
export interface ServerCatalog {
  version: string;
  commands: CatalogCommand[];
}

async function request(conn: Deno.Conn, reader: RespReader, argv: string[]): Promise<RespValue> {
  await conn.write(encodeCommand(argv));
  const buffer = new Uint8Array(65536);
  for (;;) {
    const reply = reader.next();
    if (reply !== undefined) {
      if (reply instanceof Error) throw reply;
      return reply;
    }
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`redis-server closed the connection during ${argv.join(" ")}`);
    reader.feed(buffer.subarray(0, n));
  }
}

function field(map: RespValue | undefined, key: string): RespValue | undefined {
  if (!(map instanceof Map)) throw new TypeError(`Expected a map, got ${typeof map}`);
  return map.get(key);
}

function text(value: RespValue | undefined): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function list(value: RespValue | undefined): RespValue[] {
  if (value === undefined || value === null) return [];
  if (value instanceof Set) return [...value];
  if (!Array.isArray(value)) throw new TypeError(`Expected an array, got ${typeof value}`);
  return value;
}

function num(value: RespValue | undefined): number {
  return Number(value);
}

function argument(raw: RespValue): CatalogArgument {
  const token = text(field(raw, "token"));
  const since = text(field(raw, "since"));
  const deprecatedSince = text(field(raw, "deprecated_since"));
  const keySpec = field(raw, "key_spec_index");
  const parts = list(field(raw, "arguments")).map(argument);
  return {
    name: String(field(raw, "name")),
    type: String(field(raw, "type")),
    ...(token !== undefined && { token }),
    flags: list(field(raw, "flags")).map(String),
    ...(keySpec !== undefined && keySpec !== null && { keySpecIndex: num(keySpec) }),
    ...(since !== undefined && { since }),
    ...(deprecatedSince !== undefined && { deprecatedSince }),
    ...(parts.length > 0 && { arguments: parts }),
  };
}

function beginSearch(raw: RespValue | undefined): BeginSearch {
  const type = String(field(raw, "type"));
  const spec = field(raw, "spec");
  if (type === "index") return { type, index: num(field(spec, "index")) };
  if (type === "keyword") {
    return {
      type,
      keyword: String(field(spec, "keyword")),
      startFrom: num(field(spec, "startfrom")),
    };
  }
  return { type: "unknown" };
}

function findKeys(raw: RespValue | undefined): FindKeys {
  const type = String(field(raw, "type"));
  const spec = field(raw, "spec");
  if (type === "range") {
    return {
      type,
      lastKey: num(field(spec, "lastkey")),
      keyStep: num(field(spec, "keystep")),
      limit: num(field(spec, "limit")),
    };
  }
  if (type === "keynum") {
    return {
      type,
      keyNumIndex: num(field(spec, "keynumidx")),
      firstKey: num(field(spec, "firstkey")),
      keyStep: num(field(spec, "keystep")),
    };
  }
  return { type: "unknown" };
}

function keySpec(raw: RespValue): KeySpec {
  const notes = text(field(raw, "notes"));
  return {
    flags: list(field(raw, "flags")).map(String),
    beginSearch: beginSearch(field(raw, "begin_search")),
    findKeys: findKeys(field(raw, "find_keys")),
    ...(notes !== undefined && { notes }),
  };
}

interface InfoRow {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  keyStep: number;
  aclCategories: string[];
  tips: string[];
  keySpecs: KeySpec[];
}

function collectInfo(rows: RespValue[], into: Map<string, InfoRow>): void {
  for (const row of rows) {
    const [name, arity, flags, first, last, step, acl, tips, specs, subcommands] = list(row);
    into.set(String(name), {
      arity: num(arity),
      flags: list(flags).map(String),
      firstKey: num(first),
      lastKey: num(last),
      keyStep: num(step),
      aclCategories: list(acl).map(String),
      tips: list(tips).map(String),
      keySpecs: list(specs).map(keySpec),
    });
    collectInfo(list(subcommands), into);
  }
}

function command(
  name: string,
  raw: RespValue,
  info: Map<string, InfoRow>,
  container: string | undefined,
): CatalogCommand {
  const row = info.get(name);
  if (row === undefined) throw new Error(`COMMAND INFO has no "${name}"`);
  const subcommands = field(raw, "subcommands");
  const complexity = text(field(raw, "complexity"));
  const deprecatedSince = text(field(raw, "deprecated_since"));
  const replacedBy = text(field(raw, "replaced_by"));
  const docFlags = list(field(raw, "doc_flags")).map(String);
  return {
    name,
    ...(container !== undefined && { container }),
    group: String(field(raw, "group") ?? ""),
    since: String(field(raw, "since") ?? ""),
    summary: String(field(raw, "summary") ?? ""),
    ...(complexity !== undefined && { complexity }),
    ...(deprecatedSince !== undefined && { deprecatedSince }),
    ...(replacedBy !== undefined && { replacedBy }),
    ...(docFlags.length > 0 && { docFlags }),
    arity: row.arity,
    flags: row.flags,
    firstKey: row.firstKey,
    lastKey: row.lastKey,
    keyStep: row.keyStep,
    aclCategories: row.aclCategories,
    tips: row.tips,
    keySpecs: row.keySpecs,
    arguments: list(field(raw, "arguments")).map(argument),
    ...(subcommands instanceof Map && {
      subcommands: [...subcommands.keys()].map(String).sort(),
    }),
  };
}

/**
 * Reads COMMAND DOCS and COMMAND INFO from the redis-server at `port`.
 *
 * @param port A redis-server's port on 127.0.0.1.
 * @returns Every command and subcommand, sorted by name, and the server's version.
 */
export async function readServerCatalog(port: number): Promise<ServerCatalog> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const reader = new RespReader();
    await request(conn, reader, ["HELLO", "3"]);
    const server = String(await request(conn, reader, ["INFO", "server"]));
    const version = /redis_version:([^\r\n]+)/.exec(server)?.[1] ?? "unknown";
    const docs = await request(conn, reader, ["COMMAND", "DOCS"]);
    const info = new Map<string, InfoRow>();
    collectInfo(list(await request(conn, reader, ["COMMAND", "INFO"])), info);
    if (!(docs instanceof Map)) throw new TypeError("COMMAND DOCS did not return a map");
    const commands: CatalogCommand[] = [];
    for (const [name, raw] of docs) {
      commands.push(command(String(name), raw, info, undefined));
      const subcommands = field(raw, "subcommands");
      if (subcommands instanceof Map) {
        for (const [sub, subRaw] of subcommands) {
          commands.push(command(String(sub), subRaw, info, String(name)));
        }
      }
    }
    commands.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return { version, commands };
  } finally {
    conn.close();
  }
}
