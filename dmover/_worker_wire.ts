// What the worker backend and its workers exchange: a part of a request as posted, and the layout
// of the shared control block through which a worker reports (Atomics.notify on the state word).

/** One piece of a side: a SharedArrayBuffer, a byte offset into it and a length. */
export type WirePiece = [SharedArrayBuffer, number, number];

/** A part of a request, as posted to a worker. */
export interface WireJob {
  /** The function's name. */
  fn: string;
  /** How many of the sides are outputs (they come first). */
  outputs: number;
  /** Whether the function's single output is given as `output` (else `outputs`). */
  single: boolean;
  /** Each side's pieces, in walk order. */
  sides: WirePiece[][];
  immediate: number | bigint | undefined;
  length: number;
  /** The control block, and this job's slot in it. */
  control: SharedArrayBuffer;
  slot: number;
}

/**
 * Bytes per slot of the control block: an Int32 state word (then one spare), a Float64 result
 * (NaN for none) at byte 8, an error message (UTF-8) from byte 16.
 */
export const SLOT_BYTES = 64;
export const STATE_RUNNING = 0;
export const STATE_DONE = 1;
export const STATE_FAILED = 2;
