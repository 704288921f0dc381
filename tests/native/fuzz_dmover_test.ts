// The dmover API over the native backends, fuzzed against the TypeScript backend: every registered
// function gets random and adversarial requests (every kind of memory, iovec lists with offsets and
// lengths at and past the edges, near 2^32 and 2^53, detached buffers, wrong immediates: numbers
// and bigints, over the whole range of a 64-bit pattern), each built once per backend from the same
// seed. `native` (synchronous FFI) and `native-async` (nonblocking FFI, staging what is not pinned)
// must give the outcome `ts` gives: the same DmoverError code (EINVAL for a bad request, never a
// TypeError or RangeError from the native wrappers), or the same bytes and immediate; and none may
// touch a byte outside the views. The searches (compare, compare-pattern, xor-check) and pq-recover
// get inputs that mostly agree, or a lost mask that mostly names two blocks, so that their results
// are more than "differs at 0" or EINVAL.
import assert from "node:assert/strict";
import {
  type DmoverBuffer,
  DmoverError,
  type DmoverFunction,
  type DmoverImmediateRule,
  type DmoverIovec,
  type DmoverRequest,
  listFunctions,
  openSession,
} from "../../dmover/mod.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import {
  ALL_KINDS,
  assertEffect,
  cases,
  hash,
  makeRegion,
  type MemoryKind,
  type Region,
  Rng,
  SEED,
  snapshot,
  wrapperIndex,
} from "./fuzz_engine.ts";

const ignore = nativeLibrary === undefined || !nativeLibrary.hasDmoverKernels;

interface Built {
  request: DmoverRequest;
  regions: Region[];
  what: string;
}

/** Kinds a whole view of the right length can be in (a length-tracking view is longer). */
const GOOD: readonly MemoryKind[] = ["array", "shared", "growable", "heap", "resizable"];

/**
 * A buffer of `length` bytes: a whole view, or an iovec list over one or two regions; something
 * wrong with it (its memory, its length, an iovec) with probability about `bad`.
 */
function buffer(
  r: Rng,
  length: number,
  regions: Region[],
  bad: number,
): { value: DmoverBuffer; what: string } {
  const kinds = r.chance(bad) ? ALL_KINDS : GOOD;
  if (r.chance(0.6)) {
    const size = r.chance(1 - bad / 2) ? length : r.pick([0, length + 1, Math.max(0, length - 1)]);
    const region = makeRegion(r, size, { kinds });
    regions.push(region);
    return { value: region.view, what: `${region.kind}(${region.length})` };
  }
  const pieces = 1 + r.below(4);
  const homes = [
    makeRegion(r, length + r.below(64), { kinds }),
    makeRegion(r, length + r.below(64), { kinds }),
  ];
  regions.push(...homes);
  const list: DmoverIovec[] = [];
  let left = length;
  for (let i = 0; i < pieces; i++) {
    const home = r.pick(homes);
    const room = home.view.length;
    const piece = i === pieces - 1 ? left : r.below(left + 1);
    left -= piece;
    const validOffset = piece <= room ? r.below(room - piece + 1) : 0;
    const offset = r.chance(1 - bad / 4) ? validOffset : wrapperIndex(r, room, validOffset);
    const len = r.chance(1 - bad / 4) ? piece : wrapperIndex(r, room, piece);
    list.push({ buffer: home.view, offset, length: len });
  }
  if (r.chance(bad / 10)) list.length = 0; // no iovecs at all
  return {
    value: list,
    what: `[${list.map((p) => `${p.offset}+${p.length}`).join(" ")}] over ${
      homes.map((h) => `${h.kind}(${h.length})`).join(", ")
    }`,
  };
}

