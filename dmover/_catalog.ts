// One row per built-in dmover function: what the native entry points need to run it (the op code of
// dray_op4/dray_op12, how many outputs it writes, what its argument words hold), what kind of
// result its completion carries, and the cost model of each built-in backend. Backends, the
// off-thread engine and the zero-length rule read it here instead of switching on names.
//
// Cost models are fitted to one-shot calls from 16 B to 4 KiB (see _model.ts); only their ratios
// matter, since they decide where one backend overtakes another.

import { OP } from "../native/_dmover_ops.ts";
import type { DmoverFunction } from "./functions.ts";
import { byArity, type CostModel } from "./_model.ts";
import { XOR_WORDS_FROM } from "./_ts_xor.ts";
import type { DmoverRequest } from "./types.ts";

/** What a completion's immediate holds: nothing, a CRC-32C, or an offset (-1 for none). */
export type ResultKind = "none" | "crc" | "offset";

/**
 * What the four argument words of the op hold: nothing, the immediate as one word (a seed or a
 * byte), an 8-byte pattern, or a 64-bit mask of lost positions.
 */
export type ArgsKind = "none" | "word" | "pattern" | "lost";

/** A built-in function's row. */
export interface CatalogRow {
  /** The op code of the shim's generic entry point. */
  readonly op: number;
  /** How many outputs the op writes (0, 1 or 2). */
  readonly outputs: number;
  /** What the completion carries. */
  readonly result: ResultKind;
  /** What the argument words hold. */
  readonly args: ArgsKind;
  /** The TypeScript backend's cost of a request of `length` bytes. */
  readonly ts: (length: number) => CostModel;
  /** The native backend's cost; `crcHardware` when CRC-32C runs on the CPU's instruction. */
  readonly native: (crcHardware: boolean) => CostModel;
}

// ---- the TypeScript backend's costs ----
// copy and fill share the native backend's bandwidth (both are memmove/memset); only the fixed
// cost differs. Per input, for xor, xor-check and pq: their cost grows with the number of inputs.
const TS_COPY: CostModel = { overheadNs: 78, gbps: 90 };
const TS_FILL: CostModel = { overheadNs: 74, gbps: 100 };
// CRC-32C one-shots of whole views take the direct ops (_direct.ts) in both backends: refitted
// 2026-12-06 from in-process sweeps, 16 B to 4 KiB (ts 22 ns at 16 B, 2.43 µs at 4 KiB; native
// 29 ns at 16 B, 103 ns at 4 KiB): the crossover is near 32 B.
const TS_CRC32C: CostModel = { overheadNs: 14, gbps: 1.69 };
const TS_COMPARE: CostModel = { overheadNs: 250, gbps: 3.5 };
const TS_COMPARE_PATTERN: CostModel = { overheadNs: 300, gbps: 3.5 };
const TS_COPY_CRC32C: CostModel = { overheadNs: 150, gbps: 1.2 };
const TS_DUALCAST: CostModel = { overheadNs: 363, gbps: 23 };
const TS_PER_INPUT_NS = 0.35; // ns per byte per input of xor, xor-check (word loops)
const TS_PQ_PER_INPUT_NS = 0.9; // ns per byte per data block of pq and pq-recover

/** A typical variadic request of 4 inputs: the estimate only decides between backends by length. */
function tsPerInput(perInput: number): CostModel {
  return { overheadNs: 300 + 40 * 4, gbps: 1 / (perInput * 4) };
}

// xorN has two regimes in TypeScript: a byte loop below XOR_WORDS_FROM bytes, word views above.
// Refitted 2026-12-06 to the direct one-shots of whole views (_direct.ts), 16 B to 4 KiB, xor2,
// xor4 and xor8 (min of 22 interleaved rounds): e.g. xor2 ts 100 ns at 16 B, 758 ns at 4 KiB.
function tsXor(n: number, length: number): CostModel {
  if (length < XOR_WORDS_FROM) {
    return { overheadNs: byArity(n, 73, 115, 250), gbps: 1 / byArity(n, 1.7, 3.6, 6.4) };
  }
  return { overheadNs: byArity(n, 145, 215, 400), gbps: 1 / byArity(n, 0.15, 0.255, 0.42) };
}

