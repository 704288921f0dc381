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

/*
 * Scatter/gather tables. A request whose every side (the output, then each input) lies in one
 * buffer is described by a table of uint32_t words, so that a request of many iovecs costs one
 * call instead of one per iovec:
 *
 *   for each side in turn: count (1..1024), then count pairs (offset, length)
 *
 * Every pair is checked against its side's capacity, every side must add up to the same total and
 * the table must hold every word it announces, all before a byte is read or written. The crc32c
 * table starts with one more word: the seed on entry, the CRC on return.
 */

#define DRAY_EIOV (-3) /* a malformed table: truncated, a count outside 1..1024, unequal totals */
#define DRAY_IOV_MAX 1024u
#define DRAY_XOR_MAX 8u

/* One side of a request while it is walked: its pairs and how far the walk has got. */
typedef struct {
  const uint32_t *pairs; /* count (offset, length) pairs */
  uint32_t count;
  uint32_t index;  /* the pair being walked */
  uint32_t offset; /* its next byte */
  uint32_t left;   /* its bytes still to walk */
} dray_cursor;

/*
 * Reads nsides sides from tab[0..words), checks each pair against ptrs[s] and caps[s] and that every
 * side has the same total, and stores that total in *total.
 */
static int dray_sides_parse(const uint32_t *tab, uint32_t words, uint32_t nsides,
                            const void *const *ptrs, const uint32_t *caps, dray_cursor *cur,
                            uint64_t *total) {
  uint32_t at = 0;
  uint64_t first = 0;
  for (uint32_t s = 0; s < nsides; s++) {
    if (at >= words) return DRAY_EIOV;
    uint32_t count = tab[at++];
    if (count == 0 || count > DRAY_IOV_MAX || count > (words - at) / 2) return DRAY_EIOV;
    const uint32_t *pairs = tab + at;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < count; i++) {
      int rc = dray_span_ok(ptrs[s], caps[s], pairs[2 * i], pairs[2 * i + 1]);
      if (rc != DRAY_OK) return rc;
      sum += pairs[2 * i + 1];
    }
    if (s == 0) {
      first = sum;
    } else if (sum != first) {
      return DRAY_EIOV;
    }
    cur[s].pairs = pairs;
    cur[s].count = count;
    cur[s].index = 0;
    cur[s].offset = pairs[0];
    cur[s].left = pairs[1];
    at += 2 * count;
  }
  *total = first;
  return DRAY_OK;
}

/* Moves a cursor past empty pairs; a side with bytes left then has left > 0. */
static inline void dray_cursor_skip(dray_cursor *c) {
  while (c->left == 0 && c->index + 1 < c->count) {
    c->index++;
    c->offset = c->pairs[2 * c->index];
    c->left = c->pairs[2 * c->index + 1];
  }
}

/* -- xor -- */

/* 16 bytes as a GCC/Clang vector: SSE2 on x86-64 and NEON on arm64 without any -m flag. */
typedef uint8_t dray_v16 __attribute__((vector_size(16)));

