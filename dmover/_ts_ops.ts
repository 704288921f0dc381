// The TypeScript kernels of the functions beyond dmover_io: variadic xor, compare,
// compare-pattern, xor-check, pq and pq-recover over 32-bit words, copy-crc32c and dualcast over
// TypedArray built-ins. The worker backend runs these same kernels in its workers.
//
// Each word-based function is a pair: a byte loop and a word loop. runChunk drives them over one
// contiguous chunk of every side: bytes until the first side is on a 4-byte boundary, then blocks
// of 32-bit words (a side whose bytes do not line up with the first side's words goes through an
// aligned scratch buffer, copied in for inputs and out for outputs), then the last bytes.

import { crc32cUpdate } from "./_ts_crc32c.ts";
import { gfMul, lostPositions, recoveryConstants } from "./_gf.ts";
import { walkChunks } from "./_walk.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";

const BLOCK_WORDS = 4096; // 16 KiB of each side per block: every side stays in L1/L2
const SMALL = 64; // below this a chunk is done byte by byte

/** The state of one request across chunks. */
interface OpState {
  /** Request offset of the chunk being worked on. */
  base: number;
  /** compare-pattern: the 8 pattern bytes, and the word each phase (0..7) gives. */
  pattern: Uint8Array;
  patternWords: Uint32Array;
  /** pq-recover: the lost positions and the constants of the case. */
  lostA: number;
  lostB: number;
  ca: number;
  cb: number;
}

/**
 * A word-based function. `nout` outputs come first in the side arrays, then the inputs. Both
 * loops return the index (relative to where they were told to start) of what a search found, or
 * -1; functions without a search return -1.
 */
interface WordOp {
  bytes(views: Uint8Array[], offs: number[], nout: number, n: number, st: OpState): number;
  words(sides: Uint32Array[], count: number, nout: number, st: OpState, pos: number): number;
}

// ---- GF(2^8) on 32-bit words: four bytes at a time ------------------------------------------------

function mul2w(x: number): number {
  return ((x & 0x7f7f7f7f) << 1) ^ (((x >>> 7) & 0x01010101) * 0x1d);
}

function mulw(x: number, c: number): number {
  let acc = 0;
  for (let b = 0; b < 8; b++) {
    if ((c >> b) & 1) acc ^= x;
    x = mul2w(x);
  }
  return acc;
}

function mul2b(x: number): number {
  return ((x << 1) ^ (x & 0x80 ? 0x1d : 0)) & 0xff;
}

// ---- the word-based functions ------------------------------------------------------------------

const xorOp: WordOp = {
  bytes(views, offs, _nout, n) {
    const d = views[0]!;
    const o = offs[0]!;
    const k = views.length;
    for (let i = 0; i < n; i++) {
      let x = views[1]![offs[1]! + i]!;
      for (let s = 2; s < k; s++) x ^= views[s]![offs[s]! + i]!;
      d[o + i] = x;
    }
    return -1;
  },
  words(sides, count) {
    const d = sides[0]!;
    d.set(sides[1]!.subarray(0, count));
    for (let s = 2; s < sides.length; s++) {
      const src = sides[s]!;
      for (let i = 0; i < count; i++) d[i] = d[i]! ^ src[i]!;
    }
    return -1;
  },
};

const compareOp: WordOp = {
  bytes(views, offs, _nout, n) {
    const a = views[0]!, b = views[1]!;
    const ao = offs[0]!, bo = offs[1]!;
    for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return i;
    return -1;
  },
  words(sides, count) {
    const a = sides[0]!, b = sides[1]!;
    for (let i = 0; i < count; i++) if (a[i] !== b[i]) return i;
    return -1;
  },
};

const comparePatternOp: WordOp = {
  bytes(views, offs, _nout, n, st) {
    const a = views[0]!;
    const o = offs[0]!;
    const p = st.pattern;
    const phase = st.base;
    for (let i = 0; i < n; i++) if (a[o + i] !== p[(phase + i) & 7]) return i;
    return -1;
  },
  words(sides, count, _nout, st, pos) {
    const a = sides[0]!;
    const even = st.patternWords[pos & 7]!;
    const odd = st.patternWords[(pos + 4) & 7]!;
    for (let i = 0; i < count; i++) {
      if (a[i] !== ((i & 1) === 0 ? even : odd)) return i;
    }
    return -1;
  },
};

