// The reply types of the generated methods whose replies are documents (maps of maps, rows of
// fields): one shape in RESP2 and RESP3, decoded by _reply_documents.ts. Field names are the
// server's, in camel case.

import type { CatalogArgument, KeySpec } from "./catalog_types.ts";

/**
 * A field value of a loosely structured row (`CLUSTER LINKS`, `CLUSTER SHARDS` nodes, module
 * lists): text, a number, or a list of them.
 *
 * @example
 * ```ts
 * import type { DocumentValue } from "@dray/dray/redis";
 * const value: DocumentValue = ["a", 1];
 * ```
 */
export type DocumentValue = string | number | null | DocumentValue[];

/**
 * `ACL GETUSER`: a user's rules.
 *
 * @example
 * ```ts
 * import type { AclUser } from "@dray/dray/redis";
 * const user: AclUser = {
 *   flags: ["on", "nopass"],
 *   passwords: [],
 *   commands: "+@all",
 *   keys: "~*",
 *   channels: "&*",
 *   selectors: [],
 * };
 * ```
 */
export interface AclUser {
  /** `on`/`off`, `nopass`, … */
  flags: string[];
  /** SHA-256 hashes of its passwords. */
  passwords: string[];
  /** Its command rules, e.g. `+@all`. */
  commands: string;
  /** Its key patterns, e.g. `~*`. */
  keys: string;
  /** Its channel patterns, e.g. `&*`. */
  channels: string;
  /** Its selectors, each a map of rule names to rules. */
  selectors: Record<string, DocumentValue>[];
}

/**
 * One entry of `ACL LOG`.
 *
 * @example
 * ```ts
 * import type { AclLogEntry } from "@dray/dray/redis";
 * const entry: AclLogEntry = {
 *   count: 1,
 *   reason: "auth",
 *   context: "toplevel",
 *   object: "AUTH",
 *   username: "someone",
 *   ageSeconds: 0.5,
 *   clientInfo: "id=4 addr=127.0.0.1:5000",
 * };
 * ```
 */
export interface AclLogEntry {
  /** How many times this event happened. */
  count: number;
  /** `auth`, `command`, `key`, `channel`. */
  reason: string;
  /** `toplevel`, `multi`, `lua`, `module`. */
  context: string;
  /** The command, key or channel refused. */
  object: string;
  /** The user. */
  username: string;
  /** Seconds since the last time it happened. */
  ageSeconds: number;
  /** `CLIENT INFO` of the client it happened to. */
  clientInfo: string;
}

/**
 * `CLIENT TRACKINGINFO`: the connection's client-side caching state.
 *
 * @example
 * ```ts
 * import type { TrackingInfo } from "@dray/dray/redis";
 * const info: TrackingInfo = { flags: ["off"], redirect: -1, prefixes: [] };
 * ```
 */
export interface TrackingInfo {
  /** `off`, `on`, `bcast`, `optin`, `optout`, `caching-yes`, `noloop`, … */
  flags: string[];
  /** The client id invalidations go to: 0 for this one, -1 when tracking is off. */
  redirect: number;
  /** The prefixes of broadcasting mode. */
  prefixes: string[];
}

/**
 * One range of `CLUSTER SLOTS`.
 *
 * @example
 * ```ts
 * import type { ClusterSlotRange } from "@dray/dray/redis";
 * const range: ClusterSlotRange = {
 *   start: 0,
 *   end: 5460,
 *   nodes: [{ host: "127.0.0.1", port: 7000, id: "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca" }],
 * };
 * ```
 */
export interface ClusterSlotRange {
  /** The first slot. */
  start: number;
  /** The last slot (inclusive). */
  end: number;
  /** The master first, then its replicas. */
  nodes: { host: string; port: number; id: string }[];
}

/**
 * One shard of `CLUSTER SHARDS`.
 *
 * @example
 * ```ts
 * import type { ClusterShard } from "@dray/dray/redis";
 * const shard: ClusterShard = { slots: [0, 5460], nodes: [{ port: 7000, role: "master" }] };
 * ```
 */
export interface ClusterShard {
  /** Slot ranges as pairs of start and end, flattened. */
  slots: number[];
  /** Its nodes, each a map of field names (`id`, `port`, `ip`, `role`, `health`, …). */
  nodes: Record<string, DocumentValue>[];
}

