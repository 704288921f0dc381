// Where the shim's library lives. Shared by the loader (status.ts) and the build script (build.ts).
import { ABI } from "./_symbols.ts";

/** The command that builds the shim for a program that imports dray from JSR. */
export const JSR_BUILD_COMMAND = "deno run -A jsr:@dray/dray/native/build";

/** The platform's file name for the shim library. */
export function libraryFileName(os: typeof Deno.build.os = Deno.build.os): string {
  if (os === "darwin") return "libdray.dylib";
  if (os === "windows") return "dray.dll";
  return "libdray.so";
}

/** The default build output next to this module, or undefined when the module is not a file. */
export function defaultLibraryPath(): string | undefined {
  const url = new URL(`./build/${libraryFileName()}`, import.meta.url);
  if (url.protocol !== "file:") return undefined;
  return decodeURIComponent(url.pathname);
}

function env(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined; // --allow-env not granted
  }
}

/**
 * The per-user cache dir for built libraries: `$XDG_CACHE_HOME/dray`, else `~/.cache/dray`
 * (`~/Library/Caches/dray` on macOS, `%LOCALAPPDATA%\dray` on Windows); undefined when the
 * environment cannot be read.
 */
export function cacheDir(): string | undefined {
  if (Deno.build.os === "windows") {
    const local = env("LOCALAPPDATA");
    return local === undefined ? undefined : `${local}\\dray`;
  }
  const xdg = env("XDG_CACHE_HOME");
  if (xdg !== undefined && Deno.build.os !== "darwin") return `${xdg}/dray`;
  const home = env("HOME");
  if (home === undefined) return undefined;
  return Deno.build.os === "darwin" ? `${home}/Library/Caches/dray` : `${home}/.cache/dray`;
}

/**
 * Where `jsr:@dray/dray/native/build` writes the library and the loader looks after `DRAY_NATIVE`
 * and the local build: one file per ABI, so two versions of dray never load each other's build.
 */
export function cacheLibraryPath(): string | undefined {
  const dir = cacheDir();
  if (dir === undefined) return undefined;
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  return `${dir}${sep}abi-${ABI}${sep}${libraryFileName()}`;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The library the loader tries when no path is given: `DRAY_NATIVE` when set; else the local
 * build next to this module when it exists; else the per-user cache when it exists; else the
 * first of those that applies (so the status names where the library was expected).
 */
export function libraryPath(): string | undefined {
  const fromEnv = env("DRAY_NATIVE");
  if (fromEnv !== undefined) return fromEnv;
  const local = defaultLibraryPath();
  const cached = cacheLibraryPath();
  if (local !== undefined && isFile(local)) return local;
  if (cached !== undefined && isFile(cached)) return cached;
  return local ?? cached;
}

/** The C source next to this module, or undefined when the module is not a file. */
export function shimSourcePath(): string | undefined {
  const url = new URL("./shim.c", import.meta.url);
  if (url.protocol !== "file:") return undefined;
  return decodeURIComponent(url.pathname);
}

/** The URL of the C source next to this module (a file in a clone, https from JSR). */
export function shimSourceUrl(): URL {
  return new URL("./shim.c", import.meta.url);
}
