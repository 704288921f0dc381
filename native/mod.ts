/**
 * The optional native path: one small C shim (`native/shim.c`) loaded with `Deno.dlopen`.
 *
 * Nothing in dray requires it. {@linkcode nativeStatus} says whether it is live and, when it is
 * not, exactly why: no `--allow-ffi`, no library file, a file that fails to load, a missing symbol,
 * or a library built for another ABI. Loading never throws.
 *
 * The library is looked up in `DRAY_NATIVE` first (a missing `--allow-env` is tolerated), then at
 * the local build output `native/build/libdray.so` (`.dylib` on macOS) next to this module, which
 * `deno task native` writes in a clone, then in the per-user cache (`$XDG_CACHE_HOME/dray/abi-N/`,
 * else `~/.cache/dray/abi-N/`; `~/Library/Caches/dray` on macOS), which this command writes for a
 * program that imports dray from JSR (it needs a C compiler):
 *
 * ```sh
 * deno run -A jsr:@dray/dray/native/build
 * ```
 *
 * Then grant `--allow-ffi` (and `--allow-env`, to find the cache).
 *
 * Every wrapper checks its buffers, offsets and lengths in TypeScript before the call, and the C
 * side checks them again: a wrong span throws a `RangeError`, as the TypeScript path would, and
 * never reaches memory it was not given.
 *
 * @example Seeing which path is live
 * ```ts
 * import { nativeStatus } from "@dray/dray/native";
 *
 * const status = nativeStatus();
 * if (status.available) {
 *   console.log(`native ${status.version} from ${status.path}`);
 * } else {
 *   console.log(`pure TypeScript: ${status.reason}: ${status.message}`);
 * }
 * ```
 *
 * @module
 */

export * from "./status.ts";
export * from "./library.ts";
// The socket primitives (`native/sockets.ts`) are the Redis transport's, not public.
export type { SocketKeepAlive } from "./sockets.ts";
