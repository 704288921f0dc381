// The child process of tests/dmover/isal_diff_test.ts: runs every dmover function that ISA-L also
// has through every backend, at the kernel level its DRAY_ISA environment variable selects (the
// shim reads it when it is loaded, so each level needs its own process), and compares each result
// with ISA-L's on random sizes, seeds, offsets and scatter/gather layouts, with guard bytes around
// every output. Prints one line `isal-diff: {json}` and exits 1 at the first mismatch.
//
//   deno run -A tests/dmover/_isal_diff.ts [--all-backends] [seed]
//
// Without --all-backends only the backends that run the shim's kernels (native, native-async,
// auto) are checked: ts and the worker pool do not depend on the level. The one-shots xor, pq and
// pqRecover also run over whole views on native and auto: their direct path (dray_dop3..9).
import {
  type DmoverBackend,
  type DmoverBuffer,
  openSession,
  pq as pqOneShot,
  pqRecover as pqRecoverOneShot,
  xor as xorOneShot,
} from "../../dmover/mod.ts";
import { native } from "../_helpers/native.ts";
import { openIsal } from "./_isal.ts";
import { trustedOps } from "../../native/_trusted.ts";
import {
  ALL_BACKENDS,
  makeSide,
  type Memory,
  randomBytes,
  rng,
  type Shape,
  type Side,
} from "./_support.ts";

const allBackends = Deno.args.includes("--all-backends");
const seedArg = Deno.args.find((a) => /^\d+$/.test(a));
const SEED = seedArg === undefined ? 16 : Number(seedArg);

class Mismatch extends Error {}

/**
 * Guards the memory of some sides: outputs (writable) get every byte around their pieces set to
 * 0xee; the returned check throws when a byte other than an output's own has changed since.
 */
function guard(sides: readonly Side[], writable: boolean): () => void {
  const regions = new Map<ArrayBufferLike, { before: Uint8Array; mine: Uint8Array }>();
  const cover = (view: Uint8Array, start: number, length: number): void => {
    let region = regions.get(view.buffer);
    if (region === undefined) {
      const size = new Uint8Array(view.buffer).length;
      region = { before: new Uint8Array(0), mine: new Uint8Array(size) };
      regions.set(view.buffer, region);
    }
    if (writable) region.mine.fill(1, start, start + length);
  };
  for (const side of sides) {
    const buffer = side.buffer;
    if (buffer instanceof Uint8Array) cover(buffer, buffer.byteOffset, buffer.length);
    else {
      for (const iov of buffer) cover(iov.buffer, iov.buffer.byteOffset + iov.offset, iov.length);
    }
  }
  for (const [buffer, region] of regions) {
    const all = new Uint8Array(buffer);
    if (writable) {
      for (let i = 0; i < all.length; i++) if (region.mine[i] === 0) all[i] = 0xee;
    }
    region.before = all.slice();
  }
  return () => {
    for (const [buffer, region] of regions) {
      const all = new Uint8Array(buffer);
      for (let i = 0; i < all.length; i++) {
        if (region.mine[i] === 0 && all[i] !== region.before[i]) {
          throw new Mismatch(
            `a byte outside the outputs changed (byte ${i} of ${
              writable ? "an output's" : "an input's"
            } memory)`,
          );
        }
      }
    }
  };
}

const shapes: Shape[] = ["whole", "one-buffer", "many-buffers"];
const memories: Memory[] = ["array", "shared"];

interface Request {
  fn: string;
  inputs: Uint8Array[];
  outputs: number;
  immediate?: number;
}

