// The fuzz rows of the direct dmover entry points dray_dop3..dray_dop9 (xor, pq or pq-recover over
// 3 to 9 whole memories, no table), with the contract of shim.c written again: the control word
// (op in bits 0-3, outputs 4-5, inputs 6-11, pq-recover's lost positions 12-17 and 18-23, nothing
// above), a length of 1 or more within every capacity, NULL only without a capacity, and no
// output meeting another memory by address (DRAY_EMEET), all checked before a byte is written;
// then the exact bytes of the TypeScript reference kernels (dmover/_ts_ops.ts).
//
// Control words are mostly valid for the row's count and otherwise wrong in each way C checks
// (unknown ops, wrong counts, lost positions equal, reversed or outside the stripe, bits above 23).
// Memories are of every kind and capacity, NULL now and then, and in about a third of the cases
// two or more of them are views into one arena: the very same view, overlapping from either side,
// adjacent (allowed), apart, or a second SharedArrayBuffer object over the same memory
// (structuredClone). Inputs may meet each other; an output may meet nothing.

import assert from "node:assert/strict";
import type { DmoverBuffer, DmoverRequest } from "../../dmover/types.ts";
import { tsPq, tsPqRecover, tsXor } from "../../dmover/_ts_ops.ts";
import {
  type Effect,
  makeRegion,
  type MemoryKind,
  type Region,
  type Rng,
  U32_MAX,
  viewBefore,
} from "./fuzz_engine.ts";
import {
  type GroupSpec,
  OK,
  type ParamSpec,
  type RawCase,
  type Row,
  type Span,
  spanCode,
  type SymbolName,
} from "./fuzz_table.ts";
import { EARG } from "./fuzz_op_rows.ts";

/** DRAY_EMEET: an output of a direct call shares bytes with another of its memories. */
export const EMEET = -6;

const XOR = 2;
const PQ = 9;
const PQ_RECOVER = 10;

/** Memory that C gets a pointer to (the NULL kinds come in through prepare, now and then). */
const LIVE_KINDS: readonly MemoryKind[] = [
  "array",
  "array",
  "array",
  "shared",
  "shared",
  "growable",
  "heap",
  "resizable",
  "tracking",
];
const NULL_KINDS: readonly MemoryKind[] = ["empty", "detached", "shrunk"];
const ARENA_KINDS: readonly MemoryKind[] = ["array", "shared", "growable", "heap", "resizable"];

/** A control word as shim.c reads it. */
export interface Control {
  readonly op: number;
  readonly nout: number;
  readonly nin: number;
  readonly lostA: number;
  readonly lostB: number;
  readonly high: number;
}

/** Splits a control word into its fields. */
export function splitControl(ctl: number): Control {
  return {
    op: ctl & 15,
    nout: (ctl >>> 4) & 3,
    nin: (ctl >>> 6) & 63,
    lostA: (ctl >>> 12) & 63,
    lostB: (ctl >>> 18) & 63,
    high: ctl >>> 24,
  };
}

/** Packs the fields of a control word (each masked to its bits). */
export function packControl(c: Control): number {
  return ((c.op & 15) | (c.nout & 3) << 4 | (c.nin & 63) << 6 | (c.lostA & 63) << 12 |
    (c.lostB & 63) << 18 | c.high << 24) >>> 0;
}

/** Whether the fields name an op the direct entry points run, over `count` memories. */
function shapeOk(c: Control, count: number): boolean {
  if (c.high !== 0 || c.nout + c.nin !== count) return false;
  if (c.nin < 2 || c.nin > 32) return false;
  if (c.op === XOR) return c.nout === 1;
  if (c.op === PQ) return c.nout === 2;
  if (c.op === PQ_RECOVER) return c.nout === 2 && c.lostA < c.lostB && c.lostB < c.nin + 2;
  return false;
}

