// The one-shots' direct path (dmover/_direct.ts, and on the native backend the shim's dray_dop3..9):
// xor, pq and pqRecover over whole views take it, give the bytes of the ts backend and of the
// validated path (the same request as iovec lists, which never takes it), refuse sides that meet
// with the validated path's EINVAL and write nothing then, and stay within their memory when a
// getter on the caller's array detaches or shrinks a view. A spy on the backends' direct ops
// asserts that the direct path really ran (a broken control word would fall back to the validated
// path and give the same bytes).
import assert from "node:assert/strict";
import {
  type DmoverBuffer,
  DmoverError,
  type DmoverIovec,
  type OneShotOptions,
  pq,
  pqRecover,
  xor,
} from "../../dmover/mod.ts";
import { type DirectOps, directOps } from "../../dmover/_direct.ts";
import { lookupBackend } from "../../dmover/_registry.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import { pqRef, randomBytes } from "./_support.ts";

const ignore = nativeLibrary === undefined || !nativeLibrary.hasDmoverKernels;
const NATIVE: OneShotOptions = { backend: "native" };
const TS: OneShotOptions = { backend: "ts" };
const LENGTHS = [1, 63, 64, 511, 512, 4099];
const GUARD = 0xee;

/** What the direct ops of a backend answered, per op, since `watch`. */
interface Watch {
  readonly calls: Record<"xor" | "pq" | "pqRecover", boolean[]>;
  [Symbol.dispose](): void;
}

/** Wraps the direct ops of the named backend to record each answer (restored on dispose). */
function watch(name: string): Watch {
  const ops = directOps(lookupBackend(name)) as DirectOps & Record<string, unknown>;
  assert.ok(ops !== undefined, `${name} has no direct ops`);
  const calls: Watch["calls"] = { xor: [], pq: [], pqRecover: [] };
  const saved = new Map<string, unknown>();
  for (const op of ["xor", "pq", "pqRecover"] as const) {
    const original = ops[op] as ((...args: unknown[]) => boolean) | undefined;
    if (original === undefined) continue;
    saved.set(op, original);
    ops[op] = (...args: unknown[]): boolean => {
      const ran = original.apply(ops, args);
      calls[op].push(ran);
      return ran;
    };
  }
  return {
    calls,
    [Symbol.dispose](): void {
      for (const [op, original] of saved) ops[op] = original;
    },
  };
}

/** A view of `bytes` at an odd offset of its own memory, with guard bytes around it. */
function place(bytes: Uint8Array, shared = false): Uint8Array {
  const offset = 1 + 2 * (bytes.length % 7);
  const size = offset + bytes.length + 9;
  const memory = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  memory.fill(GUARD);
  const view = memory.subarray(offset, offset + bytes.length);
  view.set(bytes);
  return view;
}

/** Asserts every byte of the view's memory outside the view is still a guard byte. */
function assertGuards(view: Uint8Array, where: string): void {
  const all = new Uint8Array(view.buffer);
  for (let i = 0; i < all.length; i++) {
    if (i >= view.byteOffset && i < view.byteOffset + view.length) continue;
    assert.equal(all[i], GUARD, `${where}: byte ${i} of the memory, outside the view`);
  }
}

/** The same bytes as a list of iovecs over one buffer: the validated path. */
function iovecs(bytes: Uint8Array): DmoverIovec[] {
  const buffer = new Uint8Array(bytes.length + 8);
  buffer.set(bytes, 3);
  const cut = bytes.length >> 1;
  return [
    { buffer, offset: 3, length: cut },
    { buffer, offset: 3 + cut, length: bytes.length - cut },
  ];
}

function readIovecs(list: readonly DmoverIovec[]): Uint8Array {
  const out: number[] = [];
  for (const { buffer, offset, length } of list) {
    out.push(...buffer.subarray(offset, offset + length));
  }
  return Uint8Array.from(out);
}

function xorRef(blocks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(blocks[0]!.length);
  for (const b of blocks) for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ b[i]!;
  return out;
}

function isEinval(error: unknown): boolean {
  return error instanceof DmoverError && error.code === "EINVAL";
}

