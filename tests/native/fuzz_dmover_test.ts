// The dmover API over the native backend, fuzzed against the TypeScript backend: every registered
// function gets random and adversarial requests (every kind of memory, iovec lists with offsets and
// lengths at and past the edges, near 2^32 and 2^53, detached buffers, wrong immediates), each built
// twice from the same seed, one copy per backend. Both backends must give the same outcome: the same
// DmoverError code (EINVAL for a bad request, never a TypeError or RangeError from the native
// wrappers), or the same bytes and immediate; and neither may touch a byte outside the views.
import assert from "node:assert/strict";
import {
  type DmoverBuffer,
  DmoverError,
  type DmoverFunction,
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
  const bad = 0.5 / (fn.inputs + 1); // about half of the requests are refused, whatever the arity
  const request: {
    id: number;
    output?: DmoverBuffer;
    inputs?: DmoverBuffer[];
    immediate?: number;
  } = {
    id: i,
  };
  if (fn.output || r.chance(0.02)) {
    const out = buffer(r, length, regions, bad);
    request.output = out.value;
    parts.push(`output ${out.what}`);
  }
  const count = r.chance(0.97) ? fn.inputs : r.pick([0, fn.inputs + 1, Math.max(0, fn.inputs - 1)]);
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
    const max = rule?.max ?? 255;
    const roll = r.below(100);
    if (roll < 80) request.immediate = r.below(Math.min(max, 2 ** 32 - 1) + 1);
    else if (roll < 90 && rule?.default === undefined) { /* missing */ }
    else request.immediate = r.pick([max + 1, -1, 1.5, NaN, 2 ** 53, -0]);
    parts.push(`immediate ${request.immediate}`);
  }
  return { request, regions, what: `${fn.name} length ${length}: ${parts.join("; ")}` };
}

interface Outcome {
  thrown?: string;
  completion?: { error: string | undefined; immediate: number | undefined };
  memory: (number[] | undefined)[];
}

function outcome(fn: DmoverFunction, backend: string, built: Built, where: string): Outcome {
  using session = openSession(fn.name, { backend, nonBlocking: true });
  for (const region of built.regions) snapshot(region);
  let thrown: string | undefined;
  let completion: Outcome["completion"];
  try {
    session.submit(built.request);
    const c = session.read();
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
      `dmover ${fn.name} on the native backend matches the ts backend for random and adversarial requests`,
    ignore,
    fn() {
      let failures = 0;
      for (let i = 0; i < cases(300); i++) {
        const a = build(fn, i);
        const where = `case ${i} of seed ${SEED}: ${a.what}`;
        const ts = outcome(fn, "ts", a, where);
        const native = outcome(fn, "native", build(fn, i), where);
        assert.deepEqual(native, ts, `${where}: native and ts differ`);
        if (ts.thrown !== undefined) failures++;
      }
      // Both kinds of case were exercised: requests that were refused and requests that ran.
      assert.ok(failures > 0 && failures < cases(300), `${failures} refused`);
    },
  });
}
