/**
 * Throwaway `redis-server` processes for your own tests: {@linkcode startServer} starts one on a
 * free port (never 6379) in a temp dir, with a password, TLS or extra configuration when asked;
 * {@linkcode startCluster} a Redis Cluster and {@linkcode startSentinel} a master, its replicas and
 * sentinels. `await using` stops them and removes their dirs. `redis-server` must be on `PATH`
 * (`apt-get install redis-server`, `brew install redis`), and `redis-cli` too for a cluster; the
 * helpers need `--allow-run`, `--allow-net`, `--allow-read` and `--allow-write` (and `openssl` on
 * `PATH` for `tls: true`).
 *
 * @example A test with its own server
 * ```ts
 * import { connect } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using server = await startServer();
 * await using client = await connect(server.url);
 * await client.set("greeting", "hello");
 * assert.equal(await client.get("greeting"), "hello");
 * ```
 *
 * @module
 */

export * from "./server.ts";
export type { TlsFiles } from "./_tls.ts";
export * from "./cluster.ts";
export * from "./cluster_ops.ts";
export * from "./sentinel.ts";
