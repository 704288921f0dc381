// The shim's data-mover entry points behind NativeLibrary's public methods (copy, fill, xor, xorv,
// crc32c, crc32cv, dmoverOp, dmoverOpAsync): each checks its arguments (_checks.ts,
// _table_checks.ts) and marshals them into one FFI call. Private to dray.

import { bufferOf, byteOffsetOf, checkSpan, isUint8Array, lengthOf, U32_MAX } from "./_checks.ts";
import { DRAY_OK, type ShimSymbols } from "./_symbols.ts";
import { DRAY_ENOMEM } from "./_dmover_ops.ts";
import { checkIovTable, checkOpTable, xorArity } from "./_table_checks.ts";

/** Throws for a non-zero return code of the shim. */
export function fail(entry: string, code: number): never {
  if (code === DRAY_ENOMEM) {
    throw new Error(`Cannot complete ${entry}: the native shim ran out of memory`);
  }
  // Unreachable while the TypeScript checks hold: the C side found a span the wrapper allowed.
  throw new RangeError(
    `Cannot complete ${entry}: the native shim rejected its arguments (${code})`,
  );
}

/** Throws for a library built without the dmover kernels. */
export function noKernels(entry: string): never {
  throw new Error(
    `Cannot ${entry}: this build of the shim has no dmover kernels; rebuild it with 'deno task native'`,
  );
}

/** Whether every dmover entry point is in the library. */
export function hasKernels(y: ShimSymbols): boolean {
  return y.dray_crc32c_impl !== null && y.dray_crc32c !== null && y.dray_crc32c_span !== null &&
    y.dray_xor2 !== null && y.dray_xor3 !== null && y.dray_xor4 !== null &&
    y.dray_xor5 !== null && y.dray_xor6 !== null && y.dray_xor7 !== null &&
    y.dray_xor8 !== null && y.dray_isa !== null && y.dray_op4 !== null &&
    y.dray_op12 !== null && y.dray_op4_async !== null && y.dray_op12_async !== null;
}

const EMPTY = new Uint8Array(0);

/** Keeps values reachable until here (a nonblocking call must not outlive its buffers). */
function keepAlive(..._values: unknown[]): void {}

/**
 * One synchronous call of dray_op4 (up to 4 memories) or dray_op12 (up to 12), the missing
 * memories passed as NULL with capacity 0; returns the shim's code. Nothing is checked here.
 */
export function opCall(
  y: ShimSymbols,
  table: Uint32Array,
  words: number,
  m: readonly Uint8Array[],
): number {
  if (m.length <= 4) {
    const a = m[0] ?? EMPTY, b = m[1] ?? EMPTY, c = m[2] ?? EMPTY, d = m[3] ?? EMPTY;
    return y.dray_op4!(
      table,
      words,
      a,
      lengthOf(a),
      b,
      lengthOf(b),
      c,
      lengthOf(c),
      d,
      lengthOf(d),
    );
  }
  // Each memory read once; a missing one is EMPTY with capacity 0, its length not read.
  const n = m.length;
  const a = m[0] ?? EMPTY, b = m[1] ?? EMPTY, c = m[2] ?? EMPTY, d = m[3] ?? EMPTY;
  const e = m[4] ?? EMPTY, f = m[5] ?? EMPTY, g = m[6] ?? EMPTY, h = m[7] ?? EMPTY;
  const i = m[8] ?? EMPTY, j = m[9] ?? EMPTY, k = m[10] ?? EMPTY, l = m[11] ?? EMPTY;
  return y.dray_op12!(
    table,
    words,
    a,
    lengthOf(a),
    b,
    lengthOf(b),
    c,
    lengthOf(c),
    d,
    lengthOf(d),
    e,
    lengthOf(e),
    f,
    n > 5 ? lengthOf(f) : 0,
    g,
    n > 6 ? lengthOf(g) : 0,
    h,
    n > 7 ? lengthOf(h) : 0,
    i,
    n > 8 ? lengthOf(i) : 0,
    j,
    n > 9 ? lengthOf(j) : 0,
    k,
    n > 10 ? lengthOf(k) : 0,
    l,
    n > 11 ? lengthOf(l) : 0,
  );
}

