import { defaultLibraryPath, JSR_BUILD_COMMAND, libraryPath } from "./_paths.ts";
import { ABI, ABI_PROBE, SYMBOLS } from "./_symbols.ts";
import { NativeLibrary } from "./library.ts";

/**
 * Why the native path is not live:
 * - `no-permission`: `--allow-ffi` was not granted (Deno throws `Deno.errors.NotCapable`);
 * - `unsupported`: this runtime has no `Deno.dlopen`;
 * - `file-missing`: no library at the path (or no path: a remote module without `DRAY_NATIVE`);
 * - `load-error`: the file exists but the dynamic loader refused it;
 * - `symbol-missing`: the library lacks an entry point this version needs;
 * - `abi-mismatch`: the library was built from another version of `shim.c`.
 *
 * @example
 * ```ts
 * import type { NativeUnavailableReason } from "@dray/dray/native";
 *
 * const reason: NativeUnavailableReason = "no-permission";
 * ```
 */
export type NativeUnavailableReason =
  | "no-permission"
  | "unsupported"
  | "file-missing"
  | "load-error"
  | "symbol-missing"
  | "abi-mismatch";

/**
 * The native path is live.
 *
 * @example
 * ```ts
 * import { nativeStatus, type NativeAvailable } from "@dray/dray/native";
 *
 * const status = nativeStatus();
 * if (status.available) {
 *   const live: NativeAvailable = status;
 *   console.log(live.path, live.version);
 * }
 * ```
 */
export interface NativeAvailable {
  /** Always `true`. */
  readonly available: true;
  /** The loaded library file. */
  readonly path: string;
  /** The shim's version. */
  readonly version: string;
  /** The typed wrappers. */
  readonly library: NativeLibrary;
}

/**
 * The native path is not live, and why.
 *
 * @example
 * ```ts
 * import { nativeStatus, type NativeUnavailable } from "@dray/dray/native";
 *
 * const status = nativeStatus();
 * if (!status.available) {
 *   const why: NativeUnavailable = status;
 *   console.log(why.reason, why.message);
 * }
 * ```
 */
export interface NativeUnavailable {
  /** Always `false`. */
  readonly available: false;
  /** The condition, for code to branch on. */
  readonly reason: NativeUnavailableReason;
  /** A sentence for people, naming the path and what to do. */
  readonly message: string;
  /** The path that was tried, when there was one. */
  readonly path?: string;
  /** The error the runtime threw, when there was one. */
  readonly cause?: unknown;
}

/**
 * Whether the native path is live: the library, or why not.
 *
 * @example
 * ```ts
 * import { nativeStatus, type NativeStatus } from "@dray/dray/native";
 *
 * const status: NativeStatus = nativeStatus();
 * console.log(status.available ? status.path : status.reason);
 * ```
 */
export type NativeStatus = NativeAvailable | NativeUnavailable;

/**
 * Options for {@linkcode loadNative}.
 *
 * @example
 * ```ts
 * import type { LoadNativeOptions } from "@dray/dray/native";
 *
 * const options: LoadNativeOptions = { path: "/opt/dray/libdray.so" };
 * ```
 */
export interface LoadNativeOptions {
  /** Load this file instead of the `DRAY_NATIVE` / default-build lookup. */
  path?: string;
}

function unavailable(
  reason: NativeUnavailableReason,
  message: string,
  path?: string,
  cause?: unknown,
): NativeUnavailable {
  return {
    available: false,
    reason,
    message,
    ...(path === undefined ? {} : { path }),
    ...(cause === undefined ? {} : { cause }),
  };
}

/** How to build the shim: `deno task native` in a clone, the JSR build command otherwise. */
function howToBuild(): string {
  return defaultLibraryPath() === undefined
    ? `'${JSR_BUILD_COMMAND}'`
    : `'deno task native' (or '${JSR_BUILD_COMMAND}')`;
}

function ffiPermission(path: string): Deno.PermissionState {
  try {
    return Deno.permissions.querySync({ name: "ffi", path }).state;
  } catch {
    return "granted"; // cannot tell: let dlopen decide
  }
}

