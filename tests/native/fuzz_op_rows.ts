// The fuzz rows of the generic dmover entry points (dray_op4, dray_op12, their nonblocking
// `_async` declarations) and dray_isa, with the model they are checked against: the table contract
// of shim.c's dmover section written again (header, then per side a memory index, a count and
// (offset, length) pairs; the same checks in the same order), and the exact bytes each op must
// produce from the TypeScript reference kernels (dmover/_ts_ops.ts) run over the gathered sides.
// Tables are adversarial (every op code and some that do not exist, wrong side counts, fill bytes
// over 255, bad recovery masks, memory indexes out of range, counts of 0, 1024 that lie and 1025,
// pairs past the end or wrapping around 2^32, unequal totals, word counts that lie, misaligned and
// NULL tables); memories are of every kind, sometimes the same view twice. Sides are mostly laid
// out apart; where an output overlaps another side its bytes are unspecified (shim.c says so), and
// the check narrows to "only the output's own pairs changed".

import assert from "node:assert/strict";
import type { DmoverBuffer, DmoverRequest } from "../../dmover/types.ts";
import {
  tsCompare,
  tsComparePattern,
  tsCopyCrc32c,
  tsDualcast,
  tsPq,
  tsPqRecover,
  tsXor,
  tsXorCheck,
} from "../../dmover/_ts_ops.ts";
import {
  ALL_KINDS,
  bitwiseCrc32c,
  type Effect,
  type MemoryKind,
  type Region,
  type Rng,
  U32_MAX,
  viewBefore,
} from "./fuzz_engine.ts";
import {
  argsText,
  EIOV,
  emptyRegion,
  type ErrorClass,
  fails,
  type GroupSpec,
  OK,
  type ParamSpec,
  type Row,
  spanCode,
  type SymbolName,
  tableArg,
  tableWords,
  type ViewArg,
  viewArg,
  wordCount,
  wordsOf,
  type WrapperSpec,
} from "./fuzz_table.ts";

/** DRAY_EARG: an unknown op, wrong side counts, an argument out of range, a memory index too big. */
export const EARG = -4;

// Op codes, as the table contract numbers them.
const COPY = 0;
const FILL = 1;
const XOR = 2;
const CRC = 3;
const COMPARE = 4;
const PATTERN = 5;
const COPY_CRC = 6;
const DUALCAST = 7;
const XOR_CHECK = 8;
const PQ = 9;
const PQ_RECOVER = 10;
const HEADER = 9;
const RESULT_BYTE = 28; // word 7

/** A memory as C is given it: the region and the capacity passed with it. */
export interface OpMemory {
  readonly region: Region;
  readonly cap: number;
}

/** The side counts an op takes: outputs, fewest inputs, most inputs. */
function shape(op: number): readonly [number, number, number] | undefined {
  switch (op) {
    case COPY:
    case COPY_CRC:
      return [1, 1, 1];
    case FILL:
      return [1, 0, 0];
    case XOR:
      return [1, 2, 32];
    case CRC:
    case PATTERN:
      return [0, 1, 1];
    case COMPARE:
      return [0, 2, 2];
    case DUALCAST:
      return [2, 1, 1];
    case XOR_CHECK:
      return [0, 2, 32];
    case PQ:
    case PQ_RECOVER:
      return [2, 2, 32];
    default:
      return undefined;
  }
}

function lostMask(arg0: number, arg1: number): bigint {
  return BigInt(arg0) | BigInt(arg1) << 32n;
}

function bits(x: bigint): number {
  let n = 0;
  for (let v = x; v !== 0n; v >>= 1n) n += Number(v & 1n);
  return n;
}

/** A parsed table: the header, and each side's memory and pairs. */
export interface OpParsed {
  readonly op: number;
  readonly nout: number;
  readonly args: readonly number[];
  readonly sides: readonly { readonly memory: number; readonly pairs: [number, number][] }[];
  readonly total: number;
}

