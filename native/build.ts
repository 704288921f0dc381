/**
 * Compiles `native/shim.c` into the shared library that `loadNative()` loads. It needs a C
 * compiler (`$CC`, `cc`, `clang` or `gcc`).
 *
 * For a program that imports dray from JSR, one command builds the library into the per-user
 * cache (`$XDG_CACHE_HOME/dray/abi-N/`, else `~/.cache/dray/abi-N/`), where the loader looks after
 * `DRAY_NATIVE`:
 *
 * ```sh
 * deno run -A jsr:@dray/dray/native/build
 * ```
 *
 * In a clone:
 *
 * ```sh
 * deno task native                 # build native/build/libdray.so (or .dylib)
 * deno task native --force         # rebuild even when up to date
 * deno run -A native/build.ts --optional   # succeed without a C compiler (used by `deno task test`)
 * deno run -A native/build.ts --out /opt/dray/libdray.so
 * deno run -A native/build.ts --sanitize   # native/build/libdray-sanitized.so: ASan + UBSan
 * ```
 *
 * A sanitized library needs its runtime loaded first: `tests/native/sanitize.ts` builds one and runs
 * the C driver and the fuzz suite over it (the `.ci/run` sanitizer step).
 *
 * The compiler is `$CC` when set, else the first of `cc`, `clang`, `gcc` on PATH.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  cacheLibraryPath,
  defaultLibraryPath,
  libraryFileName,
  shimSourcePath,
  shimSourceUrl,
} from "./_paths.ts";

/**
 * Flags every build uses: warnings are errors, only `DRAY_EXPORT` symbols are visible.
 *
 * @example
 * ```ts
 * import { BASE_FLAGS } from "@dray/dray/native/build";
 * import assert from "node:assert/strict";
 *
 * assert.ok(BASE_FLAGS.includes("-Werror"));
 * ```
 */
export const BASE_FLAGS: readonly string[] = [
  "-std=c11",
  "-O2",
  "-shared",
  "-fPIC",
  "-fvisibility=hidden",
  "-Wall",
  "-Wextra",
  "-Werror",
];

