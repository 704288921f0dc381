// The one-shots xor, pq and pqRecover on random whole views of every kind of memory (ArrayBuffer,
// SharedArrayBuffer, growable, on-heap, resizable, length-tracking, shrunk, empty, detached; see
// tests/native/fuzz_engine.ts), some of them views into one arena that meet or not (a second
// SharedArrayBuffer object over the same memory now and then), some of another length, stripes
// with one, two or three blocks missing: the native backend (its direct path where the request
// allows it) must give the outcome of the ts backend, built from the same seed: the same
// DmoverError code, or the same bytes in every memory, guard bytes included.
import assert from "node:assert/strict";
import { DmoverError, pq, pqRecover, xor } from "../../dmover/mod.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import {
  ALL_KINDS,
  cases,
  hash,
  makeRegion,
  type MemoryKind,
  type Region,
  Rng,
  SEED,
} from "../native/fuzz_engine.ts";

const ignore = nativeLibrary === undefined || !nativeLibrary.hasDmoverKernels;
const ARENA_KINDS: readonly MemoryKind[] = ["array", "shared", "growable", "heap", "resizable"];

/** One case, built from its seed: the memories it uses and the call. */
interface Built {
  readonly regions: Region[];
  call(backend: string): void;
  readonly what: string;
}

function build(i: number): Built {
  const r = new Rng(SEED, hash("direct one-shots"), i);
  const fn = r.pick(["xor", "pq", "pqRecover"] as const);
  const n = fn === "xor" ? 2 + r.below(7) : 2 + r.below(6);
  const length = r.pick([1, 2, 63, 64, 65, 511, 512, 513, 4099, 1 + r.below(9000)]);
  const outputs = fn === "xor" ? 1 : 2;
  const sides = outputs + n;
  const regions: Region[] = [];
  const views: Uint8Array[] = [];
  const notes: string[] = [];
  for (let k = 0; k < sides; k++) {
    const size = r.chance(0.97) ? length : length + r.pick([-1, 1]);
    const region = makeRegion(r, size, { kinds: r.chance(0.85) ? ["array", "shared"] : ALL_KINDS });
    regions.push(region);
    views.push(region.view);
    notes.push(region.kind);
  }
  if (r.chance(0.35)) {
    // Two or three sides in one arena, the first two meeting in some way (or adjacent, or apart).
    const arena = makeRegion(r, 4 * length + 128, { kinds: ARENA_KINDS });
    regions.push(arena);
    const shared = arena.kind === "shared" || arena.kind === "growable";
    const a = r.below(sides);
    let b = r.below(sides);
    while (b === a) b = r.below(sides);
    const base = length + r.below(64);
    const d = r.pick([0, 1 + r.below(length), -1 - r.below(length), length, -length, length + 7]);
    const place = (k: number, at: number): void => {
      const buffer = shared && r.chance(0.5)
        ? structuredClone(arena.view.buffer)
        : arena.view.buffer;
      views[k] = new Uint8Array(buffer, arena.view.byteOffset + at, length);
      notes[k] = `arena+${at}`;
    };
    place(a, base);
    place(b, Math.max(0, Math.min(base + d, 3 * length + 128)));
  }
  const outs = views.slice(0, outputs);
  const ins = views.slice(outputs);
  let call: (backend: string) => void;
  if (fn === "xor") {
    call = (backend) => xor(outs[0]!, ins, { backend });
  } else if (fn === "pq") {
    call = (backend) => pq([outs[0]!, outs[1]!], ins, { backend });
  } else {
    // A stripe of n + 2 places with ins in order and (mostly) two holes.
    const holes = r.chance(0.9) ? 2 : r.pick([1, 3]);
    const stripe: (Uint8Array | undefined)[] = [...ins];
    for (let h = 0; h < holes; h++) stripe.splice(r.below(stripe.length + 1), 0, undefined);
    call = (backend) => pqRecover([outs[0]!, outs[1]!], stripe, { backend });
  }
  return { regions, call, what: `${fn} of ${n}, ${length} B, sides ${notes.join(" ")}` };
}

/** Runs a case: the error code, or undefined; and every region's bytes after. */
function outcome(i: number, backend: string): { code: string | undefined; bytes: Uint8Array[] } {
  const built = build(i);
  let code: string | undefined;
  try {
    built.call(backend);
  } catch (error) {
    assert.ok(error instanceof DmoverError, `${built.what}, ${backend}: threw ${error}`);
    code = error.code;
  }
  const bytes = built.regions.map((region) =>
    region.host === undefined ? new Uint8Array(0) : region.host.slice()
  );
  return { code, bytes };
}

Deno.test({
  name:
    "xor, pq and pqRecover on native give ts's outcome on random whole views of every kind, meeting or not",
  ignore,
  fn() {
    let ran = 0;
    for (let i = 0; i < cases(400); i++) {
      const what = `case ${i} of seed ${SEED}: ${build(i).what}`;
      const want = outcome(i, "ts");
      const got = outcome(i, "native");
      assert.equal(got.code, want.code, what);
      got.bytes.forEach((bytes, k) => {
        const at = bytes.findIndex((b, j) => b !== want.bytes[k]![j]);
        assert.ok(
          bytes.length === want.bytes[k]!.length && at < 0,
          `${what}: memory ${k} differs from ts at byte ${at}`,
        );
      });
      if (want.code === undefined) ran++;
    }
    assert.ok(ran > cases(400) / 4, `only ${ran} cases ran`);
  },
});
