// THE TABLE OF NATIVE ENTRY POINTS, one row per symbol of native/_symbols.ts. The fuzz suite
// (fuzz_native_test.ts, with the generic machinery in fuzz_engine.ts) runs every row against the
// raw C symbol and against each checked wrapper listed in the row, with random and adversarial
// (buffer, capacity, offset, length) arguments, guard bytes around every view, and asserts either
// the documented error or exactly the expected bytes changed. A test fails when a symbol has no
// row, so adding an entry point is adding a row:
//
//   symbol   the key in SYMBOLS (a nonblocking symbol is awaited; nothing else differs)
//   groups   each buffer the call takes, by name: how C uses it (read / write / readwrite), its
//            size and contents, the memory kinds it may be (default every kind: ArrayBuffer,
//            SharedArrayBuffer, growable, on-heap, resizable, shrunk, empty, detached), `words`
//            for a buffer of uint32 words (misaligned now and then), `table` for an iovec table
//            over other groups (the layout of shim.c: per side a count, then (offset, length)
//            pairs; `prefix` words first), `mayAlias` when it may be the very same view as another
//   params   the C parameters in order: `buffer` (a group's pointer), `cap` (its capacity, bytes
//            or with `unit: 4` words), `offset`, `length` (shared by the groups listed; C checks
//            each (cap, offset, length)), `scalar` (any other number, from its `pick`)
//   expect   the model of the C function: its checks in its own order (spanCode() is
//            dray_span_ok), then the effect: `{ codes }` for an error (nothing may change), or
//            `{ ok(rc) }`, which asserts the result and returns each group's effect: its exact
//            new bytes, ranges C may write in any way, or undefined for untouched
//   wrappers the checked NativeLibrary methods over the symbol: how to build their arguments,
//            which TypeError/RangeError a bad argument gives, and the result of a good call
//   prepare / cleanup   what a case needs around it (bytes from the peer, closing a descriptor)
//
// Raw calls never lie about a capacity: C takes the capacity on trust (shim.c says so), so the
// fuzzer passes at most the view's length (any value for an empty or detached view, which C gets
// as NULL). Offsets and lengths are anything a uint32 holds; wrappers get any JavaScript number.

import assert from "node:assert/strict";
import type { NativeLibrary } from "../../native/mod.ts";
import { ABI, type ShimSymbols, type SYMBOLS } from "../../native/_symbols.ts";
import {
  ALIGNED_KINDS,
  ALL_KINDS,
  bitwiseCrc32c,
  copyOf,
  type Effect,
  isIndex,
  makeRegion,
  type MemoryKind,
  notAView,
  type Region,
  type Rng,
  U32_MAX,
  viewBefore,
  wrapperIndex,
} from "./fuzz_engine.ts";

// ---- types ----------------------------------------------------------------------------------

export type SymbolName = keyof typeof SYMBOLS;

/** One buffer of a call. */
export interface GroupSpec {
  /** How C uses the bytes. */
  readonly access: "read" | "write" | "readwrite";
  /** The view's size (default Rng.size()). */
  readonly size?: (r: Rng, c: RawCase) => number;
  /** The memory kinds to choose from (default every kind). */
  readonly kinds?: readonly MemoryKind[];
  /** A buffer of uint32 words: started misaligned now and then. */
  readonly words?: boolean;
  /** The view's contents (default random). */
  readonly fill?: (view: Uint8Array, r: Rng, c: RawCase) => void;
  /** An iovec table over the listed groups, after `prefix` free words. */
  readonly table?: { readonly sides: readonly string[]; readonly prefix: number };
  /**
   * A table of another layout: its words, built once every group without a table has its span
   * (then given a word count and a kind like any table group).
   */
  readonly build?: (r: Rng, c: RawCase) => number[];
  /** This group may be the very same view as the named one. */
  readonly mayAlias?: string;
}

/** One C parameter. */
export type ParamSpec =
  | { readonly kind: "buffer"; readonly group: string }
  | { readonly kind: "cap"; readonly group: string; readonly unit?: 1 | 4 }
  | { readonly kind: "offset"; readonly group: string }
  | {
    readonly kind: "length";
    readonly groups: readonly string[];
    readonly pick?: (r: Rng, c: RawCase, room: number) => number;
  }
  | {
    readonly kind: "scalar";
    readonly name: string;
    readonly pick: (r: Rng, c: RawCase) => number;
  };

/** A buffer as a raw case passes it: the region, its capacity, the span C is asked to use. */
export interface Span {
  region: Region;
  /** The capacity passed (bytes, or words for a `unit: 4` capacity). */
  cap: number;
  off: number;
  len: number;
}

/** The arguments of one raw call. */
export interface RawCase {
  readonly rng: Rng;
  readonly ctx: FuzzContext;
  readonly spans: Record<string, Span>;
  readonly scalars: Record<string, number>;
  /** Whatever prepare() wants cleanup() to know. */
  state: Record<string, unknown>;
}

/** What a call must do: fail with one of `codes` touching nothing, or succeed as `ok` says. */
export type Expect =
  | { readonly codes: readonly number[] }
  | { readonly ok: (rc: number) => Readonly<Record<string, Effect>> };

/** A TypeError or a RangeError: what a checked wrapper throws for a bad argument. */
export type ErrorClass = typeof TypeError | typeof RangeError;

/** One call of a checked wrapper. */
export interface WrapperCase {
  /** The memory to check for guard bytes and effects. */
  readonly regions: Readonly<Record<string, Region>>;
  /** Calls the wrapper. */
  call(lib: NativeLibrary): unknown;
  /** The classes of error that the bad arguments call for (empty: the call must succeed). */
  readonly errors: readonly ErrorClass[];
  /** For a good call: asserts the result, and returns each region's effect. */
  ok(result: unknown): Readonly<Record<string, Effect>>;
  /** Describes the arguments for a failure message. */
  readonly what: string;
}

/** A checked wrapper over a row's symbol. */
export interface WrapperSpec {
  readonly name: string;
  readonly cases: number;
  make(r: Rng, ctx: FuzzContext): WrapperCase | Promise<WrapperCase>;
}

/** A row of the table: one native entry point. */
export interface Row {
  readonly symbol: SymbolName;
  readonly groups?: Readonly<Record<string, GroupSpec>>;
  readonly params: readonly ParamSpec[];
  /** Cases per run at scale 1. */
  readonly cases: number;
  prepare?(c: RawCase): void | Promise<void>;
  expect(c: RawCase): Expect;
  cleanup?(c: RawCase, rc: number): void | Promise<void>;
  readonly wrappers?: readonly WrapperSpec[];
}

// ---- codes and the span rule of shim.c --------------------------------------------------------

export const OK = 0;
export const EFAULT = -1;
export const ERANGE = -2;
export const EIOV = -3;
export const EAGAIN = -10;
export const EBADF = -23;
export const EINVAL = -24;

/** dray_span_ok: an (offset, length) outside the capacity, or NULL with a capacity. */
export function spanCode(s: Span): number | undefined {
  if (s.off > s.cap || s.len > s.cap - s.off) return ERANGE;
  if (s.region.isNull && s.cap !== 0) return EFAULT;
  return undefined;
}

/** An error expectation. */
export function fails(code: number): Expect {
  return { codes: [code] };
}

/** A descriptor number that is never open (far above any RLIMIT_NOFILE). */
export const BIG_FD = 0x7fff_fff0;

