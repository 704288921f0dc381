// xor of 2..8 inputs in TypeScript. Uint8 loops are 5-8x slower than 32-bit word loops, so the
// output is peeled to a 4-byte boundary and the bulk runs over Uint32Array views; an input whose
// bytes do not line up with the output's words is first copied, a block at a time, into an aligned
// scratch buffer (Uint8Array.prototype.set is memcpy, far faster than the xor loop).

/** Below this many bytes a byte loop beats making 32-bit word views. */
export const XOR_WORDS_FROM = 64;
const BLOCK = 16384; // bytes per block when an input needs realigning

let scratch: Uint32Array[] = [];

function scratchFor(k: number): Uint32Array {
  while (scratch.length <= k) scratch = [...scratch, new Uint32Array(BLOCK / 4)];
  return scratch[k]!;
}

function xorBytes(
  out: Uint8Array,
  o: number,
  ins: readonly Uint8Array[],
  offs: readonly number[],
  first: number,
  n: number,
  length: number,
  skip: number,
): void {
  // One pass per input: the first copies, the others xor in (the bytes stay in L1).
  const head = ins[first]!;
  const at = offs[first]! + skip;
  for (let i = 0; i < length; i++) out[o + i] = head[at + i]!;
  for (let k = first + 1; k < first + n; k++) {
    const view = ins[k]!;
    const from = offs[k]! + skip;
    for (let i = 0; i < length; i++) out[o + i] = out[o + i]! ^ view[from + i]!;
  }
}

// Word loops, one per arity so that each is a single pass with no inner loop.
function xorWords(d: Uint32Array, s: readonly Uint32Array[], from: number, to: number): void {
  const a = s[0]!;
  const b = s[1]!;
  switch (s.length) {
    case 2:
      for (let i = from; i < to; i++) d[i] = a[i]! ^ b[i]!;
      return;
    case 3: {
      const c = s[2]!;
      for (let i = from; i < to; i++) d[i] = a[i]! ^ b[i]! ^ c[i]!;
      return;
    }
    case 4: {
      const c = s[2]!, e = s[3]!;
      for (let i = from; i < to; i++) d[i] = a[i]! ^ b[i]! ^ c[i]! ^ e[i]!;
      return;
    }
    case 5: {
      const c = s[2]!, e = s[3]!, f = s[4]!;
      for (let i = from; i < to; i++) d[i] = a[i]! ^ b[i]! ^ c[i]! ^ e[i]! ^ f[i]!;
      return;
    }
    case 6: {
      const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!;
      for (let i = from; i < to; i++) d[i] = a[i]! ^ b[i]! ^ c[i]! ^ e[i]! ^ f[i]! ^ g[i]!;
      return;
    }
    case 7: {
      const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!, h = s[6]!;
      for (let i = from; i < to; i++) {
        d[i] = a[i]! ^ b[i]! ^ c[i]! ^ e[i]! ^ f[i]! ^ g[i]! ^ h[i]!;
      }
      return;
    }
    default: {
      const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!, h = s[6]!, j = s[7]!;
      for (let i = from; i < to; i++) {
        d[i] = a[i]! ^ b[i]! ^ c[i]! ^ e[i]! ^ f[i]! ^ g[i]! ^ h[i]! ^ j[i]!;
      }
    }
  }
}

/**
 * out[o .. o + length) = the xor of ins[k][offs[k] ..] for k from `first` to `first + n - 1`,
 * n from 2 to 8 (so that a caller can pass arrays that also hold the output). The output must not
 * overlap the inputs.
 */
export function xorInto(
  out: Uint8Array,
  o: number,
  ins: readonly Uint8Array[],
  offs: readonly number[],
  first: number,
  n: number,
  length: number,
): void {
  if (length < XOR_WORDS_FROM) {
    xorBytes(out, o, ins, offs, first, n, length, 0);
    return;
  }
  // Peel bytes until the output is on a 4-byte boundary of its ArrayBuffer.
  const peel = (4 - ((out.byteOffset + o) & 3)) & 3;
  if (peel > 0) xorBytes(out, o, ins, offs, first, n, peel, 0);
  const words = (length - peel) >>> 2;
  const d = new Uint32Array(out.buffer, out.byteOffset + o + peel, words);
  const s: Uint32Array[] = new Array(n);
  const misaligned: number[] = [];
  for (let k = 0; k < n; k++) {
    const view = ins[first + k]!;
    const at = view.byteOffset + offs[first + k]! + peel;
    if ((at & 3) === 0) s[k] = new Uint32Array(view.buffer, at, words);
    else misaligned.push(k);
  }
  if (misaligned.length === 0) {
    xorWords(d, s, 0, words);
  } else {
    // Copy each misaligned input block into aligned scratch, then xor the block.
    const blockWords = BLOCK / 4;
    for (let w = 0; w < words; w += blockWords) {
      const count = Math.min(blockWords, words - w);
      const block: Uint32Array[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const view = s[k];
        block[k] = view === undefined ? new Uint32Array(0) : view.subarray(w, w + count);
      }
      for (let m = 0; m < misaligned.length; m++) {
        const k = misaligned[m]!;
        const buffer = scratchFor(m);
        const start = offs[first + k]! + peel + w * 4;
        const from = ins[first + k]!;
        new Uint8Array(buffer.buffer, 0, count * 4).set(from.subarray(start, start + count * 4));
        block[k] = buffer.subarray(0, count);
      }
      xorWords(d.subarray(w, w + count), block, 0, count);
    }
  }
  const done = peel + words * 4;
  if (done < length) xorBytes(out, o + done, ins, offs, first, n, length - done, done);
}
