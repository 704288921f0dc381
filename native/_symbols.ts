// The shim's symbol table, private to native/: an exported symbol table is a slow type on JSR.
// Each parameter carries its C type. Buffers are passed as (buffer, capacity) and lengths as u32,
// which keeps every call on FFI's fast path.

export const SYMBOLS = {
  // uint32_t dray_version(void): (major << 16) | (minor << 8) | patch
  dray_version: { parameters: [], result: "u32" },
  // uint32_t dray_abi(void)
  dray_abi: { parameters: [], result: "u32" },
  // int32_t dray_copy(
  dray_copy: {
    parameters: [
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "u32", // uint32_t dst_off
      "buffer", // const uint8_t *src
      "u32", // uint32_t src_cap
      "u32", // uint32_t src_off
      "u32", // uint32_t len
    ],
    result: "i32",
  },
  // int32_t dray_fill(
  dray_fill: {
    parameters: [
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "u32", // uint32_t dst_off
      "u32", // uint32_t value (low byte used)
      "u32", // uint32_t len
    ],
    result: "i32",
  },
  // ---- dmover kernels (xor, crc32c, ...) ----

  // ---- sockets (redis native transport) ----
} as const satisfies Deno.ForeignLibraryInterface;

/** The ABI number the TypeScript side was written against (DRAY_ABI in shim.c). */
export const ABI = 1;

/** Return codes of shim.c. */
export const DRAY_OK = 0;
export const DRAY_EFAULT = -1;
export const DRAY_ERANGE = -2;

export type ShimSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