// ---- the shared context: sockets, a poller -------------------------------------------------------

/** What the rows share: the library, the raw symbols, connected sockets, a poller. */
export interface FuzzContext {
  readonly lib: NativeLibrary;
  readonly raw: ShimSymbols;
  /** A connected TCP socket made by the shim, and its peer. */
  readonly fd: number;
  readonly peer: Deno.Conn;
  /** Bytes the peer sent that C has not read yet. */
  incoming: Uint8Array;
  /** Bytes C wrote that the peer has not read yet. */
  outgoing: Uint8Array;
  /** A socket for shutdown() only, and two for the poller. */
  readonly spare: number;
  readonly polled: readonly [number, number];
  /** The context's poller (epoll and eventfd descriptors). */
  readonly ep: number;
  readonly wake: number;
  /** A TCP port where nothing listens. */
  readonly closedPort: number;
  /** Connects a fresh socket, which the caller must close once. */
  freshSocket(): Promise<number>;
  /** Reads everything C wrote from the peer and checks it. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Writes all of `bytes` to the peer. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Opens the sockets and the poller the rows use. */
export async function openContext(lib: NativeLibrary, raw: ShimSymbols): Promise<FuzzContext> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const peers: Deno.Conn[] = [];
  const fds: number[] = [];
  async function connect(): Promise<number> {
    const accepted = listener.accept();
    const result = await lib.socketConnect({ hostname: "127.0.0.1", port }, { timeoutMs: 5000 });
    const peer = await accepted;
    assert.ok(result.ok, "the fuzz context could not connect");
    peers.push(peer);
    return result.fd;
  }
  const fd = await connect();
  const spare = await connect();
  const polled: [number, number] = [await connect(), await connect()];
  fds.push(fd, spare, ...polled);
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = closed.addr.port;
  closed.close();
  const out = new Int32Array(2);
  assert.equal(raw.dray_poller_open(out, 8), OK);
  const ctx: FuzzContext = {
    lib,
    raw,
    fd,
    peer: peers[0]!,
    incoming: new Uint8Array(0),
    outgoing: new Uint8Array(0),
    spare,
    polled,
    ep: out[0]!,
    wake: out[1]!,
    closedPort,
    async freshSocket(): Promise<number> {
      const accepted = listener.accept();
      const result = await lib.socketConnect({ hostname: "127.0.0.1", port }, {
        timeoutMs: 5000,
      });
      (await accepted).close();
      assert.ok(result.ok, "a fresh socket could not connect");
      return result.fd;
    },
    async drain(): Promise<void> {
      const expected = ctx.outgoing;
      const got = new Uint8Array(expected.length);
      let at = 0;
      const deadline = Date.now() + 10_000;
      while (at < got.length) {
        assert.ok(Date.now() < deadline, "the peer did not receive what C wrote");
        const n = await ctx.peer.read(got.subarray(at));
        assert.ok(n !== null, "the peer saw EOF");
        at += n;
      }
      assert.deepEqual(got, expected, "the peer received other bytes than C wrote");
      ctx.outgoing = new Uint8Array(0);
    },
    async close(): Promise<void> {
      await ctx.drain();
      assert.equal(raw.dray_poller_close(ctx.ep, ctx.wake), OK);
      for (const d of fds) lib.socketClose(d);
      for (const p of peers) p.close();
      listener.close();
    },
  };
  return ctx;
}

// ---- reference models ---------------------------------------------------------------------------

/** Little-endian uint32 words of a view's bytes before the call (C reads the table this way). */
export function wordsOf(bytes: Uint8Array, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const b = 4 * i;
    out.push((bytes[b]! | bytes[b + 1]! << 8 | bytes[b + 2]! << 16 | bytes[b + 3]! << 24) >>> 0);
  }
  return out;
}

/** The pairs of each side, or the code dray_sides_parse returns; the same checks in its order. */
export function parseSides(
  tab: readonly number[],
  sides: readonly Span[],
): { code: number } | { pairs: [number, number][][]; total: number } {
  let at = 0;
  let first = 0;
  const words = tab.length;
  const pairs: [number, number][][] = [];
  for (let s = 0; s < sides.length; s++) {
    if (at >= words) return { code: EIOV };
    const count = tab[at++]!;
    if (count === 0 || count > 1024 || count > Math.floor((words - at) / 2)) return { code: EIOV };
    const side = sides[s]!;
    let sum = 0;
    const list: [number, number][] = [];
    for (let i = 0; i < count; i++) {
      const off = tab[at + 2 * i]!;
      const len = tab[at + 2 * i + 1]!;
      const code = spanCode({ region: side.region, cap: side.cap, off, len });
      if (code !== undefined) return { code };
      sum += len;
      list.push([off, len]);
    }
    if (s === 0) first = sum;
    else if (sum !== first) return { code: EIOV };
    pairs.push(list);
    at += 2 * count;
  }
  return { pairs, total: first };
}

/** The bytes of a side, walked in pair order. */
function gather(bytes: Uint8Array, pairs: readonly [number, number][]): Uint8Array {
  const out: number[] = [];
  for (const [off, len] of pairs) for (let i = 0; i < len; i++) out.push(bytes[off + i]!);
  return Uint8Array.from(out);
}

/** Writes `values` over the pairs of a side of `bytes`, in walk order (later pairs win). */
function scatter(bytes: Uint8Array, pairs: readonly [number, number][], values: Uint8Array): void {
  let k = 0;
  for (const [off, len] of pairs) for (let i = 0; i < len; i++) bytes[off + i] = values[k++]!;
}

function xorAll(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const p of parts) for (let i = 0; i < length; i++) out[i] = out[i]! ^ p[i]!;
  return out;
}

/**
 * Iovec table words for sides of the given capacities: mostly well formed (counts 1..4, pieces
 * inside their side adding up to one total), sometimes not (a count of 0, over 1024 or more than
 * the table holds, a pair past the end or wrapping around 2^32, unequal totals).
 */
export function makeTable(r: Rng, prefix: number, sides: readonly Span[]): number[] {
  const words: number[] = [];
  for (let i = 0; i < prefix; i++) words.push(r.u32());
  const room = Math.min(...sides.map((s) => s.region.isNull ? 0 : s.cap));
  const total = r.chance(0.9) ? r.below(room + 1) : r.pick([room + 1, r.u32(), U32_MAX]);
  for (const side of sides) {
    const count = r.chance(0.92) ? 1 + r.below(4) : r.pick([0, 1024, 1025, U32_MAX]);
    const pieces = Math.min(count, 1024);
    const cuts = [0, total];
    for (let i = 1; i < pieces; i++) cuts.push(r.below(total + 1));
    cuts.sort((a, b) => a - b);
    words.push(count);
    const written = count > 1024 && r.chance(0.5) ? r.below(4) : pieces;
    for (let i = 0; i < written; i++) {
      let len = (cuts[i + 1] ?? total) - cuts[i]!;
      if (r.chance(0.03)) len = (len + 1) >>> 0; // unequal totals
      const cap = side.cap;
      let off = len <= cap ? r.below(cap - len + 1) : r.below(cap + 1);
      if (r.chance(0.03)) off = Math.min(cap + 1, U32_MAX); // past the end
      if (r.chance(0.02)) [off, len] = [1 + r.below(4), U32_MAX]; // wraps around 2^32
      words.push(off >>> 0, len >>> 0);
    }
  }
  return words;
}

