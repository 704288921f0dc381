// Decoders of the document replies (types in reply_documents.ts): each reads RESP3's maps and
// sets and RESP2's flat arrays alike, so both protocols give one shape, and refuses any other
// shape with a TypeError.

import type { RespValue } from "../resp/types.ts";
import type { BeginSearch, CatalogArgument, FindKeys, KeySpec } from "./catalog_types.ts";
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
import { array, integer, record, score, text, unexpected } from "./_replies.ts";

function int(value: RespValue | undefined): number {
  return integer(value ?? null, false) as number;
}

function strs(value: RespValue | undefined): string[] {
  return array(value ?? null).map(text);
}

function textOrNull(value: RespValue | undefined): string | null {
  return value === null || value === undefined ? null : text(value);
}

/** A scalar or a list of scalars, as text and numbers. */
function plain(value: RespValue): DocumentValue {
  if (value === null) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return int(value);
  if (Array.isArray(value) || value instanceof Set) return array(value).map(plain);
  return text(value);
}

function plainRecord(value: RespValue): Record<string, DocumentValue> {
  const out: Record<string, DocumentValue> = {};
  for (const [k, v] of Object.entries(record(value))) out[k] = plain(v);
  return out;
}

function field(fields: Record<string, RespValue>, name: string): RespValue {
  const value = fields[name];
  if (value === undefined) throw unexpected(`a field "${name}"`, "nothing");
  return value;
}

export function aclUser(value: RespValue): AclUser | null {
  if (value === null) return null;
  const f = record(value);
  return {
    flags: strs(field(f, "flags")),
    passwords: strs(field(f, "passwords")),
    commands: text(field(f, "commands")),
    keys: text(field(f, "keys")),
    channels: text(field(f, "channels")),
    selectors: array(f.selectors ?? []).map(plainRecord),
  };
}

export function aclLog(value: RespValue): AclLogEntry[] | "OK" {
  if (value === "OK") return "OK";
  return array(value).map((row) => {
    const f = record(row);
    return {
      count: int(field(f, "count")),
      reason: text(field(f, "reason")),
      context: text(field(f, "context")),
      object: text(field(f, "object")),
      username: text(field(f, "username")),
      ageSeconds: score(field(f, "age-seconds")),
      clientInfo: text(field(f, "client-info")),
    };
  });
}

export function trackingInfo(value: RespValue): TrackingInfo {
  const f = record(value);
  return {
    flags: strs(field(f, "flags")),
    redirect: int(field(f, "redirect")),
    prefixes: strs(field(f, "prefixes")),
  };
}

export function rows(value: RespValue): Record<string, DocumentValue>[] {
  return array(value).map(plainRecord);
}

export function clusterShards(value: RespValue): ClusterShard[] {
  return array(value).map((shard) => {
    const f = record(shard);
    return { slots: array(field(f, "slots")).map(int), nodes: rows(field(f, "nodes")) };
  });
}

export function clusterSlots(value: RespValue): ClusterSlotRange[] {
  return array(value).map((range) => {
    const [start, end, ...nodes] = array(range);
    return {
      start: int(start),
      end: int(end),
      nodes: nodes.map((node) => {
        const [host, port, id] = array(node);
        return { host: text(host ?? null), port: int(port), id: text(id ?? null) };
      }),
    };
  });
}

function argument(value: RespValue): CatalogArgument {
  const f = record(value);
  const out: {
    -readonly [K in keyof CatalogArgument]: CatalogArgument[K];
  } = { name: text(field(f, "name")), type: text(field(f, "type")), flags: strs(f.flags ?? []) };
  if (f.token !== undefined) out.token = text(f.token);
  if (f.key_spec_index !== undefined) out.keySpecIndex = int(f.key_spec_index);
  if (f.since !== undefined) out.since = text(f.since);
  if (f.deprecated_since !== undefined) out.deprecatedSince = text(f.deprecated_since);
  if (f.arguments !== undefined) out.arguments = array(f.arguments).map(argument);
  return out;
}

function commandDocsEntry(value: RespValue): CommandDocsEntry {
  const f = record(value);
  const out: CommandDocsEntry = {
    summary: text(field(f, "summary")),
    since: text(field(f, "since")),
    group: text(field(f, "group")),
  };
  if (f.complexity !== undefined) out.complexity = text(f.complexity);
  if (f.doc_flags !== undefined) out.docFlags = strs(f.doc_flags);
  if (f.deprecated_since !== undefined) out.deprecatedSince = text(f.deprecated_since);
  if (f.replaced_by !== undefined) out.replacedBy = text(f.replaced_by);
  if (f.history !== undefined) {
    out.history = array(f.history).map((pair) => {
      const [version, change] = array(pair);
      return [text(version ?? null), text(change ?? null)];
    });
  }
  if (f.arguments !== undefined) out.arguments = array(f.arguments).map(argument);
  if (f.subcommands !== undefined) out.subcommands = commandDocs(f.subcommands);
  return out;
}