async function runs(command: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * Flags of the sanitized build: AddressSanitizer and UndefinedBehaviorSanitizer, with every report
 * fatal, frame pointers and debug information for readable reports, and -O1 (the sanitizers'
 * recommended level; it overrides BASE_FLAGS' -O2).
 *
 * @example
 * ```ts
 * import { SANITIZER_FLAGS } from "@dray/dray/native/build";
 * import assert from "node:assert/strict";
 *
 * assert.ok(SANITIZER_FLAGS.includes("-fsanitize=address,undefined"));
 * ```
 */
export const SANITIZER_FLAGS: readonly string[] = [
  "-fsanitize=address,undefined",
  "-fno-sanitize-recover=all",
  "-fno-omit-frame-pointer",
  "-g",
  "-O1",
];

/**
 * Where a build goes by default: `native/build/` in a clone, else the per-user cache that the
 * loader searches after `DRAY_NATIVE`.
 *
 * @returns The path, or undefined when neither is known (a remote module without `--allow-env`).
 *
 * @example
 * ```ts
 * import { defaultOutputPath } from "@dray/dray/native/build";
 *
 * console.log(defaultOutputPath()); // e.g. /home/me/.cache/dray/abi-3/libdray.so
 * ```
 */
export function defaultOutputPath(): string | undefined {
  return defaultLibraryPath() ?? cacheLibraryPath();
}

/**
 * Where a sanitized build goes by default: next to the normal one, as `libdray-sanitized.*`.
 *
 * @returns The path, or undefined when there is no default output.
 *
 * @example
 * ```ts
 * import { sanitizedLibraryPath } from "@dray/dray/native/build";
 *
 * console.log(sanitizedLibraryPath()); // e.g. native/build/libdray-sanitized.so
 * ```
 */
export function sanitizedLibraryPath(): string | undefined {
  const path = defaultOutputPath();
  if (path === undefined) return undefined;
  const name = libraryFileName();
  const dot = name.lastIndexOf(".");
  return path.slice(0, path.length - name.length) +
    `${name.slice(0, dot)}-sanitized${name.slice(dot)}`;
}

/**
 * Finds a C compiler: `$CC` when set, else the first of `cc`, `clang`, `gcc` that runs.
 *
 * @returns The compiler command, or undefined when there is none.
 *
 * @example
 * ```ts
 * import { findCompiler } from "@dray/dray/native/build";
 *
 * console.log((await findCompiler()) ?? "no C compiler");
 * ```
 */
export async function findCompiler(): Promise<string | undefined> {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("CC");
  } catch {
    fromEnv = undefined; // no env permission: fall back to the usual names
  }
  for (const candidate of [fromEnv, "cc", "clang", "gcc"]) {
    if (candidate && await runs(candidate)) return candidate;
  }
  return undefined;
}

function mtime(path: string): number | undefined {
  try {
    return Deno.statSync(path).mtime?.getTime();
  } catch {
    return undefined;
  }
}

/**
 * Options for {@linkcode buildNative}.
 *
 * @example
 * ```ts
 * import type { BuildOptions } from "@dray/dray/native/build";
 *
 * const options: BuildOptions = { out: "/opt/dray/libdray.so", force: true };
 * ```
 */
export interface BuildOptions {
  /** Where to write the library (default {@linkcode defaultOutputPath}). */
  out?: string;
  /** Rebuild even when the library is newer than the source. */
  force?: boolean;
  /** Extra compiler flags. */
  extraFlags?: readonly string[];
  /**
   * Build with {@linkcode SANITIZER_FLAGS} (AddressSanitizer and UndefinedBehaviorSanitizer); the
   * default output is then {@linkcode sanitizedLibraryPath}.
   */
  sanitize?: boolean;
}

/**
 * What {@linkcode buildNative} did.
 *
 * @example
 * ```ts
 * import type { BuildResult } from "@dray/dray/native/build";
 *
 * const result: BuildResult = { built: false, path: "libdray.so", reason: "no-compiler" };
 * ```
 */
export type BuildResult =
  | { built: true; path: string; compiler: string }
  | { built: false; path: string; reason: "up-to-date" | "no-compiler" };

/**
 * Fetches the C source next to this module into a temporary dir (a module imported from JSR has
 * no local file); `remove` deletes it.
 */
async function fetchSource(): Promise<{ path: string; remove: () => Promise<void> }> {
  const url = shimSourceUrl();
  const response = await fetch(url);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Cannot build: fetching '${url}' failed with HTTP ${response.status}`);
  }
  const dir = await Deno.makeTempDir({ prefix: "dray-shim-" });
  const path = `${dir}/shim.c`;
  await Deno.writeFile(path, new Uint8Array(await response.arrayBuffer()));
  return { path, remove: () => Deno.remove(dir, { recursive: true }) };
}

/**
 * Builds the shim. The library is written to a temporary file and renamed into place, so a
 * process that has the old one loaded is not disturbed. From a clone the source is
 * `native/shim.c`; from JSR it is fetched next to this module.
 *
 * @param options Where to write, whether to force a rebuild, extra flags, a sanitized build.
 * @returns Whether it built, where, and with which compiler.
 * @throws {Error} When the compiler fails (with its output), or there is no output path.
 *
 * @example Building into a dir of your own
 * ```ts ignore
 * import { buildNative } from "@dray/dray/native/build";
 *
 * const result = await buildNative({ out: "/opt/dray/libdray.so" });
 * console.log(result.built ? `built ${result.path}` : result.reason);
 * ```
 */
export async function buildNative(options: BuildOptions = {}): Promise<BuildResult> {
  const local = shimSourcePath();
  const out = options.out ?? (options.sanitize ? sanitizedLibraryPath() : defaultOutputPath());
  if (out === undefined) {
    throw new Error(
      "Cannot build: no output path (grant --allow-env for the per-user cache, or pass --out)",
    );
  }
  const compiler = await findCompiler();
  if (compiler === undefined) return { built: false, path: out, reason: "no-compiler" };
  const fetched = local === undefined ? await fetchSource() : undefined;
  try {
    return await compile(local ?? fetched!.path, out, compiler, options, fetched !== undefined);
  } finally {
    await fetched?.remove();
  }
}

async function compile(
  source: string,
  out: string,
  compiler: string,
  options: BuildOptions,
  remote: boolean,
): Promise<BuildResult> {
  const built = mtime(out);
  // A fetched source has no useful time: it is always compiled.
  const sourceTime = remote ? undefined : mtime(source);
  const extra = [...(options.sanitize ? SANITIZER_FLAGS : []), ...(options.extraFlags ?? [])];
  if (
    !options.force && extra.length === 0 && built !== undefined && sourceTime !== undefined &&
    built >= sourceTime
  ) {
    return { built: false, path: out, reason: "up-to-date" };
  }
  const dir = out.slice(0, out.lastIndexOf("/"));
  if (dir) Deno.mkdirSync(dir, { recursive: true });
  const temp = `${out}.${Deno.pid}.tmp`;
  const result = await new Deno.Command(compiler, {
    args: [...BASE_FLAGS, ...extra, "-o", temp, source],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    try {
      Deno.removeSync(temp);
    } catch {
      // nothing was written
    }
    const text = new TextDecoder().decode(result.stderr) + new TextDecoder().decode(result.stdout);
    throw new Error(`Cannot build the native shim: '${compiler}' failed\n${text}`);
  }
  Deno.renameSync(temp, out);
  return { built: true, path: out, compiler };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      optional: { type: "boolean" },
      force: { type: "boolean" },
      sanitize: { type: "boolean" },
      out: { type: "string" },
    },
  });
  try {
    const result = await buildNative({
      force: values.force ?? false,
      sanitize: values.sanitize ?? false,
      ...(values.out === undefined ? {} : { out: values.out }),
    });
    if (result.built) {
      console.log(`native: built ${result.path} with ${result.compiler}`);
    } else if (result.reason === "up-to-date") {
      console.log(`native: ${result.path} is up to date`);
    } else {
      const message =
        "native: no C compiler found ($CC, cc, clang, gcc); the native path will not be exercised";
      if (!values.optional) {
        console.error(message);
        Deno.exit(1);
      }
      console.log(message);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