Deno.test({
  name:
    "xor, pq and pqRecover on whole views take the native direct path and give the bytes of ts and of iovec lists",
  ignore,
  fn() {
    using spy = watch("native");
    let seed = 1;
    for (const length of LENGTHS) {
      for (let n = 2; n <= 8; n++) {
        const where = `xor of ${n}, ${length} B`;
        const inputs = Array.from({ length: n }, () => randomBytes(length, seed++));
        const want = xorRef(inputs);
        const out = place(randomBytes(length, seed++), n % 2 === 0);
        xor(out, inputs.map((b, k) => place(b, k % 2 === 1)), NATIVE);
        assert.deepEqual(out, want, where);
        assertGuards(out, where);
        const viaTs = new Uint8Array(length);
        xor(viaTs, inputs, TS);
        assert.deepEqual(viaTs, want, `${where}, ts`);
        const viaIovecs = iovecs(new Uint8Array(length));
        xor(viaIovecs, inputs.map(iovecs), NATIVE);
        assert.deepEqual(readIovecs(viaIovecs), want, `${where}, iovecs`);
      }
      for (let n = 2; n <= 7; n++) {
        const where = `pq of ${n}, ${length} B`;
        const data = Array.from({ length: n }, () => randomBytes(length, seed++));
        const want = pqRef(data);
        const outs: [Uint8Array, Uint8Array] = [
          place(randomBytes(length, 1)),
          place(new Uint8Array(length), true),
        ];
        pq(outs, data.map((b) => place(b)), NATIVE);
        assert.deepEqual(outs, want, where);
        outs.forEach((o) => assertGuards(o, where));
        const viaTs: [Uint8Array, Uint8Array] = [new Uint8Array(length), new Uint8Array(length)];
        pq(viaTs, data, TS);
        assert.deepEqual(viaTs, want, `${where}, ts`);
        const viaIovecs = [iovecs(new Uint8Array(length)), iovecs(new Uint8Array(length))] as const;
        pq(viaIovecs, data.map(iovecs), NATIVE);
        assert.deepEqual(viaIovecs.map(readIovecs), want, `${where}, iovecs`);

        // pqRecover: every lost pair of this stripe.
        const stripe = [...data, ...want];
        for (let a = 0; a < n + 2; a++) {
          for (let b = a + 1; b < n + 2; b++) {
            const lost = `${where}, lost ${a}, ${b}`;
            const holes = (blocks: readonly DmoverBuffer[]): (DmoverBuffer | undefined)[] =>
              blocks.map((block, k) => (k === a || k === b ? undefined : block));
            const rebuilt: [Uint8Array, Uint8Array] = [
              place(new Uint8Array(length)),
              place(new Uint8Array(length), true),
            ];
            pqRecover(rebuilt, holes(stripe.map((s, k) => place(s, k % 3 === 0))), NATIVE);
            assert.deepEqual(rebuilt, [stripe[a], stripe[b]], lost);
            rebuilt.forEach((o) => assertGuards(o, lost));
            const viaTs: [Uint8Array, Uint8Array] = [
              new Uint8Array(length),
              new Uint8Array(length),
            ];
            pqRecover(viaTs, holes(stripe), TS);
            assert.deepEqual(viaTs, [stripe[a], stripe[b]], `${lost}, ts`);
            const viaIovecs = [
              iovecs(new Uint8Array(length)),
              iovecs(new Uint8Array(length)),
            ] as const;
            pqRecover(viaIovecs, holes(stripe.map(iovecs)), NATIVE);
            assert.deepEqual(viaIovecs.map(readIovecs), [stripe[a], stripe[b]], `${lost}, iovecs`);
          }
        }
      }
    }
    // Every whole-view call above took the direct path, and it ran each (iovec lists never).
    const recoveries = LENGTHS.length *
      [2, 3, 4, 5, 6, 7].reduce((s, n) => s + (n + 2) * (n + 1) / 2, 0);
    assert.deepEqual(spy.calls.xor, Array(LENGTHS.length * 7).fill(true));
    assert.deepEqual(spy.calls.pq, Array(LENGTHS.length * 6).fill(true));
    assert.deepEqual(spy.calls.pqRecover, Array(recoveries).fill(true));
  },
});

Deno.test({
  name: "xor with backend ts and auto takes their direct paths and gives the same bytes",
  ignore,
  fn() {
    for (const backend of ["ts", "auto"]) {
      using ts = watch("ts");
      using native = watch("native");
      for (const length of LENGTHS) {
        const inputs = [randomBytes(length, 3), randomBytes(length, 4), randomBytes(length, 5)];
        const out = place(new Uint8Array(length));
        xor(out, inputs.map((b) => place(b, true)), { backend });
        assert.deepEqual(out, xorRef(inputs), `${backend}, ${length} B`);
        assertGuards(out, `${backend}, ${length} B`);
      }
      const ran = [...ts.calls.xor, ...native.calls.xor];
      assert.deepEqual(ran, Array(LENGTHS.length).fill(true), backend);
      if (backend === "ts") assert.equal(native.calls.xor.length, 0);
    }
  },
});

