// The speed model both built-in backends use: a call costs a fixed overhead plus length / bandwidth,
// so throughput = length / (overheadNs + length / gbps), in bytes per nanosecond (GB/s). The
// parameters come from bench/dmover_bench.ts on the development machine (see README's table); only
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