static inline dray_v16 dray_load16(const uint8_t *p) {
  dray_v16 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void dray_store16(uint8_t *p, dray_v16 v) { memcpy(p, &v, sizeof v); }

/*
 * d[i] = s[0][i] ^ ... ^ s[n-1][i] for i < len. Inlined with a constant n, the loop over the inputs
 * unrolls and the pointers live in registers.
 */
static inline __attribute__((always_inline)) void dray_xor_span(uint8_t *d,
                                                                const uint8_t *const *s,
                                                                uint32_t n, size_t len) {
  const uint8_t *p[DRAY_XOR_MAX];
  for (uint32_t k = 0; k < n; k++) p[k] = s[k];
  size_t i = 0;
  for (; i + 64 <= len; i += 64) {
    dray_v16 a = dray_load16(p[0] + i), b = dray_load16(p[0] + i + 16);
    dray_v16 c = dray_load16(p[0] + i + 32), e = dray_load16(p[0] + i + 48);
#pragma GCC unroll 8
    for (uint32_t k = 1; k < n; k++) {
      a ^= dray_load16(p[k] + i);
      b ^= dray_load16(p[k] + i + 16);
      c ^= dray_load16(p[k] + i + 32);
      e ^= dray_load16(p[k] + i + 48);
    }
    dray_store16(d + i, a);
    dray_store16(d + i + 16, b);
    dray_store16(d + i + 32, c);
    dray_store16(d + i + 48, e);
  }
  for (; i + 16 <= len; i += 16) {
    dray_v16 a = dray_load16(p[0] + i);
#pragma GCC unroll 8
    for (uint32_t k = 1; k < n; k++) a ^= dray_load16(p[k] + i);
    dray_store16(d + i, a);
  }
  for (; i < len; i++) {
    uint8_t x = p[0][i];
#pragma GCC unroll 8
    for (uint32_t k = 1; k < n; k++) x ^= p[k][i];
    d[i] = x;
  }
}

static void dray_xor_chunk(uint8_t *d, const uint8_t *const *s, uint32_t n, size_t len) {
  switch (n) {
    case 2: dray_xor_span(d, s, 2, len); break;
    case 3: dray_xor_span(d, s, 3, len); break;
    case 4: dray_xor_span(d, s, 4, len); break;
    case 5: dray_xor_span(d, s, 5, len); break;
    case 6: dray_xor_span(d, s, 6, len); break;
    case 7: dray_xor_span(d, s, 7, len); break;
    default: dray_xor_span(d, s, 8, len); break;
  }
}

/* Checks a table of n + 1 sides (the output, then n inputs) and xors the inputs into the output. */
static int32_t dray_xor_table(uint32_t n, const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *const *src,
                              const uint32_t *src_cap) {
  const void *ptrs[1 + DRAY_XOR_MAX];
  uint32_t caps[1 + DRAY_XOR_MAX];
  dray_cursor cur[1 + DRAY_XOR_MAX];
  const uint8_t *in[DRAY_XOR_MAX];
  uint64_t remaining;
  if (tab == NULL) return tab_words == 0 ? DRAY_EIOV : DRAY_EFAULT;
  ptrs[0] = dst;
  caps[0] = dst_cap;
  for (uint32_t k = 0; k < n; k++) {
    ptrs[1 + k] = src[k];
    caps[1 + k] = src_cap[k];
  }
  int rc = dray_sides_parse(tab, tab_words, n + 1, ptrs, caps, cur, &remaining);
  if (rc != DRAY_OK) return rc;
  while (remaining > 0) {
    uint32_t len = UINT32_MAX;
    for (uint32_t s = 0; s <= n; s++) {
      dray_cursor_skip(&cur[s]);
      if (cur[s].left < len) len = cur[s].left;
    }
    for (uint32_t k = 0; k < n; k++) in[k] = src[k] + cur[1 + k].offset;
    dray_xor_chunk(dst + cur[0].offset, in, n, len);
    for (uint32_t s = 0; s <= n; s++) {
      cur[s].offset += len;
      cur[s].left -= len;
    }
    remaining -= len;
  }
  return DRAY_OK;
}

/*
 * dray_xorN: the output side of tab gets the xor of the N input sides, byte by byte in walk order.
 * tab holds N + 1 sides (see the table layout above); each buffer comes with its capacity.
 */
DRAY_EXPORT int32_t dray_xor2(const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *s0, uint32_t c0, const uint8_t *s1,
                              uint32_t c1) {
  const uint8_t *s[] = {s0, s1};
  const uint32_t c[] = {c0, c1};
  return dray_xor_table(2, tab, tab_words, dst, dst_cap, s, c);
}

DRAY_EXPORT int32_t dray_xor3(const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *s0, uint32_t c0, const uint8_t *s1,
                              uint32_t c1, const uint8_t *s2, uint32_t c2) {
  const uint8_t *s[] = {s0, s1, s2};
  const uint32_t c[] = {c0, c1, c2};
  return dray_xor_table(3, tab, tab_words, dst, dst_cap, s, c);
}

DRAY_EXPORT int32_t dray_xor4(const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *s0, uint32_t c0, const uint8_t *s1,
                              uint32_t c1, const uint8_t *s2, uint32_t c2, const uint8_t *s3,
                              uint32_t c3) {
  const uint8_t *s[] = {s0, s1, s2, s3};
  const uint32_t c[] = {c0, c1, c2, c3};
  return dray_xor_table(4, tab, tab_words, dst, dst_cap, s, c);
}

DRAY_EXPORT int32_t dray_xor5(const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *s0, uint32_t c0, const uint8_t *s1,
                              uint32_t c1, const uint8_t *s2, uint32_t c2, const uint8_t *s3,
                              uint32_t c3, const uint8_t *s4, uint32_t c4) {
  const uint8_t *s[] = {s0, s1, s2, s3, s4};
  const uint32_t c[] = {c0, c1, c2, c3, c4};
  return dray_xor_table(5, tab, tab_words, dst, dst_cap, s, c);
}

DRAY_EXPORT int32_t dray_xor6(const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *s0, uint32_t c0, const uint8_t *s1,
                              uint32_t c1, const uint8_t *s2, uint32_t c2, const uint8_t *s3,
                              uint32_t c3, const uint8_t *s4, uint32_t c4, const uint8_t *s5,
                              uint32_t c5) {
  const uint8_t *s[] = {s0, s1, s2, s3, s4, s5};
  const uint32_t c[] = {c0, c1, c2, c3, c4, c5};
  return dray_xor_table(6, tab, tab_words, dst, dst_cap, s, c);
}

DRAY_EXPORT int32_t dray_xor7(const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *s0, uint32_t c0, const uint8_t *s1,
                              uint32_t c1, const uint8_t *s2, uint32_t c2, const uint8_t *s3,
                              uint32_t c3, const uint8_t *s4, uint32_t c4, const uint8_t *s5,
                              uint32_t c5, const uint8_t *s6, uint32_t c6) {
  const uint8_t *s[] = {s0, s1, s2, s3, s4, s5, s6};
  const uint32_t c[] = {c0, c1, c2, c3, c4, c5, c6};
  return dray_xor_table(7, tab, tab_words, dst, dst_cap, s, c);
}

DRAY_EXPORT int32_t dray_xor8(const uint32_t *tab, uint32_t tab_words, uint8_t *dst,
                              uint32_t dst_cap, const uint8_t *s0, uint32_t c0, const uint8_t *s1,
                              uint32_t c1, const uint8_t *s2, uint32_t c2, const uint8_t *s3,
                              uint32_t c3, const uint8_t *s4, uint32_t c4, const uint8_t *s5,
                              uint32_t c5, const uint8_t *s6, uint32_t c6, const uint8_t *s7,
                              uint32_t c7) {
  const uint8_t *s[] = {s0, s1, s2, s3, s4, s5, s6, s7};
  const uint32_t c[] = {c0, c1, c2, c3, c4, c5, c6, c7};
  return dray_xor_table(8, tab, tab_words, dst, dst_cap, s, c);
}

/* -- crc32c -- */

/*
 * CRC-32C (Castagnoli, as iSCSI uses it), reflected. The kernels below work on the bare register:
 * dray_crc32c inverts it on the way in and out, so a seed of 0 gives the standard CRC and a previous
 * result as the seed continues it.
 */
#define DRAY_CRC32C_POLY 0x82f63b78u
#define DRAY_CRC_LONG 8192u /* bytes per stream in the three-stream loop for long buffers */
#define DRAY_CRC_SHORT 256u /* bytes per stream for what is left */

#define DRAY_CRC_TABLE 0u /* slicing-by-8 tables */
#define DRAY_CRC_SSE42 1u /* the x86-64 SSE4.2 crc32 instruction */
#define DRAY_CRC_ARMV8 2u /* the arm64 CRC extension */

static uint32_t dray_crc_tab[8][256];   /* [k][b]: byte b followed by k zero bytes */
static uint32_t dray_crc_long[4][256];  /* [k][b]: register (b << 8k) after DRAY_CRC_LONG zeros */
static uint32_t dray_crc_short[4][256]; /* the same after DRAY_CRC_SHORT zeros */
static uint32_t dray_crc_impl = DRAY_CRC_TABLE;

static uint32_t dray_crc_sw(uint32_t crc, const uint8_t *p, size_t len) {
  while (len >= 8) {
    uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24);
    crc = dray_crc_tab[7][lo & 0xff] ^ dray_crc_tab[6][(lo >> 8) & 0xff] ^
          dray_crc_tab[5][(lo >> 16) & 0xff] ^ dray_crc_tab[4][lo >> 24] ^
          dray_crc_tab[3][p[4]] ^ dray_crc_tab[2][p[5]] ^ dray_crc_tab[1][p[6]] ^
          dray_crc_tab[0][p[7]];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) crc = dray_crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

/* The register after n zero bytes: linear in crc, which the shift tables exploit. */
static uint32_t dray_crc_zeros(uint32_t crc, uint32_t n) {
  while (n-- > 0) crc = dray_crc_tab[0][crc & 0xff] ^ (crc >> 8);
  return crc;
}

static void dray_crc_shift_init(uint32_t table[4][256], uint32_t n) {
  uint32_t basis[32];
  for (uint32_t j = 0; j < 32; j++) basis[j] = dray_crc_zeros(1u << j, n);
  for (uint32_t k = 0; k < 4; k++) {
    for (uint32_t b = 0; b < 256; b++) {
      uint32_t v = 0;
      for (uint32_t j = 0; j < 8; j++) {
        if (b & (1u << j)) v ^= basis[8 * k + j];
      }
      table[k][b] = v;
    }
  }
}

/* Moves a register forward over as many zero bytes as the table was built for. */
static inline uint32_t dray_crc_shift(uint32_t table[4][256], uint32_t crc) {
  return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
         table[3][crc >> 24];
}

/* DRAY_CRC32C_TABLE_ONLY builds the table path alone, so that tests can check it on any CPU. */
#if defined(DRAY_CRC32C_TABLE_ONLY)
/* no CPU instruction */
#elif defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <nmmintrin.h>
#define DRAY_CRC_HW_FN dray_crc_sse42
#define DRAY_CRC_HW_ATTR __attribute__((target("sse4.2")))
#define DRAY_CRC_HW_BYTE(crc, b) _mm_crc32_u8((crc), (b))
#define DRAY_CRC_HW_WORD(crc, w) ((uint32_t)_mm_crc32_u64((crc), (w)))

static uint32_t dray_crc_hw_detect(void) {
  unsigned int a, b, c, d;
  if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2)) return DRAY_CRC_SSE42;
  return DRAY_CRC_TABLE;
}
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__linux__) || defined(__APPLE__))
#include <arm_acle.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif
#define DRAY_CRC_HW_FN dray_crc_armv8
#if defined(__clang__)
#define DRAY_CRC_HW_ATTR __attribute__((target("crc")))
#else
#define DRAY_CRC_HW_ATTR __attribute__((target("+crc")))
#endif
#define DRAY_CRC_HW_BYTE(crc, b) __crc32cb((crc), (b))
#define DRAY_CRC_HW_WORD(crc, w) __crc32cd((crc), (w))