/** The code C returns for these table words and memories, or the parsed table. */
export function opParse(
  words: readonly number[],
  memories: readonly OpMemory[],
): { code: number } | OpParsed {
  if (words.length < HEADER) return { code: EIOV };
  const [op, nout, nin, a0, a1, a2, a3] = words as [number, ...number[]];
  const s = shape(op);
  if (s === undefined || nout !== s[0] || nin! < s[1] || nin! > s[2]) return { code: EARG };
  if (op === FILL && a0! > 255) return { code: EARG };
  if (op === PQ_RECOVER) {
    const mask = lostMask(a0!, a1!);
    if (mask >> BigInt(nin! + 2) !== 0n || bits(mask) !== 2) return { code: EARG };
  }
  const sides: { memory: number; pairs: [number, number][] }[] = [];
  let at = HEADER;
  let total = 0;
  for (let k = 0; k < nout! + nin!; k++) {
    if (words.length - at < 2) return { code: EIOV };
    const memory = words[at++]!;
    const count = words[at++]!;
    if (memory >= memories.length) return { code: EARG };
    if (count === 0 || count > 1024 || count > Math.floor((words.length - at) / 2)) {
      return { code: EIOV };
    }
    const m = memories[memory]!;
    const pairs: [number, number][] = [];
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const off = words[at + 2 * i]!;
      const len = words[at + 2 * i + 1]!;
      const code = spanCode({ region: m.region, cap: m.cap, off, len });
      if (code !== undefined) return { code };
      sum += len;
      pairs.push([off, len]);
    }
    if (k === 0) total = sum;
    else if (sum !== total) return { code: EIOV };
    sides.push({ memory, pairs });
    at += 2 * count;
  }
  return { op, nout: nout!, args: [a0!, a1!, a2!, a3!], sides, total };
}

function gather(bytes: Uint8Array, pairs: readonly [number, number][], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let k = 0;
  for (const [off, len] of pairs) {
    out.set(bytes.subarray(off, off + len), k);
    k += len;
  }
  return out;
}

function scatter(bytes: Uint8Array, pairs: readonly [number, number][], values: Uint8Array): void {
  let k = 0;
  for (const [off, len] of pairs) {
    bytes.set(values.subarray(k, k + len), off);
    k += len;
  }
}

/** Whether an output side shares a byte with any side (itself included, or another memory view). */
function outputOverlaps(p: OpParsed, memories: readonly OpMemory[]): boolean {
  const marks = new Map<Region, Int16Array>();
  for (let k = 0; k < p.sides.length; k++) {
    const side = p.sides[k]!;
    const region = memories[side.memory]!.region;
    let m = marks.get(region);
    if (m === undefined) marks.set(region, m = new Int16Array(region.length).fill(-1));
    for (const [off, len] of side.pairs) {
      for (let i = off; i < off + len; i++) {
        if (m[i] === -1) m[i] = k;
        else if (k < p.nout || m[i]! < p.nout) return true;
      }
    }
  }
  return false;
}

/** What a valid table does: each memory's effect, and the result words (or "any"). */
export interface OpEffects {
  readonly memories: Map<Region, Effect>;
  readonly results: readonly [number, number] | "any" | undefined;
}

function offsetWords(found: number): [number, number] {
  return found < 0 ? [U32_MAX, U32_MAX] : [found >>> 0, Math.floor(found / 2 ** 32)];
}