/** {@linkcode opCall} as a nonblocking call (dray_op4_async, dray_op12_async). */
async function opCallAsync(
  y: ShimSymbols,
  table: Uint32Array,
  words: number,
  memories: readonly Uint8Array[],
): Promise<number> {
  // Held in this frame until the call settles: a SharedArrayBuffer stays alive while referenced.
  const m: Uint8Array[] = [];
  for (let i = 0; i < (memories.length <= 4 ? 4 : 12); i++) m.push(memories[i] ?? EMPTY);
  const rc = m.length === 4
    ? await y.dray_op4_async!(
      table,
      words,
      m[0]!,
      lengthOf(m[0]!),
      m[1]!,
      lengthOf(m[1]!),
      m[2]!,
      lengthOf(m[2]!),
      m[3]!,
      lengthOf(m[3]!),
    )
    : await y.dray_op12_async!(
      table,
      words,
      m[0]!,
      lengthOf(m[0]!),
      m[1]!,
      lengthOf(m[1]!),
      m[2]!,
      lengthOf(m[2]!),
      m[3]!,
      lengthOf(m[3]!),
      m[4]!,
      lengthOf(m[4]!),
      m[5]!,
      lengthOf(m[5]!),
      m[6]!,
      lengthOf(m[6]!),
      m[7]!,
      lengthOf(m[7]!),
      m[8]!,
      lengthOf(m[8]!),
      m[9]!,
      lengthOf(m[9]!),
      m[10]!,
      lengthOf(m[10]!),
      m[11]!,
      lengthOf(m[11]!),
    );
  keepAlive(table, m);
  return rc;
}

/** memmove; see NativeLibrary.copy. */
export function copy(
  y: ShimSymbols,
  dst: Uint8Array,
  dstOffset: number,
  src: Uint8Array,
  srcOffset: number,
  length: number,
): void {
  checkSpan("dst", dst, dstOffset, length);
  checkSpan("src", src, srcOffset, length);
  if (lengthOf(dst) <= U32_MAX && lengthOf(src) <= U32_MAX && length <= U32_MAX) {
    const rc = y.dray_copy(
      dst,
      lengthOf(dst),
      dstOffset >>> 0, // -0 becomes 0: FFI refuses -0 for a u32 (see _checks.ts)
      src,
      lengthOf(src),
      srcOffset >>> 0,
      length >>> 0,
    );
    if (rc !== DRAY_OK) fail("copy", rc);
    return;
  }
  // A buffer beyond 4 GiB: narrow to the spans and go in u32-sized steps.
  const d = dst.subarray(dstOffset, dstOffset + length);
  const s = src.subarray(srcOffset, srcOffset + length);
  if (
    bufferOf(dst) === bufferOf(src) &&
    byteOffsetOf(dst) + dstOffset > byteOffsetOf(src) + srcOffset
  ) {
    d.set(s); // an overlapping forward copy cannot be split front to back
    return;
  }
  for (let at = 0; at < length; at += U32_MAX) {
    const n = Math.min(U32_MAX, length - at);
    const rc = y.dray_copy(
      d.subarray(at, at + n),
      n,
      0,
      s.subarray(at, at + n),
      n,
      0,
      n,
    );
    if (rc !== DRAY_OK) fail("copy", rc);
  }
}

/** memset; see NativeLibrary.fill. */
export function fill(
  y: ShimSymbols,
  dst: Uint8Array,
  offset: number,
  value: number,
  length: number,
): void {
  checkSpan("dst", dst, offset, length);
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`Cannot fill with '${value}': expected an integer from 0 to 255`);
  }
  if (lengthOf(dst) <= U32_MAX && length <= U32_MAX) {
    const rc = y.dray_fill(
      dst,
      lengthOf(dst),
      offset >>> 0,
      value >>> 0,
      length >>> 0,
    );
    if (rc !== DRAY_OK) fail("fill", rc);
    return;
  }
  const d = dst.subarray(offset, offset + length);
  for (let at = 0; at < length; at += U32_MAX) {
    const n = Math.min(U32_MAX, length - at);
    const rc = y.dray_fill(d.subarray(at, at + n), n, 0, value >>> 0, n);
    if (rc !== DRAY_OK) fail("fill", rc);
  }
}