static uint32_t dray_crc_hw_detect(void) {
#if defined(__APPLE__)
  return DRAY_CRC_ARMV8; /* every Apple arm64 core has the CRC extension */
#else
  return (getauxval(AT_HWCAP) & (1ul << 7)) ? DRAY_CRC_ARMV8 : DRAY_CRC_TABLE; /* HWCAP_CRC32 */
#endif
}
#endif

#if defined(DRAY_CRC_HW_FN)
/*
 * The CPU's CRC instruction over three interleaved streams (its latency is three times its
 * throughput), joined by shifting the earlier streams' registers over the later streams' lengths.
 */
DRAY_CRC_HW_ATTR static uint32_t DRAY_CRC_HW_FN(uint32_t crc, const uint8_t *p, size_t len) {
  while (len > 0 && ((uintptr_t)p & 7u) != 0) {
    crc = DRAY_CRC_HW_BYTE(crc, *p++);
    len--;
  }
  while (len >= 3 * DRAY_CRC_LONG) {
    uint32_t c1 = 0, c2 = 0;
    const uint8_t *end = p + DRAY_CRC_LONG;
    do {
      uint64_t w0, w1, w2;
      memcpy(&w0, p, 8);
      memcpy(&w1, p + DRAY_CRC_LONG, 8);
      memcpy(&w2, p + 2 * DRAY_CRC_LONG, 8);
      crc = DRAY_CRC_HW_WORD(crc, w0);
      c1 = DRAY_CRC_HW_WORD(c1, w1);
      c2 = DRAY_CRC_HW_WORD(c2, w2);
      p += 8;
    } while (p < end);
    crc = dray_crc_shift(dray_crc_long, crc) ^ c1;
    crc = dray_crc_shift(dray_crc_long, crc) ^ c2;
    p += 2 * DRAY_CRC_LONG;
    len -= 3 * DRAY_CRC_LONG;
  }
  while (len >= 3 * DRAY_CRC_SHORT) {
    uint32_t c1 = 0, c2 = 0;
    const uint8_t *end = p + DRAY_CRC_SHORT;
    do {
      uint64_t w0, w1, w2;
      memcpy(&w0, p, 8);
      memcpy(&w1, p + DRAY_CRC_SHORT, 8);
      memcpy(&w2, p + 2 * DRAY_CRC_SHORT, 8);
      crc = DRAY_CRC_HW_WORD(crc, w0);
      c1 = DRAY_CRC_HW_WORD(c1, w1);
      c2 = DRAY_CRC_HW_WORD(c2, w2);
      p += 8;
    } while (p < end);
    crc = dray_crc_shift(dray_crc_short, crc) ^ c1;
    crc = dray_crc_shift(dray_crc_short, crc) ^ c2;
    p += 2 * DRAY_CRC_SHORT;
    len -= 3 * DRAY_CRC_SHORT;
  }
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    crc = DRAY_CRC_HW_WORD(crc, w);
    p += 8;
    len -= 8;
  }
  while (len-- > 0) crc = DRAY_CRC_HW_BYTE(crc, *p++);
  return crc;
}
#endif