// ---- argument builders for the checked wrappers -----------------------------------------------

/** A wrapper's view argument: a region, or something that is not a Uint8Array. */
export interface ViewArg {
  readonly value: Uint8Array;
  readonly region: Region | undefined;
  /** What this argument alone makes the wrapper throw. */
  readonly errors: ErrorClass[];
}

/** A view argument: mostly a region of any kind (detached gives a TypeError), rarely not a view. */
export function viewArg(r: Rng, size: number, kinds: readonly MemoryKind[] = ALL_KINDS): ViewArg {
  if (r.chance(0.04)) {
    return { value: notAView(r) as Uint8Array, region: undefined, errors: [TypeError] };
  }
  const region = makeRegion(r, size, { kinds });
  return {
    value: region.view,
    region,
    errors: region.kind === "detached" ? [TypeError] : [],
  };
}

/** An (offset, length) for a view argument, valid most of the time, and the errors it causes. */
export function spanNumbers(
  r: Rng,
  view: ViewArg,
  length?: number,
): { off: number; len: number; errors: ErrorClass[] } {
  const size = view.region?.view.length ?? 0;
  const validOff = r.below(size + 1);
  const off = wrapperIndex(r, size, validOff);
  const len = length ??
    wrapperIndex(r, size, r.below(size - (isIndex(off) ? Math.min(off, size) : 0) + 1));
  return { off, len, errors: spanErrors(view, off, len) };
}

/** The errors a wrapper's span check gives for these numbers. */
export function spanErrors(view: ViewArg, off: number, len: number): ErrorClass[] {
  const errors = [...view.errors];
  if (!isIndex(off) || !isIndex(len)) errors.push(RangeError);
  else if (view.region !== undefined && off + len > view.region.view.length) {
    errors.push(RangeError);
  }
  return errors;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  return value === null
    ? "null"
    : typeof value === "object"
    ? value.constructor.name
    : String(value);
}

/** A readable summary of wrapper arguments. */
export function argsText(args: Readonly<Record<string, unknown>>): string {
  return Object.entries(args).map(([k, v]) => `${k}=${describe(v)}`).join(" ");
}

/** A byte value for fill: mostly valid, sometimes not a byte. */
function byteValue(r: Rng): number {
  return r.pick([r.below(256), r.below(256), r.below(256), 0, 255, 256, -1, -0, 1.5, NaN]);
}

/** A uint32 seed for crc32c: mostly valid, sometimes not. */
function seedValue(r: Rng): number {
  return r.pick([0, r.u32(), r.u32(), r.u32(), U32_MAX, 2 ** 32, -1, -0, 0.5, NaN]);
}

/** A descriptor for a socket wrapper: the given one, or numbers a descriptor check refuses. */
function fdValue(r: Rng, fd: number): number {
  return r.pick([fd, fd, fd, fd, -1, 1.5, NaN, 2 ** 31, -(2 ** 31), Infinity]);
}

function isFd(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0x7fff_ffff;
}

/** Random bytes of a view as it was: the (offset, length) spans of `spans` as the model reads them. */
function before(s: Span): Uint8Array {
  return viewBefore(s.region);
}

// ---- rows ---------------------------------------------------------------------------------------

function versionRow(symbol: "dray_version" | "dray_abi" | "dray_crc32c_impl"): Row {
  return {
    symbol,
    params: [],
    cases: 3,
    expect(c) {
      return {
        ok(rc) {
          if (symbol === "dray_abi") assert.equal(rc, ABI);
          else if (symbol === "dray_version") {
            const v = c.ctx.lib.version.split(".").map(Number);
            assert.equal(rc, (v[0]! << 16) | (v[1]! << 8) | v[2]!);
          } else {
            const impl = c.ctx.lib.crc32cImplementation;
            assert.equal(rc, impl === "sse4.2" ? 1 : impl === "armv8-crc" ? 2 : 0);
          }
          return {};
        },
      };
    },
  };
}

const copyRow: Row = {
  symbol: "dray_copy",
  groups: { dst: { access: "write" }, src: { access: "read", mayAlias: "dst" } },
  params: [
    { kind: "buffer", group: "dst" },
    { kind: "cap", group: "dst" },
    { kind: "offset", group: "dst" },
    { kind: "buffer", group: "src" },
    { kind: "cap", group: "src" },
    { kind: "offset", group: "src" },
    { kind: "length", groups: ["dst", "src"] },
  ],
  cases: 600,
  expect({ spans: { dst, src } }) {
    const code = spanCode(dst!) ?? spanCode(src!);
    if (code !== undefined) return fails(code);
    const out = before(dst!).slice();
    out.set(before(src!).subarray(src!.off, src!.off + src!.len), dst!.off);
    return {
      ok(rc) {
        assert.equal(rc, OK);
        return { dst: out };
      },
    };
  },
  wrappers: [{
    name: "NativeLibrary.copy",
    cases: 600,
    make(r) {
      const dst = viewArg(r, r.size());
      const alias = dst.region !== undefined && r.chance(0.2);
      const src = alias ? dst : viewArg(r, r.size());
      const d = spanNumbers(r, dst);
      const s = spanNumbers(r, src, d.len);
      const errors = [...d.errors, ...spanErrors(src, s.off, d.len)];
      return {
        regions: { dst: dst.region!, ...(alias ? {} : { src: src.region! }) },
        call: (lib) => lib.copy(dst.value, d.off, src.value, s.off, d.len),
        errors,
        ok(result) {
          assert.equal(result, undefined);
          const out = viewBefore(dst.region!).slice();
          out.set(viewBefore(src.region!).subarray(s.off, s.off + d.len), d.off);
          return { dst: out };
        },
        what: argsText({
          dst: dst.value,
          dstOffset: d.off,
          src: src.value,
          srcOffset: s.off,
          length: d.len,
          alias,
        }),
      };
    },
  }],
};

const fillRow: Row = {
  symbol: "dray_fill",
  groups: { dst: { access: "write" } },
  params: [
    { kind: "buffer", group: "dst" },
    { kind: "cap", group: "dst" },
    { kind: "offset", group: "dst" },
    { kind: "scalar", name: "value", pick: (r) => r.pick([r.below(256), r.u32()]) },
    { kind: "length", groups: ["dst"] },
  ],
  cases: 500,
  expect({ spans: { dst }, scalars: { value } }) {
    const code = spanCode(dst!);
    if (code !== undefined) return fails(code);
    const out = before(dst!).slice();
    out.fill(value! & 0xff, dst!.off, dst!.off + dst!.len);
    return {
      ok(rc) {
        assert.equal(rc, OK);
        return { dst: out };
      },
    };
  },
  wrappers: [{
    name: "NativeLibrary.fill",
    cases: 500,
    make(r) {
      const dst = viewArg(r, r.size());
      const d = spanNumbers(r, dst);
      const value = byteValue(r);
      const errors = [...d.errors];
      if (!Number.isInteger(value) || value < 0 || value > 255) errors.push(RangeError);
      return {
        regions: { dst: dst.region! },
        call: (lib) => lib.fill(dst.value, d.off, value, d.len),
        errors,
        ok(result) {
          assert.equal(result, undefined);
          return { dst: viewBefore(dst.region!).slice().fill(value, d.off, d.off + d.len) };
        },
        what: argsText({ dst: dst.value, offset: d.off, value, length: d.len }),
      };
    },
  }],
};