const xorCheckOp: WordOp = {
  bytes(views, offs, _nout, n) {
    const k = views.length;
    for (let i = 0; i < n; i++) {
      let x = views[0]![offs[0]! + i]!;
      for (let s = 1; s < k; s++) x ^= views[s]![offs[s]! + i]!;
      if (x !== 0) return i;
    }
    return -1;
  },
  words(sides, count) {
    const k = sides.length;
    const a = sides[0]!, b = sides[1]!;
    if (k === 2) {
      for (let i = 0; i < count; i++) if (a[i] !== b[i]) return i;
      return -1;
    }
    for (let i = 0; i < count; i++) {
      let x = a[i]! ^ b[i]!;
      for (let s = 2; s < k; s++) x ^= sides[s]![i]!;
      if (x !== 0) return i;
    }
    return -1;
  },
};

/**
 * P and Q of data blocks where `skip(k)` blocks count as zeros, by Horner's rule from the last
 * block: into outputs p and q (p may be undefined). Words.
 */
function pqWords(
  p: Uint32Array | undefined,
  q: Uint32Array,
  data: (Uint32Array | undefined)[],
  count: number,
): void {
  const n = data.length;
  let top = n - 1;
  while (top >= 0 && data[top] === undefined) top--;
  if (top < 0) {
    p?.fill(0, 0, count);
    q.fill(0, 0, count);
    return;
  }
  const first = data[top]!;
  q.set(first.subarray(0, count));
  p?.set(first.subarray(0, count));
  for (let k = top - 1; k >= 0; k--) {
    const src = data[k];
    if (src === undefined) {
      for (let i = 0; i < count; i++) q[i] = mul2w(q[i]!);
    } else {
      for (let i = 0; i < count; i++) q[i] = mul2w(q[i]!) ^ src[i]!;
      if (p !== undefined) { for (let i = 0; i < count; i++) p[i] = p[i]! ^ src[i]!; }
    }
  }
}

/** The same one byte index at a time: [p, q] of data[k][offs[k] + i]. */
function pqByte(data: (Uint8Array | undefined)[], offs: number[], i: number): [number, number] {
  let p = 0, q = 0;
  for (let k = data.length - 1; k >= 0; k--) {
    q = mul2b(q);
    const src = data[k];
    if (src !== undefined) {
      const x = src[offs[k]! + i]!;
      p ^= x;
      q ^= x;
    }
  }
  return [p, q];
}

const pqOp: WordOp = {
  bytes(views, offs, nout, n) {
    const data = views.slice(nout);
    const dOffs = offs.slice(nout);
    for (let i = 0; i < n; i++) {
      const [p, q] = pqByte(data, dOffs, i);
      views[0]![offs[0]! + i] = p;
      views[1]![offs[1]! + i] = q;
    }
    return -1;
  },
  words(sides, count, nout) {
    pqWords(sides[0]!, sides[1]!, sides.slice(nout), count);
    return -1;
  },
};

/** The survivors of a pq-recover request, placed at their positions: data, P and Q. */
function place<T>(
  inputs: T[],
  n: number,
  st: OpState,
): [(T | undefined)[], T | undefined, T | undefined] {
  const data: (T | undefined)[] = [];
  let p: T | undefined, q: T | undefined;
  let j = 0;
  for (let pos = 0; pos < n + 2; pos++) {
    const src = pos === st.lostA || pos === st.lostB ? undefined : inputs[j++];
    if (pos < n) data.push(src);
    else if (pos === n) p = src;
    else q = src;
  }
  return [data, p, q];
}