/** Asserts `run` throws EINVAL and that no byte of the listed memories changed. */
function refuses(what: string, memories: readonly Uint8Array[], run: () => void): void {
  const before = memories.map((m) => m.slice());
  assert.throws(run, isEinval, what);
  memories.forEach((m, k) => assert.deepEqual(m, before[k], `${what}: memory ${k} was written`));
}

Deno.test({
  name: "xor, pq and pqRecover refuse outputs that meet another side with EINVAL, writing nothing",
  ignore,
  fn() {
    for (const backend of ["native", "auto", "ts"]) {
      const options = { backend };
      using spy = watch(backend === "ts" ? "ts" : "native");
      for (const length of [1, 64, 4099]) {
        for (const op of ["xor", "pq", "pqRecover"] as const) spy.calls[op].length = 0;
        const where = `${backend}, ${length} B`;
        const arena = randomBytes(4 * length + 64, length);
        const at = (k: number): Uint8Array => arena.subarray(k, k + length);
        const s = new SharedArrayBuffer(4 * length + 64);
        new Uint8Array(s).set(arena);
        const twin = new Uint8Array(structuredClone(s)); // another object, the same memory
        const sab = new Uint8Array(s);
        const d = length === 1 ? 0 : 1 + (length >> 1); // overlaps of length - d bytes
        const other = randomBytes(length, 9);
        refuses(
          `xor: the output is an input, ${where}`,
          [arena],
          () => xor(at(8), [other, at(8)], options),
        );
        refuses(
          `xor: an input overlaps from before, ${where}`,
          [arena],
          () => xor(at(8 + d), [at(8), other], options),
        );
        refuses(
          `xor: an input overlaps from after, ${where}`,
          [arena],
          () => xor(at(8), [other, at(8 + d)], options),
        );
        refuses(
          `xor: views of one SharedArrayBuffer, ${where}`,
          [sab],
          () =>
            xor(sab.subarray(8, 8 + length), [other, sab.subarray(8 + d, 8 + d + length)], options),
        );
        refuses(
          `xor: two SharedArrayBuffer objects over one memory, ${where}`,
          [sab],
          () =>
            xor(
              sab.subarray(8, 8 + length),
              [twin.subarray(8 + d, 8 + d + length), other],
              options,
            ),
        );
        refuses(
          `pq: P and Q overlap, ${where}`,
          [arena],
          () => pq([at(8), at(8 + d)], [other, other], options),
        );
        refuses(
          `pq: Q is a data block, ${where}`,
          [arena],
          () => pq([new Uint8Array(length), at(8)], [other, at(8)], options),
        );
        refuses(
          `pq: P overlaps a data block in a twin, ${where}`,
          [sab],
          () =>
            pq([sab.subarray(8, 8 + length), new Uint8Array(length)], [
              other,
              twin.subarray(8 + d, 8 + d + length),
            ], options),
        );
        refuses(
          `pqRecover: an output overlaps a survivor, ${where}`,
          [arena],
          () =>
            pqRecover(
              [new Uint8Array(length), at(8 + d)],
              [undefined, at(8), other, undefined],
              options,
            ),
        );
        // The direct op was asked each time, and declined (C found the meeting: DRAY_EMEET).
        const asked = [...spy.calls.xor, ...spy.calls.pq, ...spy.calls.pqRecover];
        assert.ok(asked.every((ran) => !ran), `a direct op ran, ${where}`);
        // Five xors and, on native, three pqs and one pqRecover (auto may pick either).
        if (backend !== "auto") {
          assert.equal(asked.length, backend === "ts" ? 5 : 9, `direct calls, ${where}`);
        }
        // Adjacent is not meeting: the same request one byte further on runs.
        const next = arena.slice();
        xor(arena.subarray(8 + length, 8 + 2 * length), [at(8), other], options);
        assert.deepEqual(
          arena.subarray(8 + length, 8 + 2 * length),
          xorRef([next.subarray(8, 8 + length), other]),
          `xor: adjacent, ${where}`,
        );
      }
    }
  },
});

/** An array whose element `k` is a getter that runs `action` once, then gives `value`. */
function withGetter<T>(items: T[], k: number, action: () => void): T[] {
  const value = items[k];
  let done = false;
  Object.defineProperty(items, k, {
    get(): T | undefined {
      if (!done) (done = true), action();
      return value;
    },
    enumerable: true,
  });
  return items;
}

