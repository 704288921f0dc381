// The shim's direct entry points, dray_dop3..dray_dop9: xor, pq or pq-recover over whole
// memories, without a table (dmover's one-shot helpers' commonest cases). The caller has checked
// every memory is a Uint8Array of `length` bytes, read through the intrinsic getter with no other
// code run since, so that length is each capacity C gets; C checks the shape, the capacities and
// that no output meets another memory (by address) before it writes a byte. Private to dray.

import type { ShimSymbols } from "./_symbols.ts";
import { OP } from "./_dmover_ops.ts";

/** An output of a direct call shares bytes with another of its memories (nothing written). */
export const DRAY_EMEET = -6;

/** The most memories a direct call takes. */
export const DIRECT_MAX_MEMORIES = 9;

/**
 * The control word of a direct call: the op, its outputs and inputs and, for pq-recover, the two
 * lost positions of the stripe (`lostA` < `lostB`).
 */
export function directControl(
  op: number,
  outputs: number,
  inputs: number,
  lostA = 0,
  lostB = 0,
): number {
  const lost = op === OP.pqRecover ? (lostA << 12) | (lostB << 18) : 0;
  return (op | (outputs << 4) | (inputs << 6) | lost) >>> 0;
}

/**
 * One direct call over `count` (3 to 9) memories of `length` bytes each; the shim's code (0, or
 * DRAY_EMEET and the other refusals, nothing written), or undefined for a library without them.
 */
export function directCall(
  y: ShimSymbols,
  control: number,
  length: number,
  m: readonly Uint8Array[],
  count: number,
): number | undefined {
  const n = length;
  switch (count) {
    case 3:
      return y.dray_dop3?.(control, n, m[0]!, n, m[1]!, n, m[2]!, n);
    case 4:
      return y.dray_dop4?.(control, n, m[0]!, n, m[1]!, n, m[2]!, n, m[3]!, n);
    case 5:
      return y.dray_dop5?.(control, n, m[0]!, n, m[1]!, n, m[2]!, n, m[3]!, n, m[4]!, n);
    case 6: {
      const f = y.dray_dop6;
      return f?.(control, n, m[0]!, n, m[1]!, n, m[2]!, n, m[3]!, n, m[4]!, n, m[5]!, n);
    }
    case 7: {
      const f = y.dray_dop7;
      const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, g = m[5]!, h = m[6]!;
      return f?.(control, n, a, n, b, n, c, n, d, n, e, n, g, n, h, n);
    }
    case 8: {
      const f = y.dray_dop8;
      const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, g = m[5]!, h = m[6]!;
      const i = m[7]!;
      return f?.(control, n, a, n, b, n, c, n, d, n, e, n, g, n, h, n, i, n);
    }
    case 9: {
      const f = y.dray_dop9;
      const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, g = m[5]!, h = m[6]!;
      const i = m[7]!, j = m[8]!;
      return f?.(control, n, a, n, b, n, c, n, d, n, e, n, g, n, h, n, i, n, j, n);
    }
  }
  return undefined;
}