// Scratch iovec table for the contiguous wrappers (calls are synchronous, so one table serves).
const SCRATCH = new Uint32Array(3 * 9);

/** The most sources one xor call into C takes; wider xors go in rounds (see xorWide). */
const XOR_CALL_MAX = 8;

/** xor of 2 to 32 sources; see NativeLibrary.xor. */
export function xor(
  y: ShimSymbols,
  dst: Uint8Array,
  dstOffset: number,
  sources: readonly Uint8Array[],
  sourceOffsets: readonly number[],
  length: number,
): void {
  const n = xorArity(sources, 32);
  if (!Array.isArray(sourceOffsets) || sourceOffsets.length !== n) {
    throw new RangeError(
      `Cannot xor: expected ${n} source offsets, got '${
        Array.isArray(sourceOffsets) ? sourceOffsets.length : typeof sourceOffsets
      }'`,
    );
  }
  if (n > XOR_CALL_MAX) {
    xorWide(y, dst, dstOffset, sources, sourceOffsets, length);
    return;
  }
  const table = SCRATCH;
  // The common case in a few comparisons: every span non-empty, in bounds and uint32-sized
  // (a detached buffer has length 0, so it cannot pass). Anything else takes checkSpan's path,
  // which throws the precise error or handles buffers beyond 4 GiB.
  let fast = length > 0 && length >>> 0 === length && isUint8Array(dst) &&
    dstOffset >>> 0 === dstOffset && lengthOf(dst) - dstOffset >= length &&
    lengthOf(dst) <= U32_MAX;
  for (let k = 0; fast && k < n; k++) {
    const s = sources[k];
    const off = sourceOffsets[k]!;
    fast = isUint8Array(s) && off >>> 0 === off && lengthOf(s) - off >= length &&
      lengthOf(s) <= U32_MAX;
    table[3 + 3 * k] = 1;
    table[4 + 3 * k] = off;
    table[5 + 3 * k] = length;
  }
  if (fast) {
    table[0] = 1;
    table[1] = dstOffset;
    table[2] = length;
    xorCall(y, n, table, 3 * (n + 1), dst, sources);
    return;
  }
  checkSpan("dst", dst, dstOffset, length);
  for (let k = 0; k < n; k++) checkSpan(`sources[${k}]`, sources[k]!, sourceOffsets[k]!, length);
  if (length === 0) return;
  if (
    lengthOf(dst) <= U32_MAX && length <= U32_MAX && sources.every((s) => lengthOf(s) <= U32_MAX)
  ) {
    table[0] = 1;
    table[1] = dstOffset;
    table[2] = length;
    for (let k = 0; k < n; k++) {
      table[3 + 3 * k] = 1;
      table[4 + 3 * k] = sourceOffsets[k]!;
      table[5 + 3 * k] = length;
    }
    xorCall(y, n, table, 3 * (n + 1), dst, sources);
    return;
  }
  // A buffer beyond 4 GiB: narrow every side to its span and go in steps that fit a uint32_t.
  const step = 2 ** 31;
  for (let at = 0; at < length; at += step) {
    const m = Math.min(step, length - at);
    const parts = sources.map((s, k) =>
      s.subarray(sourceOffsets[k]! + at, sourceOffsets[k]! + at + m)
    );
    xor(y, dst.subarray(dstOffset + at, dstOffset + at + m), 0, parts, parts.map(() => 0), m);
  }
}

// Chunk of a wide xor: two scratch buffers of this size carry the partial xors.
const WIDE_CHUNK = 1 << 16;

/**
 * An xor of 9 to 32 sources: per chunk of up to 64 KiB, the first 8 sources into a scratch
 * buffer, then rounds of that partial result and up to 7 more sources, the last round into `dst`;
 * no call ever has its output among its inputs.
 */