/** Runs one request on one backend with fresh random layouts; the outputs' bytes and immediate. */
async function run(
  backend: string | DmoverBackend,
  request: Request,
  next: (n: number) => number,
): Promise<{ outputs: Uint8Array[]; immediate: number | undefined }> {
  const side = (bytes: Uint8Array): Side =>
    makeSide(bytes, shapes[next(3)]!, next, memories[next(2)]!);
  const length = request.inputs[0]!.length;
  const ins = request.inputs.map(side);
  const outs = Array.from({ length: request.outputs }, (_, k) => side(randomBytes(length, k + 99)));
  const checkOutputs = guard(outs, true);
  const checkInputs = guard(ins, false);
  using session = openSession(request.fn, { backend });
  const buffers = (sides: Side[]): DmoverBuffer[] => sides.map((s) => s.buffer);
  await session.submit({
    id: 1,
    ...(outs.length === 1 ? { output: outs[0]!.buffer } : {}),
    ...(outs.length > 1 ? { outputs: buffers(outs) } : {}),
    inputs: buffers(ins),
    ...(request.immediate === undefined ? {} : { immediate: request.immediate }),
  });
  const completion = await session.read();
  if (completion.error !== undefined) throw completion.error;
  checkOutputs();
  checkInputs();
  return { outputs: outs.map((o) => o.read()), immediate: completion.immediate };
}

/**
 * Runs xor, pq or pqRecover as a one-shot over whole views (`undefined`: a lost block of the
 * stripe), in guarded memory of either kind: their direct path (dray_dop3..9 on native). Returns
 * the outputs' bytes.
 */
function oneShot(
  fn: "xor" | "pq" | "pqRecover",
  backend: string,
  blocks: readonly (Uint8Array | undefined)[],
  next: (n: number) => number,
): Uint8Array[] {
  const length = blocks.find((b) => b !== undefined)!.length;
  const whole = (bytes: Uint8Array): Side => makeSide(bytes, "whole", next, memories[next(2)]!);
  const ins = blocks.map((b) => b === undefined ? undefined : whole(b));
  const outs = Array.from(
    { length: fn === "xor" ? 1 : 2 },
    (_, k) => whole(randomBytes(length, k)),
  );
  const checkOutputs = guard(outs, true);
  const checkInputs = guard(ins.filter((s) => s !== undefined), false);
  const views = outs.map((o) => o.buffer as Uint8Array);
  const inputs = ins.map((s) => s?.buffer as Uint8Array | undefined);
  const options = { backend };
  if (fn === "xor") xorOneShot(views[0]!, inputs as Uint8Array[], options);
  else if (fn === "pq") pqOneShot([views[0]!, views[1]!], inputs as Uint8Array[], options);
  else pqRecoverOneShot([views[0]!, views[1]!], inputs, options);
  checkOutputs();
  checkInputs();
  return outs.map((o) => o.read());
}

