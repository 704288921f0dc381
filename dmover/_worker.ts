// The worker of the worker backend (worker_backend.ts): runs one part of a request at a time with
// the TypeScript kernels, over SharedArrayBuffer memory, and reports through Atomics. Never
// imported by the main thread.

import { getFunction } from "./functions.ts";
import { tsBackend } from "./ts_backend.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";
import {
  SLOT_BYTES,
  STATE_DONE,
  STATE_FAILED,
  type WireJob,
  type WirePiece,
} from "./_worker_wire.ts";

function side(pieces: WirePiece[]): DmoverBuffer {
  if (pieces.length === 1) {
    const [sab, offset, length] = pieces[0]!;
    return new Uint8Array(sab, offset, length);
  }
  return pieces.map(([sab, offset, length]) => ({
    buffer: new Uint8Array(sab, offset, length),
    offset: 0,
    length,
  }));
}

function run(job: WireJob): void {
  const state = new Int32Array(job.control, job.slot * SLOT_BYTES, 2);
  const result = new Float64Array(job.control, job.slot * SLOT_BYTES + 8, 1);
  const message = new Uint8Array(job.control, job.slot * SLOT_BYTES + 16, SLOT_BYTES - 16);
  try {
    const fn = getFunction(job.fn);
    const kernel = tsBackend.kernel(fn);
    if (kernel === undefined) throw new Error(`no kernel for '${job.fn}'`);
    const sides = job.sides.map(side);
    const outs = sides.slice(0, job.outputs);
    const request: DmoverRequest = {
      id: 0,
      ...(job.outputs === 0 ? {} : job.single ? { output: outs[0]! } : { outputs: outs }),
      inputs: sides.slice(job.outputs),
      ...(job.immediate === undefined ? {} : { immediate: job.immediate }),
    };
    const value = kernel(request, job.length) as number | undefined;
    result[0] = value === undefined ? NaN : value;
    Atomics.store(state, 0, STATE_DONE);
  } catch (error) {
    const text = new TextEncoder().encode(String(error instanceof Error ? error.message : error));
    message.fill(0);
    message.set(text.subarray(0, message.length));
    Atomics.store(state, 0, STATE_FAILED);
  }
  Atomics.notify(state, 0);
}

globalThis.addEventListener("message", (event: Event): void => {
  run((event as MessageEvent<WireJob>).data);
});