/* Builds the tables and picks the implementation once, when the library is loaded. */
__attribute__((constructor)) static void dray_crc_init(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int j = 0; j < 8; j++) c = (c & 1u) ? (c >> 1) ^ DRAY_CRC32C_POLY : c >> 1;
    dray_crc_tab[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; b++) {
    for (uint32_t k = 1; k < 8; k++) {
      uint32_t prev = dray_crc_tab[k - 1][b];
      dray_crc_tab[k][b] = (prev >> 8) ^ dray_crc_tab[0][prev & 0xff];
    }
  }
  dray_crc_shift_init(dray_crc_long, DRAY_CRC_LONG);
  dray_crc_shift_init(dray_crc_short, DRAY_CRC_SHORT);
#if defined(DRAY_CRC_HW_FN)
  dray_crc_impl = dray_crc_hw_detect();
#endif
}

static uint32_t dray_crc_update(uint32_t crc, const uint8_t *p, size_t len) {
#if defined(DRAY_CRC_HW_FN)
  if (dray_crc_impl != DRAY_CRC_TABLE) return DRAY_CRC_HW_FN(crc, p, len);
#endif
  return dray_crc_sw(crc, p, len);
}

/* Which implementation dray_crc32c runs: 0 slicing-by-8 tables, 1 SSE4.2, 2 the arm64 CRC extension. */
DRAY_EXPORT uint32_t dray_crc32c_impl(void) { return dray_crc_impl; }

