// The direct entry points of a built library (dray_dop3..dray_dop9, called raw) against the
// references of _support.ts: xor of 2 to 8 inputs, pq of 2 to 7 data blocks and pq-recover of
// every lost pair, at lengths that cross each level's vector widths, and from 512 bytes (where
// the pq and pq-recover kernels peel to the first output's 64-byte boundary) with the first output
// at every address modulo 64. Used by native_ops_test.ts for every level it builds.
import assert from "node:assert/strict";
import { pqRef, randomBytes, rng } from "./_support.ts";

const XOR = 2, PQ = 9, PQ_RECOVER = 10;

function dopSymbol(count: number): Deno.ForeignFunction {
  const parameters: Deno.NativeType[] = ["u32", "u32"];
  for (let k = 0; k < count; k++) parameters.push("buffer", "u32");
  return { parameters, result: "i32" };
}

const DOP = {
  dray_dop3: dopSymbol(3),
  dray_dop4: dopSymbol(4),
  dray_dop5: dopSymbol(5),
  dray_dop6: dopSymbol(6),
  dray_dop7: dopSymbol(7),
  dray_dop8: dopSymbol(8),
  dray_dop9: dopSymbol(9),
} as const;

type DopFn = (...args: unknown[]) => number;

/** A control word: op, outputs, inputs, lost positions (see shim.c). */
function control(op: number, nout: number, nin: number, a = 0, b = 0): number {
  return (op | nout << 4 | nin << 6 | a << 12 | b << 18) >>> 0;
}

function xorRef(blocks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(blocks[0]!.length);
  for (const b of blocks) for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ b[i]!;
  return out;
}

/** The address of a view's first byte, modulo 64. */
function phase(view: Uint8Array): number {
  return Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(view)) & 63n);
}

/**
 * Lays `count` views of `length` bytes apart in one arena, the first at an address of `want`
 * modulo 64 and the others at offsets from `next`; copies `fill[k]` into view k when given.
 */
function layOut(
  count: number,
  length: number,
  want: number,
  next: (n: number) => number,
  fill: readonly (Uint8Array | undefined)[],
): Uint8Array[] {
  const arena = new Uint8Array(count * (length + 128) + 64);
  const views: Uint8Array[] = [];
  let at = (want - phase(arena) + 64) % 64;
  for (let k = 0; k < count; k++) {
    const view = arena.subarray(at, at + length);
    if (fill[k] !== undefined) view.set(fill[k]!);
    views.push(view);
    at += length + 1 + next(127);
  }
  return views;
}

function call(fns: Record<string, DopFn>, ctl: number, views: readonly Uint8Array[]): number {
  const args: unknown[] = [ctl, views[0]!.length];
  for (const v of views) args.push(v, v.length);
  return fns[`dray_dop${views.length}`]!(...args);
}

/** Checks one (length, first-output phase) point: xor, pq and pq-recover, `where` in messages. */
function checkPoint(
  fns: Record<string, DopFn>,
  length: number,
  want: number,
  next: (n: number) => number,
  where: string,
): void {
  const ni = 2 + next(7); // xor: 2..8 inputs
  const inputs = Array.from({ length: ni }, (_, k) => randomBytes(length, next(1e9) + k));
  const x = layOut(ni + 1, length, want, next, [undefined, ...inputs]);
  assert.equal(call(fns, control(XOR, 1, ni), x), 0, `xor of ${ni} ${where}`);
  assert.deepEqual(x[0], xorRef(inputs), `xor of ${ni} ${where}`);

  const n = 2 + next(6); // pq: 2..7 data blocks
  const data = Array.from({ length: n }, (_, k) => randomBytes(length, next(1e9) + k));
  const [p, q] = pqRef(data);
  const v = layOut(n + 2, length, want, next, [undefined, undefined, ...data]);
  assert.equal(call(fns, control(PQ, 2, n), v), 0, `pq of ${n} ${where}`);
  assert.deepEqual([v[0], v[1]], [p, q], `pq of ${n} ${where}`);

  const stripe = [...data, p, q];
  const a = next(n + 1);
  const b = a + 1 + next(n + 1 - a);
  const survivors = stripe.filter((_, k) => k !== a && k !== b);
  const r = layOut(n + 2, length, want, next, [undefined, undefined, ...survivors]);
  assert.equal(call(fns, control(PQ_RECOVER, 2, n, a, b), r), 0, `pq-recover ${where}`);
  assert.deepEqual([r[0], r[1]], [stripe[a], stripe[b]], `pq-recover ${a}, ${b} of ${n} ${where}`);
}

/** Checks the direct entry points of the library at `path`; `label` names the build in messages. */
export function checkDirect(path: string, label: string, seed: number): void {
  const library = Deno.dlopen(path, DOP);
  try {
    const fns = library.symbols as unknown as Record<string, DopFn>;
    const next = rng(seed);
    for (const length of [1, 7, 31, 63, 64, 65, 255, 511, 4099, 70_001]) {
      checkPoint(fns, length, next(64), next, `${label}, ${length} B`);
    }
    // From 512 bytes, the first output at every address modulo 64.
    for (const length of [512, 1000, 4096 + 33]) {
      for (let want = 0; want < 64; want++) {
        checkPoint(fns, length, want, next, `${label}, ${length} B, output at ${want} mod 64`);
      }
    }
    // Every lost pair of a 6 + 2 stripe, peeled.
    const data = Array.from({ length: 6 }, (_, k) => randomBytes(2048 + 5, seed + k));
    const stripe = [...data, ...pqRef(data)];
    for (let a = 0; a < 8; a++) {
      for (let b = a + 1; b < 8; b++) {
        const survivors = stripe.filter((_, k) => k !== a && k !== b);
        const r = layOut(8, 2053, (a * 8 + b) % 64, next, [undefined, undefined, ...survivors]);
        assert.equal(call(fns, control(PQ_RECOVER, 2, 6, a, b), r), 0);
        assert.deepEqual([r[0], r[1]], [stripe[a], stripe[b]], `${label}: lost ${a}, ${b} of 6+2`);
      }
    }
  } finally {
    library.close();
  }
}
