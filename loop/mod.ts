/**
 * The event-loop seam shared by dray's Redis client and data mover, after hiredis's adapter hooks.
 *
 * A core (a Redis connection, a dmover session) is a state machine that never waits on anything
 * itself. It attaches to an {@linkcode EventLoop} and registers interest through the hooks of the
 * {@linkcode LoopHandle} it gets back: `addRead`/`delRead` (deliver bytes from the source),
 * `addWrite`/`delWrite` (ask for bytes to write, coalesced per tick), `defer` (one callback at the
 * end of the tick), `scheduleTimer`, and `cleanup` (exactly once, deferred when requested from
 * inside a callback). {@linkcode DenoLoop} runs on Deno's own event loop; {@linkcode ManualLoop}
 * lets tests drive ticks and time. The in-memory byte stream tests attach to is `MemorySource`,
 * in `@dray/dray/loop/testing`.
 *
 * @example Writing what a core produces, one write per tick
 * ```ts
 * import { defaultLoop } from "@dray/dray/loop";
 * import { MemorySource } from "@dray/dray/loop/testing";
 * import assert from "node:assert/strict";
 *
 * const source = new MemorySource();
 * const queue: string[] = [];
 * const handle = defaultLoop().attach({
 *   onWritable() {
 *     if (queue.length === 0) return undefined;
 *     const bytes = new TextEncoder().encode(queue.join(""));
 *     queue.length = 0;
 *     return bytes;
 *   },
 * }, { source });
 * queue.push("PING\r\n");
 * handle.addWrite();
 * queue.push("PING\r\n");
 * handle.addWrite();
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.equal(source.written.length, 1);
 * assert.equal(new TextDecoder().decode(source.writtenBytes()), "PING\r\nPING\r\n");
 * handle.cleanup();
 * await handle.finished;
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./deno_loop.ts";
export * from "./manual_loop.ts";