// The one-span CRC without a table: the CRC as a double, or a negative code.
const crcSpanRow: Row = {
  symbol: "dray_crc32c_span",
  groups: { src: { access: "read" } },
  params: [
    { kind: "buffer", group: "src" },
    { kind: "cap", group: "src" },
    { kind: "offset", group: "src" },
    { kind: "length", groups: ["src"] },
    { kind: "scalar", name: "seed", pick: (r) => r.pick([0, r.u32(), r.u32(), U32_MAX]) },
  ],
  cases: 600,
  expect({ spans: { src }, scalars: { seed } }) {
    const code = spanCode(src!);
    if (code !== undefined) return fails(code);
    const want = bitwiseCrc32c(before(src!).subarray(src!.off, src!.off + src!.len), seed!);
    return {
      ok(rc) {
        assert.equal(rc, want);
        return {};
      },
    };
  },
  wrappers: [
    {
      name: "NativeLibrary.crc32c",
      cases: 600,
      make(r) {
        const src = viewArg(r, r.size());
        const s = spanNumbers(r, src);
        const seed = seedValue(r);
        const errors = [...s.errors];
        if (!Number.isInteger(seed) || seed < 0 || seed > U32_MAX) errors.push(RangeError);
        return {
          regions: { src: src.region! },
          call: (lib) => lib.crc32c(src.value, s.off, s.len, seed),
          errors,
          ok(result) {
            assert.equal(
              result,
              bitwiseCrc32c(viewBefore(src.region!).subarray(s.off, s.off + s.len), seed),
            );
            return {};
          },
          what: argsText({ src: src.value, offset: s.off, length: s.len, seed }),
        };
      },
    },
  ],
};

/** The table group's words as C reads them, or the code for a NULL or misaligned table. */
export function tableWords(tab: Span): number[] | number {
  if (tab.region.isNull) return tab.cap === 0 ? EIOV : EFAULT;
  if (tab.region.misaligned) return EFAULT;
  return wordsOf(before(tab), tab.cap);
}

const crcRow: Row = {
  symbol: "dray_crc32c",
  groups: {
    src: { access: "read" },
    tab: { access: "readwrite", words: true, table: { sides: ["src"], prefix: 1 } },
  },
  params: [
    { kind: "buffer", group: "tab" },
    { kind: "cap", group: "tab", unit: 4 },
    { kind: "buffer", group: "src" },
    { kind: "cap", group: "src" },
  ],
  cases: 600,
  expect({ spans: { tab, src } }) {
    const words = tableWords(tab!);
    if (typeof words === "number") return fails(words);
    if (words.length < 1) return fails(EIOV);
    const parsed = parseSides(words.slice(1), [src!]);
    if ("code" in parsed) return fails(parsed.code);
    const crc = bitwiseCrc32c(gather(before(src!), parsed.pairs[0]!), words[0]!);
    const out = before(tab!).slice();
    new DataView(out.buffer).setUint32(0, crc, true);
    return {
      ok(rc) {
        assert.equal(rc, OK);
        return { tab: out };
      },
    };
  },
  wrappers: [
    {
      name: "NativeLibrary.crc32cv",
      cases: 400,
      make(r) {
        const src = viewArg(r, r.size());
        const cap = src.region?.view.length ?? 0;
        const words = makeTable(r, 1, [{
          region: src.region ?? emptyRegion(),
          cap,
          off: 0,
          len: cap,
        }]);
        const table = tableArg(r, words);
        const count = wordCount(r, words.length, table);
        const errors = [...src.errors, ...table.errors];
        if (!Number.isInteger(count) || count < 0 || count > (table.region?.view.length ?? 0) / 4) {
          errors.push(RangeError);
        }
        let crc = 0;
        if (errors.length === 0) {
          const current = wordsOf(table.region!.view, count); // with any slack words after `words`
          const parsed = count < 1 ? { code: EIOV } : parseSides(current.slice(1), [
            { region: src.region!, cap, off: 0, len: cap },
          ]);
          if ("code" in parsed) errors.push(RangeError);
          else crc = bitwiseCrc32c(gather(src.region!.view, parsed.pairs[0]!), current[0]!);
        }
        return {
          regions: { src: src.region!, ...(table.region ? { table: table.region } : {}) },
          call: (lib) => lib.crc32cv(src.value, table.value, count),
          errors,
          ok(result) {
            assert.equal(result, crc);
            const out = viewBefore(table.region!).slice();
            new DataView(out.buffer).setUint32(0, crc, true);
            return { table: out };
          },
          what: argsText({ src: src.value, table: [...words], words: count }),
        };
      },
    },
  ],
};

export function emptyRegion(): Region {
  return {
    kind: "empty",
    view: new Uint8Array(0),
    host: undefined,
    start: 0,
    length: 0,
    isNull: true,
    misaligned: false,
    before: new Uint8Array(0),
  };
}

/** A wrapper's table argument: a Uint32Array over a region holding `words`, or a wrong value. */
export function tableArg(
  r: Rng,
  words: readonly number[],
): { value: Uint32Array; region: Region | undefined; errors: ErrorClass[] } {
  const roll = r.below(100);
  if (roll < 3) {
    return { value: notAView(r) as Uint32Array, region: undefined, errors: [TypeError] };
  }
  if (roll < 6) {
    const value = new Uint32Array(words);
    structuredClone(value.buffer, { transfer: [value.buffer] });
    return { value, region: undefined, errors: [TypeError] };
  }
  const region = makeRegion(r, 4 * words.length + 4 * r.below(3), {
    kinds: ["array", "shared", "growable", "resizable"],
    fill(view) {
      const dv = new DataView(view.buffer, view.byteOffset, view.length);
      words.forEach((w, i) => dv.setUint32(4 * i, w, true));
    },
  });
  const view = region.view;
  return {
    value: new Uint32Array(view.buffer, view.byteOffset, view.length >> 2),
    region,
    errors: [],
  };
}

export function wordCount(
  r: Rng,
  exact: number,
  table: { value: Uint32Array; region: Region | undefined },
): number {
  const held = table.region === undefined ? 0 : table.region.view.length >> 2;
  return r.pick([
    exact,
    exact,
    exact,
    exact,
    held,
    r.below(exact + 1),
    held + 1,
    -1,
    -0,
    1.5,
    NaN,
    2 ** 32,
  ]);
}