// ---- the native backend's costs ----
// copy and fill cost an FFI call for the memmove/memset that Uint8Array.prototype.set/fill already
// are: the same bandwidth as the TypeScript backend and a higher fixed cost, so `auto` never
// picks them. The functions beyond dmover_io go through the generic entry point; streaming rates
// from the C kernels on an AVX-512 machine, per input where the cost grows with the inputs.
const NATIVE_COPY: CostModel = { overheadNs: 122, gbps: 90 };
const NATIVE_FILL: CostModel = { overheadNs: 88, gbps: 100 };
const NATIVE_CRC32C_HW: CostModel = { overheadNs: 28, gbps: 55 };
const NATIVE_CRC32C_TABLE: CostModel = { overheadNs: 28, gbps: 2 }; // slicing-by-8 in C
const OP_NS = 260;
const NATIVE_COMPARE: CostModel = { overheadNs: OP_NS, gbps: 30 };
const NATIVE_COPY_CRC32C: CostModel = { overheadNs: OP_NS, gbps: 14 };
const NATIVE_DUALCAST: CostModel = { overheadNs: 480, gbps: 31 };
const NATIVE_PER_INPUT_NS = 0.022; // ns per byte per input of xor and xor-check
const NATIVE_PQ_PER_INPUT_NS = 0.02; // ns per byte per data block of pq
const NATIVE_RECOVER_NS = 0.3; // ns per byte of pq-recover's combining step

function nativePerInput(perInput: number, extra = 0): CostModel {
  return { overheadNs: OP_NS + 20 * 4, gbps: 1 / (perInput * 4 + extra) };
}

// Refitted 2026-12-06 to the direct entry points (dray_dop3..9: no table, 3 to 9 buffer
// parameters), one-shots of whole views, 16 B to 4 KiB: xor2 native 77 ns at 16 B, 109 ns at
// 4 KiB; xor4 106 and 206; xor8 171 and 385 (ts: 100, 170, 318 ns at 16 B). Sessions, which build
// a table, pay about 60 ns more; the one-shots are the commoner small requests.
function nativeXor(n: number): CostModel {
  return { overheadNs: byArity(n, 75, 105, 170), gbps: 1 / byArity(n, 0.008, 0.024, 0.052) };
}

function fixed(model: CostModel): () => CostModel {
  return () => model;
}

function row(
  op: number,
  outputs: number,
  result: ResultKind,
  args: ArgsKind,
  ts: (length: number) => CostModel,
  native: (crcHardware: boolean) => CostModel,
): CatalogRow {
  return Object.freeze({ op, outputs, result, args, ts, native });
}

const ROWS: ReadonlyMap<string, CatalogRow> = new Map<string, CatalogRow>([
  ["copy", row(OP.copy, 1, "none", "none", fixed(TS_COPY), fixed(NATIVE_COPY))],
  ["zero", row(OP.fill, 1, "none", "none", fixed(TS_FILL), fixed(NATIVE_FILL))],
  ["fill8", row(OP.fill, 1, "none", "word", fixed(TS_FILL), fixed(NATIVE_FILL))],
  [
    "iscsi-crc32c",
    row(
      OP.crc32c,
      0,
      "crc",
      "word",
      fixed(TS_CRC32C),
      (hw) => hw ? NATIVE_CRC32C_HW : NATIVE_CRC32C_TABLE,
    ),
  ],
  [
    "xor",
    row(
      OP.xor,
      1,
      "none",
      "none",
      fixed(tsPerInput(TS_PER_INPUT_NS)),
      fixed(nativePerInput(NATIVE_PER_INPUT_NS)),
    ),
  ],
  ["compare", row(OP.compare, 0, "offset", "none", fixed(TS_COMPARE), fixed(NATIVE_COMPARE))],
  [
    "compare-pattern",
    row(
      OP.comparePattern,
      0,
      "offset",
      "pattern",
      fixed(TS_COMPARE_PATTERN),
      fixed(NATIVE_COMPARE),
    ),
  ],
  [
    "copy-crc32c",
    row(OP.copyCrc32c, 1, "crc", "word", fixed(TS_COPY_CRC32C), fixed(NATIVE_COPY_CRC32C)),
  ],
  ["dualcast", row(OP.dualcast, 2, "none", "none", fixed(TS_DUALCAST), fixed(NATIVE_DUALCAST))],
  [
    "xor-check",
    row(
      OP.xorCheck,
      0,
      "offset",
      "none",
      fixed(tsPerInput(TS_PER_INPUT_NS)),
      fixed(nativePerInput(NATIVE_PER_INPUT_NS)),
    ),
  ],
  [
    "pq",
    row(
      OP.pq,
      2,
      "none",
      "none",
      fixed(tsPerInput(TS_PQ_PER_INPUT_NS)),
      fixed(nativePerInput(NATIVE_PQ_PER_INPUT_NS)),
    ),
  ],
  [
    "pq-recover",
    row(
      OP.pqRecover,
      2,
      "none",
      "lost",
      fixed(tsPerInput(TS_PQ_PER_INPUT_NS)),
      fixed(nativePerInput(NATIVE_PQ_PER_INPUT_NS, NATIVE_RECOVER_NS)),
    ),
  ],
  ...[2, 3, 4, 5, 6, 7, 8].map((n): [string, CatalogRow] => [
    `xor${n}`,
    row(OP.xor, 1, "none", "none", (length) => tsXor(n, length), fixed(nativeXor(n))),
  ]),
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
