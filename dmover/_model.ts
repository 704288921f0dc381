// The speed model both built-in backends use: a call costs a fixed overhead plus length / bandwidth,
// so throughput = length / (overheadNs + length / gbps), in bytes per nanosecond (GB/s). The
// parameters were fitted to one-shot calls (validation included, the same for every backend) timed
// by bench:dmover on 2026-12-06 against the folding CRC-32C and table kernels, from 16 B to 4 KiB
// (4 KiB to 1 MiB for the functions beyond dmover_io), the range where the crossovers lie; only
// their ratios matter, since they decide where one backend overtakes the other.

/** A cost model: fixed nanoseconds per request and streaming GB/s. */
export interface CostModel {
  readonly overheadNs: number;
  readonly gbps: number;
}

/** The throughput a cost model predicts for `length` bytes, in GB/s. */
export function modelSpeed(model: CostModel, length: number): number {
  return length / (model.overheadNs + length / model.gbps);
}

/** The number N of an `xorN` function name, or 0. */
export function xorArity(name: string): number {
  const match = /^xor([2-8])$/.exec(name);
  return match === null ? 0 : Number(match[1]);
}

/** Linear interpolation of a table indexed by xor arity, given at N = 2, 4 and 8. */
export function byArity(n: number, at2: number, at4: number, at8: number): number {
  if (n <= 4) return at2 + ((at4 - at2) * (n - 2)) / 2;
  return at4 + ((at8 - at4) * (n - 4)) / 4;
}
