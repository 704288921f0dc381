/**
 * Test doubles for the event-loop seam: {@linkcode MemorySource}, an in-memory byte stream that a
 * test feeds with what a peer would send and reads back what was written (with partial writes,
 * end of stream, errors and stalls on demand). It works with every loop, and with the manual
 * loop of `@dray/dray/loop` it makes a connection's life testable without a socket.
 *
 * @example A core's writes, read back from the double
 * ```ts
 * import { DenoLoop } from "@dray/dray/loop";
 * import { MemorySource } from "@dray/dray/loop/testing";
 * import assert from "node:assert/strict";
 *
 * const source = new MemorySource();
 * let pending: Uint8Array | undefined = new TextEncoder().encode("PING\r\n");
 * const handle = new DenoLoop().attach({
 *   onWritable() {
 *     const out = pending;
 *     pending = undefined;
 *     return out;
 *   },
 * }, { source });
 * handle.addWrite();
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.equal(new TextDecoder().decode(source.writtenBytes()), "PING\r\n");
 * handle.cleanup();
 * await handle.finished;
 * ```
 *
 * @module
 */

export * from "./memory_source.ts";