function same(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

async function main(): Promise<void> {
  if (!native.available) throw new Error(`the native library is not loaded: ${native.reason}`);
  const isal = openIsal();
  if (!isal.available) throw new Error(`ISA-L is not available: ${isal.reason}`);
  const ref = isal.reference;
  const next = rng(SEED);
  // Counts the direct calls that ran (dray_dop3..9 accepted them), for the report.
  const trusted = trustedOps(native.library)!;
  const directCall = trusted.direct;
  let direct = 0;
  trusted.direct = (...args) => {
    const ran = directCall.apply(trusted, args);
    if (ran) direct++;
    return ran;
  };
  const wanted = allBackends
    ? ALL_BACKENDS
    : ALL_BACKENDS.filter((b) => b.name === "native" || b.name === "native-async");
  const opened = wanted.filter((b) => !b.ignore).map((b) => ({ name: b.name, backend: b.open() }));
  const backends: { name: string; backend: string | DmoverBackend }[] = [
    ...opened,
    { name: "auto", backend: "auto" },
  ];
  const edges = [
    1,
    2,
    15,
    16,
    17,
    31,
    32,
    33,
    63,
    64,
    65,
    127,
    128,
    129,
    255,
    256,
    257,
    1000,
    4096,
  ];
  const size = (): number => {
    const bits = next(17);
    return Math.max(1, (1 << bits) + next(1 << bits));
  };
  let checks = 0;
  const check = async (
    what: string,
    request: Request,
    outputs: Uint8Array[],
    immediate: number | undefined,
  ): Promise<void> => {
    for (const { name, backend } of backends) {
      const got = await run(backend, request, next);
      const where = `${what}, ${request.inputs[0]!.length} B, backend ${name}`;
      if (got.immediate !== immediate) {
        throw new Mismatch(`${where}: result ${got.immediate}, ISA-L ${immediate}`);
      }
      got.outputs.forEach((bytes, k) => {
        const at = same(bytes, outputs[k]!);
        if (at >= 0) throw new Mismatch(`${where}: output ${k} differs from ISA-L at ${at}`);
      });
      checks++;
    }
  };
  try {
    // crc32c and copy-crc32c: seeds, every edge size, random sizes; and chaining: the CRC of a
    // split buffer, seeded with the CRC of the first part, is ISA-L's CRC of the whole.
    for (const length of [...edges, ...Array.from({ length: 24 }, size)]) {
      const data = randomBytes(length, next(1 << 30));
      const seed = next(2) === 0 ? 0 : next(0xffff_ffff);
      const crc = ref.crc32c(data, seed);
      await check(
        `crc32c seed ${seed}`,
        { fn: "iscsi-crc32c", inputs: [data], outputs: 0, immediate: seed },
        [],
        crc,
      );
      await check(
        `copy-crc32c seed ${seed}`,
        {
          fn: "copy-crc32c",
          inputs: [data],
          outputs: 1,
          immediate: seed,
        },
        [data],
        crc,
      );
      const cut = next(length + 1);
      if (cut > 0 && cut < length) {
        const first = ref.crc32c(data.subarray(0, cut), seed);
        await check(
          `crc32c chained at ${cut}`,
          {
            fn: "iscsi-crc32c",
            inputs: [data.subarray(cut)],
            outputs: 0,
            immediate: first,
          },
          [],
          crc,
        );
      }
    }
    // xor and xor-check over 2..32 inputs; compare.
    for (let n = 2; n <= 32; n++) {
      const lengths = n <= 4 || n === 8 || n === 32
        ? [...edges.filter((_, i) => i % 3 === n % 3), size()]
        : [size()];
      for (const length of lengths) {
        const inputs = Array.from({ length: n }, () => randomBytes(length, next(1 << 30)));
        const parity = ref.xor(inputs);
        await check(`xor ${n}`, { fn: "xor", inputs, outputs: 1 }, [parity], undefined);
        // A consistent set (the parity as the last input), then one with a byte flipped.
        const rest = inputs.slice(0, n - 1);
        // xor_gen needs two sources: the parity of one block is a copy of it.
        const consistent = [...rest, rest.length === 1 ? rest[0]!.slice() : ref.xor(rest)];
        const verdict = ref.xorCheck(consistent);
        if (!verdict.consistent || verdict.first !== -1) throw new Mismatch("ISA-L xor_check");
        await check(`xor-check ${n}`, { fn: "xor-check", inputs: consistent, outputs: 0 }, [], -1);
        const flipped = consistent.map((b) => b.slice());
        const victim = flipped[next(n)]!;
        const at = next(length);
        victim[at] = victim[at]! ^ (1 + next(255));
        const broken = ref.xorCheck(flipped);
        if (broken.consistent) throw new Mismatch("ISA-L xor_check missed a flipped byte");
        await check(
          `xor-check ${n} flipped`,
          { fn: "xor-check", inputs: flipped, outputs: 0 },
          [],
          broken.first,
        );
      }
    }
    for (const length of [...edges, size(), size()]) {
      const a = randomBytes(length, next(1 << 30));
      const b = a.slice();
      if (next(3) > 0) {
        const at = next(length);
        b[at] = b[at]! ^ (1 + next(255));
      }
      await check("compare", { fn: "compare", inputs: [a, b], outputs: 0 }, [], ref.compare(a, b));
    }
    // pq over 2..32 data blocks.
    for (let n = 2; n <= 32; n++) {
      const lengths = n === 6 || n === 2 || n === 32
        ? [...edges.filter((_, i) => i % 2 === n % 2), size()]
        : [size()];
      for (const length of lengths) {
        const data = Array.from({ length: n }, () => randomBytes(length, next(1 << 30)));
        await check(`pq ${n}`, { fn: "pq", inputs: data, outputs: 2 }, ref.pq(data), undefined);
      }
    }
    // pq-recover: every lost pair of a 6+2 stripe at several sizes, and wider and narrower stripes.
    const stripes: [number, number[]][] = [
      [6, [1, 64, 100, 4096, size()]],
      [2, [33, size()]],
      [3, [257, size()]],
      [16, [1000, size()]],
      [32, [129, size()]],
    ];
    for (const [n, lengths] of stripes) {
      for (const length of lengths) {
        const data = Array.from({ length: n }, () => randomBytes(length, next(1 << 30)));
        const stripe = [...data, ...ref.pq(data)];
        const pairs: [number, number][] = [];
        for (let a = 0; a < n + 2; a++) {
          for (let b = a + 1; b < n + 2; b++) pairs.push([a, b]);
        }
        // Every pair for 6+2 and the small stripes; a dozen for the wide ones.
        const chosen = n <= 6
          ? pairs
          : Array.from({ length: 12 }, () => pairs[next(pairs.length)]!);
        for (const [a, b] of chosen) {
          const survivors = stripe.filter((_, i) => i !== a && i !== b);
          const rebuilt = ref.recover(n, a, b, survivors);
          if (same(rebuilt[0], stripe[a]!) >= 0 || same(rebuilt[1], stripe[b]!) >= 0) {
            throw new Mismatch(`ISA-L's own recovery of ${n}+2 lost ${a}, ${b} is wrong`);
          }
          await check(
            `pq-recover ${n}+2 lost ${a}, ${b}`,
            {
              fn: "pq-recover",
              inputs: survivors,
              outputs: 2,
              immediate: 2 ** a + 2 ** b,
            },
            rebuilt,
            undefined,
          );
        }
      }
    }
    // The one-shots over whole views (their direct path): xor of 2..8, pq of 2..7 data blocks,
    // pq-recover of every lost pair of 2..7 data blocks, on the synchronous backends that run the
    // shim's kernels.
    const expect = (what: string, got: Uint8Array[], want: readonly Uint8Array[]): void => {
      got.forEach((bytes, k) => {
        const at = same(bytes, want[k]!);
        if (at >= 0) throw new Mismatch(`${what}: output ${k} differs from ISA-L at ${at}`);
      });
      checks++;
    };
    for (const backend of ["native", "auto"]) {
      const lengths = (): number[] => [edges[next(edges.length)]!, 512 + next(600), size()];
      for (let n = 2; n <= 8; n++) {
        for (const length of lengths()) {
          const inputs = Array.from({ length: n }, () => randomBytes(length, next(1 << 30)));
          const what = `one-shot xor ${n}, ${length} B, backend ${backend}`;
          expect(what, oneShot("xor", backend, inputs, next), [ref.xor(inputs)]);
        }
      }
      for (let n = 2; n <= 7; n++) {
        for (const length of lengths()) {
          const data = Array.from({ length: n }, () => randomBytes(length, next(1 << 30)));
          const what = `one-shot pq ${n}, ${length} B, backend ${backend}`;
          expect(what, oneShot("pq", backend, data, next), ref.pq(data));
        }
        const length = next(2) === 0 ? edges[next(edges.length)]! : 512 + next(5000);
        const data = Array.from({ length: n }, () => randomBytes(length, next(1 << 30)));
        const stripe = [...data, ...ref.pq(data)];
        for (let a = 0; a < n + 2; a++) {
          for (let b = a + 1; b < n + 2; b++) {
            const survivors = stripe.filter((_, i) => i !== a && i !== b);
            const holes = stripe.map((block, i) => i === a || i === b ? undefined : block);
            const what =
              `one-shot pq-recover ${n}+2 lost ${a}, ${b}, ${length} B, backend ${backend}`;
            expect(
              what,
              oneShot("pqRecover", backend, holes, next),
              ref.recover(n, a, b, survivors),
            );
          }
        }
      }
    }
    console.log(
      `isal-diff: ${
        JSON.stringify({
          ok: true,
          isa: native.library.dmoverIsa,
          crc32c: native.library.crc32cImplementation,
          backends: backends.map((b) => b.name),
          checks,
          direct,
          seed: SEED,
          isal: ref.path,
        })
      }`,
    );
  } finally {
    trusted.direct = directCall;
    for (const { backend } of opened) (backend as DmoverBackend & Disposable)[Symbol.dispose]();
    ref.close();
  }
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.log(`isal-diff: ${JSON.stringify({ ok: false, seed: SEED, error: message })}`);
  Deno.exit(1);
}
