/**
 * dray's Redis client, RESP2 and RESP3, after hiredis's `async.c`.
 *
 * - {@linkcode connect} and {@linkcode RedisClient}: one connection, the handshake (HELLO 3 with
 *   a RESP2 fallback, AUTH, SETNAME, SELECT), auto-pipelining with a bounded write buffer,
 *   {@linkcode Pipeline} and {@linkcode Transaction}, close versus destroy, per-command
 *   `timeoutMs` and `signal`. Typed command methods for every Redis 7.0 command.
 * - Pub/sub ({@linkcode RedisClient.subscribe}, {@linkcode Subscription}), `MONITOR`
 *   ({@linkcode Monitor}) and client-side caching ({@linkcode ClientCache}).
 * - Cluster ({@linkcode connectCluster}), Sentinel ({@linkcode connectSentinel}) and a pool of
 *   dedicated connections ({@linkcode createPool}) for blocking commands and WATCH.
 * - Tracing through `node:diagnostics_channel`, a debug log, `keyPrefix` (see `docs/observability.md`).
 * - {@linkcode connectTransport}: the byte stream, over `Deno.connect` or the native shim.
 * - {@linkcode RespReader}, {@linkcode RespWriter}, {@linkcode encodeCommand}: the codec.
 * - The engine underneath (`Context`, `Connection`, `Handshake`) is in `@dray/dray/redis/protocol`;
 *   the command-family classes and the command catalog in `@dray/dray/redis/commands`.
 * - {@linkcode RedisError} and its subclasses: {@linkcode ReplyError} (`code`),
 *   {@linkcode ProtocolError}, {@linkcode ConnectionClosedError}, {@linkcode ConnectError},
 *   {@linkcode HandshakeError}, {@linkcode TimeoutError}, {@linkcode AbortError},
 *   {@linkcode WatchError}, {@linkcode SubscriberOverflowError}.
 *
 * @example A client that is not connected yet
 * ```ts
 * import { ConnectionClosedError, RedisClient } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * await using client = new RedisClient({ url: "redis://localhost:6380/2" });
 * assert.equal(client.db, 2);
 * await assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
 * ```
 *
 * @example Encoding a command and reading its reply
 * ```ts
 * import { encodeCommand, ReplyError, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeCommand(["GET", "missing"]);
 * assert.equal(bytes.length, 26);
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("$-1\r\n-ERR wrong number of arguments\r\n"));
 * assert.equal(reader.next(), null);
 * const error = reader.next();
 * assert.ok(error instanceof ReplyError);
 * assert.equal(error.code, "ERR");
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./resp/mod.ts";
export * from "./transport/mod.ts";
export * from "./client/mod.ts";
export * from "./observe/mod.ts";
// Cluster: the client, its errors and events, slots and the topology snapshot (the refresh
// scheduler and the reply parsers stay internal).
export * from "./cluster/slot.ts";
export * from "./cluster/errors.ts";
export * from "./cluster/types.ts";
export * from "./cluster/cluster_client.ts";
export * from "./cluster/cluster_pipeline.ts";
export * from "./cluster/cluster_transaction.ts";
export * from "./cluster/cluster_subscription.ts";
export type { ClusterCommandOptions } from "./cluster/_core.ts";
export {
  type ClusterNode,
  type NodeHealth,
  type Shard,
  type ShardInit,
  SlotMap,
  type TopologyOrigin,
} from "./cluster/topology.ts";
export type { Redirect } from "./cluster/redirect.ts";
export type { RefreshSchedulerOptions } from "./cluster/refresh.ts";
export * from "./sentinel/mod.ts";
export * from "./pool/mod.ts";
export type { PubSubKind } from "./context/types.ts";
// Scripts, and the option and reply types of the typed commands. The command-family classes,
// the catalog and `classify`/`keys` are in `@dray/dray/redis/commands`.
export { DefinedScript, defineScript, Script, withScripts } from "./commands/mod.ts";
export type {
  AclLogEntry,
  AclLogOptions,
  AclLogReply,
  AclUser,
  BitCountOptions,
  BitfieldEncoding,
  BitfieldGet,
  BitfieldOffset,
  BitfieldOperation,
  BitPosOptions,
  BitUnit,
  BulkString,
  ClientKillFilters,
  ClientListOptions,
  ClientTrackingOptions,
  ClusterShard,
  ClusterSlotRange,
  CommandDocsEntry,
  CommandInfoEntry,
  CommandListOptions,
  CommandOptions,
  ConfigGetOptions,
  ConfigReply,
  CopyOptions,
  DocumentValue,
  Entries,
  ExpireOptions,
  ExpiryOptions,
  FailoverOptions,
  FlushOptions,
  FunctionLibrary,
  FunctionLoadOptions,
  FunctionStats,
  GeoAddOptions,
  GeoFrom,
  GeoMember,
  GeoOrderOptions,
  GeoPoint,
  GeoRadiusOptions,
  GeoRadiusReply,
  GeoSearchOptions,
  GeoSearchStoreOptions,
  GeoShape,
  GeoUnit,
  GetExOptions,
  GroupStreamEntry,
  HashOptions,
  HashReply,
  HRandFieldOptions,
  HRandFieldReply,
  InfoOptions,
  InfoReply,
  IntegerOptions,
  IntegerReply,
  InterCardOptions,
  KeyedElement,
  KeyedElements,
  KeyedScoredMember,
  KeyedScoredMembers,
  KeyScanOptions,
  KeyWithFlags,
  LatencyHistogram,
  LatencyLatest,
  LatencySample,
  LcsMatches,
  ListEnd,
  LPosOptions,
  LPosReply,
  MemoryStats,
  MigrateOptions,
  ModuleLoadexOptions,
  NoOptions,
  OneOrMany,
  PopOptions,
  PopReply,
  RedisInteger,
  RoleReply,
  RunScriptOptions,
  ScanOptions,
  ScanPage,
  ScoredMember,
  ScriptArguments,
  ScriptCallOptions,
  ScriptDefinition,
  ScriptMethods,
  ScriptRunner,
  SetOptions,
  SetPickReply,
  SetReply,
  SlotRange,
  SlotState,
  SlowlogEntry,
  SortOptions,
  SortReply,
  SortStoreOptions,
  Spread,
  StreamEntry,
  StreamTrim,
  TrackingInfo,
  WithScoresOptions,
  XAddOptions,
  XAutoClaimOptions,
  XAutoClaimReply,
  XClaimMoreOptions,
  XClaimOptions,
  XClaimReply,
  XGroupOptions,
  XPendingEntry,
  XPendingOptions,
  XPendingReply,
  XPendingSummary,
  XReadGroupOptions,
  XReadOptions,
  ZAddOptions,
  ZCombineOptions,
  ZRandMemberOptions,
  ZRandMemberReply,
  ZRangeByLexOptions,
  ZRangeByScoreOptions,
  ZRangeOptions,
  ZRangeReply,
} from "./commands/mod.ts";