function classify(path: string, error: unknown): NativeUnavailable {
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return unavailable(
      "no-permission",
      `Cannot load ${path}: --allow-ffi was not granted`,
      path,
      error,
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  if (/Failed to register symbol/i.test(text)) {
    return unavailable(
      "symbol-missing",
      `Cannot load ${path}: a symbol is missing, rebuild with ${howToBuild()} (${text})`,
      path,
      error,
    );
  }
  if (/no such file|cannot find|not found|image not found/i.test(text)) {
    return unavailable(
      "file-missing",
      `Cannot load ${path}: no such file, build it with ${howToBuild()}`,
      path,
      error,
    );
  }
  return unavailable("load-error", `Cannot load ${path}: ${text}`, path, error);
}

function open(path: string): NativeStatus {
  if (typeof Deno.dlopen !== "function") {
    return unavailable("unsupported", "Cannot load native code: this runtime has no Deno.dlopen");
  }
  if (ffiPermission(path) !== "granted") {
    // Checked first so that an interactive terminal is never prompted.
    return unavailable(
      "no-permission",
      `Cannot load ${path}: --allow-ffi was not granted`,
      path,
    );
  }
  try {
    if (!Deno.statSync(path).isFile) {
      return unavailable("file-missing", `Cannot load ${path}: not a file`, path);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return unavailable(
        "file-missing",
        `Cannot load ${path}: no such file, build it with ${howToBuild()}`,
        path,
        error,
      );
    }
    // No read permission or another stat failure: let dlopen decide.
  }
  // Read the ABI through a minimal symbol table first: a library built from another shim.c may
  // lack symbols this version needs, and should be reported as stale, not as broken.
  let abi: number;
  try {
    const probe = Deno.dlopen(path, ABI_PROBE);
    abi = probe.symbols.dray_abi();
    probe.close();
  } catch (error) {
    return classify(path, error);
  }
  if (abi !== ABI) {
    return unavailable(
      "abi-mismatch",
      `Cannot use ${path}: built for ABI ${abi}, this version needs ${ABI}; rebuild with ${howToBuild()}`,
      path,
    );
  }
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    lib = Deno.dlopen(path, SYMBOLS);
  } catch (error) {
    return classify(path, error);
  }
  const library = new NativeLibrary(path, lib.symbols, () => lib.close());
  return { available: true, path, version: library.version, library };
}

let shared: NativeStatus | undefined;

/**
 * Loads the shim. Without a path it looks in `DRAY_NATIVE`, then at the local build output
 * (`native/build/` in a clone), then in the per-user cache that
 * `deno run -A jsr:@dray/dray/native/build` writes (`$XDG_CACHE_HOME/dray` or `~/.cache/dray`),
 * and the result is shared by the whole process (the same as {@linkcode nativeStatus}). With a
 * path it loads that file afresh. Never throws: a failure is a status that says why.
 *
 * @param options An explicit library path.
 * @returns The library, or why it is not available.
 *
 * @example Loading a file that is not there
 * ```ts
 * import { loadNative } from "@dray/dray/native";
 * import assert from "node:assert/strict";
 *
 * const status = loadNative({ path: "/nonexistent/libdray.so" });
 * assert.equal(status.available, false);
 * if (!status.available) assert.ok(["file-missing", "no-permission"].includes(status.reason));
 * ```
 */
export function loadNative(options: LoadNativeOptions = {}): NativeStatus {
  if (options.path !== undefined) return open(options.path);
  if (shared !== undefined) return shared;
  const path = libraryPath();
  shared = path === undefined
    ? unavailable(
      "file-missing",
      `Cannot load native code: no library path (grant --allow-env to find the per-user cache, or set DRAY_NATIVE); build it with ${howToBuild()}`,
    )
    : open(path);
  return shared;
}

/**
 * Whether the native path is live for this process, and why not when it is not. Loads the shim on
 * the first call (see {@linkcode loadNative}); later calls return the same status.
 *
 * @returns The shared status.
 *
 * @example
 * ```ts
 * import { nativeStatus } from "@dray/dray/native";
 * import assert from "node:assert/strict";
 *
 * const status = nativeStatus();
 * assert.equal(nativeStatus(), status);
 * console.log(status.available ? `native: ${status.path}` : `native: off (${status.reason})`);
 * ```
 */
export function nativeStatus(): NativeStatus {
  return loadNative();
}
