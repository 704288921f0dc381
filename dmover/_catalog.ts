// One row per built-in dmover function: what the native entry points need to run it (the op code of
// dray_op4/dray_op12 and how many outputs it writes) and what kind of result its completion
// carries. Backends and the zero-length rule read it here instead of switching on names.

import { OP } from "../native/_dmover_ops.ts";
import type { DmoverFunction } from "./functions.ts";
import type { DmoverRequest } from "./types.ts";

/** What a completion's immediate holds: nothing, a CRC-32C, or an offset (-1 for none). */
export type ResultKind = "none" | "crc" | "offset";

/** A built-in function's row. */
export interface CatalogRow {
  /** The op code of the shim's generic entry point, or -1 for none (the xorN functions). */
  readonly op: number;
  /** How many outputs the op writes (0, 1 or 2). */
  readonly outputs: number;
  /** What the completion carries. */
  readonly result: ResultKind;
}

function row(op: number, outputs: number, result: ResultKind): CatalogRow {
  return Object.freeze({ op, outputs, result });
}

const ROWS: ReadonlyMap<string, CatalogRow> = new Map<string, CatalogRow>([
  ["copy", row(OP.copy, 1, "none")],
  ["zero", row(OP.fill, 1, "none")],
  ["fill8", row(OP.fill, 1, "none")],
  ["iscsi-crc32c", row(OP.crc32c, 0, "crc")],
  ["xor", row(OP.xor, 1, "none")],
  ["compare", row(OP.compare, 0, "offset")],
  ["compare-pattern", row(OP.comparePattern, 0, "offset")],
  ["copy-crc32c", row(OP.copyCrc32c, 1, "crc")],
  ["dualcast", row(OP.dualcast, 2, "none")],
  ["xor-check", row(OP.xorCheck, 0, "offset")],
  ["pq", row(OP.pq, 2, "none")],
  ["pq-recover", row(OP.pqRecover, 2, "none")],
  ...[2, 3, 4, 5, 6, 7, 8].map((n): [string, CatalogRow] => [`xor${n}`, row(OP.xor, 1, "none")]),
]);

/** The row of a built-in function, or undefined for a registered one. */
export function catalogRow(name: string): CatalogRow | undefined {
  return ROWS.get(name);
}

/**
 * The completion immediate of a request of length 0, which no backend runs: the seed for a CRC
 * (the CRC of nothing), -1 for a comparison (no difference), else nothing. A registered function
 * that returns an immediate gets -1.
 */
export function emptyResult(fn: DmoverFunction, request: DmoverRequest): number | undefined {
  if (!fn.immediateOut) return undefined;
  const kind = ROWS.get(fn.name)?.result ?? "offset";
  if (kind !== "crc") return -1;
  const seed = request.immediate ?? fn.immediateIn?.default ?? 0;
  return Number(seed);
}
