// Walking scatter/gather buffers. A request's sides (its output and inputs) may be cut into iovecs
// at different places; walkChunks visits the request in the largest pieces in which every side is
// contiguous, so that kernels only ever see plain (view, offset, length) spans.

import type { DmoverBuffer } from "./types.ts";

/** Receives one chunk: views[s] from offsets[s], `length` bytes, for every side s. */
export type ChunkVisitor = (views: Uint8Array[], offsets: number[], length: number) => void;

/** Receives one piece of a single buffer. */
export type PieceVisitor = (view: Uint8Array, offset: number, length: number) => void;

/**
 * Visits the pieces of one buffer in order, skipping empty iovecs.
 */
export function forEachPiece(buffer: DmoverBuffer, visit: PieceVisitor): void {
  if (buffer instanceof Uint8Array) {
    visit(buffer, 0, buffer.length);
    return;
  }
  for (const iov of buffer) {
    if (iov.length !== 0) visit(iov.buffer, iov.offset, iov.length);
  }
}

/**
 * Visits `sides` (validated buffers of the same total `length`) chunk by chunk, each chunk at most
 * `maxChunk` bytes. The arrays passed to `visit` are reused: read them during the call only.
 */
export function walkChunks(
  sides: readonly DmoverBuffer[],
  length: number,
  visit: ChunkVisitor,
  maxChunk: number = Number.MAX_SAFE_INTEGER,
): void {
  const n = sides.length;
  const views: Uint8Array[] = new Array(n);
  const offsets: number[] = new Array(n);
  const left: number[] = new Array(n).fill(0);
  const index: number[] = new Array(n).fill(-1);
  let remaining = length;
  while (remaining > 0) {
    let chunk = Math.min(remaining, maxChunk);
    for (let s = 0; s < n; s++) {
      while (left[s] === 0) {
        const side = sides[s]!;
        const i = ++index[s]!;
        if (side instanceof Uint8Array) {
          views[s] = side;
          offsets[s] = 0;
          left[s] = side.length;
        } else {
          const iov = side[i]!;
          views[s] = iov.buffer;
          offsets[s] = iov.offset;
          left[s] = iov.length;
        }
      }
      if (left[s]! < chunk) chunk = left[s]!;
    }
    visit(views, offsets, chunk);
    for (let s = 0; s < n; s++) {
      offsets[s]! += chunk;
      left[s]! -= chunk;
    }
    remaining -= chunk;
  }
}