function xorWide(
  y: ShimSymbols,
  dst: Uint8Array,
  dstOffset: number,
  sources: readonly Uint8Array[],
  sourceOffsets: readonly number[],
  length: number,
): void {
  checkSpan("dst", dst, dstOffset, length);
  for (let k = 0; k < sources.length; k++) {
    checkSpan(`sources[${k}]`, sources[k]!, sourceOffsets[k]!, length);
  }
  if (length === 0) return;
  const chunk = Math.min(WIDE_CHUNK, length);
  let a = new Uint8Array(chunk);
  let b = new Uint8Array(chunk);
  const n = sources.length;
  for (let at = 0; at < length; at += chunk) {
    const m = Math.min(chunk, length - at);
    const part = (k: number): Uint8Array =>
      sources[k]!.subarray(sourceOffsets[k]! + at, sourceOffsets[k]! + at + m);
    const first = Array.from({ length: XOR_CALL_MAX }, (_, k) => part(k));
    xor(y, a, 0, first, first.map(() => 0), m);
    for (let k = XOR_CALL_MAX; k < n; k += XOR_CALL_MAX - 1) {
      const group: Uint8Array[] = [a.subarray(0, m)];
      for (let j = k; j < Math.min(n, k + XOR_CALL_MAX - 1); j++) group.push(part(j));
      const last = k + XOR_CALL_MAX - 1 >= n;
      const into = last ? dst.subarray(dstOffset + at, dstOffset + at + m) : b;
      xor(y, into, 0, group, group.map(() => 0), m);
      [a, b] = [b, a];
    }
  }
}

/** The scatter/gather xor; see NativeLibrary.xorv. */
export function xorv(
  y: ShimSymbols,
  dst: Uint8Array,
  sources: readonly Uint8Array[],
  table: Uint32Array,
  words: number,
): void {
  const n = xorArity(sources, XOR_CALL_MAX);
  checkIovTable(table, words, 0, [dst, ...sources]);
  xorCall(y, n, table, words >>> 0, dst, sources);
}

/** CRC-32C of one span; see NativeLibrary.crc32c. */
export function crc32c(
  y: ShimSymbols,
  src: Uint8Array,
  offset: number,
  length: number,
  seed: number,
): number {
  if (
    !(length > 0 && length >>> 0 === length && isUint8Array(src) &&
      offset >>> 0 === offset && lengthOf(src) - offset >= length && lengthOf(src) <= U32_MAX &&
      seed >>> 0 === seed)
  ) {
    // Not the common case: checkSpan throws the precise error; a zero length or a buffer
    // beyond 4 GiB carries on below.
    checkSpan("src", src, offset, length);
    if (!Number.isInteger(seed) || seed < 0 || seed > U32_MAX) {
      throw new RangeError(`Cannot use seed '${seed}': expected an integer from 0 to 2^32 - 1`);
    }
    if (length === 0) return seed >>> 0; // -0 is 0
    if (lengthOf(src) > U32_MAX || length > U32_MAX) {
      const part = src.subarray(offset, offset + length);
      const step = 2 ** 31;
      let crc = seed;
      for (let at = 0; at < length; at += step) {
        const m = Math.min(step, length - at);
        crc = crc32c(y, part.subarray(at, at + m), 0, m, crc);
      }
      return crc;
    }
  }
  const f = y.dray_crc32c_span;
  if (f === null) noKernels("crc32c");
  // One buffer parameter, no table: the CRC, or a negative code.
  const crc = f(src, lengthOf(src), offset >>> 0, length >>> 0, seed >>> 0);
  if (crc < 0) fail("crc32c", crc);
  return crc;
}

/** The scatter/gather CRC-32C; see NativeLibrary.crc32cv. */
export function crc32cv(
  y: ShimSymbols,
  src: Uint8Array,
  table: Uint32Array,
  words: number,
): number {
  checkIovTable(table, words, 1, [src]);
  const f = y.dray_crc32c;
  if (f === null) noKernels("crc32cv");
  const rc = f(table, words >>> 0, src, lengthOf(src));
  if (rc !== DRAY_OK) fail("crc32cv", rc);
  return table[0]!;
}

