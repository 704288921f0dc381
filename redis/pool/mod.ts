/**
 * Pools of dedicated connections: {@linkcode createPool} leases connections for blocking
 * commands, `WATCH`/`MULTI` and long scripts, so the shared client never waits behind them.
 *
 * @example
 * ```ts
 * import { createPool } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using server = await startServer();
 * await using pool = await createPool({ connection: { url: server.url } });
 * assert.equal(await pool.use((client) => client.ping()), "PONG");
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./pool.ts";