/** The effects of a parsed table, from the memories' bytes before the call. */
export function opEffects(p: OpParsed, memories: readonly OpMemory[]): OpEffects {
  const streams = p.sides.map((side) =>
    gather(viewBefore(memories[side.memory]!.region), side.pairs, p.total)
  );
  const outs: Uint8Array[] = streams.slice(0, p.nout).map(() => new Uint8Array(p.total));
  const inputs: DmoverBuffer[] = streams.slice(p.nout);
  const [a0, a1] = p.args as [number, number];
  const base = { id: 0, inputs, ...(p.nout > 0 ? { output: outs[0]!, outputs: outs } : {}) };
  const request = (immediate?: number | bigint): DmoverRequest =>
    immediate === undefined ? base : { ...base, immediate };
  let results: OpEffects["results"];
  switch (p.op) {
    case COPY:
      outs[0]!.set(streams[1]!);
      break;
    case FILL:
      outs[0]!.fill(a0);
      break;
    case XOR:
      tsXor(request(), p.total);
      break;
    case CRC:
      results = [bitwiseCrc32c(streams[0]!, a0), 0];
      break;
    case COMPARE:
      results = offsetWords(tsCompare(request(), p.total));
      break;
    case PATTERN:
      results = offsetWords(tsComparePattern(request(lostMask(a0, a1)), p.total));
      break;
    case COPY_CRC:
      results = [tsCopyCrc32c(request(a0), p.total), 0];
      break;
    case DUALCAST:
      tsDualcast(request(), p.total);
      break;
    case XOR_CHECK:
      results = offsetWords(tsXorCheck(request(), p.total));
      break;
    case PQ:
      tsPq(request(), p.total);
      break;
    default:
      tsPqRecover(request(a0 + a1 * 2 ** 32), p.total);
  }
  const effects = new Map<Region, Effect>();
  if (outputOverlaps(p, memories)) {
    // Unspecified bytes (and CRC of the copy), but only inside the outputs' own pairs.
    for (let k = 0; k < p.nout; k++) {
      const side = p.sides[k]!;
      const region = memories[side.memory]!.region;
      const ranges = (effects.get(region) ?? []) as (readonly [number, number])[];
      for (const [off, len] of side.pairs) ranges.push([off, off + len]);
      effects.set(region, ranges);
    }
    if (p.op === COPY_CRC) results = "any";
  } else {
    for (let k = 0; k < p.nout; k++) {
      const side = p.sides[k]!;
      const region = memories[side.memory]!.region;
      const bytes = (effects.get(region) as Uint8Array | undefined) ?? viewBefore(region).slice();
      scatter(bytes, side.pairs, outs[k]!);
      effects.set(region, bytes);
    }
  }
  return { memories: effects, results };
}

/** The table's effect: its result words written, or not. */
export function tableEffect(before: Uint8Array, results: OpEffects["results"]): Effect {
  if (results === undefined) return undefined;
  if (results === "any") return [[RESULT_BYTE, RESULT_BYTE + 8]];
  const out = before.slice();
  const dv = new DataView(out.buffer);
  dv.setUint32(RESULT_BYTE, results[0], true);
  dv.setUint32(RESULT_BYTE + 4, results[1], true);
  return out;
}

/** A recovery mask: mostly two of the n + 2 positions, sometimes one, three, or one past them. */
function maskWords(r: Rng, nin: number): [number, number] {
  const n = Math.min(nin, 32) + 2;
  const roll = r.below(100);
  let mask = 0n;
  const set = (k: number): void => void (mask |= 1n << BigInt(k));
  const a = r.below(n);
  let b = r.below(n);
  while (n > 1 && b === a) b = r.below(n);
  set(a);
  if (roll < 88) set(b);
  else if (roll < 93) set(b), set((b + 1 + r.below(n)) % n);
  else if (roll < 98) set(n + r.below(64 - n));
  mask = BigInt.asUintN(64, mask);
  return [Number(mask & 0xffff_ffffn), Number(mask >> 32n)];
}

/**
 * Table words for these memories: mostly well formed, with the sides of a memory laid out apart
 * (so that outputs have exact expected bytes), sometimes overlapping or malformed in every way
 * C checks.
 */
