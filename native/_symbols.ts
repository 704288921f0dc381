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
  // Optional: a library built before these kernels still loads for its other entry points, and
  // NativeLibrary.hasDmoverKernels says whether they are there.
  // uint32_t dray_crc32c_impl(void): 0 slicing-by-8 tables, 1 SSE4.2, 2 arm64 CRC extension
  dray_crc32c_impl: { parameters: [], result: "u32", optional: true },
  // int32_t dray_crc32c(
  dray_crc32c: {
    parameters: [
      "buffer", // uint32_t *tab (tab[0]: seed in, CRC out; then count, (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // const uint8_t *src
      "u32", // uint32_t src_cap
    ],
    result: "i32",
    optional: true,
  },
  // int32_t dray_xor2(
  dray_xor2: {
    parameters: [
      "buffer", // const uint32_t *tab (n + 1 sides: count, then (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "buffer", // const uint8_t *s0
      "u32", // uint32_t c0
      "buffer", // const uint8_t *s1
      "u32", // uint32_t c1
    ],
    result: "i32",
    optional: true,
  },
  // int32_t dray_xor3(
  dray_xor3: {
    parameters: [
      "buffer", // const uint32_t *tab (n + 1 sides: count, then (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "buffer", // const uint8_t *s0
      "u32", // uint32_t c0
      "buffer", // const uint8_t *s1
      "u32", // uint32_t c1
      "buffer", // const uint8_t *s2
      "u32", // uint32_t c2
    ],
    result: "i32",
    optional: true,
  },
  // int32_t dray_xor4(
  dray_xor4: {
    parameters: [
      "buffer", // const uint32_t *tab (n + 1 sides: count, then (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "buffer", // const uint8_t *s0
      "u32", // uint32_t c0
      "buffer", // const uint8_t *s1
      "u32", // uint32_t c1
      "buffer", // const uint8_t *s2
      "u32", // uint32_t c2
      "buffer", // const uint8_t *s3
      "u32", // uint32_t c3
    ],
    result: "i32",
    optional: true,
  },
  // int32_t dray_xor5(
  dray_xor5: {
    parameters: [
      "buffer", // const uint32_t *tab (n + 1 sides: count, then (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "buffer", // const uint8_t *s0
      "u32", // uint32_t c0
      "buffer", // const uint8_t *s1
      "u32", // uint32_t c1
      "buffer", // const uint8_t *s2
      "u32", // uint32_t c2
      "buffer", // const uint8_t *s3
      "u32", // uint32_t c3
      "buffer", // const uint8_t *s4
      "u32", // uint32_t c4
    ],
    result: "i32",
    optional: true,
  },
  // int32_t dray_xor6(
  dray_xor6: {
    parameters: [
      "buffer", // const uint32_t *tab (n + 1 sides: count, then (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "buffer", // const uint8_t *s0
      "u32", // uint32_t c0
      "buffer", // const uint8_t *s1
      "u32", // uint32_t c1
      "buffer", // const uint8_t *s2
      "u32", // uint32_t c2
      "buffer", // const uint8_t *s3
      "u32", // uint32_t c3
      "buffer", // const uint8_t *s4
      "u32", // uint32_t c4
      "buffer", // const uint8_t *s5
      "u32", // uint32_t c5
    ],
    result: "i32",
    optional: true,
  },
  // int32_t dray_xor7(
  dray_xor7: {
    parameters: [
      "buffer", // const uint32_t *tab (n + 1 sides: count, then (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "buffer", // const uint8_t *s0
      "u32", // uint32_t c0
      "buffer", // const uint8_t *s1
      "u32", // uint32_t c1
      "buffer", // const uint8_t *s2
      "u32", // uint32_t c2
      "buffer", // const uint8_t *s3
      "u32", // uint32_t c3
      "buffer", // const uint8_t *s4
      "u32", // uint32_t c4
      "buffer", // const uint8_t *s5
      "u32", // uint32_t c5
      "buffer", // const uint8_t *s6
      "u32", // uint32_t c6
    ],
    result: "i32",
    optional: true,
  },
  // int32_t dray_xor8(
  dray_xor8: {
    parameters: [
      "buffer", // const uint32_t *tab (n + 1 sides: count, then (offset, length) pairs)
      "u32", // uint32_t tab_words
      "buffer", // uint8_t *dst
      "u32", // uint32_t dst_cap
      "buffer", // const uint8_t *s0
      "u32", // uint32_t c0
      "buffer", // const uint8_t *s1
      "u32", // uint32_t c1
      "buffer", // const uint8_t *s2
      "u32", // uint32_t c2
      "buffer", // const uint8_t *s3
      "u32", // uint32_t c3
      "buffer", // const uint8_t *s4
      "u32", // uint32_t c4
      "buffer", // const uint8_t *s5
      "u32", // uint32_t c5
      "buffer", // const uint8_t *s6
      "u32", // uint32_t c6
      "buffer", // const uint8_t *s7
      "u32", // uint32_t c7
    ],
    result: "i32",
    optional: true,
  },
  // ---- sockets (redis native transport) ----
} as const satisfies Deno.ForeignLibraryInterface;

/** The ABI number the TypeScript side was written against (DRAY_ABI in shim.c). */
export const ABI = 1;

/** Return codes of shim.c. */
export const DRAY_OK = 0;
export const DRAY_EFAULT = -1;
export const DRAY_ERANGE = -2;

export type ShimSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
