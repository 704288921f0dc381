/**
 * The data mover, after NetBSD's dmover_io and the functions of modern data movers (Intel DSA,
 * Linux async_tx, ISA-L): sessions bound to one function (`zero`, `fill8`, `copy`, `xor2`..`xor8`,
 * `xor`, `iscsi-crc32c`, `compare`, `compare-pattern`, `copy-crc32c`, `dualcast`, `xor-check`,
 * `pq`, `pq-recover`), scatter/gather requests carrying a caller id, at most `maxInFlight`
 * requests in flight (a slot frees when its completion is read), completions read back in
 * completion order, chaining (`dependsOn`) and fences, and poll-style readiness through the
 * event-loop seam. Work runs on a backend: `ts` (pure TypeScript, always there), `native` (the C
 * shim, vectorised with runtime CPU dispatch), `native-async` (the shim off the event-loop thread)
 * or a `worker` pool, chosen per request by length from each backend's speed estimate. One-shot
 * helpers (`copy`, `zero`, `fill8`, `xor`, `crc32c`, `compare`, `comparePattern`, `copyCrc32c`,
 * `dualcast`, `xorCheck`, `pq`, `pqRecover`) do a single operation without a session. The
 * `dmover` command line lives in `@dray/dray/dmover/cli`.
 *
 * @example A session and a one-shot helper
 * ```ts
 * import { crc32c, openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("iscsi-crc32c");
 * const data = new TextEncoder().encode("123456789");
 * session.submit({ id: 1, inputs: [data] });
 * const completion = await session.read();
 * assert.equal(completion.immediate, 0xe3069283);
 * assert.equal(crc32c(data), 0xe3069283);
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./types.ts";
export * from "./functions.ts";
// The backends and their registry are in `@dray/dray/dmover/backends` (dmover/backends/mod.ts).
export * from "./backend.ts";
export * from "./session.ts";
export * from "./blocking_session.ts";
export * from "./nonblocking_session.ts";
export * from "./open_session.ts";
export * from "./oneshot.ts";
export * from "./oneshot_async.ts";