export function opWords(r: Rng, memories: readonly OpMemory[]): number[] {
  const op = r.chance(0.95) ? r.below(11) : r.pick([11, 12, 255, U32_MAX]);
  const [outs, fewest, most] = shape(op) ?? [r.below(3), r.below(3), 2 + r.below(4)];
  let nout = outs;
  const upto = r.chance(0.8) ? Math.min(most, fewest + 4) : most;
  let nin = fewest + r.below(upto - fewest + 1);
  if (r.chance(0.04)) nout = r.pick([0, 1, 2, 3, U32_MAX]);
  if (r.chance(0.04)) nin = r.pick([0, 1, 2, 32, 33, U32_MAX]);
  const args = [r.u32(), r.u32(), r.u32(), r.u32()];
  if (op === FILL) args[0] = r.chance(0.9) ? r.below(256) : r.pick([256, U32_MAX, r.u32()]);
  if (op === PQ_RECOVER) [args[0], args[1]] = maskWords(r, nin);
  const words = [op, nout, nin, ...args, r.u32(), r.u32()];
  const nsides = Math.min(nout + nin, 36);
  // About a third of the tables get one fault in their sides, whatever their number.
  const bad = 0.35 / Math.max(1, nsides);
  const live = memories.flatMap((m, k) => m.region.isNull || m.cap === 0 ? [] : [k]);
  const index = Array.from(
    { length: nsides },
    () =>
      r.chance(bad / 3)
        ? r.pick([memories.length, memories.length + 1, U32_MAX])
        : live.length > 0 && r.chance(0.9)
        ? r.pick(live)
        : r.below(memories.length),
  );
  const sharing = new Map<number, number>();
  for (const m of index) sharing.set(m, (sharing.get(m) ?? 0) + 1);
  const capOf = (m: number): number => {
    const memory = memories[m];
    return memory === undefined || memory.region.isNull ? 0 : memory.cap;
  };
  let room = nsides === 0 ? 0 : U32_MAX;
  for (const [m, k] of sharing) room = Math.min(room, Math.floor(capOf(m) / k));
  const total = r.chance(0.97) ? r.below(room + 1) : r.pick([room + 1, r.u32(), U32_MAX]);
  const apart = r.chance(0.85);
  const next = new Map<number, number>();
  for (let s = 0; s < nsides; s++) {
    const m = index[s]!;
    const cap = memories[m]?.cap ?? r.below(64);
    const count = r.chance(1 - bad) ? 1 + r.below(4) : r.pick([0, 1024, 1025, U32_MAX]);
    const pieces = Math.min(count, 1024);
    const cuts = [0];
    for (let i = 1; i < pieces; i++) cuts.push(r.below(total + 1));
    cuts.sort((x, y) => x - y);
    cuts.push(total);
    words.push(m, count);
    // This side's slot in its memory, when the sides are laid out apart.
    const slot = Math.floor(cap / (sharing.get(m) ?? 1));
    const base = next.get(m) ?? 0;
    next.set(m, base + slot);
    const shift = base + r.below(Math.max(0, slot - total) + 1);
    const reversed = r.chance(0.3);
    const written = count > 1024 && r.chance(0.5) ? r.below(4) : pieces;
    for (let i = 0; i < written; i++) {
      let len = cuts[i + 1]! - cuts[i]!;
      let off = apart && total <= slot
        ? shift + (reversed ? total - cuts[i + 1]! : cuts[i]!)
        : len <= cap
        ? r.below(cap - len + 1)
        : r.below(cap + 1);
      if (r.chance(bad / 3)) len = (len + 1) >>> 0; // unequal totals
      if (r.chance(bad / 3)) off = Math.min(cap + 1, U32_MAX); // past the end
      if (r.chance(bad / 4)) [off, len] = [1 + r.below(4), U32_MAX]; // wraps around 2^32
      words.push(off >>> 0, len >>> 0);
    }
  }
  return words;
}

/**
 * Makes the searches (compare, compare-pattern, xor-check) mostly agree: the last input gets the
 * bytes that make its stream match, then now and then one byte changes, so that the offset found
 * is anywhere, or none. Writes into the memories' views, before their snapshot.
 */
