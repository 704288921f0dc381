/**
 * Compiles `native/shim.c` into the shared library that `loadNative()` loads.
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

import { defaultLibraryPath, libraryFileName, shimSourcePath } from "./_paths.ts";

/** Flags every build uses: warnings are errors, only `DRAY_EXPORT` symbols are visible. */
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
 */
export const SANITIZER_FLAGS: readonly string[] = [
  "-fsanitize=address,undefined",
  "-fno-sanitize-recover=all",
  "-fno-omit-frame-pointer",
  "-g",
  "-O1",
];

/** Where a sanitized build goes by default: next to the normal one, as `libdray-sanitized.*`. */
export function sanitizedLibraryPath(): string | undefined {
  const path = defaultLibraryPath();
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

/** Options for {@linkcode buildNative}. */
export interface BuildOptions {
  /** Where to write the library (default `native/build/libdray.<so|dylib>`). */
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

/** What {@linkcode buildNative} did. */
export type BuildResult =
  | { built: true; path: string; compiler: string }
  | { built: false; path: string; reason: "up-to-date" | "no-compiler" };

/**
 * Builds the shim. The library is written to a temporary file and renamed into place, so a
 * process that has the old one loaded is not disturbed.
 *
 * @throws {Error} When the compiler fails, with its output.
 */
export async function buildNative(options: BuildOptions = {}): Promise<BuildResult> {
  const source = shimSourcePath();
  const out = options.out ?? (options.sanitize ? sanitizedLibraryPath() : defaultLibraryPath());
  if (source === undefined || out === undefined) {
    throw new Error("Cannot build: native/build.ts must run from a local checkout");
  }
  const compiler = await findCompiler();
  if (compiler === undefined) return { built: false, path: out, reason: "no-compiler" };
  const built = mtime(out);
  const sourceTime = mtime(source);
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
  const args = [...Deno.args];
  const optional = args.includes("--optional");
  const force = args.includes("--force");
  const sanitize = args.includes("--sanitize");
  const outIndex = args.indexOf("--out");
  const out = outIndex >= 0 ? args[outIndex + 1] : undefined;
  try {
    const result = await buildNative({ force, sanitize, ...(out ? { out } : {}) });
    if (result.built) {
      console.log(`native: built ${result.path} with ${result.compiler}`);
    } else if (result.reason === "up-to-date") {
      console.log(`native: ${result.path} is up to date`);
    } else {
      const message =
        "native: no C compiler found ($CC, cc, clang, gcc); the native path will not be exercised";
      if (!optional) {
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