/** A control word for `count` memories: three in four valid, the rest wrong in one way. */
export function dopControl(r: Rng, count: number): number {
  const op = count >= 4 ? r.pick([XOR, PQ, PQ_RECOVER, PQ_RECOVER]) : XOR;
  const nout = op === XOR ? 1 : 2;
  const nin = count - nout;
  let lostA = 0;
  let lostB = 0;
  if (op === PQ_RECOVER) {
    lostA = r.below(nin + 1);
    lostB = lostA + 1 + r.below(nin + 1 - lostA);
  }
  const c = { op, nout, nin, lostA, lostB, high: 0 };
  if (r.chance(0.75)) return packControl(c);
  switch (r.below(9)) {
    case 0: // an op the direct entry points do not run (or none at all)
      return packControl({ ...c, op: r.pick([0, 1, 3, 4, 5, 6, 7, 8, 11, 12, 15]) });
    case 1: // pq or pq-recover where xor fits, and the other way round
      return packControl({ ...c, op: op === XOR ? r.pick([PQ, PQ_RECOVER]) : XOR });
    case 2:
      return packControl({ ...c, nout: r.pick([0, 1, 2, 3].filter((k) => k !== nout)) });
    case 3:
      return packControl({ ...c, nin: r.pick([0, 1, nin - 1, nin + 1, 32, 33, 63]) });
    case 4: // pq-recover's lost positions equal
      return packControl({ ...c, op: PQ_RECOVER, lostB: c.lostA });
    case 5: // reversed
      return packControl({ ...c, op: PQ_RECOVER, lostA: c.lostB, lostB: c.lostA });
    case 6: // the second one outside the stripe (positions 0..n+1)
      return packControl({ ...c, op: PQ_RECOVER, lostB: nin + 2 + r.below(62 - nin) });
    case 7: // a bit above 23
      return packControl({ ...c, high: 1 << r.below(8) });
    default: // lost positions given to xor or pq: C ignores them there
      return packControl({ ...c, lostA: r.below(64), lostB: r.below(64) });
  }
}

/** Where a memory lies: its own region (at 0), or a view `at` bytes into an arena. */
interface Place {
  readonly home: Region;
  readonly at: number;
}

/** The places of the row's memories, from the arena prepare() made (if any). */
function placesOf(c: RawCase, names: readonly string[]): Place[] {
  const inArena = (c.state.inArena ?? new Map()) as Map<string, number>;
  const arena = c.spans.arena?.region;
  return names.map((name) => {
    const at = inArena.get(name);
    return at === undefined || arena === undefined
      ? { home: c.spans[name]!.region, at: 0 }
      : { home: arena, at };
  });
}

/** The code shim.c's dray_dop_run returns, in its order, or undefined when the op runs. */
export function dopCode(
  ctl: number,
  len: number,
  spans: readonly Span[],
  places: readonly Place[],
): number | undefined {
  const c = splitControl(ctl);
  if (c.op === PQ_RECOVER && c.lostA >= c.lostB) return EARG;
  if (c.op !== XOR && c.op !== PQ && c.op !== PQ_RECOVER) return EARG;
  if (len === 0 || !shapeOk(c, spans.length)) return EARG;
  for (const s of spans) {
    const code = spanCode({ region: s.region, cap: s.cap, off: 0, len });
    if (code !== undefined) return code;
  }
  for (let o = 0; o < c.nout; o++) {
    for (let s = 0; s < spans.length; s++) {
      if (s === o) continue;
      const [x, y] = [places[o]!, places[s]!];
      if (x.home === y.home && Math.abs(x.at - y.at) < len) return EMEET;
    }
  }
  return undefined;
}

/** Each home's new bytes after a valid call: the outputs written over its bytes before. */
export function dopEffects(
  ctl: number,
  len: number,
  places: readonly Place[],
): Map<Region, Uint8Array> {
  const c = splitControl(ctl);
  const bytesOf = (p: Place): Uint8Array => viewBefore(p.home).slice(p.at, p.at + len);
  const inputs: DmoverBuffer[] = places.slice(c.nout).map(bytesOf);
  const outs = places.slice(0, c.nout).map(() => new Uint8Array(len));
  const request: DmoverRequest = { id: 0, inputs, output: outs[0]!, outputs: outs };
  if (c.op === XOR) tsXor(request, len);
  else if (c.op === PQ) tsPq(request, len);
  else tsPqRecover({ ...request, immediate: 2 ** c.lostA + 2 ** c.lostB }, len);
  const effects = new Map<Region, Uint8Array>();
  for (let o = 0; o < c.nout; o++) {
    const p = places[o]!;
    const bytes = effects.get(p.home) ?? viewBefore(p.home).slice();
    bytes.set(outs[o]!, p.at);
    effects.set(p.home, bytes);
  }
  return effects;
}

/** A view `length` bytes long, `at` bytes into the arena's view (another object, same memory). */
function arenaView(arena: Region, at: number, length: number, clone: boolean): Region {
  const v = arena.view;
  const buffer = clone ? structuredClone(v.buffer) : v.buffer;
  const view = new Uint8Array(buffer, v.byteOffset + at, length);
  // No host: the arena's own region sees every byte of it.
  return {
    kind: arena.kind,
    view,
    host: undefined,
    start: 0,
    length,
    isNull: false,
    misaligned: false,
    before: new Uint8Array(0),
  };
}

/**
 * Lays two or more of the memories into one arena (about a third of the cases): the first two in
 * one of the ways an output can meet a memory, the others anywhere; or makes one memory NULL.
 */