/*
 * CRC-32C over the pairs of one side in src (see the table layout above), in order. tab[0] holds
 * the seed on entry (0 for a new CRC, or an earlier result to continue it) and the CRC on return;
 * the side starts at tab[1].
 */
DRAY_EXPORT int32_t dray_crc32c(uint32_t *tab, uint32_t tab_words, const uint8_t *src,
                                uint32_t src_cap) {
  const void *ptrs[1] = {src};
  const uint32_t caps[1] = {src_cap};
  dray_cursor cur;
  uint64_t total;
  if (tab == NULL) return tab_words == 0 ? DRAY_EIOV : DRAY_EFAULT;
  if (tab_words < 1) return DRAY_EIOV;
  int rc = dray_sides_parse(tab + 1, tab_words - 1, 1, ptrs, caps, &cur, &total);
  if (rc != DRAY_OK) return rc;
  uint32_t crc = ~tab[0];
  for (uint32_t i = 0; i < cur.count; i++) {
    uint32_t len = cur.pairs[2 * i + 1];
    if (len != 0) crc = dray_crc_update(crc, src + cur.pairs[2 * i], len);
  }
  tab[0] = ~crc;
  return DRAY_OK;
}

/* ---- sockets (redis native transport) ----------------------------------------------------- */

/* (added by the redis transport issue) */
