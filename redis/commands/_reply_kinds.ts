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
  | "trackingInfo"
  | "rows"
  | "clusterShards"
  | "clusterSlots"
  | "commandDocs"
  | "commandInfo"
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
  | "lcs";

const KINDS: Record<ReplyKind, string> = {
  ok: "aclLoad aclSave aclSetuser asking clientCaching clientNoEvict clientPause clientSetname " +
    "clientUnpause clusterAddslots clusterDelslots clusterFailover clusterFlushslots " +
    "clusterForget clusterMeet clusterReplicate clusterReset clusterSaveconfig " +
    "clusterSetConfigEpoch configResetstat configRewrite functionDelete functionFlush " +
    "functionKill functionRestore memoryPurge moduleLoad moduleUnload pfmerge pfselftest " +
    "psetex readonly readwrite restore restoreAsking save scriptKill setex slowlogReset " +
    "swapdb unwatch watch xsetid shutdown",
  str: "aclDryrun aclGenpass aclWhoami bgrewriteaof bgsave clientInfo clusterBumpepoch " +
    "clusterInfo clusterMyid clusterNodes latencyDoctor latencyGraph lolwut memoryDoctor " +
    "memoryMallocStats",
  bulk: "clientGetname objectEncoding",
  strs: "aclCat aclHelp aclList aclUsers clientHelp clusterGetkeysinslot clusterHelp " +
    "clusterReplicas clusterSlaves commandHelp configHelp functionHelp latencyHelp memoryHelp " +
    "moduleHelp objectHelp pubsubChannels pubsubHelp pubsubShardchannels scriptHelp " +
    "slowlogHelp time xgroupHelp xinfoHelp",
  bulks: "geohash",
  int: "aclDeluser bitop clientGetredir clientId clusterCountFailureReports " +
    "clusterCountkeysinslot clusterKeyslot commandCount getbit lastsave latencyReset pfcount " +
    "publish pubsubNumpat setbit slowlogLen spublish wait",
  intn: "memoryUsage objectFreq objectIdletime objectRefcount",
  bool: "clientUnblock move pfadd setnx",
  dbln: "geodist",
  data: "brpoplpush dump functionDump getset rpoplpush substr",
  aclUser: "aclGetuser",
  trackingInfo: "clientTrackinginfo",
  rows: "clusterLinks moduleList",
  clusterShards: "clusterShards",
  clusterSlots: "clusterSlots",
  commandDocs: "commandDocs",
  commandInfo: "commandInfo",
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
  lcs: "lcs",
};

/** The reply kind of each generated method, by method name. */
export const REPLY_KINDS: ReadonlyMap<string, ReplyKind> = new Map(
  (Object.entries(KINDS) as [ReplyKind, string][]).flatMap(([kind, names]) =>
    names.split(" ").map((name) => [name, kind] as [string, ReplyKind])
  ),
);