function xorRow(n: number): Row {
  const inputs = Array.from({ length: n }, (_, k) => `s${k}`);
  const groups: Record<string, GroupSpec> = {
    tab: { access: "read", words: true, table: { sides: ["dst", ...inputs], prefix: 0 } },
    dst: { access: "write" },
  };
  const params: ParamSpec[] = [
    { kind: "buffer", group: "tab" },
    { kind: "cap", group: "tab", unit: 4 },
    { kind: "buffer", group: "dst" },
    { kind: "cap", group: "dst" },
  ];
  for (const s of inputs) {
    groups[s] = { access: "read" };
    params.push({ kind: "buffer", group: s }, { kind: "cap", group: s });
  }
  return {
    symbol: `dray_xor${n}` as SymbolName,
    groups,
    params,
    cases: 350,
    expect({ spans }) {
      const words = tableWords(spans.tab!);
      if (typeof words === "number") return fails(words);
      const sides = [spans.dst!, ...inputs.map((s) => spans[s]!)];
      const parsed = parseSides(words, sides);
      if ("code" in parsed) return fails(parsed.code);
      const parts = inputs.map((s, k) => gather(before(spans[s]!), parsed.pairs[k + 1]!));
      const out = before(spans.dst!).slice();
      scatter(out, parsed.pairs[0]!, xorAll(parts, parsed.total));
      return {
        ok(rc) {
          assert.equal(rc, OK);
          return { dst: out };
        },
      };
    },
    wrappers: [
      {
        name: `NativeLibrary.xor (${n} sources)`,
        cases: 300,
        make(r) {
          const dst = viewArg(r, r.size());
          const d = spanNumbers(r, dst);
          const sources = inputs.map(() => viewArg(r, r.size()));
          const numbers = sources.map((s) => spanNumbers(r, s, d.len));
          const errors = [
            ...d.errors,
            ...sources.flatMap((s, k) => spanErrors(s, numbers[k]!.off, d.len)),
          ];
          const regions: Record<string, Region> = { dst: dst.region! };
          sources.forEach((s, k) => regions[`s${k}`] = s.region!);
          return {
            regions,
            call: (lib) =>
              lib.xor(
                dst.value,
                d.off,
                sources.map((s) => s.value),
                numbers.map((x) => x.off),
                d.len,
              ),
            errors,
            ok(result) {
              assert.equal(result, undefined);
              const parts = sources.map((s, k) =>
                viewBefore(s.region!).subarray(numbers[k]!.off, numbers[k]!.off + d.len)
              );
              const out = viewBefore(dst.region!).slice();
              out.set(xorAll(parts, d.len), d.off);
              return { dst: out };
            },
            what: argsText({
              dst: dst.value,
              dstOffset: d.off,
              sources: sources.map((s) => s.value),
              offsets: numbers.map((x) => x.off),
              length: d.len,
            }),
          };
        },
      },
      {
        name: `NativeLibrary.xorv (${n} sources)`,
        cases: 200,
        make(r) {
          const all = [viewArg(r, r.size()), ...inputs.map(() => viewArg(r, r.size()))];
          const spans = all.map((v) => {
            const cap = v.region?.view.length ?? 0;
            return { region: v.region ?? emptyRegion(), cap, off: 0, len: cap };
          });
          const words = makeTable(r, 0, spans);
          const table = tableArg(r, words);
          const count = wordCount(r, words.length, table);
          const errors = [...all.flatMap((v) => v.errors), ...table.errors];
          if (
            !Number.isInteger(count) || count < 0 || count > (table.region?.view.length ?? 0) / 4
          ) {
            errors.push(RangeError);
          }
          let out: Uint8Array | undefined;
          if (errors.length === 0) {
            const parsed = parseSides(wordsOf(table.region!.view, count), spans);
            if ("code" in parsed) errors.push(RangeError);
            else {
              const parts = inputs.map((_, k) =>
                gather(all[k + 1]!.region!.view, parsed.pairs[k + 1]!)
              );
              out = copyOf(all[0]!.region!.view);
              scatter(out, parsed.pairs[0]!, xorAll(parts, parsed.total));
            }
          }
          const regions: Record<string, Region> = {};
          all.forEach((v, k) => regions[k === 0 ? "dst" : `s${k - 1}`] = v.region!);
          if (table.region) regions.table = table.region;
          return {
            regions,
            call: (lib) =>
              lib.xorv(all[0]!.value, all.slice(1).map((v) => v.value), table.value, count),
            errors,
            ok(result) {
              assert.equal(result, undefined);
              return { dst: out! };
            },
            what: argsText({ views: all.map((v) => v.value), table: [...words], words: count }),
          };
        },
      },
    ],
  };
}

const SOCK_UNIX = 1;
const SOCK_NODELAY = 2;
const SOCK_KEEPALIVE = 4;
const SOCK_IPV4 = 8;
const SOCK_IPV6 = 16;
const encoder = new TextEncoder();

const connectRow: Row = {
  symbol: "dray_sock_connect",
  groups: {
    host: {
      access: "read",
      size: (r) => r.pick([0, 1, 9, 9, 20, 40, 120, 1100]),
      fill(view, r, c) {
        const tcp = (c.scalars.flags! & SOCK_UNIX) === 0;
        const text = tcp ? "127.0.0.1" : "/nonexistent-dray-fuzz/";
        const bytes = encoder.encode(text);
        for (let i = 0; i < view.length; i++) {
          view[i] = i < bytes.length ? bytes[i]! : r.chance(0.02) ? 0 : 0x61 + r.below(26);
        }
      },
    },
    ctl: {
      access: "readwrite",
      words: true,
      kinds: ALIGNED_KINDS,
      size: (r) => r.pick([32, 32, 32, 36, 28, 8, 0]),
      fill(view) {
        view.fill(0); // cancel word and keepalive settings 0
      },
    },
  },
  params: [
    { kind: "buffer", group: "host" },
    { kind: "cap", group: "host" },
    {
      kind: "length",
      groups: ["host"],
      // A TCP host is exactly "127.0.0.1" or refused outright: never a fragment that could make
      // getaddrinfo ask a DNS server.
      pick: (r, c, room) =>
        (c.scalars.flags! & SOCK_UNIX) === 0
          ? r.pick([9, 9, 9, 0, room + 1, U32_MAX])
          : r.pick([room, room, r.below(room + 1), 0, room + 1, U32_MAX]),
    },
    {
      kind: "scalar",
      name: "port",
      pick: (r, c) =>
        r.pick([c.ctx.closedPort, c.ctx.closedPort, c.ctx.closedPort, 0, 65536, r.u32()]),
    },
    {
      kind: "scalar",
      name: "flags",
      pick: (r) => {
        const roll = r.below(100);
        const extra = r.below(2) * SOCK_NODELAY | r.below(2) * SOCK_KEEPALIVE;
        if (roll < 70) return SOCK_UNIX | extra;
        if (roll < 88) return extra | (r.chance(0.3) ? SOCK_IPV4 : 0);
        if (roll < 94) return SOCK_UNIX | SOCK_IPV4 | SOCK_IPV6;
        return (SOCK_UNIX | r.pick([32, 64, 2 ** 31])) >>> 0;
      },
    },
    { kind: "scalar", name: "timeout", pick: () => 500 },
    { kind: "buffer", group: "ctl" },
    { kind: "cap", group: "ctl" },
  ],
  cases: 150,
  expect({ spans: { host, ctl }, scalars: { port, flags } }) {
    const code = spanCode(host!);
    if (code !== undefined) return fails(code);
    if (ctl!.region.isNull) return fails(EFAULT);
    if (ctl!.cap < 32) return fails(ERANGE);
    if (ctl!.region.misaligned) return fails(EFAULT);
    const name = before(host!).subarray(0, host!.len);
    const unix = (flags! & SOCK_UNIX) !== 0;
    const invalid = (flags! & ~31) !== 0 || host!.len === 0 || host!.len >= 1025 ||
      name.includes(0) || ((flags! & SOCK_IPV4) !== 0 && (flags! & SOCK_IPV6) !== 0) ||
      (!unix && (port === 0 || port! > 65535)) || (unix && host!.len >= 108);
    return {
      ok(rc) {
        if (invalid) assert.equal(rc, EINVAL);
        else assert.ok(Number.isInteger(rc) && rc !== EFAULT && rc !== ERANGE, `rc ${rc}`);
        return { ctl: [[16, 28]] }; // phase, errno, family: written on every path past the checks
      },
    };
  },
  cleanup(c, rc) {
    if (rc >= 0) assert.equal(c.ctx.raw.dray_sock_close(rc), OK);
  },
};