/** Detaches a view's ArrayBuffer (transfers it away). */
function detach(view: Uint8Array): void {
  (view.buffer as ArrayBuffer).transfer();
}

/** Runs a one-shot whose arrays change under it: a DmoverError, or the result `check` accepts. */
function survives(what: string, run: () => void, check: () => void): void {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DmoverError, `${what}: threw ${error}`);
    return;
  }
  check();
}

Deno.test({
  name:
    "xor, pq and pqRecover stay within their memory when a getter on the caller's array detaches or shrinks a view",
  ignore,
  fn() {
    for (const backend of ["native", "auto"]) {
      const options = { backend };
      for (const length of [64, 4099]) {
        const where = `${backend}, ${length} B`;
        const resizable = (): [ArrayBuffer, Uint8Array] => {
          const rab = new ArrayBuffer(length + 16, { maxByteLength: length + 16 });
          const view = new Uint8Array(rab, 8, length);
          view.set(randomBytes(length, 77));
          return [rab, view];
        };
        // xor: reading input 1 detaches input 0.
        {
          const out = place(new Uint8Array(length));
          const first = new Uint8Array(randomBytes(length, 1).buffer);
          const inputs = withGetter([first, place(randomBytes(length, 2))], 1, () => {
            detach(first);
          });
          survives(`xor, an input detached, ${where}`, () => xor(out, inputs, options), () => {
            assert.fail("a detached input was accepted");
          });
          assertGuards(out, where);
        }
        // xor: reading input 1 shrinks the output's resizable memory (the view goes out of bounds).
        {
          const [rab, out] = resizable();
          const inputs = [randomBytes(length, 3), randomBytes(length, 4)];
          const list = withGetter([...inputs], 1, () => rab.resize(8 + (length >> 1)));
          survives(`xor, the output shrunk, ${where}`, () => xor(out, list, options), () => {
            assert.fail("an output out of bounds was accepted");
          });
          assert.equal(rab.byteLength, 8 + (length >> 1));
        }
        // xor: a length-tracking input shrinks: lengths differ.
        {
          const rab = new ArrayBuffer(length, { maxByteLength: length });
          const tracking = new Uint8Array(rab);
          tracking.set(randomBytes(length, 5));
          const out = place(new Uint8Array(length));
          const inputs = withGetter(
            [randomBytes(length, 6), tracking],
            0,
            () => rab.resize(length - 1),
          );
          survives(`xor, an input shrunk, ${where}`, () => xor(out, inputs, options), () => {
            assert.fail("inputs of different lengths were accepted");
          });
          assertGuards(out, where);
        }
        // pq: reading Q detaches data block 0; reading a data block shrinks P.
        {
          const data0 = new Uint8Array(randomBytes(length, 7).buffer);
          const data = [data0, randomBytes(length, 8), randomBytes(length, 9)];
          const outs = withGetter(
            [place(new Uint8Array(length)), place(new Uint8Array(length))],
            1,
            () => {
              detach(data0);
            },
          ) as unknown as [Uint8Array, Uint8Array];
          survives(`pq, a block detached, ${where}`, () => pq(outs, data, options), () => {
            assert.fail("a detached block was accepted");
          });
          const [rab, p] = resizable();
          const blocks = withGetter(
            [randomBytes(length, 10), randomBytes(length, 11)],
            1,
            () => rab.resize(4),
          );
          const q = place(new Uint8Array(length));
          survives(`pq, P shrunk, ${where}`, () => pq([p, q], blocks, options), () => {
            assert.fail("an output out of bounds was accepted");
          });
          assertGuards(q, where);
        }
        // pqRecover: reading a survivor detaches another one; the result, if any, is right.
        {
          const data = [randomBytes(length, 12), randomBytes(length, 13), randomBytes(length, 14)];
          const stripe = [...data, ...pqRef(data)];
          const victim = new Uint8Array(stripe[2]!.slice().buffer);
          const holes = withGetter([undefined, stripe[1], victim, undefined, stripe[4]], 4, () => {
            detach(victim);
          });
          const rebuilt: [Uint8Array, Uint8Array] = [
            place(new Uint8Array(length)),
            place(new Uint8Array(length)),
          ];
          survives(
            `pqRecover, a survivor detached, ${where}`,
            () => pqRecover(rebuilt, holes, options),
            () => {
              assert.fail("a detached survivor was accepted");
            },
          );
          rebuilt.forEach((o) => assertGuards(o, where));
        }
      }
    }
  },
});
