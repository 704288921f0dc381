/**
 * The Redis client: RESP2 and RESP3, auto-pipelining, pub/sub, MONITOR and reconnects.
 *
 * @module
 */
export * from "./transport/mod.ts";