function build(fn: DmoverFunction, i: number): Built {
  const r = new Rng(SEED, hash(`dmover ${fn.name}`), i);
  const regions: Region[] = [];
  const length = r.chance(0.05) ? 0 : 1 + r.below(r.chance(0.8) ? 300 : 5000);
  const parts: string[] = [];
  // A variadic function gets any number of inputs it takes, small ones more often.
  const fewest = fn.minInputs ?? fn.inputs;
  const most = r.chance(0.7) ? Math.min(fn.inputs, fewest + 3) : fn.inputs;
  const count = r.chance(0.97)
    ? fewest + r.below(most - fewest + 1)
    : r.pick([0, fn.inputs + 1, Math.max(0, fewest - 1)]);
  const outs = fn.output ? fn.outputs ?? 1 : 0;
  const bad = 0.5 / (count + outs + 1); // about half of the requests are refused, whatever the arity
  const request: {
    id: number;
    output?: DmoverBuffer;
    outputs?: DmoverBuffer[];
    inputs?: DmoverBuffer[];
    immediate?: number | bigint;
  } = {
    id: i,
  };
  if (outs <= 1 && (outs === 1 || r.chance(0.02))) {
    const out = buffer(r, length, regions, bad);
    request.output = out.value;
    parts.push(`output ${out.what}`);
  } else if (outs > 1) {
    // Several outputs go in `outputs`; now and then one too few or too many, or `output` instead.
    const n = r.chance(0.97) ? outs : r.pick([0, 1, outs + 1]);
    const list: DmoverBuffer[] = [];
    for (let k = 0; k < n; k++) {
      const out = buffer(r, length, regions, bad);
      list.push(out.value);
      parts.push(`output ${k} ${out.what}`);
    }
    if (n === 1 && r.chance(0.5)) request.output = list[0]!;
    else request.outputs = list;
  }
  if (count > 0 || r.chance(0.02)) {
    request.inputs = [];
    for (let k = 0; k < count; k++) {
      const input = buffer(r, r.chance(1 - bad / 10) ? length : length + 1, regions, bad);
      request.inputs.push(input.value);
      parts.push(`input ${input.what}`);
    }
  }
  const rule = fn.immediateIn;
  if (rule !== undefined || r.chance(0.03)) {
    const value = fn.name === "pq-recover" && r.chance(0.6)
      ? lostMask(r, request.inputs?.length ?? 0)
      : immediate(r, rule);
    if (value !== undefined) request.immediate = value;
    parts.push(`immediate ${typeof value === "bigint" ? `${value}n` : value}`);
  }
  agree(r, fn, request, length);
  return { request, regions, what: `${fn.name} length ${length}: ${parts.join("; ")}` };
}

/** A uniform integer in [0, n) for n up to 2^53. */
function uniform(r: Rng, n: number): number {
  if (n <= 2 ** 32) return r.below(n);
  return Math.floor((r.u32() * 2 ** 21 + (r.u32() >>> 11)) / 2 ** 53 * n);
}

/** A uniform bigint in [0, n), n up to 2^64. */
function uniformBig(r: Rng, n: bigint): bigint {
  return ((BigInt(r.u32()) << 32n) | BigInt(r.u32())) % n;
}

/**
 * An immediate for a rule (a byte for requests of functions that take none): mostly valid, over
 * the rule's whole range (a `bigint` rule gets bigints up to 2^64 - 1 and safe-integer numbers),
 * sometimes missing or invalid (past the max, negative, fractional, unsafe, a bigint where only
 * numbers are taken).
 */
function immediate(r: Rng, rule: DmoverImmediateRule | undefined): number | bigint | undefined {
  const max = rule?.max ?? 255;
  const roll = r.below(100);
  if (roll >= 80 && roll < 90 && rule?.default === undefined) return undefined;
  if (typeof max === "bigint") {
    if (roll < 45) return uniformBig(r, max + 1n);
    if (roll < 60) return r.pick([0n, max, 1n << 63n, 0xffff_ffffn, 1n << 32n, max >> 1n]);
    if (roll < 80) return r.pick([uniform(r, 2 ** 53), r.u32(), 0, Number.MAX_SAFE_INTEGER]);
    return r.pick([max + 1n, -1n, 1n << 64n, -1, 1.5, NaN, 2 ** 53, 2 ** 64, -0]);
  }
  if (roll < 80) return uniform(r, max + 1);
  return r.pick([max + 1, -1, 1.5, NaN, 2 ** 53, -0, BigInt(uniform(r, max + 1)), 0n]);
}

/** A pq-recover mask naming two of the n + 2 positions of a stripe of n survivors. */
function lostMask(r: Rng, n: number): number {
  const a = r.below(n + 2);
  let b = r.below(n + 2);
  while (n > 0 && b === a) b = r.below(n + 2);
  return 2 ** a + 2 ** b;
}

/**
 * Calls `visit(view, index, k)` for byte k of a buffer walked in order, over the pieces that lie
 * inside their views (a bad piece is skipped: the request fails validation anyway).
 */