/** dray_sock_connect_start: dray_sock_connect's checks, then a connect begun, never waited for. */
const connectStartRow: Row = {
  symbol: "dray_sock_connect_start",
  groups: { host: connectRow.groups!.host!, ctl: connectRow.groups!.ctl! },
  params: connectRow.params.filter((p) => !(p.kind === "scalar" && p.name === "timeout")),
  cases: 150,
  expect: connectRow.expect,
  cleanup(c, rc) {
    if (rc >= 0) assert.equal(c.ctx.raw.dray_sock_close(rc), OK);
  },
};

/** dray_sock_connect_poll: on a connected socket of the shim's it reports the descriptor. */
const connectPollRow: Row = {
  symbol: "dray_sock_connect_poll",
  groups: { ctl: connectRow.groups!.ctl! },
  params: [
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.spare) },
    {
      kind: "scalar",
      name: "flags",
      pick: (r) => r.pick([0, SOCK_NODELAY, SOCK_KEEPALIVE, SOCK_NODELAY | SOCK_KEEPALIVE, 32]),
    },
    { kind: "buffer", group: "ctl" },
    { kind: "cap", group: "ctl" },
  ],
  cases: 120,
  expect({ spans: { ctl }, scalars: { fd, flags } }) {
    if (ctl!.region.isNull) return fails(EFAULT);
    if (ctl!.cap < 32) return fails(ERANGE);
    if (ctl!.region.misaligned) return fails(EFAULT);
    if ((flags! & ~31) !== 0) return fails(EINVAL);
    if (fd! < 0 || fd === BIG_FD) return fails(EBADF);
    return { ok: (rc) => (assert.equal(rc, fd), { ctl: [[16, 20]] }) };
  },
};

/** dray_sock_resolve: numeric hosts only, so that no DNS server is ever asked. */
const resolveRow: Row = {
  symbol: "dray_sock_resolve",
  groups: {
    host: {
      access: "read",
      size: (r) => r.pick([0, 9, 9, 9, 12]),
      fill(view, r) {
        const bytes = encoder.encode("127.0.0.1");
        for (let i = 0; i < view.length; i++) {
          view[i] = i < bytes.length ? bytes[i]! : r.chance(0.5) ? 0 : 0x31;
        }
      },
    },
    out: { access: "write", size: (r) => r.pick([0, 4, 9, 10, 10, 64, 256]) },
  },
  params: [
    { kind: "buffer", group: "host" },
    { kind: "cap", group: "host" },
    { kind: "length", groups: ["host"], pick: (r, _c, room) => r.pick([9, 9, 0, room + 1]) },
    { kind: "scalar", name: "flags", pick: (r) => r.pick([0, SOCK_IPV4, SOCK_IPV6, 24, 7]) },
    { kind: "buffer", group: "out" },
    { kind: "cap", group: "out" },
  ],
  cases: 120,
  expect({ spans: { host, out }, scalars: { flags } }) {
    const code = spanCode(host!) ??
      spanCode({ region: out!.region, cap: out!.cap, off: 0, len: out!.cap });
    if (code !== undefined) return fails(code);
    const name = before(host!).subarray(0, host!.len);
    if (host!.len === 0 || name.includes(0) || (flags! & 24) === 24) return fails(EINVAL);
    const text = new TextDecoder().decode(name);
    if ((flags! & SOCK_IPV6) !== 0 || text !== "127.0.0.1" || out!.cap < 10) {
      return { ok: (rc) => (assert.ok(rc < 0, `rc ${rc}`), {}) };
    }
    return { ok: (rc) => (assert.equal(rc, 10), { out: [[0, 10]] }) };
  },
};

/** A descriptor scalar: the given one, or one that is negative or not open. */
function fdPick(fd: (c: RawCase) => number) {
  return (r: Rng, c: RawCase): number =>
    r.pick([fd(c), fd(c), fd(c), fd(c), fd(c), -1, -(1 + r.below(2 ** 31 - 1)), BIG_FD]);
}

const readRow: Row = {
  symbol: "dray_sock_read",
  groups: { buf: { access: "write" } },
  params: [
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.fd) },
    { kind: "buffer", group: "buf" },
    { kind: "cap", group: "buf" },
    { kind: "offset", group: "buf" },
    { kind: "length", groups: ["buf"] },
  ],
  cases: 400,
  async prepare(c) {
    if (c.rng.chance(0.35)) {
      const chunk = c.rng.bytes(1 + c.rng.below(700));
      await writeAll(c.ctx.peer, chunk);
      c.ctx.incoming = concat(c.ctx.incoming, chunk);
    }
  },
  expect({ spans: { buf }, scalars: { fd }, ctx }) {
    const code = spanCode(buf!);
    if (code !== undefined) return fails(code);
    if (fd! < 0 || fd === BIG_FD) return fails(EBADF); // not the shim's socket: refused first
    if (buf!.len === 0) return { ok: (rc) => (assert.equal(rc, 0), {}) };
    return {
      ok(rc) {
        if (rc === EAGAIN) return {};
        assert.ok(rc >= 1 && rc <= buf!.len && rc <= ctx.incoming.length, `read ${rc}`);
        const out = before(buf!).slice();
        out.set(ctx.incoming.subarray(0, rc), buf!.off);
        ctx.incoming = ctx.incoming.slice(rc);
        return { buf: out };
      },
    };
  },
  wrappers: [{
    name: "NativeLibrary.socketRead",
    cases: 300,
    async make(r, ctx) {
      if (r.chance(0.3)) {
        const chunk = r.bytes(1 + r.below(700));
        await writeAll(ctx.peer, chunk);
        ctx.incoming = concat(ctx.incoming, chunk);
      }
      const into = viewArg(r, r.size());
      const fd = fdValue(r, ctx.fd);
      const errors = [...into.errors];
      if (!isFd(fd)) errors.push(RangeError);
      return {
        regions: { into: into.region! },
        call: (lib) => lib.socketRead(fd, into.value),
        errors,
        ok(result) {
          const rc = result as number;
          const length = into.region!.view.length;
          if (length === 0) return (assert.equal(rc, 0), {});
          if (rc === EAGAIN) return {};
          assert.ok(rc >= 1 && rc <= length && rc <= ctx.incoming.length, `read ${rc}`);
          const out = viewBefore(into.region!).slice();
          out.set(ctx.incoming.subarray(0, rc));
          ctx.incoming = ctx.incoming.slice(rc);
          return { into: out };
        },
        what: argsText({ fd, into: into.value }),
      };
    },
  }],
};

