// Where the shim's library lives. Shared by the loader (mod.ts) and the build script (build.ts).

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

/** The C source next to this module, or undefined when the module is not a file. */
export function shimSourcePath(): string | undefined {
  const url = new URL("./shim.c", import.meta.url);
  if (url.protocol !== "file:") return undefined;
  return decodeURIComponent(url.pathname);
}