const pqRecoverOp: WordOp = {
  bytes(views, offs, nout, len, st) {
    const ins = views.slice(nout);
    const inOffs = offs.slice(nout);
    const n = ins.length;
    const [data, pView, qView] = place(ins, n, st);
    const [dataOffs, pOff, qOff] = place(inOffs, n, st);
    const offsByPos = dataOffs.map((o) => o ?? 0);
    const o0 = views[0]!, o1 = views[1]!;
    const x = st.lostA;
    for (let i = 0; i < len; i++) {
      const [px, qx] = pqByte(data, offsByPos, i);
      let d0: number, d1: number;
      if (x === n) {
        d0 = px;
        d1 = qx;
      } else if (st.lostB === n) {
        d0 = gfMul(qView![qOff! + i]! ^ qx, st.ca);
        d1 = px ^ d0;
      } else if (st.lostB === n + 1) {
        d0 = pView![pOff! + i]! ^ px;
        // Q over every block, with the rebuilt one in its place.
        let q = 0;
        for (let k = n - 1; k >= 0; k--) {
          q = mul2b(q) ^ (k === x ? d0 : data[k]![offsByPos[k]! + i]!);
        }
        d1 = q;
      } else {
        const p = pView![pOff! + i]! ^ px;
        const q = qView![qOff! + i]! ^ qx;
        d0 = gfMul(p, st.ca) ^ gfMul(q, st.cb);
        d1 = p ^ d0;
      }
      o0[offs[0]! + i] = d0;
      o1[offs[1]! + i] = d1;
    }
    return -1;
  },
  words(sides, count, nout, st) {
    const o0 = sides[0]!, o1 = sides[1]!;
    const ins = sides.slice(nout);
    const n = ins.length;
    const [data, p, q] = place(ins, n, st);
    const x = st.lostA;
    if (x === n) {
      pqWords(o0, o1, data, count);
    } else if (st.lostB === n) {
      pqWords(o1, o0, data, count);
      const c = st.ca;
      for (let i = 0; i < count; i++) {
        const dx = mulw(q![i]! ^ o0[i]!, c);
        o0[i] = dx;
        o1[i] = o1[i]! ^ dx;
      }
    } else if (st.lostB === n + 1) {
      o0.set(p!.subarray(0, count));
      for (const src of data) {
        if (src !== undefined) { for (let i = 0; i < count; i++) o0[i] = o0[i]! ^ src[i]!; }
      }
      data[x] = o0;
      pqWords(undefined, o1, data, count);
    } else {
      pqWords(o0, o1, data, count);
      const ca = st.ca, cb = st.cb;
      for (let i = 0; i < count; i++) {
        const pw = o0[i]! ^ p![i]!;
        const qw = o1[i]! ^ q![i]!;
        const dx = mulw(pw, ca) ^ mulw(qw, cb);
        o0[i] = dx;
        o1[i] = pw ^ dx;
      }
    }
    return -1;
  },
};

// ---- the chunk driver --------------------------------------------------------------------------

let scratch: Uint32Array[] = [];

function scratchFor(k: number): Uint32Array {
  while (scratch.length <= k) scratch = [...scratch, new Uint32Array(BLOCK_WORDS)];
  return scratch[k]!;
}

/**
 * Runs `op` over one chunk: `length` bytes of views[s] from offs[s] for every side, outputs
 * first. Returns the chunk-relative index a search found, or -1.
 */
function runChunk(
  op: WordOp,
  views: Uint8Array[],
  offs: number[],
  length: number,
  nout: number,
  st: OpState,
): number {
  const sides = views.length;
  if (length < SMALL) return op.bytes(views, offs, nout, length, st);
  const anchor = views[0]!.byteOffset + offs[0]!;
  const head = (4 - (anchor & 3)) & 3;
  if (head > 0) {
    const found = op.bytes(views, offs, nout, head, st);
    if (found >= 0) return found;
  }
  const words = (length - head) >>> 2;
  const blockSides: Uint32Array[] = new Array(sides);
  const staged: number[] = [];
  const stagedOffs: number[] = new Array(sides).fill(0);
  for (let w = 0; w < words; w += BLOCK_WORDS) {
    const count = Math.min(BLOCK_WORDS, words - w);
    const byte = head + w * 4;
    staged.length = 0;
    for (let s = 0; s < sides; s++) {
      const view = views[s]!;
      const at = view.byteOffset + offs[s]! + byte;
      if ((at & 3) === 0) {
        blockSides[s] = new Uint32Array(view.buffer, at, count);
      } else {
        const buffer = scratchFor(staged.length);
        staged.push(s);
        if (s >= nout) {
          const from = offs[s]! + byte;
          new Uint8Array(buffer.buffer, 0, count * 4).set(view.subarray(from, from + count * 4));
        }
        blockSides[s] = buffer.subarray(0, count);
      }
    }
    const saved = st.base;
    st.base = saved + byte;
    const found = op.words(blockSides, count, nout, st, st.base);
    st.base = saved;
    for (const s of staged) {
      if (s >= nout) continue;
      const from = offs[s]! + byte;
      views[s]!.set(new Uint8Array(blockSides[s]!.buffer, 0, count * 4), from);
    }
    if (found >= 0) {
      // The word holds the first difference: find its byte.
      for (let s = 0; s < sides; s++) stagedOffs[s] = offs[s]! + byte + found * 4;
      st.base += byte + found * 4;
      const inWord = op.bytes(views, stagedOffs, nout, 4, st);
      st.base -= byte + found * 4;
      return byte + found * 4 + inWord;
    }
  }
  const done = head + words * 4;
  if (done < length) {
    for (let s = 0; s < sides; s++) stagedOffs[s] = offs[s]! + done;
    st.base += done;
    const found = op.bytes(views, stagedOffs, nout, length - done, st);
    st.base -= done;
    if (found >= 0) return done + found;
  }
  return -1;
}