function walkBytes(
  buffer: DmoverBuffer,
  length: number,
  visit: (view: Uint8Array, index: number, k: number) => void,
): void {
  const pieces: [Uint8Array, number, number][] = buffer instanceof Uint8Array
    ? [[buffer, 0, buffer.length]]
    : buffer.map((iov) => [iov.buffer, iov.offset, iov.length]);
  let k = 0;
  for (const [view, offset, len] of pieces) {
    const fits = Number.isSafeInteger(offset) && Number.isSafeInteger(len) && offset >= 0 &&
      len >= 0 && offset + len <= view.length;
    if (!fits) continue;
    for (let i = 0; i < len && k < length; i++, k++) visit(view, offset + i, k);
  }
}

/**
 * Makes the inputs of the searches agree in walk order (compare: input 1 a copy of input 0;
 * compare-pattern: the pattern repeated; xor-check: the last input the xor of the others), then
 * now and then changes one byte, so that the offset found is anywhere, or -1.
 */
function agree(r: Rng, fn: DmoverFunction, request: DmoverRequest, length: number): void {
  const inputs = request.inputs ?? [];
  if (inputs.length === 0 || length === 0 || !r.chance(0.8)) return;
  const last = inputs[inputs.length - 1]!;
  const want = new Uint8Array(length);
  if (fn.name === "compare-pattern") {
    const imm = request.immediate;
    const ok = typeof imm === "bigint" || (typeof imm === "number" && Number.isSafeInteger(imm));
    let v = ok ? BigInt.asUintN(64, BigInt(imm!)) : 0n;
    const pattern = new Uint8Array(8);
    for (let j = 0; j < 8; j++, v >>= 8n) pattern[j] = Number(v & 0xffn);
    for (let k = 0; k < length; k++) want[k] = pattern[k % 8]!;
  } else if (fn.name === "compare" && inputs.length >= 2) {
    walkBytes(inputs[0]!, length, (view, i, k) => want[k] = view[i]!);
  } else if (fn.name === "xor-check" && inputs.length >= 2) {
    for (const input of inputs.slice(0, -1)) {
      walkBytes(input, length, (view, i, k) => want[k] = want[k]! ^ view[i]!);
    }
  } else {
    return;
  }
  if (r.chance(0.5)) {
    const at = r.below(length);
    want[at] = want[at]! ^ (1 + r.below(255));
  }
  walkBytes(last, length, (view, i, k) => view[i] = want[k]!);
}

interface Outcome {
  thrown?: string;
  completion?: { error: string | undefined; immediate: number | undefined };
  memory: (number[] | undefined)[];
}

async function outcome(
  fn: DmoverFunction,
  backend: string,
  built: Built,
  where: string,
): Promise<Outcome> {
  await using session = openSession(fn.name, { backend });
  for (const region of built.regions) snapshot(region);
  let thrown: string | undefined;
  let completion: Outcome["completion"];
  try {
    await session.submit(built.request);
    const c = await session.read();
    completion = { error: c.error?.code, immediate: c.immediate };
  } catch (error) {
    assert.ok(error instanceof DmoverError, `${where} (${backend}): threw ${error}`);
    thrown = error.code;
  }
  for (const region of built.regions) {
    assertEffect(region, [[0, region.length]], `${where} (${backend})`);
  }
  return {
    ...(thrown === undefined ? {} : { thrown }),
    ...(completion === undefined ? {} : { completion }),
    memory: built.regions.map((region) => region.host ? [...region.host] : undefined),
  };
}

for (const fn of listFunctions()) {
  Deno.test({
    name:
      `dmover ${fn.name} on the native and native-async backends matches the ts backend for random and adversarial requests`,
    ignore,
    async fn() {
      let failures = 0;
      let found = 0;
      for (let i = 0; i < cases(300); i++) {
        const a = build(fn, i);
        const where = `case ${i} of seed ${SEED}: ${a.what}`;
        const ts = await outcome(fn, "ts", a, where);
        for (const backend of ["native", "native-async"]) {
          const other = await outcome(fn, backend, build(fn, i), where);
          assert.deepEqual(other, ts, `${where}: ${backend} and ts differ`);
        }
        if (ts.thrown !== undefined) failures++;
        if ((ts.completion?.immediate ?? -1) > 0) found++;
      }
      // Both kinds of case were exercised: requests that were refused and requests that ran; and
      // the searches found differences past offset 0.
      assert.ok(failures > 0 && failures < cases(300), `${failures} refused`);
      if (["compare", "compare-pattern", "xor-check"].includes(fn.name)) {
        assert.ok(found > 0, "no search found a difference past offset 0");
      }
    },
  });
}