/**
 * A command of `COMMAND DOCS`, keyed by its name in the reply.
 *
 * @example
 * ```ts
 * import type { CommandDocsEntry } from "@dray/dray/redis";
 * const get: CommandDocsEntry = {
 *   summary: "Get the value of a key",
 *   since: "1.0.0",
 *   group: "string",
 *   arguments: [{ name: "key", type: "key", flags: [], keySpecIndex: 0 }],
 * };
 * ```
 */
export interface CommandDocsEntry {
  /** One line. */
  summary: string;
  /** The version that added it. */
  since: string;
  /** Its group (`string`, `server`, …). */
  group: string;
  /** Its time complexity. */
  complexity?: string;
  /** `deprecated`, `syscmd`. */
  docFlags?: string[];
  /** The version that deprecated it. */
  deprecatedSince?: string;
  /** What replaces it. */
  replacedBy?: string;
  /** Changes: `[version, description]`. */
  history?: [string, string][];
  /** Its argument grammar. */
  arguments?: CatalogArgument[];
  /** Its subcommands, by full name (`client|list`). */
  subcommands?: Record<string, CommandDocsEntry>;
}

/**
 * A command of `COMMAND INFO` (or `null` for an unknown name in the reply).
 *
 * @example
 * ```ts
 * import type { CommandInfoEntry } from "@dray/dray/redis";
 * const get: CommandInfoEntry = {
 *   name: "get",
 *   arity: 2,
 *   flags: ["readonly", "fast"],
 *   firstKey: 1,
 *   lastKey: 1,
 *   keyStep: 1,
 *   aclCategories: ["@read", "@string", "@fast"],
 *   tips: [],
 *   keySpecs: [],
 *   subcommands: [],
 * };
 * ```
 */
export interface CommandInfoEntry {
  /** Its name (`client|list` for a subcommand). */
  name: string;
  /** Its arity (negative: at least). */
  arity: number;
  /** `write`, `readonly`, `blocking`, … */
  flags: string[];
  /** The first key's position (legacy key range). */
  firstKey: number;
  /** The last key's position (negative: from the end). */
  lastKey: number;
  /** The step between keys. */
  keyStep: number;
  /** `@read`, `@string`, … */
  aclCategories: string[];
  /** `request_policy:…`, `response_policy:…`, `nondeterministic_output`. */
  tips: string[];
  /** Its key specs. */
  keySpecs: KeySpec[];
  /** Its subcommands. */
  subcommands: CommandInfoEntry[];
}

/**
 * A key of `COMMAND GETKEYSANDFLAGS` with its key-spec flags.
 *
 * @example
 * ```ts
 * import type { KeyWithFlags } from "@dray/dray/redis";
 * const key: KeyWithFlags = { key: "a", flags: ["OW", "update"] };
 * ```
 */
export interface KeyWithFlags {
  /** The key. */
  key: string;
  /** `RO`, `RW`, `OW`, `RM`, `access`, `update`, `insert`, `delete`, … */
  flags: string[];
}

/**
 * A library of `FUNCTION LIST`.
 *
 * @example
 * ```ts
 * import type { FunctionLibrary } from "@dray/dray/redis";
 * const library: FunctionLibrary = {
 *   libraryName: "mylib",
 *   engine: "LUA",
 *   functions: [{ name: "echo1", description: null, flags: [] }],
 * };
 * ```
 */
export interface FunctionLibrary {
  /** Its name. */
  libraryName: string;
  /** `LUA`. */
  engine: string;
  /** Its functions. */
  functions: { name: string; description: string | null; flags: string[] }[];
  /** Its source, with `WITHCODE`. */
  libraryCode?: string;
}

/**
 * `FUNCTION STATS`.
 *
 * @example
 * ```ts
 * import type { FunctionStats } from "@dray/dray/redis";
 * const stats: FunctionStats = {
 *   runningScript: null,
 *   engines: { LUA: { librariesCount: 0, functionsCount: 0 } },
 * };
 * ```
 */
export interface FunctionStats {
  /** The function running now, if any. */
  runningScript: { name: string; command: string[]; durationMs: number } | null;
  /** Per engine, how many libraries and functions are loaded. */
  engines: Record<string, { librariesCount: number; functionsCount: number }>;
}

/**
 * `LATENCY HISTOGRAM`: per command, its calls and a histogram of latencies (bucket upper bound
 * in microseconds → calls).
 *
 * @example
 * ```ts
 * import type { LatencyHistogram } from "@dray/dray/redis";
 * const histogram: LatencyHistogram = { set: { calls: 3, histogramUsec: { 2: 1, 4: 2 } } };
 * ```
 */