export function commandDocs(value: RespValue): Record<string, CommandDocsEntry> {
  const out: Record<string, CommandDocsEntry> = {};
  for (const [name, doc] of Object.entries(record(value))) out[name] = commandDocsEntry(doc);
  return out;
}

function beginSearch(value: RespValue): BeginSearch {
  const f = record(value);
  const type = text(field(f, "type"));
  const spec = record(field(f, "spec"));
  if (type === "index") return { type, index: int(field(spec, "index")) };
  if (type === "keyword") {
    return {
      type,
      keyword: text(field(spec, "keyword")),
      startFrom: int(field(spec, "startfrom")),
    };
  }
  return { type: "unknown" };
}

function findKeys(value: RespValue): FindKeys {
  const f = record(value);
  const type = text(field(f, "type"));
  const spec = record(field(f, "spec"));
  if (type === "range") {
    return {
      type,
      lastKey: int(field(spec, "lastkey")),
      keyStep: int(field(spec, "keystep")),
      limit: int(field(spec, "limit")),
    };
  }
  if (type === "keynum") {
    return {
      type,
      keyNumIndex: int(field(spec, "keynumidx")),
      firstKey: int(field(spec, "firstkey")),
      keyStep: int(field(spec, "keystep")),
    };
  }
  return { type: "unknown" };
}

function keySpec(value: RespValue): KeySpec {
  const f = record(value);
  const spec: KeySpec = {
    flags: strs(field(f, "flags")),
    beginSearch: beginSearch(field(f, "begin_search")),
    findKeys: findKeys(field(f, "find_keys")),
  };
  return f.notes === undefined ? spec : { ...spec, notes: text(f.notes) };
}

function commandInfoEntry(value: RespValue): CommandInfoEntry {
  const [name, arity, flags, first, last, step, acl, tips, specs, subcommands] = array(value);
  return {
    name: text(name ?? null),
    arity: int(arity),
    flags: strs(flags),
    firstKey: int(first),
    lastKey: int(last),
    keyStep: int(step),
    aclCategories: strs(acl),
    tips: strs(tips),
    keySpecs: array(specs ?? []).map(keySpec),
    subcommands: array(subcommands ?? []).map(commandInfoEntry),
  };
}

export function commandInfo(value: RespValue): (CommandInfoEntry | null)[] {
  return array(value).map((row) => row === null ? null : commandInfoEntry(row));
}

export function keysWithFlags(value: RespValue): KeyWithFlags[] {
  return array(value).map((row) => {
    const [key, flags] = array(row);
    return { key: text(key ?? null), flags: strs(flags) };
  });
}

export function functionList(value: RespValue): FunctionLibrary[] {
  return array(value).map((row) => {
    const f = record(row);
    const library: FunctionLibrary = {
      libraryName: text(field(f, "library_name")),
      engine: text(field(f, "engine")),
      functions: array(field(f, "functions")).map((fn) => {
        const g = record(fn);
        return {
          name: text(field(g, "name")),
          description: textOrNull(g.description),
          flags: strs(g.flags ?? []),
        };
      }),
    };
    if (f.library_code !== undefined) library.libraryCode = text(f.library_code);
    return library;
  });
}

export function functionStats(value: RespValue): FunctionStats {
  const f = record(value);
  const running = field(f, "running_script");
  const engines: FunctionStats["engines"] = {};
  for (const [name, stats] of Object.entries(record(field(f, "engines")))) {
    const g = record(stats);
    engines[name] = {
      librariesCount: int(field(g, "libraries_count")),
      functionsCount: int(field(g, "functions_count")),
    };
  }
  let runningScript: FunctionStats["runningScript"] = null;
  if (running !== null) {
    const g = record(running);
    runningScript = {
      name: text(field(g, "name")),
      command: strs(field(g, "command")),
      durationMs: int(field(g, "duration_ms")),
    };
  }
  return { runningScript, engines };
}

