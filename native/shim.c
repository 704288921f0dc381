/*
 * dray native shim: the one C file behind @dray/dray/native.
 *
 * C11, no dependencies. Built by native/build.ts into native/build/ and loaded with Deno.dlopen.
 * Every entry point takes each buffer as (pointer, capacity) plus offsets and lengths, checks
 * them before touching memory, and returns a negative DRAY_E* code instead of reading or writing
 * outside what it was given. The TypeScript wrappers check first; these checks are the second
 * line. Lengths and offsets are uint32_t: Deno passes them on FFI's fast path, while a JS number
 * passed to a size_t parameter is ~40x slower per call.
 */

#include <stdint.h>
#include <string.h>

#if defined(_WIN32)
#define DRAY_EXPORT __declspec(dllexport)
#else
#define DRAY_EXPORT __attribute__((visibility("default")))
#endif

/* Bump DRAY_ABI whenever a signature changes; the loader refuses a library with another ABI. */
#define DRAY_ABI 1
#define DRAY_VERSION ((0u << 16) | (1u << 8) | 0u) /* 0.1.0 */

#define DRAY_OK 0
#define DRAY_EFAULT (-1) /* a null pointer with a non-zero capacity or length */
#define DRAY_ERANGE (-2) /* an (offset, length) outside its buffer */

/* ---- version ------------------------------------------------------------------------------ */

DRAY_EXPORT uint32_t dray_version(void) { return DRAY_VERSION; }

DRAY_EXPORT uint32_t dray_abi(void) { return DRAY_ABI; }

/* ---- bounds ------------------------------------------------------------------------------- */

/*
 * Whether [off, off + len) lies inside a buffer of cap bytes at ptr. Deno passes an empty or
 * detached buffer as NULL, which is acceptable only when nothing is accessed.
 */
static int dray_span_ok(const void *ptr, uint32_t cap, uint32_t off, uint32_t len) {
  if (off > cap || len > cap - off) return DRAY_ERANGE;
  if (ptr == NULL && cap != 0) return DRAY_EFAULT;
  return DRAY_OK;
}

/* ---- memory kernels ----------------------------------------------------------------------- */

/* memmove len bytes from src+src_off to dst+dst_off; overlapping regions are allowed. */
DRAY_EXPORT int32_t dray_copy(uint8_t *dst, uint32_t dst_cap, uint32_t dst_off,
                              const uint8_t *src, uint32_t src_cap, uint32_t src_off,
                              uint32_t len) {
  int rc = dray_span_ok(dst, dst_cap, dst_off, len);
  if (rc != DRAY_OK) return rc;
  rc = dray_span_ok(src, src_cap, src_off, len);
  if (rc != DRAY_OK) return rc;
  if (len != 0) memmove(dst + dst_off, src + src_off, len);
  return DRAY_OK;
}

/* memset len bytes at dst+dst_off to the low byte of value. */
DRAY_EXPORT int32_t dray_fill(uint8_t *dst, uint32_t dst_cap, uint32_t dst_off, uint32_t value,
                              uint32_t len) {
  int rc = dray_span_ok(dst, dst_cap, dst_off, len);
  if (rc != DRAY_OK) return rc;
  if (len != 0) memset(dst + dst_off, (int)(value & 0xffu), len);
  return DRAY_OK;
}

/* ---- dmover kernels (xor, crc32c, ...) ---------------------------------------------------- */

/* (added by the dmover issues) */

/* ---- sockets (redis native transport) ----------------------------------------------------- */

/* (added by the redis transport issue) */