/**
 * dray_xor2..dray_xor8 over an iovec table of n + 1 sides (words `w`), the capacities read
 * through the intrinsic getter; throws for a non-zero code. Nothing else is checked here.
 */
export function xorCall(
  y: ShimSymbols,
  n: number,
  t: Uint32Array,
  w: number,
  d: Uint8Array,
  s: readonly Uint8Array[],
): void {
  if (y.dray_xor2 === null || y.dray_xor8 === null) noKernels(`xor${n}`);
  const a = s[0]!, b = s[1]!;
  let rc: number;
  switch (n) {
    case 2:
      rc = y.dray_xor2!(t, w, d, lengthOf(d), a, lengthOf(a), b, lengthOf(b));
      break;
    case 3: {
      const c = s[2]!;
      rc = y.dray_xor3!(t, w, d, lengthOf(d), a, lengthOf(a), b, lengthOf(b), c, lengthOf(c));
      break;
    }
    case 4: {
      const c = s[2]!, e = s[3]!;
      rc = y.dray_xor4!(
        t,
        w,
        d,
        lengthOf(d),
        a,
        lengthOf(a),
        b,
        lengthOf(b),
        c,
        lengthOf(c),
        e,
        lengthOf(e),
      );
      break;
    }
    case 5: {
      const c = s[2]!, e = s[3]!, f = s[4]!;
      rc = y.dray_xor5!(
        t,
        w,
        d,
        lengthOf(d),
        a,
        lengthOf(a),
        b,
        lengthOf(b),
        c,
        lengthOf(c),
        e,
        lengthOf(e),
        f,
        lengthOf(f),
      );
      break;
    }
    case 6: {
      const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!;
      rc = y.dray_xor6!(
        t,
        w,
        d,
        lengthOf(d),
        a,
        lengthOf(a),
        b,
        lengthOf(b),
        c,
        lengthOf(c),
        e,
        lengthOf(e),
        f,
        lengthOf(f),
        g,
        lengthOf(g),
      );
      break;
    }
    case 7: {
      const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!, h = s[6]!;
      rc = y.dray_xor7!(
        t,
        w,
        d,
        lengthOf(d),
        a,
        lengthOf(a),
        b,
        lengthOf(b),
        c,
        lengthOf(c),
        e,
        lengthOf(e),
        f,
        lengthOf(f),
        g,
        lengthOf(g),
        h,
        lengthOf(h),
      );
      break;
    }
    default: {
      const c = s[2]!, e = s[3]!, f = s[4]!, g = s[5]!, h = s[6]!, j = s[7]!;
      rc = y.dray_xor8!(
        t,
        w,
        d,
        lengthOf(d),
        a,
        lengthOf(a),
        b,
        lengthOf(b),
        c,
        lengthOf(c),
        e,
        lengthOf(e),
        f,
        lengthOf(f),
        g,
        lengthOf(g),
        h,
        lengthOf(h),
        j,
        lengthOf(j),
      );
    }
  }
  if (rc !== DRAY_OK) fail(`xor${n}`, rc);
}

/** One op over a checked table; see NativeLibrary.dmoverOp. */
export function dmoverOp(
  y: ShimSymbols,
  table: Uint32Array,
  memories: readonly Uint8Array[],
  words: number,
): void {
  if (y.dray_op4 === null || y.dray_op12 === null) noKernels("run a dmover op");
  checkOpTable(table, words, memories, false);
  const rc = opCall(y, table, words, memories);
  if (rc !== DRAY_OK) fail("dmoverOp", rc);
}

/** One op off the event-loop thread; see NativeLibrary.dmoverOpAsync. */
export async function dmoverOpAsync(
  y: ShimSymbols,
  table: Uint32Array,
  memories: readonly Uint8Array[],
  words: number,
): Promise<void> {
  if (y.dray_op4 === null || y.dray_op12 === null) noKernels("run a dmover op");
  checkOpTable(table, words, memories, true);
  const rc = await opCallAsync(y, table, words, memories);
  if (rc !== DRAY_OK) fail("dmoverOpAsync", rc);
}