export function agree(r: Rng, words: readonly number[], memories: readonly OpMemory[]): void {
  const parsed = opParse(words, memories);
  if ("code" in parsed || parsed.total === 0 || !r.chance(0.8)) return;
  if (![COMPARE, PATTERN, XOR_CHECK].includes(parsed.op)) return;
  const views = parsed.sides.map((side) => memories[side.memory]!.region.view);
  if (views.some((v, k) => parsed.sides[k]!.pairs.some(([o, l]) => o + l > v.length))) return;
  const streams = parsed.sides.map((side, k) => gather(views[k]!, side.pairs, parsed.total));
  const want = new Uint8Array(parsed.total);
  if (parsed.op === COMPARE) want.set(streams[0]!);
  else if (parsed.op === PATTERN) {
    const pattern = new Uint8Array(8);
    const dv = new DataView(pattern.buffer);
    dv.setUint32(0, parsed.args[0]!, true);
    dv.setUint32(4, parsed.args[1]!, true);
    for (let i = 0; i < want.length; i++) want[i] = pattern[i % 8]!;
  } else {
    for (const s of streams.slice(0, -1)) for (let i = 0; i < want.length; i++) want[i]! ^= s[i]!;
  }
  if (r.chance(0.5)) {
    const at = r.below(want.length);
    want[at] = want[at]! ^ (1 + r.below(255));
  }
  scatter(views[views.length - 1]!, parsed.sides[parsed.sides.length - 1]!.pairs, want);
}

/** The size of a memory: mostly small, sometimes pages, rarely 64 KiB (the vector loops). */
function memorySize(r: Rng): number {
  const roll = r.below(100);
  if (roll < 55) return r.below(129);
  if (roll < 97) return r.below(4097);
  return r.below(65537);
}

const ISA_LEVEL = { scalar: 0, sse2: 1, neon: 1, vector: 1, avx2: 2, avx512: 3 } as const;

/** What this CPU offers, from /proc/cpuinfo (x86-64 Linux), or undefined elsewhere. */
function cpuLevel(): number | undefined {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") return undefined;
  try {
    const flags = Deno.readTextFileSync("/proc/cpuinfo").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
    const has = (f: string): boolean => flags.split(" ").includes(f);
    return has("avx512f") && has("avx512bw") ? 3 : has("avx2") ? 2 : 1;
  } catch {
    return undefined;
  }
}

/** dray_isa: the level the kernels run, as NativeLibrary.dmoverIsa names it, within the CPU's. */
const isaRow: Row = {
  symbol: "dray_isa",
  params: [],
  cases: 2,
  expect(c) {
    return {
      ok(rc) {
        assert.equal(rc, ISA_LEVEL[c.ctx.lib.dmoverIsa]);
        const cpu = cpuLevel();
        if (cpu === undefined) return {};
        const asked = Deno.env.get("DRAY_ISA") ?? "";
        const cap = ({ scalar: 0, baseline: 1, sse2: 1, avx2: 2 } as Record<string, number>)[asked];
        // Built with DRAY_ISA_MAX 3 (the default build), the level is the CPU's, lowered by DRAY_ISA.
        assert.equal(rc, Math.min(cpu, cap ?? 3), `DRAY_ISA '${asked}', CPU level ${cpu}`);
        return {};
      },
    };
  },
};

/** Memory kinds for the nonblocking wrapper: mostly pinned, sometimes what it must refuse. */
const ASYNC_KINDS: readonly MemoryKind[] = [
  "shared",
  "shared",
  "shared",
  "shared",
  "shared",
  "shared",
  "array",
  "heap",
  "growable",
  "resizable",
  "empty",
  "detached",
];

