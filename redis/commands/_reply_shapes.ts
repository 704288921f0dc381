// The normalisers of the generated methods' replies, one per reply kind (see _reply_kinds.ts):
// each gives one shape in RESP2 and RESP3, and throws a TypeError on a reply of another shape.

import type { RespValue } from "../resp/types.ts";
import type { ReplyKind } from "./_reply_kinds.ts";
import { array, bool, integer, scoreOrNull, text, unexpected } from "./_replies.ts";
import * as documents from "./_reply_documents.ts";

function ok(value: RespValue): "OK" {
  if (value === "OK") return "OK";
  throw unexpected('"OK"', value);
}

function bulk(value: RespValue): string | null {
  return value === null ? null : text(value);
}

function strs(value: RespValue): string[] {
  return array(value).map(text);
}

function bulks(value: RespValue): (string | null)[] {
  return array(value).map(bulk);
}

function int(value: RespValue): number {
  return integer(value, false) as number;
}

function intn(value: RespValue): number | null {
  return value === null ? null : int(value);
}

function boolean(value: RespValue): boolean {
  if (value === 0 || value === 1 || typeof value === "boolean") return bool(value);
  throw unexpected("0 or 1", value);
}

function data(value: RespValue): string | Uint8Array | null {
  if (value === null || typeof value === "string" || value instanceof Uint8Array) return value;
  throw unexpected("a bulk string", value);
}

/** The normaliser of each reply kind. */
export const REPLY: { readonly [K in ReplyKind]: (value: RespValue) => unknown } = {
  ok,
  str: text,
  bulk,
  strs,
  bulks,
  int,
  intn,
  bool: boolean,
  dbln: scoreOrNull,
  data,
  aclUser: documents.aclUser,
  trackingInfo: documents.trackingInfo,
  rows: documents.rows,
  clusterShards: documents.clusterShards,
  clusterSlots: documents.clusterSlots,
  commandDocs: documents.commandDocs,
  commandInfo: documents.commandInfo,
  functionList: documents.functionList,
  functionStats: documents.functionStats,
  latencyHistogram: documents.latencyHistogram,
  latencyLatest: documents.latencyLatest,
  latencyHistory: documents.latencyHistory,
  memoryStats: documents.memoryStats,
  role: documents.role,
  slowlog: documents.slowlog,
  counts: documents.counts,
  positions: documents.positions,
  lcs: documents.lcs,
};