export type LatencyHistogram = Record<
  string,
  { calls: number; histogramUsec: Record<string, number> }
>;

/**
 * A row of `LATENCY LATEST`.
 *
 * @example
 * ```ts
 * import type { LatencyLatest } from "@dray/dray/redis";
 * const row: LatencyLatest = { event: "command", timestamp: 1700000000, latestMs: 10, maxMs: 12 };
 * ```
 */
export interface LatencyLatest {
  /** The event. */
  event: string;
  /** When it last happened (Unix seconds). */
  timestamp: number;
  /** Its latest latency. */
  latestMs: number;
  /** Its largest latency. */
  maxMs: number;
}

/**
 * A sample of `LATENCY HISTORY`.
 *
 * @example
 * ```ts
 * import type { LatencySample } from "@dray/dray/redis";
 * const sample: LatencySample = { timestamp: 1700000000, latencyMs: 10 };
 * ```
 */
export interface LatencySample {
  /** When (Unix seconds). */
  timestamp: number;
  /** How long. */
  latencyMs: number;
}

/**
 * `MEMORY STATS`: numbers by name (`peak.allocated`, `dataset.percentage`, …), and per database
 * (`db.0`) a map of its overheads.
 *
 * @example
 * ```ts
 * import type { MemoryStats } from "@dray/dray/redis";
 * const stats: MemoryStats = { "peak.allocated": 1211184, "db.0": { "overhead.hashtable.main": 192 } };
 * ```
 */
export type MemoryStats = Record<string, number | Record<string, number>>;

/**
 * `ROLE`: a master with its replicas, a replica with its master, or a sentinel with its masters.
 *
 * @example
 * ```ts
 * import type { RoleReply } from "@dray/dray/redis";
 * const role: RoleReply = { role: "master", offset: 0, replicas: [] };
 * ```
 */
export type RoleReply =
  | {
    role: "master";
    offset: number;
    replicas: { host: string; port: number; offset: number }[];
  }
  | { role: "slave"; host: string; port: number; state: string; offset: number }
  | { role: "sentinel"; masters: string[] };

/**
 * An entry of `SLOWLOG GET`.
 *
 * @example
 * ```ts
 * import type { SlowlogEntry } from "@dray/dray/redis";
 * const entry: SlowlogEntry = {
 *   id: 1,
 *   timestamp: 1700000000,
 *   durationUs: 12,
 *   args: ["PING"],
 *   client: "127.0.0.1:5000",
 *   clientName: "",
 * };
 * ```
 */
export interface SlowlogEntry {
  /** Its id. */
  id: number;
  /** When (Unix seconds). */
  timestamp: number;
  /** How long it ran, in microseconds. */
  durationUs: number;
  /** The command and its arguments (long ones shortened by the server). */
  args: string[];
  /** The client's address. */
  client: string;
  /** The client's name. */
  clientName: string;
}

/**
 * A member of a geo search (`GEOSEARCH`, `GEORADIUS…`) with what was asked for: `WITHDIST`
 * (`distance`, in the query's unit), `WITHHASH` (`hash`), `WITHCOORD` (`longitude`, `latitude`).
 *
 * @example
 * ```ts
 * import type { GeoMember } from "@dray/dray/redis";
 * const member: GeoMember = { member: "Palermo", distance: 190.4424 };
 * ```
 */
export interface GeoMember {
  /** The member. */
  member: string;
  /** Its distance from the centre, with `WITHDIST`. */
  distance?: number;
  /** Its geohash as a 52-bit integer, with `WITHHASH`. */
  hash?: number;
  /** Its longitude, with `WITHCOORD`. */
  longitude?: number;
  /** Its latitude, with `WITHCOORD`. */
  latitude?: number;
}

/**
 * `LCS … IDX`: the matching ranges `[[start, end] in the first, [start, end] in the second,
 * length?]`, longest first, and the length of the longest common subsequence.
 *
 * @example
 * ```ts
 * import type { LcsMatches } from "@dray/dray/redis";
 * const lcs: LcsMatches = { matches: [{ a: [4, 7], b: [5, 8], length: 4 }], len: 6 };
 * ```
 */
export interface LcsMatches {
  /** The matches: ranges in the first and second string, and with `WITHMATCHLEN` the length. */
  matches: { a: [number, number]; b: [number, number]; length?: number }[];
  /** The length of the longest common subsequence. */
  len: number;
}