function layOut(c: RawCase, names: readonly string[]): void {
  const r = c.rng;
  const len = c.spans[names[0]!]!.len;
  if (r.chance(0.08)) {
    const name = r.pick(names);
    const region = makeRegion(r, r.below(64), { kinds: NULL_KINDS });
    c.spans[name] = { region, cap: r.pick([0, len, len, 1 + r.below(64)]), off: 0, len };
    return;
  }
  if (len === 0 || len > 70_000 || !r.chance(0.35)) return;
  const count = Math.min(names.length, 2 + (r.chance(0.3) ? r.below(3) : 0));
  const size = len * (count + 2) + 2 * 64;
  const arena = makeRegion(r, size, { kinds: ARENA_KINDS });
  const shared = arena.kind === "shared" || arena.kind === "growable";
  const order = [...names];
  for (let k = order.length - 1; k > 0; k--) {
    const j = r.below(k + 1);
    [order[k], order[j]] = [order[j]!, order[k]!];
  }
  // Mostly an output first: the first two memories meet in the chosen way.
  const first = r.chance(0.7) ? names[0]! : order[0]!;
  const second = order.find((n) => n !== first)!;
  const base = len + r.below(64);
  const d = len === 1 ? 0 : 1 + r.below(len - 1); // an overlap of len - d bytes
  const offsets: number[] = [base];
  switch (r.pick(["same", "before", "after", "adjacent-before", "adjacent-after", "apart"])) {
    case "same":
      offsets.push(base);
      break;
    case "before": // starts before the first, ends inside it
      offsets.push(base - d);
      break;
    case "after": // starts inside the first, ends after it
      offsets.push(base + d);
      break;
    case "adjacent-before":
      offsets.push(base - len);
      break;
    case "adjacent-after":
      offsets.push(base + len);
      break;
    default:
      offsets.push(base + len + 1 + r.below(64));
  }
  const chosen = [first, second];
  for (const name of order) {
    if (chosen.length >= count) break;
    if (!chosen.includes(name)) chosen.push(name), offsets.push(r.below(size - len + 1));
  }
  const inArena = new Map<string, number>();
  chosen.forEach((name, k) => {
    const at = Math.max(0, Math.min(offsets[k]!, size - len));
    const region = arenaView(arena, at, len, shared && r.chance(0.4));
    const cap = r.chance(0.9) ? len : r.below(len);
    c.spans[name] = { region, cap, off: 0, len };
    inArena.set(name, at);
  });
  c.spans.arena = { region: arena, cap: arena.length, off: 0, len: 0 };
  c.state.inArena = inArena;
}

/** A memory's size, shared by every memory of a case (plus a few bytes). */
function dopSize(r: Rng, c: RawCase): number {
  if (c.state.size === undefined) {
    const roll = r.below(100);
    c.state.size = roll < 45 ? r.below(130) : roll < 93 ? r.below(4200) : 512 + r.below(20_000);
  }
  return (c.state.size as number) + (r.chance(0.7) ? 0 : r.below(4));
}

/** A length: mostly what every capacity holds, sometimes 0 or more than some capacity. */
function dopLength(r: Rng, _c: RawCase, room: number): number {
  const bad = [r.below(room + 1), 0, room + 1, U32_MAX, r.u32()];
  return (r.chance(0.7) ? room : r.pick(bad)) >>> 0;
}

/** The row of dray_dopN over `count` memories. */
function dopRow(count: number): Row {
  const names = Array.from({ length: count }, (_, k) => `m${k}`);
  const groups: Record<string, GroupSpec> = {};
  const params: ParamSpec[] = [
    { kind: "scalar", name: "ctl", pick: (r) => dopControl(r, count) },
    { kind: "length", groups: names, pick: dopLength },
  ];
  for (const name of names) {
    groups[name] = { access: "readwrite", size: dopSize, kinds: LIVE_KINDS };
    params.push({ kind: "buffer", group: name }, { kind: "cap", group: name });
  }
  return {
    symbol: `dray_dop${count}` as SymbolName,
    groups,
    params,
    cases: count <= 4 ? 500 : 300,
    prepare: (c) => layOut(c, names),
    expect(c) {
      const ctl = c.scalars.ctl!;
      const len = c.spans[names[0]!]!.len;
      const places = placesOf(c, names);
      const code = dopCode(ctl, len, names.map((n) => c.spans[n]!), places);
      if (code !== undefined) return { codes: [code] };
      return {
        ok(rc) {
          assert.equal(rc, OK);
          const homes = dopEffects(ctl, len, places);
          const effects: Record<string, Effect> = {};
          for (const [name, span] of Object.entries(c.spans)) {
            effects[name] = homes.get(span.region);
          }
          return effects;
        },
      };
    },
  };
}

/** The rows of the direct entry points. */
export const DOP_ROWS: readonly Row[] = [3, 4, 5, 6, 7, 8, 9].map(dopRow);