function newState(): OpState {
  return {
    base: 0,
    pattern: new Uint8Array(8),
    patternWords: new Uint32Array(8),
    lostA: 0,
    lostB: 0,
    ca: 0,
    cb: 0,
  };
}

/**
 * Runs a word-based function over a whole request (any scatter/gather shape): the chunk driver
 * over walkChunks. Returns the request offset a search found, or -1.
 */
function runRequest(
  op: WordOp,
  sides: DmoverBuffer[],
  length: number,
  nout: number,
  st: OpState,
): number {
  let result = -1;
  let done = 0;
  let stopped = false;
  walkChunks(sides, length, (views, offs, chunk) => {
    if (stopped) return;
    st.base = done;
    const found = runChunk(op, views, offs, chunk, nout, st);
    if (found >= 0) {
      result = done + found;
      stopped = true;
    }
    done += chunk;
  });
  return result;
}

// ---- the kernels -------------------------------------------------------------------------------

function outputsOf(request: DmoverRequest): DmoverBuffer[] {
  return request.outputs !== undefined ? [...request.outputs] : [request.output!];
}

/** `xor` of 2 to 32 inputs. */
export function tsXor(request: DmoverRequest, length: number): undefined {
  runRequest(xorOp, [request.output!, ...request.inputs!], length, 1, newState());
  return undefined;
}

/** `compare`: the first differing offset, or -1. */
export function tsCompare(request: DmoverRequest, length: number): number {
  return runRequest(compareOp, [...request.inputs!], length, 0, newState());
}

/** The 8 bytes of a compare-pattern immediate, little-endian. */
export function patternBytes(immediate: number | bigint): Uint8Array {
  let v = BigInt(immediate);
  const out = new Uint8Array(8);
  for (let j = 0; j < 8; j++) {
    out[j] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** `compare-pattern`: the first offset whose byte differs from the pattern's, or -1. */
export function tsComparePattern(request: DmoverRequest, length: number): number {
  const st = newState();
  st.pattern = patternBytes(request.immediate as number | bigint);
  const twice = new Uint8Array(16);
  twice.set(st.pattern);
  twice.set(st.pattern, 8);
  for (let phase = 0; phase < 8; phase++) {
    st.patternWords[phase] = new Uint32Array(twice.slice(phase, phase + 4).buffer)[0]!;
  }
  return runRequest(comparePatternOp, [...request.inputs!], length, 0, st);
}

/** `xor-check`: the first offset where the xor of the inputs is not 0, or -1. */
export function tsXorCheck(request: DmoverRequest, length: number): number {
  return runRequest(xorCheckOp, [...request.inputs!], length, 0, newState());
}

/** `pq`: P and Q of 2 to 32 data blocks. */
export function tsPq(request: DmoverRequest, length: number): undefined {
  runRequest(pqOp, [...outputsOf(request), ...request.inputs!], length, 2, newState());
  return undefined;
}

/** `pq-recover`: the two lost blocks of a stripe from its survivors. */
export function tsPqRecover(request: DmoverRequest, length: number): undefined {
  const st = newState();
  const n = request.inputs!.length;
  const [a, b] = lostPositions(request.immediate as number | bigint, n)!;
  st.lostA = a;
  st.lostB = b;
  [st.ca, st.cb] = recoveryConstants(a, b, n);
  runRequest(pqRecoverOp, [...outputsOf(request), ...request.inputs!], length, 2, st);
  return undefined;
}

/** `copy-crc32c`: copies, and returns the input's CRC-32C continuing the seed. */
export function tsCopyCrc32c(request: DmoverRequest, length: number): number {
  let crc = (request.immediate as number | undefined) ?? 0;
  walkChunks([request.output!, request.inputs![0]!], length, (views, offs, chunk) => {
    const out = views[0]!;
    const at = offs[0]!;
    out.set(views[1]!.subarray(offs[1]!, offs[1]! + chunk), at);
    crc = crc32cUpdate(crc, out, at, at + chunk);
  }, 1 << 16);
  return crc;
}

/** `dualcast`: one input to two outputs. */
export function tsDualcast(request: DmoverRequest, length: number): undefined {
  const [a, b] = request.outputs!;
  walkChunks([a!, b!, request.inputs![0]!], length, (views, offs, chunk) => {
    const src = views[2]!.subarray(offs[2]!, offs[2]! + chunk);
    views[0]!.set(src, offs[0]!);
    views[1]!.set(src, offs[1]!);
  });
  return undefined;
}
