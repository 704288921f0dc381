// The reply shape of every command whose method is generated. Redis 7.0's COMMAND DOCS has no
// reply schema (that arrived in 7.2), so these are declared here, by hand, from the command
// reference; the coverage test checks each against what the server actually sends, in RESP2 and
// RESP3. The generator turns each kind into a return type and a normaliser:
//
//   ok     "OK"                          str    string (status, bulk or verbatim text)
//   bulk   string | null                 strs   string[]
//   bulks  (string | null)[]             int    number (RangeError past 2^53)
//   intn   number | null                 bool   boolean (an integer 0 or 1)
//   dbln   number | null (a double)      data   BulkString<O> | null (user data: bytes with
//                                               returnBuffers; fixed-arity commands only)
//   any    RespValue: debugging and replication internals (left open)
//
// and one kind per document reply (`aclUser`, `role`, `slowlog`, …): a type of its own in
// reply_documents.ts and a decoder in _reply_documents.ts.

/** How a generated method's reply is typed and normalised. */
export type ReplyKind =
  | "ok"
  | "str"
  | "bulk"
  | "strs"
  | "bulks"
  | "int"
  | "intn"
  | "bool"
  | "dbln"
  | "data"
  | "aclUser"
  | "aclLog"
  | "trackingInfo"
  | "rows"
  | "clusterShards"
  | "clusterSlots"
  | "commandDocs"
  | "commandInfo"
  | "keysWithFlags"
  | "functionList"
  | "functionStats"
  | "latencyHistogram"
  | "latencyLatest"
  | "latencyHistory"
  | "memoryStats"
  | "role"
  | "slowlog"
  | "counts"
  | "positions"
  | "geoMembers"
  | "geoMembersOrCount"
  | "lcs"
  | "integersOrNull"
  | "any";

const KINDS: Record<ReplyKind, string> = {
  ok: "aclLoad aclSave aclSetuser asking clientCaching clientNoEvict clientPause clientSetname " +
    "clientTracking clientUnpause clusterAddslots clusterAddslotsrange clusterDelslots " +
    "clusterDelslotsrange clusterFailover clusterFlushslots clusterForget clusterMeet " +
    "clusterReplicate clusterReset clusterSaveconfig clusterSetConfigEpoch clusterSetslot " +
    "configResetstat configRewrite failover functionDelete functionFlush functionKill " +
    "functionRestore hmset memoryPurge moduleLoad moduleLoadex moduleUnload pfmerge pfselftest " +
    "psetex readonly readwrite restore restoreAsking save scriptKill setex slowlogReset swapdb " +
    "unwatch watch xsetid shutdown",
  str: "aclDryrun aclGenpass aclWhoami bgrewriteaof bgsave clientInfo clientList " +
    "clusterBumpepoch clusterInfo clusterMyid clusterNodes latencyDoctor latencyGraph lolwut " +
    "memoryDoctor memoryMallocStats migrate replicaof slaveof",
  bulk: "clientGetname objectEncoding",
  strs: "aclCat aclHelp aclList aclUsers clientHelp clusterGetkeysinslot clusterHelp " +
    "clusterReplicas clusterSlaves commandGetkeys commandHelp commandList configHelp " +
    "functionHelp latencyHelp memoryHelp moduleHelp objectHelp pubsubChannels pubsubHelp " +
    "pubsubShardchannels scriptHelp slowlogHelp time xgroupHelp xinfoHelp",
  bulks: "geohash",
  int: "aclDeluser bitcount bitop bitpos clientGetredir clientId clusterCountFailureReports " +
    "clusterCountkeysinslot clusterKeyslot commandCount geoadd geosearchstore getbit lastsave " +
    "latencyReset pfcount publish pubsubNumpat setbit " +
    "slowlogLen spublish wait",
  intn: "memoryUsage objectFreq objectIdletime objectRefcount",
  bool: "clientUnblock move pfadd setnx",
  dbln: "geodist",
  data: "brpoplpush dump functionDump getset rpoplpush substr",
  aclUser: "aclGetuser",
  aclLog: "aclLog",
  trackingInfo: "clientTrackinginfo",
  rows: "clusterLinks moduleList",
  clusterShards: "clusterShards",
  clusterSlots: "clusterSlots",
  commandDocs: "commandDocs",
  commandInfo: "commandInfo",
  keysWithFlags: "commandGetkeysandflags",
  functionList: "functionList",
  functionStats: "functionStats",
  latencyHistogram: "latencyHistogram",
  latencyLatest: "latencyLatest",
  latencyHistory: "latencyHistory",
  memoryStats: "memoryStats",
  role: "role",
  slowlog: "slowlogGet",
  counts: "pubsubNumsub pubsubShardnumsub",
  positions: "geopos",
  geoMembers: "geosearch georadiusRo georadiusbymemberRo",
  geoMembersOrCount: "georadius georadiusbymember",
  lcs: "lcs",
  integersOrNull: "bitfield bitfieldRo",
  any: "debug pfdebug replconf",
};

/** Why the `any` replies stay open. */
export const OPEN_REPLY_REASONS: Readonly<Record<string, string>> = {
  internal: "debugging and replication internals whose reply depends on the subcommand and is " +
    "not documented as an interface: debug pfdebug replconf",
};

/** The reply kind of each generated method, by method name. */
export const REPLY_KINDS: ReadonlyMap<string, ReplyKind> = new Map(
  (Object.entries(KINDS) as [ReplyKind, string][]).flatMap(([kind, names]) =>
    names.split(" ").map((name) => [name, kind] as [string, ReplyKind])
  ),
);