const writeRow: Row = {
  symbol: "dray_sock_write",
  groups: { buf: { access: "read" } },
  params: [
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.fd) },
    { kind: "buffer", group: "buf" },
    { kind: "cap", group: "buf" },
    { kind: "offset", group: "buf" },
    { kind: "length", groups: ["buf"] },
  ],
  cases: 400,
  async prepare(c) {
    if (c.ctx.outgoing.length > 256 * 1024) await c.ctx.drain();
  },
  expect({ spans: { buf }, scalars: { fd }, ctx }) {
    const code = spanCode(buf!);
    if (code !== undefined) return fails(code);
    if (fd! < 0 || fd === BIG_FD) return fails(EBADF); // not the shim's socket: refused first
    if (buf!.len === 0) return { ok: (rc) => (assert.equal(rc, 0), {}) };
    const bytes = before(buf!).subarray(buf!.off, buf!.off + buf!.len).slice();
    return {
      ok(rc) {
        if (rc === EAGAIN) return {};
        assert.ok(rc >= 1 && rc <= buf!.len, `wrote ${rc}`);
        ctx.outgoing = concat(ctx.outgoing, bytes.subarray(0, rc));
        return {};
      },
    };
  },
  wrappers: [{
    name: "NativeLibrary.socketWrite",
    cases: 300,
    async make(r, ctx) {
      if (ctx.outgoing.length > 256 * 1024) await ctx.drain();
      const bytes = viewArg(r, r.size());
      const fd = fdValue(r, ctx.fd);
      const errors = [...bytes.errors];
      if (!isFd(fd)) errors.push(RangeError);
      const copy = bytes.region === undefined ? undefined : copyOf(bytes.region.view);
      return {
        regions: { bytes: bytes.region! },
        call: (lib) => lib.socketWrite(fd, bytes.value),
        errors,
        ok(result) {
          const rc = result as number;
          if (copy!.length === 0) return (assert.equal(rc, 0), {});
          if (rc === EAGAIN) return {};
          assert.ok(rc >= 1 && rc <= copy!.length, `wrote ${rc}`);
          ctx.outgoing = concat(ctx.outgoing, copy!.subarray(0, rc));
          return {};
        },
        what: argsText({ fd, bytes: bytes.value }),
      };
    },
  }],
};

const waitRow: Row = {
  symbol: "dray_sock_wait",
  params: [
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.fd) },
    { kind: "scalar", name: "events", pick: (r) => r.pick([1, 2, 3, 1, 2, 3, 0, 4, 7, U32_MAX]) },
    { kind: "scalar", name: "timeout", pick: (r) => r.pick([0, 0, 1]) },
  ],
  cases: 120,
  expect({ scalars: { fd, events } }) {
    if (fd! < 0) return fails(EBADF);
    if (events === 0 || (events! & ~3) !== 0) return fails(EINVAL);
    if (fd === BIG_FD) return fails(EBADF);
    return {
      ok(rc) {
        assert.ok(rc >= 0 && (rc & ~(events! | 4)) === 0, `ready ${rc} for ${events}`);
        return {};
      },
    };
  },
  wrappers: [{
    name: "NativeLibrary.socketWait",
    cases: 100,
    make(r, ctx) {
      const fd = fdValue(r, ctx.fd);
      const events = r.pick([1, 2, 3, 3, 0, 4, -0, 1.5]);
      const timeout = r.pick([0, 0, 1, -0, 0.5, NaN, 2 ** 31]);
      const errors: ErrorClass[] = [];
      if (!isFd(fd) || (events !== 1 && events !== 2 && events !== 3)) errors.push(RangeError);
      if (!Number.isInteger(timeout) || timeout > 0x7fff_ffff) errors.push(RangeError);
      return {
        regions: {},
        call: (lib) => lib.socketWait(fd, events, timeout),
        errors,
        ok(result) {
          const rc = result as number;
          assert.ok(rc >= 0 && (rc & ~(events | 4)) === 0, `ready ${rc}`);
          return {};
        },
        what: argsText({ fd, events, timeout }),
      };
    },
  }],
};

const peerRow: Row = {
  symbol: "dray_sock_peer",
  groups: { out: { access: "write" } },
  params: [
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.fd) },
    { kind: "buffer", group: "out" },
    { kind: "cap", group: "out" },
    { kind: "offset", group: "out" },
    { kind: "length", groups: ["out"] },
  ],
  cases: 300,
  expect({ spans: { out }, scalars: { fd } }) {
    const code = spanCode(out!);
    if (code !== undefined) return fails(code);
    if (fd! < 0 || fd === BIG_FD) return fails(EBADF);
    const name = encoder.encode("127.0.0.1");
    if (name.length > out!.len) return fails(ERANGE);
    const bytes = before(out!).slice();
    bytes.set(name, out!.off);
    return { ok: (rc) => (assert.equal(rc, name.length), { out: bytes }) };
  },
};

const shutdownRow: Row = {
  symbol: "dray_sock_shutdown",
  params: [
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.spare) },
    { kind: "scalar", name: "how", pick: (r) => r.pick([0, 1, 2, 0, 1, 2, 3, 7, U32_MAX]) },
  ],
  cases: 60,
  expect({ scalars: { fd, how } }) {
    if (fd! < 0) return fails(EBADF);
    if (how! > 2) return fails(EINVAL);
    if (fd === BIG_FD) return fails(EBADF);
    return { ok: (rc) => (assert.equal(rc, OK), {}) };
  },
  wrappers: [{
    name: "NativeLibrary.socketShutdown",
    cases: 60,
    make(r, ctx) {
      const fd = fdValue(r, ctx.spare);
      const how = r.pick(["read", "write", "both", "both", "sideways", undefined]) as "both";
      const errors: ErrorClass[] = [];
      if (!isFd(fd) || (how !== undefined && !["read", "write", "both"].includes(how))) {
        errors.push(RangeError);
      }
      return {
        regions: {},
        call: (lib) => lib.socketShutdown(fd, how),
        errors,
        ok: (result) => (assert.equal(result, OK), {}),
        what: argsText({ fd, how }),
      };
    },
  }],
};

const FRESH = -77; // a scalar that prepare() replaces with a descriptor it opens

const closeRow: Row = {
  symbol: "dray_sock_close",
  params: [{
    kind: "scalar",
    name: "fd",
    pick: (r) => r.pick([FRESH, FRESH, -1, -(1 + r.below(2 ** 31 - 1)), BIG_FD]),
  }],
  cases: 30,
  async prepare(c) {
    if (c.scalars.fd === FRESH) c.scalars.fd = await c.ctx.freshSocket();
    else c.state.foreign = true;
  },
  expect({ scalars: { fd }, state }) {
    if (fd! < 0 || state.foreign) return fails(EBADF);
    return { ok: (rc) => (assert.equal(rc, OK), {}) };
  },
  wrappers: [{
    name: "NativeLibrary.socketClose",
    cases: 40,
    make(r) {
      // Never a descriptor that may be open: this process's other tests own them.
      const fd = r.pick([-1, 1.5, NaN, 2 ** 31, -(2 ** 31), BIG_FD]);
      return {
        regions: {},
        call: (lib) => lib.socketClose(fd),
        errors: isFd(fd) ? [] : [RangeError],
        ok: (result) => (assert.equal(result, EBADF), {}),
        what: argsText({ fd }),
      };
    },
  }],
};