function opWrapper(async: boolean): WrapperSpec {
  return {
    name: async ? "NativeLibrary.dmoverOpAsync" : "NativeLibrary.dmoverOp",
    cases: async ? 250 : 400,
    make(r) {
      const count = r.chance(0.96) ? 1 + r.below(r.chance(0.7) ? 4 : 12) : r.pick([0, 13]);
      const args: ViewArg[] = [];
      for (let k = 0; k < count; k++) {
        args.push(
          k > 0 && r.chance(0.1)
            ? args[r.below(k)]!
            : viewArg(r, memorySize(r), async ? ASYNC_KINDS : ALL_KINDS),
        );
      }
      const memories: OpMemory[] = args.map((a) => ({
        region: a.region ?? emptyRegion(),
        cap: a.region?.view.length ?? 0,
      }));
      const words = opWords(r, memories);
      const table = tableArg(r, words);
      const n = wordCount(r, words.length, table);
      const errors: ErrorClass[] = [...args.flatMap((a) => a.errors), ...table.errors];
      if (count < 1 || count > 12) errors.push(RangeError);
      if (async) {
        for (const a of args) if (a.region && a.region.kind !== "shared") errors.push(TypeError);
        if (table.region && table.region.kind !== "shared") errors.push(TypeError);
      }
      if (!Number.isInteger(n) || n < 0 || n > (table.region?.view.length ?? 0) / 4) {
        errors.push(RangeError);
      }
      let parsed: OpParsed | undefined;
      if (errors.length === 0) {
        const current = wordsOf(table.region!.view, n);
        agree(r, current, memories);
        const p = opParse(current, memories);
        if ("code" in p) errors.push(RangeError);
        else parsed = p;
      }
      const values = args.map((a) => a.value);
      const regions: Record<string, Region> = {};
      args.forEach((a, k) => a.region && (regions[`m${k}`] = a.region));
      if (table.region) regions.table = table.region;
      return {
        regions,
        call: (lib) =>
          async ? lib.dmoverOpAsync(table.value, values, n) : lib.dmoverOp(table.value, values, n),
        errors,
        ok(result) {
          assert.equal(result, undefined);
          const e = opEffects(parsed!, memories);
          const effects: Record<string, Effect> = {};
          args.forEach((a, k) => a.region && (effects[`m${k}`] = e.memories.get(a.region)));
          effects.table = tableEffect(viewBefore(table.region!), e.results);
          return effects;
        },
        what: argsText({ memories: values, table: [...words], words: n }),
      };
    },
  };
}

/** A row of dray_op4 / dray_op12 (or their nonblocking declarations) over `count` memories. */
function opRow(symbol: SymbolName, count: 4 | 12, async: boolean): Row {
  const names = Array.from({ length: count }, (_, k) => `m${k}`);
  const groups: Record<string, GroupSpec> = {};
  const params: ParamSpec[] = [
    { kind: "buffer", group: "tab" },
    { kind: "cap", group: "tab", unit: 4 },
  ];
  names.forEach((name, k) => {
    groups[name] = {
      access: "readwrite",
      size: memorySize,
      ...(k > 0 ? { mayAlias: names[k - 1]! } : {}), // now and then the same view twice
    };
    params.push({ kind: "buffer", group: name }, { kind: "cap", group: name });
  });
  const memoriesOf = (spans: Record<string, { region: Region; cap: number }>): OpMemory[] =>
    names.map((name) => ({ region: spans[name]!.region, cap: spans[name]!.cap }));
  groups.tab = {
    access: "readwrite",
    words: true,
    build: (r, c) => opWords(r, memoriesOf(c.spans)),
  };
  return {
    symbol,
    groups,
    params,
    cases: async ? (count === 4 ? 250 : 150) : count === 4 ? 600 : 400,
    prepare(c) {
      // Before the snapshot: the table's words as they are now.
      const tab = c.spans.tab!;
      if (tab.region.isNull || tab.region.misaligned) return;
      agree(c.rng, wordsOf(tab.region.view, tab.cap), memoriesOf(c.spans));
    },
    expect({ spans }) {
      const words = tableWords(spans.tab!);
      if (typeof words === "number") return fails(words);
      const memories = memoriesOf(spans);
      const parsed = opParse(words, memories);
      if ("code" in parsed) return fails(parsed.code);
      const e = opEffects(parsed, memories);
      return {
        ok(rc) {
          assert.equal(rc, OK);
          const effects: Record<string, Effect> = {};
          for (const name of names) effects[name] = e.memories.get(spans[name]!.region);
          effects.tab = tableEffect(viewBefore(spans.tab!.region), e.results);
          return effects;
        },
      };
    },
    ...(count === 4 ? { wrappers: [opWrapper(async)] } : {}),
  };
}

/** The rows of the generic dmover entry points. */
export const OP_ROWS: readonly Row[] = [
  isaRow,
  opRow("dray_op4", 4, false),
  opRow("dray_op12", 12, false),
  opRow("dray_op4_async", 4, true),
  opRow("dray_op12_async", 12, true),
];