export function latencyHistogram(value: RespValue): LatencyHistogram {
  const out: LatencyHistogram = {};
  for (const [name, stats] of Object.entries(record(value))) {
    const f = record(stats);
    const histogramUsec: Record<string, number> = {};
    for (const [bucket, calls] of Object.entries(record(field(f, "histogram_usec")))) {
      histogramUsec[bucket] = int(calls);
    }
    out[name] = { calls: int(field(f, "calls")), histogramUsec };
  }
  return out;
}

export function latencyLatest(value: RespValue): LatencyLatest[] {
  return array(value).map((row) => {
    const [event, timestamp, latest, max] = array(row);
    return {
      event: text(event ?? null),
      timestamp: int(timestamp),
      latestMs: int(latest),
      maxMs: int(max),
    };
  });
}

export function latencyHistory(value: RespValue): LatencySample[] {
  return array(value).map((row) => {
    const [timestamp, latency] = array(row);
    return { timestamp: int(timestamp), latencyMs: int(latency) };
  });
}

export function memoryStats(value: RespValue): MemoryStats {
  const out: MemoryStats = {};
  for (const [name, stat] of Object.entries(record(value))) {
    if (/^db\.\d+$/.test(name)) {
      const db: Record<string, number> = {};
      for (const [k, v] of Object.entries(record(stat))) db[k] = int(v);
      out[name] = db;
    } else {
      out[name] = score(stat);
    }
  }
  return out;
}

export function role(value: RespValue): RoleReply {
  const [kind, ...rest] = array(value);
  switch (text(kind ?? null)) {
    case "master":
      return {
        role: "master",
        offset: int(rest[0]),
        replicas: array(rest[1] ?? null).map((replica) => {
          const [host, port, offset] = array(replica);
          return {
            host: text(host ?? null),
            port: int(Number(text(port ?? null))),
            offset: int(Number(text(offset ?? null))),
          };
        }),
      };
    case "slave":
      return {
        role: "slave",
        host: text(rest[0] ?? null),
        port: int(rest[1]),
        state: text(rest[2] ?? null),
        offset: int(rest[3]),
      };
    case "sentinel":
      return { role: "sentinel", masters: strs(rest[0]) };
  }
  throw unexpected("a role", kind);
}

export function slowlog(value: RespValue): SlowlogEntry[] {
  return array(value).map((row) => {
    const [id, timestamp, duration, args, client, name] = array(row);
    return {
      id: int(id),
      timestamp: int(timestamp),
      durationUs: int(duration),
      args: strs(args),
      client: text(client ?? null),
      clientName: text(name ?? null),
    };
  });
}

export function counts(value: RespValue): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(record(value))) out[k] = int(v);
  return out;
}

export function positions(value: RespValue): ([longitude: number, latitude: number] | null)[] {
  return array(value).map((pair) => {
    if (pair === null) return null;
    const [longitude, latitude] = array(pair);
    return [score(longitude ?? null), score(latitude ?? null)];
  });
}

function geoMember(value: RespValue): GeoMember {
  if (!Array.isArray(value)) return { member: text(value) };
  const [member, ...extras] = value;
  const out: GeoMember = { member: text(member ?? null) };
  for (const extra of extras) {
    if (Array.isArray(extra)) {
      out.longitude = score(extra[0] ?? null);
      out.latitude = score(extra[1] ?? null);
    } else if (typeof extra === "number" || typeof extra === "bigint") {
      out.hash = int(extra); // WITHHASH: an integer (WITHDIST is a bulk string, even in RESP3)
    } else {
      out.distance = score(extra);
    }
  }
  return out;
}

export function geoMembers(value: RespValue): GeoMember[] {
  return array(value).map(geoMember);
}

export function geoMembersOrCount(value: RespValue): GeoMember[] | number {
  return typeof value === "number" ? value : geoMembers(value);
}

export function lcs(value: RespValue): string | number | LcsMatches {
  if (typeof value === "number") return value;
  if (typeof value === "string" || value instanceof Uint8Array) return text(value);
  const f = record(value);
  return {
    matches: array(field(f, "matches")).map((match) => {
      const [a, b, length] = array(match);
      const [a0, a1] = array(a ?? null).map(int);
      const [b0, b1] = array(b ?? null).map(int);
      const out: LcsMatches["matches"][number] = { a: [a0!, a1!], b: [b0!, b1!] };
      if (length !== undefined) out.length = int(length);
      return out;
    }),
    len: int(field(f, "len")),
  };
}

export function integersOrNull(value: RespValue): (number | null)[] {
  return array(value).map((item) => item === null ? null : int(item));
}
