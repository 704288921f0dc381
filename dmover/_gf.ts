// GF(2^8) as RAID-6 uses it (Linux md, ISA-L): the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d)
// and the generator 2. P is the xor of the data blocks, Q the sum of 2^k times block k. Private to
// dmover/: the TypeScript kernels and pq-recover's validation.

/** EXP[i] = 2^i, doubled so that EXP[LOG[a] + LOG[b]] needs no reduction. */
export const EXP: Uint8Array = new Uint8Array(512);
/** LOG[a] for a from 1 to 255. */
export const LOG: Uint8Array = new Uint8Array(256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    EXP[i + 255] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  EXP[510] = EXP[0]!;
  EXP[511] = EXP[1]!;
}

/** a * b. */
export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

/** a / b, b not 0. */
export function gfDiv(a: number, b: number): number {
  return a === 0 ? 0 : EXP[LOG[a]! + 255 - LOG[b]!]!;
}

/** 2^k for k >= 0. */
export function gfPow2(k: number): number {
  return EXP[k % 255]!;
}

/** 2^-k for k >= 0. */
export function gfPow2Neg(k: number): number {
  return EXP[(255 - (k % 255)) % 255]!;
}

/**
 * The two positions a `pq-recover` mask names (n data blocks at 0..n-1, P at n, Q at n + 1),
 * lower first, or undefined unless it names exactly two of the n + 2.
 */
export function lostPositions(
  mask: number | bigint,
  survivors: number,
): [number, number] | undefined {
  const top = survivors + 2; // at most 34 positions: every mask that names some is a safe number
  let m: number;
  if (typeof mask === "bigint") {
    if (mask < 0n || mask >= 2n ** BigInt(top)) return undefined;
    m = Number(mask);
  } else {
    if (!Number.isSafeInteger(mask) || mask < 0 || mask >= 2 ** top) return undefined;
    m = mask;
  }
  // Numbers, not bigints, on this path (it runs for every pq-recover request): the two 32-bit
  // halves, lowest set bit first.
  const lo = m % 0x1_0000_0000;
  let hi = (m - lo) / 0x1_0000_0000;
  let w = lo;
  let first = -1;
  for (let base = 0; base < 64; base += 32, w = hi, hi = 0) {
    while (w !== 0) {
      const bit = 31 - Math.clz32(w & -w);
      if (first >= 0) return w === (1 << bit) >>> 0 && hi === 0 ? [first, base + bit] : undefined;
      first = base + bit;
      w = (w & (w - 1)) >>> 0;
    }
  }
  return undefined;
}

/** The constants of a recovery: see dray_op_run in native/shim.c, which computes the same. */
export function recoveryConstants(a: number, b: number, n: number): [number, number] {
  if (b < n) {
    const gyx = gfPow2(b - a);
    const den = gyx ^ 1;
    return [gfDiv(gyx, den), gfDiv(gfPow2Neg(a), den)];
  }
  if (b === n && a < n) return [gfPow2Neg(a), 0];
  return [0, 0];
}