const pollerOpenRow: Row = {
  symbol: "dray_poller_open",
  groups: {
    out: {
      access: "write",
      words: true,
      kinds: ALIGNED_KINDS,
      size: (r) => r.pick([8, 8, 8, 12, 16, 4, 7, 0]),
    },
  },
  params: [{ kind: "buffer", group: "out" }, { kind: "cap", group: "out" }],
  cases: 120,
  expect({ spans: { out } }) {
    if (out!.region.isNull) return fails(EFAULT);
    if (out!.cap < 8) return fails(ERANGE);
    if (out!.region.misaligned) return fails(EFAULT);
    return { ok: (rc) => (assert.equal(rc, OK), { out: [[0, 8]] }) };
  },
  cleanup(c, rc) {
    if (rc !== OK) return;
    const view = c.spans.out!.region.view;
    const dv = new DataView(view.buffer, view.byteOffset, 8);
    assert.equal(c.ctx.raw.dray_poller_close(dv.getInt32(0, true), dv.getInt32(4, true)), OK);
  },
};

const pollerArmRow: Row = {
  symbol: "dray_poller_arm",
  params: [
    { kind: "scalar", name: "ep", pick: fdPick((c) => c.ctx.ep) },
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.polled[0]) },
    { kind: "scalar", name: "events", pick: (r) => r.pick([1, 2, 3, 1, 2, 3, 0, 4, 12, U32_MAX]) },
    { kind: "scalar", name: "token", pick: (r) => r.u32() },
  ],
  cases: 150,
  expect({ scalars: { ep, fd, events } }) {
    if (ep! < 0 || fd! < 0) return fails(EBADF);
    if (events === 0 || (events! & ~3) !== 0) return fails(EINVAL);
    if (ep === BIG_FD || fd === BIG_FD) return fails(EBADF);
    return { ok: (rc) => (assert.equal(rc, OK), {}) };
  },
  wrappers: [{
    name: "SocketPoller.arm",
    cases: 100,
    make(r, ctx) {
      const fd = fdValue(r, ctx.polled[1]);
      const events = r.pick([1, 2, 3, 0, 4, 1.5]);
      const token = r.pick([r.u32(), 0, U32_MAX, 2 ** 32, -1, -0, 0.5, NaN]);
      const errors: ErrorClass[] = [];
      if (!isFd(fd) || (events !== 1 && events !== 2 && events !== 3)) errors.push(RangeError);
      if (!Number.isInteger(token) || token < 0 || token > U32_MAX) errors.push(RangeError);
      return {
        regions: {},
        call(lib) {
          const poller = lib.socketPoller()!;
          try {
            return poller.arm(fd, events, token);
          } finally {
            poller.close();
          }
        },
        errors,
        ok: (result) => (assert.equal(result, OK), {}),
        what: argsText({ fd, events, token }),
      };
    },
  }],
};

const pollerDisarmRow: Row = {
  symbol: "dray_poller_disarm",
  params: [
    { kind: "scalar", name: "ep", pick: fdPick((c) => c.ctx.ep) },
    { kind: "scalar", name: "fd", pick: fdPick((c) => c.ctx.polled[0]) },
  ],
  cases: 60,
  expect({ scalars: { ep, fd } }) {
    if (ep! < 0 || fd! < 0 || ep === BIG_FD || fd === BIG_FD) return fails(EBADF);
    return { ok: (rc) => (assert.equal(rc, OK), {}) };
  },
};

const pollerWaitRow: Row = {
  symbol: "dray_poller_wait",
  groups: {
    out: {
      access: "write",
      words: true,
      kinds: ALIGNED_KINDS,
      size: (r) => r.pick([8, 8, 16, 16, 24, 4, 0, 2048, 4096]),
    },
  },
  params: [
    { kind: "scalar", name: "ep", pick: fdPick((c) => c.ctx.ep) },
    { kind: "scalar", name: "wake", pick: fdPick((c) => c.ctx.wake) },
    { kind: "buffer", group: "out" },
    { kind: "cap", group: "out" },
    { kind: "scalar", name: "timeout", pick: (r) => r.pick([0, 0, 1]) },
  ],
  cases: 150,
  prepare(c) {
    // Two writable sockets armed: more ready events than a small buffer holds.
    assert.equal(c.ctx.raw.dray_poller_arm(c.ctx.ep, c.ctx.polled[0], 2, 101), OK);
    assert.equal(c.ctx.raw.dray_poller_arm(c.ctx.ep, c.ctx.polled[1], 2, 102), OK);
  },
  expect({ spans: { out }, scalars: { ep, wake } }) {
    if (out!.region.isNull || out!.region.misaligned) return fails(EFAULT);
    if (ep! < 0 || wake! < 0) return fails(EBADF);
    const max = Math.min(Math.floor(out!.cap / 8), 256);
    if (max === 0) return fails(ERANGE);
    if (ep === BIG_FD) return fails(EBADF);
    return {
      ok(rc) {
        assert.ok(rc >= 0 && rc <= Math.min(max, 2), `${rc} pairs for room ${max}`);
        return { out: [[0, 8 * rc]] };
      },
    };
  },
};

const pollerWakeRow: Row = {
  symbol: "dray_poller_wake",
  params: [{ kind: "scalar", name: "wake", pick: fdPick((c) => c.ctx.wake) }],
  cases: 30,
  expect({ scalars: { wake } }) {
    if (wake! < 0 || wake === BIG_FD) return fails(EBADF);
    return { ok: (rc) => (assert.equal(rc, OK), {}) };
  },
};

const pollerCloseRow: Row = {
  symbol: "dray_poller_close",
  params: [
    { kind: "scalar", name: "ep", pick: () => FRESH },
    { kind: "scalar", name: "wake", pick: () => FRESH },
  ],
  cases: 40,
  prepare(c) {
    const { ctx, rng: r } = c;
    // Never the context's own pair: everything else is refused, or a fresh poller is closed once.
    const choice = r.pick(["fresh", "fresh", "negative", "same", "sockets", "swapped", "closed"]);
    c.state.choice = choice;
    let ep = -1;
    let wake = -1;
    if (choice === "fresh") {
      const out = new Int32Array(2);
      assert.equal(ctx.raw.dray_poller_open(out, 8), OK);
      [ep, wake] = [out[0]!, out[1]!];
    } else if (choice === "negative") {
      [ep, wake] = r.pick([[-1, ctx.wake], [ctx.ep, -1], [-5, -5]]);
    } else if (choice === "same") {
      ep = wake = ctx.ep;
    } else if (choice === "sockets") {
      [ep, wake] = [ctx.polled[0], ctx.polled[1]];
    } else if (choice === "swapped") {
      [ep, wake] = [ctx.wake, ctx.ep];
    } else {
      [ep, wake] = [BIG_FD, BIG_FD - 1];
    }
    c.scalars.ep = ep;
    c.scalars.wake = wake;
  },
  expect({ state }) {
    if (state.choice !== "fresh") return fails(EBADF);
    return { ok: (rc) => (assert.equal(rc, OK), {}) };
  },
};

/** Every native entry point. */
export const ROWS: readonly Row[] = [
  versionRow("dray_version"),
  versionRow("dray_abi"),
  copyRow,
  fillRow,
  versionRow("dray_crc32c_impl"),
  crcRow,
  crcSpanRow,
  xorRow(2),
  xorRow(3),
  xorRow(4),
  xorRow(5),
  xorRow(6),
  xorRow(7),
  xorRow(8),
  connectRow,
  connectStartRow,
  connectPollRow,
  resolveRow,
  readRow,
  writeRow,
  waitRow,
  peerRow,
  shutdownRow,
  closeRow,
  pollerOpenRow,
  pollerArmRow,
  pollerDisarmRow,
  pollerWaitRow,
  pollerWakeRow,
  pollerCloseRow,
];
