/*
 * dray native shim: the one C file behind @dray/dray/native.
 *
 * C11, no dependencies. Built by native/build.ts into native/build/ and loaded with Deno.dlopen.
 * Every entry point takes each buffer as (pointer, capacity) plus offsets and lengths, checks
 * them before touching memory, and returns a negative DRAY_E* code instead of reading or writing
 * outside what it was given. The TypeScript wrappers check first; these checks are the second
 * line. Lengths and offsets are uint32_t: Deno passes them on FFI's fast path, while a JS number
 * passed to a size_t parameter is ~40x slower per call.
 *
 * What C can check, it checks: null pointers, spans against the capacity passed with each buffer,
 * (offset, length) pairs whose sum would wrap, tables that announce more words than they hold,
 * the alignment of word buffers; and a table whose pairs are walked while bytes are written is
 * first copied, so that no write during the call (to a table lying in an output buffer, or from
 * another thread) changes what was checked. What it cannot check is the capacity itself: it is
 * the one fact taken on trust, and the TypeScript wrappers pass each view's own length.
 * Off-thread entry points are only ever given pinned memory (see native/_pin.ts).
 * tests/native/shim_driver.c runs every entry point under AddressSanitizer and
 * UndefinedBehaviorSanitizer; tests/native/fuzz_table.ts describes them for the fuzz suite.
 */

/* The sockets section needs POSIX and BSD declarations (getaddrinfo, TCP_KEEPIDLE), which
 * -std=c11 hides unless asked for before the first include. */
#if !defined(_WIN32) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE
#endif

#include <stdint.h>
#include <string.h>

#if defined(_WIN32)
#define DRAY_EXPORT __declspec(dllexport)
#else
#define DRAY_EXPORT __attribute__((visibility("default")))
#endif

/* Bump DRAY_ABI whenever a signature changes; the loader refuses a library with another ABI. */
#define DRAY_ABI 3
#define DRAY_VERSION ((0u << 16) | (1u << 8) | 0u) /* 0.1.0 */

#define DRAY_OK 0
#define DRAY_EFAULT (-1) /* a null pointer with a non-zero capacity, or a misaligned word buffer */
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
 * the table must hold every word it announces, all before a byte is read or written, and the walk
 * reads the pairs from the private copy that was checked (dray_tab_take). The crc32c table starts
 * with one more word: the seed on entry, the CRC on return.
 */

#define DRAY_EIOV (-3) /* a malformed table: truncated, a count outside 1..1024, unequal totals */
#define DRAY_ENOMEM (-5) /* no memory for the private copy of a large table */
#define DRAY_IOV_MAX 1024u
#define DRAY_XOR_MAX 8u

#include <stdlib.h> /* malloc, getenv */

/*
 * The table words C works from: a private copy, taken before anything is checked. The table is the
 * caller's memory, and C reads its pairs again while it walks them, so without a copy a write to the
 * table during the call would change pairs that were already checked: an output side that covers
 * the table's own words (the table may lie in one of the buffers), or another thread writing to a
 * shared table while an off-thread call runs. Tables up to DRAY_TAB_LOCAL words are copied onto the
 * stack, larger ones into the heap; at most `max` words are copied (what a valid table can use).
 */
#define DRAY_TAB_LOCAL 512u

typedef struct {
  const uint32_t *words;
  uint32_t count;
  uint32_t *heap;
  uint32_t local[DRAY_TAB_LOCAL];
} dray_tab_copy;

static int dray_tab_take(dray_tab_copy *t, const uint32_t *tab, uint32_t words, uint32_t max) {
  uint32_t n = words < max ? words : max;
  t->heap = NULL;
  t->count = n;
  if (n <= DRAY_TAB_LOCAL) {
    if (n != 0) memcpy(t->local, tab, (size_t)n * sizeof(uint32_t));
    t->words = t->local;
    return DRAY_OK;
  }
  t->heap = malloc((size_t)n * sizeof(uint32_t));
  if (t->heap == NULL) return DRAY_ENOMEM;
  memcpy(t->heap, tab, (size_t)n * sizeof(uint32_t));
  t->words = t->heap;
  return DRAY_OK;
}

static void dray_tab_release(dray_tab_copy *t) { free(t->heap); }

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

/* -- instruction sets -- */

/*
 * Every kernel below exists at up to four levels, chosen once when the library is loaded:
 *
 *   0 scalar   64-bit words (SWAR), any C compiler, any CPU;
 *   1 baseline 64-byte GCC/Clang vectors compiled for the architecture's baseline (SSE2 on
 *              x86-64, NEON on arm64, whatever the compiler lowers them to elsewhere);
 *   2 avx2     the same code compiled for AVX2 (x86-64), and where the CPU has them: CRC-32C
 *              folded with 128-bit PCLMULQDQ, pq and pq-recover by GFNI or vpshufb tables;
 *   3 avx512   the same code compiled for AVX-512F/BW (x86-64), and where the CPU has them:
 *              CRC-32C folded with 512-bit VPCLMULQDQ, pq and pq-recover by GFNI or vpshufb.
 *
 * The library is built for the baseline only (never -march=native): the AVX2 and AVX-512 copies
 * carry a target attribute and run only when CPUID says the CPU has the instructions and XGETBV
 * says the operating system saves their registers. Two knobs lower the level, for tests and for
 * comparison: the DRAY_ISA_MAX build define (0..3), and the DRAY_ISA environment variable
 * (scalar, baseline, sse2, neon, avx2, avx512) read at load time, which may go on with words that
 * turn single instructions off: "avx512,nogfni,novpclmul", "avx2,nopclmul". DRAY_ISA=scalar also
 * turns off the CRC32 instruction.
 */
#define DRAY_ISA_SCALAR 0u
#define DRAY_ISA_BASE 1u
#define DRAY_ISA_AVX2 2u
#define DRAY_ISA_AVX512 3u
#if !defined(DRAY_ISA_MAX)
#define DRAY_ISA_MAX 3
#endif

#if (defined(__GNUC__) || defined(__clang__)) && DRAY_ISA_MAX >= 1
#define DRAY_VEC 1
#endif
#if defined(DRAY_VEC) && defined(__x86_64__) && DRAY_ISA_MAX >= 2
#define DRAY_VEC_X86 1
#include <cpuid.h>
#endif


/* -- GF(2^8) for RAID-6: the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator 2 -- */

static uint8_t dray_gf_exp[512]; /* exp[i] = 2^i, doubled so that exp[log a + log b] needs no mod */
static uint8_t dray_gf_log[256]; /* log[a] for a != 0 */

static void dray_gf_init(void) {
  uint32_t x = 1;
  for (uint32_t i = 0; i < 255; i++) {
    dray_gf_exp[i] = (uint8_t)x;
    dray_gf_exp[i + 255] = (uint8_t)x;
    dray_gf_log[x] = (uint8_t)i;
    x <<= 1;
    if (x & 0x100u) x ^= 0x11du;
  }
  dray_gf_exp[510] = dray_gf_exp[0];
  dray_gf_exp[511] = dray_gf_exp[1];
}

static inline uint8_t dray_gf_mul(uint8_t a, uint8_t b) {
  if (a == 0 || b == 0) return 0;
  return dray_gf_exp[dray_gf_log[a] + dray_gf_log[b]];
}

/* a / b for b != 0. */
static inline uint8_t dray_gf_div(uint8_t a, uint8_t b) {
  if (a == 0) return 0;
  return dray_gf_exp[dray_gf_log[a] + 255u - dray_gf_log[b]];
}

/* 2^k for any k >= 0, and 2^-k. */
static inline uint8_t dray_gf_pow2(uint32_t k) { return dray_gf_exp[k % 255u]; }
static inline uint8_t dray_gf_pow2_neg(uint32_t k) { return dray_gf_exp[(255u - k % 255u) % 255u]; }

static inline uint8_t dray_gf2_u8(uint8_t x) {
  return (uint8_t)((uint32_t)x << 1 ^ ((x & 0x80u) ? 0x1du : 0u));
}

/* -- scalar kernels: 64-bit words, then bytes; each works on indexes [from, to) -- */

#define DRAY_LO7 0x7f7f7f7f7f7f7f7full
#define DRAY_LSB 0x0101010101010101ull

static inline uint64_t dray_ld64(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, sizeof w);
  return w;
}

static inline void dray_st64(uint8_t *p, uint64_t w) { memcpy(p, &w, sizeof w); }

/* Multiplies each byte of w by 2 in GF(2^8). */
static inline uint64_t dray_gf2_u64(uint64_t w) {
  return ((w & DRAY_LO7) << 1) ^ (((w >> 7) & DRAY_LSB) * 0x1du);
}

/* Multiplies each byte of w by c in GF(2^8): a sum of doublings, one per bit of c. */
static inline uint64_t dray_gfmul_u64(uint64_t w, uint8_t c) {
  uint64_t acc = 0;
  for (uint32_t b = 0; b < 8; b++) {
    if ((c >> b) & 1u) acc ^= w;
    w = dray_gf2_u64(w);
  }
  return acc;
}

/* d[i] = s[0][i] ^ ... ^ s[n-1][i]; d may be one of the sources (same index). */
static void dray_s_xor(uint8_t *d, const uint8_t *const *s, uint32_t n, size_t from, size_t to) {
  size_t i = from;
  for (; i + 8 <= to; i += 8) {
    uint64_t w = dray_ld64(s[0] + i);
    for (uint32_t k = 1; k < n; k++) w ^= dray_ld64(s[k] + i);
    dray_st64(d + i, w);
  }
  for (; i < to; i++) {
    uint8_t x = s[0][i];
    for (uint32_t k = 1; k < n; k++) x ^= s[k][i];
    d[i] = x;
  }
}

/* The first i in [from, to) where a[i] != b[i], or to. */
static size_t dray_s_cmp(const uint8_t *a, const uint8_t *b, size_t from, size_t to) {
  size_t i = from;
  while (i + 8 <= to && dray_ld64(a + i) == dray_ld64(b + i)) i += 8;
  for (; i < to; i++) {
    if (a[i] != b[i]) return i;
  }
  return to;
}

/* The first i in [from, to) where a[i] != pat[i % 8], or to. */
static size_t dray_s_cmppat(const uint8_t *a, const uint8_t *pat, size_t from, size_t to) {
  size_t i = from;
  if ((i & 7u) == 0) {
    uint64_t pw = dray_ld64(pat);
    while (i + 8 <= to && dray_ld64(a + i) == pw) i += 8;
  }
  for (; i < to; i++) {
    if (a[i] != pat[i & 7u]) return i;
  }
  return to;
}

/* The first i in [from, to) where the xor of s[0..n)[i] is not 0, or to. */
static size_t dray_s_xorchk(const uint8_t *const *s, uint32_t n, size_t from, size_t to) {
  size_t i = from;
  for (; i + 8 <= to; i += 8) {
    uint64_t w = dray_ld64(s[0] + i);
    for (uint32_t k = 1; k < n; k++) w ^= dray_ld64(s[k] + i);
    if (w != 0) break;
  }
  for (; i < to; i++) {
    uint8_t x = s[0][i];
    for (uint32_t k = 1; k < n; k++) x ^= s[k][i];
    if (x != 0) return i;
  }
  return to;
}

/*
 * RAID-6 syndromes over n data blocks, a NULL block counting as zeros: p = the xor of the blocks
 * (not stored when p is NULL), q = sum of 2^k * s[k], by Horner's rule from the last block down.
 */
static void dray_s_pqgen(uint8_t *p, uint8_t *q, const uint8_t *const *s, uint32_t n, size_t from,
                         size_t to) {
  size_t i = from;
  for (; i + 8 <= to; i += 8) {
    uint64_t pw = 0, qw = 0;
    for (uint32_t k = n; k-- > 0;) {
      qw = dray_gf2_u64(qw);
      if (s[k] != NULL) {
        uint64_t w = dray_ld64(s[k] + i);
        pw ^= w;
        qw ^= w;
      }
    }
    if (p != NULL) dray_st64(p + i, pw);
    dray_st64(q + i, qw);
  }
  for (; i < to; i++) {
    uint8_t px = 0, qx = 0;
    for (uint32_t k = n; k-- > 0;) {
      qx = dray_gf2_u8(qx);
      if (s[k] != NULL) {
        px ^= s[k][i];
        qx ^= s[k][i];
      }
    }
    if (p != NULL) p[i] = px;
    q[i] = qx;
  }
}

/*
 * Two lost data blocks: on entry o0 and o1 hold the syndromes of the surviving data; with the
 * stored P and Q they give p = Dx ^ Dy and q = 2^x Dx ^ 2^y Dy, so Dx = A p ^ B q and Dy = p ^ Dx.
 */
static void dray_s_rec2(uint8_t *o0, uint8_t *o1, const uint8_t *pp, const uint8_t *qq, uint8_t ca,
                        uint8_t cb, size_t from, size_t to) {
  size_t i = from;
  for (; i + 8 <= to; i += 8) {
    uint64_t pw = dray_ld64(o0 + i) ^ dray_ld64(pp + i);
    uint64_t qw = dray_ld64(o1 + i) ^ dray_ld64(qq + i);
    uint64_t dx = dray_gfmul_u64(pw, ca) ^ dray_gfmul_u64(qw, cb);
    dray_st64(o0 + i, dx);
    dray_st64(o1 + i, pw ^ dx);
  }
  for (; i < to; i++) {
    uint8_t pb = o0[i] ^ pp[i];
    uint8_t qb = o1[i] ^ qq[i];
    uint8_t dx = dray_gf_mul(pb, ca) ^ dray_gf_mul(qb, cb);
    o0[i] = dx;
    o1[i] = pb ^ dx;
  }
}

/* o[i] = c * (a[i] ^ b[i]); o may be a or b. */
static void dray_s_mulxor(uint8_t *o, const uint8_t *a, const uint8_t *b, uint8_t c, size_t from,
                          size_t to) {
  size_t i = from;
  for (; i + 8 <= to; i += 8) dray_st64(o + i, dray_gfmul_u64(dray_ld64(a + i) ^ dray_ld64(b + i), c));
  for (; i < to; i++) o[i] = dray_gf_mul(a[i] ^ b[i], c);
}

/* -- vector kernels: one body, compiled once per instruction set at its own vector width -- */

#if defined(DRAY_VEC)
/*
 * The bodies below are written once over a vector type V of W bytes (a GCC/Clang vector
 * extension type), SV its signed twin and Q its 64-bit lanes, and instantiated per instruction
 * set by DRAY_VEC_KERNELS with that set's native width and target attribute: 16 bytes for the
 * baseline (SSE2, NEON), 32 for AVX2, 64 for AVX-512. Each instantiation declares V, SV and Q as
 * local typedefs, which the helper macros use. Outputs (or the first input, for the searches) are
 * peeled to a 64-byte boundary first: V8 places large ArrayBuffers 16 bytes past one, and
 * unaligned 64-byte stores cost AVX-512 about half its speed.
 */
#define DRAY_VTYPES(W) \
  typedef uint8_t V __attribute__((vector_size(W))); \
  typedef int8_t SV __attribute__((vector_size(W), unused)); \
  typedef uint64_t Q __attribute__((vector_size(W), unused))
/* Loads and stores through memcpy: unaligned, and no aliasing assumptions. */
#define DRAY_VLD(p) (__extension__({ \
  V v_; \
  memcpy(&v_, (p), sizeof v_); \
  v_; \
}))
#define DRAY_VST(p, v) \
  do { \
    V w_ = (v); \
    memcpy((p), &w_, sizeof w_); \
  } while (0)
/* Each byte times 2 in GF(2^8): shift left, and reduce the bytes whose top bit was set. */
#define DRAY_VGF2(x) (((x) + (x)) ^ ((V)((SV)(x) < 0) & 0x1d))
/* Each byte times c: a sum of doublings, one per bit of c. */
#define DRAY_VGFMUL(x, c) (__extension__({ \
  V x_ = (x), a_ = x_ ^ x_; \
  for (uint32_t b_ = 0; b_ < 8; b_++) { \
    if (((c) >> b_) & 1u) a_ ^= x_; \
    x_ = DRAY_VGF2(x_); \
  } \
  a_; \
}))
/* Whether any byte of x is not 0. */
#define DRAY_VANY(x) (__extension__({ \
  Q q_ = (Q)(x); \
  uint64_t o_ = 0; \
  for (uint32_t j_ = 0; j_ < sizeof q_ / 8; j_++) o_ |= q_[j_]; \
  o_ != 0; \
}))
#define DRAY_VW ((size_t)sizeof(V))

/* Bytes to skip so that p + skip is 64-byte aligned, at most len. */
static inline size_t dray_peel(const void *p, size_t len) {
  size_t skip = (64u - ((uintptr_t)p & 63u)) & 63u;
  return skip < len ? skip : len;
}

/*
 * Keeps the stores on either side in program order. GCC otherwise issues a step's four stores in
 * any order (d + 64, d, d + 192, d + 128, ...), and on AMD Zen 4 under Deno that made the xor of
 * 64 KiB 15-20% slower than the same loop storing front to back (measured: 1500-1560 ns against
 * 1300-1360, in one process on one set of buffers; in a plain C process the two were level).
 */
#define DRAY_STORE_ORDER() __asm__ volatile("" ::: "memory")

/*
 * From this length the xor loop takes two vectors a step instead of four: fewer lines in flight
 * per source, which suits data streaming from L2 and beyond (xor of 8 sources at 64 KiB on AMD
 * Zen 4: 23.3 GB/s against 20.4, ISA-L 21.4; at 4 KiB four vectors a step are faster, 38.6
 * against 34.2; 2 sources level either way).
 */
#define DRAY_XOR_LONG 32768u

/*
 * The xor loop for N sources (a constant where it can be), four vectors a step (two from
 * DRAY_XOR_LONG bytes), from i. The
 * source pointers are copied to locals first: a store through d (a uint8_t pointer) may alias
 * anything whose address is known, s[] included, and would make every step reload them.
 */
#define DRAY_VXOR_RUN(N) \
  do { \
    const uint8_t *q_[32]; /* an xor takes at most 32 sources */ \
    _Pragma("GCC unroll 8") for (uint32_t k_ = 0; k_ < (N) && k_ < 32u; k_++) q_[k_] = s[k_]; \
    if (len >= DRAY_XOR_LONG) { \
      for (; i + 2 * DRAY_VW <= len; i += 2 * DRAY_VW) { \
        V a_ = DRAY_VLD(q_[0] + i), b_ = DRAY_VLD(q_[0] + i + DRAY_VW); \
        _Pragma("GCC unroll 8") for (uint32_t k_ = 1; k_ < (N); k_++) { \
          a_ ^= DRAY_VLD(q_[k_] + i); \
          b_ ^= DRAY_VLD(q_[k_] + i + DRAY_VW); \
        } \
        DRAY_VST(d + i, a_); \
        DRAY_STORE_ORDER(); \
        DRAY_VST(d + i + DRAY_VW, b_); \
      } \
    } \
    for (; i + 4 * DRAY_VW <= len; i += 4 * DRAY_VW) { \
      V a_ = DRAY_VLD(q_[0] + i), b_ = DRAY_VLD(q_[0] + i + DRAY_VW); \
      V c_ = DRAY_VLD(q_[0] + i + 2 * DRAY_VW), e_ = DRAY_VLD(q_[0] + i + 3 * DRAY_VW); \
      _Pragma("GCC unroll 8") for (uint32_t k_ = 1; k_ < (N); k_++) { \
        a_ ^= DRAY_VLD(q_[k_] + i); \
        b_ ^= DRAY_VLD(q_[k_] + i + DRAY_VW); \
        c_ ^= DRAY_VLD(q_[k_] + i + 2 * DRAY_VW); \
        e_ ^= DRAY_VLD(q_[k_] + i + 3 * DRAY_VW); \
      } \
      DRAY_VST(d + i, a_); \
      DRAY_STORE_ORDER(); \
      DRAY_VST(d + i + DRAY_VW, b_); \
      DRAY_STORE_ORDER(); \
      DRAY_VST(d + i + 2 * DRAY_VW, c_); \
      DRAY_STORE_ORDER(); \
      DRAY_VST(d + i + 3 * DRAY_VW, e_); \
    } \
    for (; i + DRAY_VW <= len; i += DRAY_VW) { \
      V a_ = DRAY_VLD(s[0] + i); \
      _Pragma("GCC unroll 8") for (uint32_t k_ = 1; k_ < (N); k_++) a_ ^= DRAY_VLD(s[k_] + i); \
      DRAY_VST(d + i, a_); \
    } \
  } while (0)

#define DRAY_VEC_KERNELS(SFX, ATTR, W) \
  ATTR static void dray_xor_##SFX(uint8_t *d, const uint8_t *const *s, uint32_t n, size_t len) { \
    DRAY_VTYPES(W); \
    size_t i = dray_peel(d, len); \
    dray_s_xor(d, s, n, 0, i); \
    switch (n) { \
      case 2: DRAY_VXOR_RUN(2); break; \
      case 3: DRAY_VXOR_RUN(3); break; \
      case 4: DRAY_VXOR_RUN(4); break; \
      case 5: DRAY_VXOR_RUN(5); break; \
      case 6: DRAY_VXOR_RUN(6); break; \
      case 7: DRAY_VXOR_RUN(7); break; \
      case 8: DRAY_VXOR_RUN(8); break; \
      default: DRAY_VXOR_RUN(n); break; \
    } \
    dray_s_xor(d, s, n, i, len); \
  } \
  ATTR static size_t dray_cmp_##SFX(const uint8_t *a, const uint8_t *b, size_t len) { \
    DRAY_VTYPES(W); \
    size_t i = dray_peel(a, len); \
    size_t at = dray_s_cmp(a, b, 0, i); \
    if (at < i) return at; \
    for (; i + 4 * DRAY_VW <= len; i += 4 * DRAY_VW) { \
      V x = (DRAY_VLD(a + i) ^ DRAY_VLD(b + i)) | \
            (DRAY_VLD(a + i + DRAY_VW) ^ DRAY_VLD(b + i + DRAY_VW)) | \
            (DRAY_VLD(a + i + 2 * DRAY_VW) ^ DRAY_VLD(b + i + 2 * DRAY_VW)) | \
            (DRAY_VLD(a + i + 3 * DRAY_VW) ^ DRAY_VLD(b + i + 3 * DRAY_VW)); \
      if (DRAY_VANY(x)) return dray_s_cmp(a, b, i, i + 4 * DRAY_VW); \
    } \
    return dray_s_cmp(a, b, i, len); \
  } \
  ATTR static size_t dray_cmppat_##SFX(const uint8_t *a, const uint8_t *pat, size_t len) { \
    DRAY_VTYPES(W); \
    size_t i = dray_peel(a, len); \
    size_t at = dray_s_cmppat(a, pat, 0, i); \
    if (at < i) return at; \
    /* Every vector starts at an index congruent to i modulo 8: one rotated pattern serves. */ \
    uint8_t bytes[W]; \
    for (uint32_t j = 0; j < (W); j++) bytes[j] = pat[(i + j) & 7u]; \
    V pv = DRAY_VLD(bytes); \
    for (; i + 4 * DRAY_VW <= len; i += 4 * DRAY_VW) { \
      V x = (DRAY_VLD(a + i) ^ pv) | (DRAY_VLD(a + i + DRAY_VW) ^ pv) | \
            (DRAY_VLD(a + i + 2 * DRAY_VW) ^ pv) | (DRAY_VLD(a + i + 3 * DRAY_VW) ^ pv); \
      if (DRAY_VANY(x)) return dray_s_cmppat(a, pat, i, i + 4 * DRAY_VW); \
    } \
    return dray_s_cmppat(a, pat, i, len); \
  } \
  ATTR static size_t dray_xorchk_##SFX(const uint8_t *const *s, uint32_t n, size_t len) { \
    DRAY_VTYPES(W); \
    size_t i = dray_peel(s[0], len); \
    size_t at = dray_s_xorchk(s, n, 0, i); \
    if (at < i) return at; \
    for (; i + 2 * DRAY_VW <= len; i += 2 * DRAY_VW) { \
      V x = DRAY_VLD(s[0] + i), y = DRAY_VLD(s[0] + i + DRAY_VW); \
      for (uint32_t k = 1; k < n; k++) { \
        x ^= DRAY_VLD(s[k] + i); \
        y ^= DRAY_VLD(s[k] + i + DRAY_VW); \
      } \
      x |= y; \
      if (DRAY_VANY(x)) return dray_s_xorchk(s, n, i, i + 2 * DRAY_VW); \
    } \
    return dray_s_xorchk(s, n, i, len); \
  } \
  ATTR static void dray_pqgen_##SFX(uint8_t *p, uint8_t *q, const uint8_t *const *s, uint32_t n, \
                                    size_t len) { \
    DRAY_VTYPES(W); \
    size_t i = dray_peel(q, len); \
    dray_s_pqgen(p, q, s, n, 0, i); \
    for (; i + 2 * DRAY_VW <= len; i += 2 * DRAY_VW) { \
      V zero = {0}; \
      V p0 = zero, p1 = zero, q0 = zero, q1 = zero; \
      for (uint32_t k = n; k-- > 0;) { \
        q0 = DRAY_VGF2(q0); \
        q1 = DRAY_VGF2(q1); \
        if (s[k] != NULL) { \
          V x = DRAY_VLD(s[k] + i), y = DRAY_VLD(s[k] + i + DRAY_VW); \
          p0 ^= x; \
          p1 ^= y; \
          q0 ^= x; \
          q1 ^= y; \
        } \
      } \
      if (p != NULL) { \
        DRAY_VST(p + i, p0); \
        DRAY_VST(p + i + DRAY_VW, p1); \
      } \
      DRAY_VST(q + i, q0); \
      DRAY_VST(q + i + DRAY_VW, q1); \
    } \
    dray_s_pqgen(p, q, s, n, i, len); \
  } \
  ATTR static void dray_rec2_##SFX(uint8_t *o0, uint8_t *o1, const uint8_t *pp, const uint8_t *qq, \
                                   uint8_t ca, uint8_t cb, size_t len) { \
    DRAY_VTYPES(W); \
    size_t i = dray_peel(o0, len); \
    dray_s_rec2(o0, o1, pp, qq, ca, cb, 0, i); \
    for (; i + DRAY_VW <= len; i += DRAY_VW) { \
      V pv = DRAY_VLD(o0 + i) ^ DRAY_VLD(pp + i); \
      V qv = DRAY_VLD(o1 + i) ^ DRAY_VLD(qq + i); \
      V dx = DRAY_VGFMUL(pv, ca) ^ DRAY_VGFMUL(qv, cb); \
      DRAY_VST(o0 + i, dx); \
      DRAY_VST(o1 + i, pv ^ dx); \
    } \
    dray_s_rec2(o0, o1, pp, qq, ca, cb, i, len); \
  } \
  ATTR static void dray_mulxor_##SFX(uint8_t *o, const uint8_t *a, const uint8_t *b, uint8_t c, \
                                     size_t len) { \
    DRAY_VTYPES(W); \
    size_t i = dray_peel(o, len); \
    dray_s_mulxor(o, a, b, c, 0, i); \
    for (; i + DRAY_VW <= len; i += DRAY_VW) { \
      DRAY_VST(o + i, DRAY_VGFMUL(DRAY_VLD(a + i) ^ DRAY_VLD(b + i), c)); \
    } \
    dray_s_mulxor(o, a, b, c, i, len); \
  } \
  static const dray_kernels dray_kernels_##SFX = {dray_xor_##SFX,   dray_cmp_##SFX, \
                                                  dray_cmppat_##SFX, dray_xorchk_##SFX, \
                                                  dray_pqgen_##SFX, dray_rec2_##SFX, \
                                                  dray_mulxor_##SFX};
#endif /* DRAY_VEC */

/* -- the dispatch table -- */

typedef struct {
  void (*xor_)(uint8_t *d, const uint8_t *const *s, uint32_t n, size_t len);
  size_t (*cmp)(const uint8_t *a, const uint8_t *b, size_t len);
  size_t (*cmppat)(const uint8_t *a, const uint8_t *pat, size_t len);
  size_t (*xorchk)(const uint8_t *const *s, uint32_t n, size_t len);
  void (*pqgen)(uint8_t *p, uint8_t *q, const uint8_t *const *s, uint32_t n, size_t len);
  void (*rec2)(uint8_t *o0, uint8_t *o1, const uint8_t *pp, const uint8_t *qq, uint8_t ca,
               uint8_t cb, size_t len);
  void (*mulxor)(uint8_t *o, const uint8_t *a, const uint8_t *b, uint8_t c, size_t len);
} dray_kernels;

static void dray_xor_scalar(uint8_t *d, const uint8_t *const *s, uint32_t n, size_t len) {
  dray_s_xor(d, s, n, 0, len);
}
static size_t dray_cmp_scalar(const uint8_t *a, const uint8_t *b, size_t len) {
  return dray_s_cmp(a, b, 0, len);
}
static size_t dray_cmppat_scalar(const uint8_t *a, const uint8_t *pat, size_t len) {
  return dray_s_cmppat(a, pat, 0, len);
}
static size_t dray_xorchk_scalar(const uint8_t *const *s, uint32_t n, size_t len) {
  return dray_s_xorchk(s, n, 0, len);
}
static void dray_pqgen_scalar(uint8_t *p, uint8_t *q, const uint8_t *const *s, uint32_t n,
                              size_t len) {
  dray_s_pqgen(p, q, s, n, 0, len);
}
static void dray_rec2_scalar(uint8_t *o0, uint8_t *o1, const uint8_t *pp, const uint8_t *qq,
                             uint8_t ca, uint8_t cb, size_t len) {
  dray_s_rec2(o0, o1, pp, qq, ca, cb, 0, len);
}
static void dray_mulxor_scalar(uint8_t *o, const uint8_t *a, const uint8_t *b, uint8_t c,
                               size_t len) {
  dray_s_mulxor(o, a, b, c, 0, len);
}
static const dray_kernels dray_kernels_scalar = {dray_xor_scalar,   dray_cmp_scalar,
                                                 dray_cmppat_scalar, dray_xorchk_scalar,
                                                 dray_pqgen_scalar, dray_rec2_scalar,
                                                 dray_mulxor_scalar};
#if defined(DRAY_VEC)
DRAY_VEC_KERNELS(base, , 16)
#endif
#if defined(DRAY_VEC_X86)
DRAY_VEC_KERNELS(avx2, __attribute__((target("avx2"))), 32)
#if DRAY_ISA_MAX >= 3
DRAY_VEC_KERNELS(avx512, __attribute__((target("avx512f,avx512bw"))), 64)
#endif
#endif

static const dray_kernels *dray_k = &dray_kernels_scalar;
static uint32_t dray_isa_level = DRAY_ISA_SCALAR;

/* The best level this CPU and operating system run. */
static uint32_t dray_isa_detect(void) {
#if defined(DRAY_VEC_X86)
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return DRAY_ISA_BASE;
  /* AVX needs the OS to save the YMM registers (OSXSAVE, then XCR0 bits 1 and 2). */
  if (!(c & (1u << 27)) || !(c & (1u << 28))) return DRAY_ISA_BASE;
  uint32_t xlo, xhi;
  __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0u));
  (void)xhi;
  if ((xlo & 0x6u) != 0x6u) return DRAY_ISA_BASE;
  if (__get_cpuid_max(0, NULL) < 7) return DRAY_ISA_BASE;
  __cpuid_count(7, 0, a, b, c, d);
  uint32_t level = DRAY_ISA_BASE;
  if (b & (1u << 5)) level = DRAY_ISA_AVX2;
  /* AVX-512F (bit 16) and BW (bit 30), with the opmask and ZMM state saved (XCR0 bits 5-7). */
  if ((b & (1u << 16)) && (b & (1u << 30)) && (xlo & 0xe6u) == 0xe6u && level == DRAY_ISA_AVX2) {
    level = DRAY_ISA_AVX512;
  }
  return level;
#elif defined(DRAY_VEC)
  return DRAY_ISA_BASE;
#else
  return DRAY_ISA_SCALAR;
#endif
}

/*
 * Instructions beyond each level's vectors, used where the CPU has them: PCLMULQDQ (CRC-32C folding
 * at the avx2 level and up), VPCLMULQDQ (512-bit folding at avx512), GFNI (GF(2^8) products at
 * avx2 and avx512). DRAY_ISA may turn each off after the level: "avx512,nogfni,novpclmul".
 */
#define DRAY_F_PCLMUL 1u
#define DRAY_F_VPCLMUL 2u
#define DRAY_F_GFNI 4u
static uint32_t dray_isa_features;

static uint32_t dray_isa_detect_features(void) {
#if defined(DRAY_VEC_X86)
  unsigned int a, b, c, d;
  uint32_t f = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (c & (1u << 1)) f |= DRAY_F_PCLMUL;
  if (__get_cpuid_max(0, NULL) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  /* VPCLMULQDQ (ecx bit 10) is used with AVX-512VL (ebx bit 31) helpers; GFNI is ecx bit 8. */
  if ((c & (1u << 10)) && (b & (1u << 31))) f |= DRAY_F_VPCLMUL;
  if (c & (1u << 8)) f |= DRAY_F_GFNI;
  return f;
#else
  return 0;
#endif
}

/* Whether the DRAY_ISA value env, up to its first comma, is name. */
static int dray_isa_is(const char *env, const char *name) {
  size_t n = strcspn(env, ",");
  return n == strlen(name) && strncmp(env, name, n) == 0;
}

static uint32_t dray_isa_requested(void) {
  const char *env = getenv("DRAY_ISA");
  if (env == NULL || env[0] == '\0') return DRAY_ISA_AVX512;
  if (dray_isa_is(env, "scalar")) return DRAY_ISA_SCALAR;
  if (dray_isa_is(env, "baseline") || dray_isa_is(env, "sse2") || dray_isa_is(env, "neon")) {
    return DRAY_ISA_BASE;
  }
  if (dray_isa_is(env, "avx2")) return DRAY_ISA_AVX2;
  return DRAY_ISA_AVX512; /* avx512, or anything else: no limit */
}

/* The features DRAY_ISA turns off ("nopclmul", "novpclmul", "nogfni" after the level). */
static uint32_t dray_isa_features_off(void) {
  const char *env = getenv("DRAY_ISA");
  uint32_t off = 0;
  if (env == NULL) return 0;
  if (strstr(env, ",nopclmul") != NULL) off |= DRAY_F_PCLMUL | DRAY_F_VPCLMUL;
  if (strstr(env, ",novpclmul") != NULL) off |= DRAY_F_VPCLMUL;
  if (strstr(env, ",nogfni") != NULL) off |= DRAY_F_GFNI;
  return off;
}

static void dray_isa_init(void) {
  uint32_t level = dray_isa_detect();
  uint32_t cap = dray_isa_requested();
  if (level > cap) level = cap;
  if (level > (uint32_t)DRAY_ISA_MAX) level = (uint32_t)DRAY_ISA_MAX;
  dray_isa_level = level;
  dray_isa_features = level >= DRAY_ISA_AVX2 ? dray_isa_detect_features() & ~dray_isa_features_off()
                                             : 0u;
  switch (level) {
#if defined(DRAY_VEC_X86) && DRAY_ISA_MAX >= 3
    case DRAY_ISA_AVX512: dray_k = &dray_kernels_avx512; break;
#endif
#if defined(DRAY_VEC_X86)
    case DRAY_ISA_AVX2: dray_k = &dray_kernels_avx2; break;
#endif
#if defined(DRAY_VEC)
    case DRAY_ISA_BASE: dray_k = &dray_kernels_base; break;
#endif
    default:
      dray_k = &dray_kernels_scalar;
      dray_isa_level = DRAY_ISA_SCALAR;
      break;
  }
}

/* Which level the kernels run: 0 scalar, 1 baseline vectors (SSE2, NEON), 2 AVX2, 3 AVX-512. */
DRAY_EXPORT uint32_t dray_isa(void) { return dray_isa_level; }

/* -- GF(2^8) products by tables: pq and pq-recover at the avx2 and avx512 levels -- */

/*
 * pq and pq-recover are both sums of products: o0 = sum c0[k] s[k] and o1 = sum c1[k] s[k] over
 * the inputs, with one pair of constants per input computed once per call (pq: 1 and 2^k;
 * pq-recover: dray_rec_coefficients). A product by a constant c is done by tables built at load
 * time: with GFNI, vgf2p8affineqb and the 8x8 bit matrix of "times c" (GFNI's own multiply,
 * vgf2p8mulb, uses the AES polynomial 0x11b, not RAID-6's 0x11d); without it, vpshufb on the two
 * nibbles of each byte (c * (hi << 4 | lo) = c * (hi << 4) ^ c * lo, two 16-entry tables).
 * Four kernels: AVX-512 or AVX2 registers, GFNI or nibble tables; the scalar and baseline levels
 * keep the doubling kernels above (dray_k->pqgen, rec2, mulxor).
 */
#if defined(DRAY_VEC_X86)
#include <immintrin.h>

#define DRAY_GF_MAX_IN 32u /* inputs of a sum: pq's data blocks, pq-recover's survivors */

static uint64_t dray_gf_mat[256];        /* the affine matrix of "times c" */
static uint8_t dray_gf_nib[256][32];     /* c * lo for lo < 16, then c * (hi << 4) for hi < 16 */

static void dray_gf_tables_init(void) {
  for (uint32_t c = 0; c < 256; c++) {
    uint64_t m = 0;
    for (uint32_t j = 0; j < 8; j++) {
      uint8_t col = dray_gf_mul((uint8_t)c, (uint8_t)(1u << j));
      /* Bit i of a product is the parity of row i with the input; row i is byte 7 - i. */
      for (uint32_t i = 0; i < 8; i++) {
        if ((col >> i) & 1u) m |= 1ull << (8 * (7 - i) + j);
      }
    }
    dray_gf_mat[c] = m;
    for (uint32_t v = 0; v < 16; v++) {
      dray_gf_nib[c][v] = dray_gf_mul((uint8_t)c, (uint8_t)v);
      dray_gf_nib[c][16 + v] = dray_gf_mul((uint8_t)c, (uint8_t)(v << 4));
    }
  }
}

/*
 * One kernel body over a register type V of W bytes: two vectors a step, the inputs' products
 * summed into four accumulators; a constant 1 is a plain xor and a constant 0 adds nothing.
 * VMUL(x, c) is the product of every byte of x by c, with the tables of the instantiation. The
 * last partial vector goes through zero-padded copies of the inputs (a byte loop there would cost
 * more than the vectors at 4 KiB); nothing is peeled: these kernels do much work per byte stored.
 */
#define DRAY_GFDOT_STEP(V, VXOR, VMUL, a, x) \
  do { \
    if (p == 1) { \
      a = VXOR(a, x); \
    } else if (p != 0) { \
      a = VXOR(a, VMUL(x, p)); \
    } \
  } while (0)
#define DRAY_GFDOT(SFX, ATTR, V, W, VZERO, VLD, VST, VXOR, VMUL) \
  ATTR static void dray_gfdot_##SFX(uint8_t *o0, uint8_t *o1, const uint8_t *const *s, \
                                    const uint8_t *c0, const uint8_t *c1, uint32_t n, \
                                    size_t len) { \
    size_t i = 0; \
    for (; i + 2 * (W) <= len; i += 2 * (W)) { \
      V a0 = VZERO, a1 = VZERO, b0 = VZERO, b1 = VZERO; \
      for (uint32_t k = 0; k < n; k++) { \
        V x = VLD(s[k] + i), y = VLD(s[k] + i + (W)); \
        uint8_t p = c0[k]; \
        DRAY_GFDOT_STEP(V, VXOR, VMUL, a0, x); \
        DRAY_GFDOT_STEP(V, VXOR, VMUL, a1, y); \
        p = c1[k]; \
        DRAY_GFDOT_STEP(V, VXOR, VMUL, b0, x); \
        DRAY_GFDOT_STEP(V, VXOR, VMUL, b1, y); \
      } \
      VST(o0 + i, a0); \
      VST(o0 + i + (W), a1); \
      VST(o1 + i, b0); \
      VST(o1 + i + (W), b1); \
    } \
    uint8_t pad[DRAY_GF_MAX_IN][W], out[2][W]; \
    while (i < len) { \
      size_t m = len - i < (W) ? len - i : (W); \
      V a = VZERO, b = VZERO; \
      for (uint32_t k = 0; k < n; k++) { \
        const uint8_t *from = s[k] + i; \
        if (m < (W)) { \
          memset(pad[k], 0, (W)); \
          memcpy(pad[k], from, m); \
          from = pad[k]; \
        } \
        V x = VLD(from); \
        uint8_t p = c0[k]; \
        DRAY_GFDOT_STEP(V, VXOR, VMUL, a, x); \
        p = c1[k]; \
        DRAY_GFDOT_STEP(V, VXOR, VMUL, b, x); \
      } \
      if (m == (W)) { \
        VST(o0 + i, a); \
        VST(o1 + i, b); \
      } else { \
        VST(out[0], a); \
        VST(out[1], b); \
        memcpy(o0 + i, out[0], m); \
        memcpy(o1 + i, out[1], m); \
      } \
      i += m; \
    } \
  }

/*
 * pq alone, by Horner's rule from the last block down (q = 2 q + s[k]), four vectors a step:
 * cheaper than the sums above, whose constant per input costs a table each. VDBL doubles every
 * byte (GFNI: the matrix of "times 2"; else add, and reduce the bytes whose top bit was set).
 */
#define DRAY_PQ(SFX, ATTR, V, W, VZERO, VLD, VST, VXOR, VDBL) \
  ATTR static void dray_pq_##SFX(uint8_t *pp, uint8_t *qq, const uint8_t *const *s, uint32_t n, \
                                 size_t len) { \
    size_t i = 0; \
    for (; i + 4 * (W) <= len; i += 4 * (W)) { \
      const uint8_t *t = s[n - 1] + i; \
      V p0 = VLD(t), p1 = VLD(t + (W)), p2 = VLD(t + 2 * (W)), p3 = VLD(t + 3 * (W)); \
      V q0 = p0, q1 = p1, q2 = p2, q3 = p3; \
      for (uint32_t k = n - 1; k-- > 0;) { \
        t = s[k] + i; \
        V x0 = VLD(t), x1 = VLD(t + (W)), x2 = VLD(t + 2 * (W)), x3 = VLD(t + 3 * (W)); \
        p0 = VXOR(p0, x0); \
        p1 = VXOR(p1, x1); \
        p2 = VXOR(p2, x2); \
        p3 = VXOR(p3, x3); \
        q0 = VXOR(VDBL(q0), x0); \
        q1 = VXOR(VDBL(q1), x1); \
        q2 = VXOR(VDBL(q2), x2); \
        q3 = VXOR(VDBL(q3), x3); \
      } \
      VST(pp + i, p0); \
      DRAY_STORE_ORDER(); \
      VST(pp + i + (W), p1); \
      DRAY_STORE_ORDER(); \
      VST(pp + i + 2 * (W), p2); \
      DRAY_STORE_ORDER(); \
      VST(pp + i + 3 * (W), p3); \
      DRAY_STORE_ORDER(); \
      VST(qq + i, q0); \
      DRAY_STORE_ORDER(); \
      VST(qq + i + (W), q1); \
      DRAY_STORE_ORDER(); \
      VST(qq + i + 2 * (W), q2); \
      DRAY_STORE_ORDER(); \
      VST(qq + i + 3 * (W), q3); \
    } \
    uint8_t pad[W], out[2][W]; \
    while (i < len) { \
      size_t m = len - i < (W) ? len - i : (W); \
      V p = VZERO, q = VZERO; \
      for (uint32_t k = n; k-- > 0;) { \
        const uint8_t *from = s[k] + i; \
        if (m < (W)) { \
          memset(pad, 0, (W)); \
          memcpy(pad, from, m); \
          from = pad; \
        } \
        V x = VLD(from); \
        p = VXOR(p, x); \
        q = VXOR(VDBL(q), x); \
      } \
      if (m == (W)) { \
        VST(pp + i, p); \
        VST(qq + i, q); \
      } else { \
        VST(out[0], p); \
        VST(out[1], q); \
        memcpy(pp + i, out[0], m); \
        memcpy(qq + i, out[1], m); \
      } \
      i += m; \
    } \
  }

#define DRAY_LD256(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define DRAY_ST256(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define DRAY_NIB256(c, at) \
  _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(dray_gf_nib[c] + (at))))
#define DRAY_MULNIB256(x, c) \
  _mm256_xor_si256( \
      _mm256_shuffle_epi8(DRAY_NIB256(c, 0), _mm256_and_si256((x), _mm256_set1_epi8(0x0f))), \
      _mm256_shuffle_epi8(DRAY_NIB256(c, 16), \
                          _mm256_and_si256(_mm256_srli_epi64((x), 4), _mm256_set1_epi8(0x0f))))
#define DRAY_MULGF256(x, c) _mm256_gf2p8affine_epi64_epi8((x), _mm256_set1_epi64x((long long)dray_gf_mat[c]), 0)

DRAY_GFDOT(nib256, __attribute__((target("avx2"))), __m256i, 32, _mm256_setzero_si256(),
           DRAY_LD256, DRAY_ST256, _mm256_xor_si256, DRAY_MULNIB256)
DRAY_GFDOT(gfni256, __attribute__((target("avx2,gfni"))), __m256i, 32, _mm256_setzero_si256(),
           DRAY_LD256, DRAY_ST256, _mm256_xor_si256, DRAY_MULGF256)
#define DRAY_DBLNIB256(x) \
  _mm256_xor_si256(_mm256_add_epi8((x), (x)), \
                   _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_setzero_si256(), (x)), \
                                    _mm256_set1_epi8(0x1d)))
#define DRAY_DBLGF256(x) DRAY_MULGF256((x), 2)
DRAY_PQ(nib256, __attribute__((target("avx2"))), __m256i, 32, _mm256_setzero_si256(), DRAY_LD256,
        DRAY_ST256, _mm256_xor_si256, DRAY_DBLNIB256)
DRAY_PQ(gfni256, __attribute__((target("avx2,gfni"))), __m256i, 32, _mm256_setzero_si256(),
        DRAY_LD256, DRAY_ST256, _mm256_xor_si256, DRAY_DBLGF256)

#if DRAY_ISA_MAX >= 3
#define DRAY_LD512(p) _mm512_loadu_si512((const void *)(p))
#define DRAY_ST512(p, v) _mm512_storeu_si512((void *)(p), (v))
#define DRAY_NIB512(c, at) \
  _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(dray_gf_nib[c] + (at))))
#define DRAY_MULNIB512(x, c) \
  _mm512_xor_si512( \
      _mm512_shuffle_epi8(DRAY_NIB512(c, 0), _mm512_and_si512((x), _mm512_set1_epi8(0x0f))), \
      _mm512_shuffle_epi8(DRAY_NIB512(c, 16), \
                          _mm512_and_si512(_mm512_srli_epi64((x), 4), _mm512_set1_epi8(0x0f))))
#define DRAY_MULGF512(x, c) _mm512_gf2p8affine_epi64_epi8((x), _mm512_set1_epi64((long long)dray_gf_mat[c]), 0)

DRAY_GFDOT(nib512, __attribute__((target("avx512f,avx512bw"))), __m512i, 64, _mm512_setzero_si512(),
           DRAY_LD512, DRAY_ST512, _mm512_xor_si512, DRAY_MULNIB512)
DRAY_GFDOT(gfni512, __attribute__((target("avx512f,avx512bw,gfni"))), __m512i, 64,
           _mm512_setzero_si512(), DRAY_LD512, DRAY_ST512, _mm512_xor_si512, DRAY_MULGF512)
#define DRAY_DBLNIB512(x) \
  _mm512_xor_si512(_mm512_add_epi8((x), (x)), \
                   _mm512_maskz_mov_epi8(_mm512_movepi8_mask(x), _mm512_set1_epi8(0x1d)))
#define DRAY_DBLGF512(x) DRAY_MULGF512((x), 2)
DRAY_PQ(nib512, __attribute__((target("avx512f,avx512bw"))), __m512i, 64, _mm512_setzero_si512(),
        DRAY_LD512, DRAY_ST512, _mm512_xor_si512, DRAY_DBLNIB512)
DRAY_PQ(gfni512, __attribute__((target("avx512f,avx512bw,gfni"))), __m512i, 64,
        _mm512_setzero_si512(), DRAY_LD512, DRAY_ST512, _mm512_xor_si512, DRAY_DBLGF512)
#endif
#endif /* DRAY_VEC_X86 */

typedef void (*dray_pq_fn)(uint8_t *p, uint8_t *q, const uint8_t *const *s, uint32_t n, size_t len);
/* The pq kernel of this level, or NULL where the doubling kernels serve. */
static dray_pq_fn dray_pq;
typedef void (*dray_gfdot_fn)(uint8_t *o0, uint8_t *o1, const uint8_t *const *s, const uint8_t *c0,
                              const uint8_t *c1, uint32_t n, size_t len);
/* The sum-of-products kernel of this level, or NULL where the doubling kernels serve. */
static dray_gfdot_fn dray_gfdot;

static void dray_gf_kernels_init(void) {
#if defined(DRAY_VEC_X86)
  dray_gf_tables_init();
  int gfni = (dray_isa_features & DRAY_F_GFNI) != 0;
  if (dray_isa_level == DRAY_ISA_AVX2) {
    dray_gfdot = gfni ? dray_gfdot_gfni256 : dray_gfdot_nib256;
    dray_pq = gfni ? dray_pq_gfni256 : dray_pq_nib256;
  }
#if DRAY_ISA_MAX >= 3
  if (dray_isa_level == DRAY_ISA_AVX512) {
    dray_gfdot = gfni ? dray_gfdot_gfni512 : dray_gfdot_nib512;
    dray_pq = gfni ? dray_pq_gfni512 : dray_pq_nib512;
  }
#endif
#endif
}

/*
 * The table kernels with their first output 64-byte aligned. They do not peel (see DRAY_GFDOT),
 * but V8 places a large ArrayBuffer 16 bytes past a 64-byte boundary, so a caller's views usually
 * share that misalignment, and then every 512-bit load and store of the kernels crosses a cache
 * line: about a quarter slower at 64 KiB (measured). From 512 bytes, the bytes before the first
 * output's boundary go first, through the kernels' own partial-vector path, and the rest from
 * the boundary; the inputs follow when they share the output's alignment.
 */
#define DRAY_GF_PEEL_MIN 512u
#define DRAY_GF_INPUTS 32u

/* Bytes before p's next 64-byte boundary (dray_peel, which only the vector builds have). */
static size_t dray_gf_head(const void *p) { return (64u - ((uintptr_t)p & 63u)) & 63u; }

static void dray_pq_run(uint8_t *p, uint8_t *q, const uint8_t *const *s, uint32_t n, size_t len) {
  size_t h = dray_gf_head(p);
  if (h == 0 || len < DRAY_GF_PEEL_MIN || n > DRAY_GF_INPUTS) {
    dray_pq(p, q, s, n, len);
    return;
  }
  const uint8_t *t[DRAY_GF_INPUTS];
  for (uint32_t k = 0; k < n; k++) t[k] = s[k] + h;
  dray_pq(p, q, s, n, h);
  dray_pq(p + h, q + h, t, n, len - h);
}

static void dray_gfdot_run(uint8_t *o0, uint8_t *o1, const uint8_t *const *s, const uint8_t *c0,
                           const uint8_t *c1, uint32_t n, size_t len) {
  size_t h = dray_gf_head(o0);
  if (h == 0 || len < DRAY_GF_PEEL_MIN || n > DRAY_GF_INPUTS) {
    dray_gfdot(o0, o1, s, c0, c1, n, len);
    return;
  }
  const uint8_t *t[DRAY_GF_INPUTS];
  for (uint32_t k = 0; k < n; k++) t[k] = s[k] + h;
  dray_gfdot(o0, o1, s, c0, c1, n, h);
  dray_gfdot(o0 + h, o1 + h, t, c0, c1, n, len - h);
}

/*
 * The constants of pq-recover for a stripe of n data blocks, P at n and Q at n + 1, with the
 * blocks at a < b lost: over the n survivors in order, o0 (block a) = sum c0[j] in[j] and o1
 * (block b) = sum c1[j] in[j]. With g = 2, P = sum D_k and Q = sum g^k D_k:
 *   P, Q lost:    P = sum D_k, Q = sum g^k D_k;
 *   Dx, P lost:   Dx = g^-x (Q + sum g^k D_k), P = Dx + sum D_k;
 *   Dx, Q lost:   Dx = P + sum D_k, Q = g^x Dx + sum g^k D_k;
 *   Dx, Dy lost:  with p = P + sum D_k = Dx + Dy and q = Q + sum g^k D_k = g^x Dx + g^y Dy,
 *                 Dx = A p + B q and Dy = p + Dx, A = g^(y-x) / (g^(y-x) + 1), B = g^-x / (g^(y-x) + 1),
 * the sums over the surviving data blocks, expanded into one constant per survivor.
 */
static void dray_rec_coefficients(uint32_t n, uint32_t a, uint32_t b, uint8_t *c0, uint8_t *c1) {
  uint8_t ga = dray_gf_pow2(a), gna = dray_gf_pow2_neg(a), ca = 0, cb = 0;
  if (b < n) {
    uint8_t den = dray_gf_pow2(b - a) ^ 1u;
    ca = dray_gf_div(dray_gf_pow2(b - a), den);
    cb = dray_gf_div(gna, den);
  }
  uint32_t j = 0;
  for (uint32_t pos = 0; pos < n + 2; pos++) {
    if (pos == a || pos == b) continue;
    uint8_t x0, x1;
    if (a == n) {
      x0 = 1;
      x1 = dray_gf_pow2(pos);
    } else if (b == n) {
      x0 = pos < n ? dray_gf_mul(dray_gf_pow2(pos), gna) : gna;
      x1 = pos < n ? x0 ^ 1u : gna;
    } else if (b == n + 1) {
      x0 = 1;
      x1 = pos < n ? dray_gf_pow2(pos) ^ ga : ga;
    } else {
      x0 = pos < n ? ca ^ dray_gf_mul(cb, dray_gf_pow2(pos)) : pos == n ? ca : cb;
      x1 = pos == n + 1 ? cb : x0 ^ 1u;
    }
    c0[j] = x0;
    c1[j] = x1;
    j++;
  }
}

/* -- xor -- */

static void dray_xor_chunk(uint8_t *d, const uint8_t *const *s, uint32_t n, size_t len) {
  dray_k->xor_(d, s, n, len);
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
  if (((uintptr_t)tab & (sizeof(uint32_t) - 1)) != 0) return DRAY_EFAULT; /* misaligned table */
  ptrs[0] = dst;
  caps[0] = dst_cap;
  for (uint32_t k = 0; k < n; k++) {
    ptrs[1 + k] = src[k];
    caps[1 + k] = src_cap[k];
  }
  /*
   * The common table, one pair of one length per side, without the private copy and the cursors:
   * each word is read once, into locals (which are then the copy), and the checks run in the
   * general path's order. Any other table takes the general path, which reads it afresh.
   */
  if (tab_words == 3 * (n + 1)) {
    uint32_t off[1 + DRAY_XOR_MAX];
    uint32_t len = tab[2];
    uint32_t s = 0;
    for (; s <= n; s++) {
      uint32_t count = tab[3 * s], o = tab[3 * s + 1], l = tab[3 * s + 2];
      if (count != 1 || l != len) break;
      off[s] = o;
    }
    if (s > n) {
      for (s = 0; s <= n; s++) {
        int code = dray_span_ok(ptrs[s], caps[s], off[s], len);
        if (code != DRAY_OK) return code;
      }
      if (len != 0) {
        for (uint32_t k = 0; k < n; k++) in[k] = src[k] + off[1 + k];
        dray_xor_chunk(dst + off[0], in, n, len);
      }
      return DRAY_OK;
    }
  }
  dray_tab_copy copy;
  int rc = dray_tab_take(&copy, tab, tab_words, (n + 1) * (1 + 2 * DRAY_IOV_MAX));
  if (rc == DRAY_OK) rc = dray_sides_parse(copy.words, copy.count, n + 1, ptrs, caps, cur, &remaining);
  if (rc != DRAY_OK) {
    dray_tab_release(&copy);
    return rc;
  }
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
  dray_tab_release(&copy);
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

/*
 * CRC-32C by folding (x86-64): carry-less multiplication folds the message into 128-bit lanes a
 * fixed distance ahead, so that the CRC of the whole message equals the CRC of one last 16-byte
 * lane, which the crc32 instruction then finishes. Two kernels: 128-bit PCLMULQDQ over four lanes
 * beside three crc32 streams (blocks of 13 KiB; the avx2 level), and 512-bit VPCLMULQDQ over
 * sixteen lanes (256 bytes a step; the avx512 level). Shorter buffers stay on the crc32
 * instruction, old CPUs on the tables.
 *
 * The math, for a reflected CRC: a 16-byte lane read little-endian is a 128-bit number whose bit j
 * is the coefficient of x^(127-j); its low half h and high half l make the polynomial h x^64 + l.
 * Moving the lane D bits further on multiplies it by x^D, and modulo P that is
 * h (x^(64+D) mod P) + l (x^D mod P), a polynomial of degree < 96 that is xored into the lane found
 * there. A carry-less product of two such bit-reflected halves comes out multiplied by x, so the
 * constants are x^(63+D) mod P and x^(D-1) mod P, reflected into the top half of a 64-bit word.
 * They are computed at load time (dray_crc_fold_init), not written down.
 */
#if defined(DRAY_CRC_HW_FN) && defined(__x86_64__) && DRAY_ISA_MAX >= 2
#define DRAY_CRC_FOLD 1
#include <immintrin.h>

/* 0: no folding, 1: the 128-bit kernel, 2: the 512-bit kernel too (chosen at load time). */
static uint32_t dray_crc_fold_level;

#define DRAY_CRC_FOLD512_MIN 256u /* the 512-bit kernel from here */

/* {x^(63+D) mod P, x^(D-1) mod P} reflected, for D = 128, 256, 384, 512 and 2048 bits. */
static uint64_t dray_crc_k128[2], dray_crc_k256[2], dray_crc_k384[2], dray_crc_k512[2];
static uint64_t dray_crc_k2048[2];

/* The mixed kernel's blocks (dray_crc_mixed): three crc32 streams, then a folded run. */
#define DRAY_CRC_MIX_STEPS 64u
#define DRAY_CRC_MIX_S (48u * DRAY_CRC_MIX_STEPS)             /* bytes per crc32 stream */
#define DRAY_CRC_MIX_F (64u * DRAY_CRC_MIX_STEPS)             /* folded bytes */
#define DRAY_CRC_MIX_BLOCK (3u * DRAY_CRC_MIX_S + DRAY_CRC_MIX_F) /* 13 KiB */
static uint32_t dray_crc_mix_s[4][256]; /* shift over DRAY_CRC_MIX_S zero bytes */
static uint32_t dray_crc_mix_f[4][256]; /* shift over DRAY_CRC_MIX_F zero bytes */

/*
 * The 512-bit kernel's mixed blocks (dray_crc_vmix, the avx512 level): three crc32 streams of
 * DRAY_CRC_VMIX_W bytes a step beside 256 folded bytes a step, in blocks of 12 steps (3648 bytes)
 * and, for long buffers, 40 (12160 bytes, fewer joins). 16 bytes a stream measured best on AMD
 * Zen 4 (CRC-32C at 64 KiB and 1 MiB, GB/s against ISA-L's crc32_iscsi in one C loop: 8 bytes
 * 1.06, 16 bytes 1.12-1.14, 24 1.09, 32 1.05, 40 1.03, 64 0.88; 4 KiB unchanged, 0.97-1.0).
 */
#if !defined(DRAY_CRC_VMIX_W)
#define DRAY_CRC_VMIX_W 16u /* bytes per crc32 stream and step */
#endif
#define DRAY_CRC_VMIX_BLOCK(steps) (3u * DRAY_CRC_VMIX_W * (steps) + 256u * (steps))
/*
 * The mixed kernel from 8 KiB: below, its joins cost more than the streams give (a 4 KiB CRC-32C
 * through FFI: 100-104 ns mixed, 96-98 folded alone; from C the two were level).
 */
#define DRAY_CRC_VMIX_MIN 8192u
static uint32_t dray_crc_vmix_s12[4][256], dray_crc_vmix_f12[4][256];
static uint32_t dray_crc_vmix_s40[4][256], dray_crc_vmix_f40[4][256];

/* x^n mod P in the usual bit order (bit i is the coefficient of x^i), P = 0x11edc6f41. */
static uint32_t dray_crc_xpow(uint32_t n) {
  uint64_t r = 1;
  while (n-- > 0) {
    r <<= 1;
    if (r & 0x100000000ull) r ^= 0x11edc6f41ull;
  }
  return (uint32_t)r;
}

/* A polynomial of degree < 32 as the top half of a bit-reflected 64-bit word. */
static uint64_t dray_crc_reflect_hi(uint32_t v) {
  uint64_t out = 0;
  for (uint32_t i = 0; i < 32; i++) {
    if ((v >> i) & 1u) out |= 1ull << (63 - i);
  }
  return out;
}

static void dray_crc_fold_const(uint64_t k[2], uint32_t d) {
  k[0] = dray_crc_reflect_hi(dray_crc_xpow(63 + d));
  k[1] = dray_crc_reflect_hi(dray_crc_xpow(d - 1));
}

static void dray_crc_fold_init(void) {
  dray_crc_fold_const(dray_crc_k128, 128);
  dray_crc_fold_const(dray_crc_k256, 256);
  dray_crc_fold_const(dray_crc_k384, 384);
  dray_crc_fold_const(dray_crc_k512, 512);
  dray_crc_fold_const(dray_crc_k2048, 2048);
  dray_crc_shift_init(dray_crc_mix_s, DRAY_CRC_MIX_S);
  dray_crc_shift_init(dray_crc_mix_f, DRAY_CRC_MIX_F);
  dray_crc_shift_init(dray_crc_vmix_s12, DRAY_CRC_VMIX_W * 12u);
  dray_crc_shift_init(dray_crc_vmix_f12, 256u * 12u);
  dray_crc_shift_init(dray_crc_vmix_s40, DRAY_CRC_VMIX_W * 40u);
  dray_crc_shift_init(dray_crc_vmix_f40, 256u * 40u);
}

#define DRAY_CLMUL_ATTR __attribute__((target("avx,pclmul,sse4.2")))

/* The lane x moved by the distance of k, before the lane found there is xored in. */
DRAY_CLMUL_ATTR static inline __m128i dray_fold16(__m128i x, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

DRAY_CLMUL_ATTR static inline __m128i dray_kvec(const uint64_t k[2]) {
  return _mm_set_epi64x((long long)k[1], (long long)k[0]);
}

/* Three crc32 streams, each over its next n bytes (a multiple of 8) from a, b and c. */
DRAY_CLMUL_ATTR static inline void dray_crc3(uint32_t *x, uint32_t *y, uint32_t *z, const uint8_t *a,
                                             const uint8_t *b, const uint8_t *c, uint32_t n) {
  uint32_t c0 = *x, c1 = *y, c2 = *z;
  for (uint32_t j = 0; j < n; j += 8) {
    uint64_t w0, w1, w2;
    memcpy(&w0, a + j, 8);
    memcpy(&w1, b + j, 8);
    memcpy(&w2, c + j, 8);
    c0 = (uint32_t)_mm_crc32_u64(c0, w0);
    c1 = (uint32_t)_mm_crc32_u64(c1, w1);
    c2 = (uint32_t)_mm_crc32_u64(c2, w2);
  }
  *x = c0;
  *y = c1;
  *z = c2;
}

/*
 * The 128-bit kernel, beside the crc32 instruction: PCLMULQDQ folding alone runs no faster than the
 * crc32 instruction's three streams (on AMD Zen 4 at half their speed: 4 lanes, 64 bytes a step,
 * measured 14 GB/s against 26), but the two use different units. Each block of DRAY_CRC_MIX_BLOCK
 * bytes is cut into three crc32 streams of DRAY_CRC_MIX_S bytes and a folded run of
 * DRAY_CRC_MIX_F bytes after them (four lanes), all advanced in one loop (6 x 8 bytes of each
 * stream, then 64 folded bytes), and joined by shifting each register over what follows it.
 * Shorter buffers and the rest of a long one go to the crc32 instruction alone.
 */

DRAY_CLMUL_ATTR static uint32_t dray_crc_mixed(uint32_t crc, const uint8_t *p, size_t len) {
  __m128i k = dray_kvec(dray_crc_k512);
  while (len >= DRAY_CRC_MIX_BLOCK) {
    const uint8_t *a = p, *b = p + DRAY_CRC_MIX_S, *c = p + 2 * DRAY_CRC_MIX_S;
    const __m128i *v = (const __m128i *)(const void *)(p + 3 * DRAY_CRC_MIX_S);
    __m128i x0 = _mm_loadu_si128(v), x1 = _mm_loadu_si128(v + 1);
    __m128i x2 = _mm_loadu_si128(v + 2), x3 = _mm_loadu_si128(v + 3);
    uint32_t c1 = 0, c2 = 0;
    for (uint32_t step = 0; step < DRAY_CRC_MIX_STEPS; step++) {
      dray_crc3(&crc, &c1, &c2, a, b, c, 48);
      a += 48;
      b += 48;
      c += 48;
      if (step + 1 < DRAY_CRC_MIX_STEPS) {
        v += 4;
        x0 = _mm_xor_si128(dray_fold16(x0, k), _mm_loadu_si128(v));
        x1 = _mm_xor_si128(dray_fold16(x1, k), _mm_loadu_si128(v + 1));
        x2 = _mm_xor_si128(dray_fold16(x2, k), _mm_loadu_si128(v + 2));
        x3 = _mm_xor_si128(dray_fold16(x3, k), _mm_loadu_si128(v + 3));
      }
    }
    __m128i x = _mm_xor_si128(x3, dray_fold16(x2, dray_kvec(dray_crc_k128)));
    x = _mm_xor_si128(x, dray_fold16(x1, dray_kvec(dray_crc_k256)));
    x = _mm_xor_si128(x, dray_fold16(x0, dray_kvec(dray_crc_k384)));
    uint32_t cf = (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(x));
    cf = (uint32_t)_mm_crc32_u64(cf, (uint64_t)_mm_extract_epi64(x, 1));
    crc = dray_crc_shift(dray_crc_mix_s, crc) ^ c1;
    crc = dray_crc_shift(dray_crc_mix_s, crc) ^ c2;
    crc = dray_crc_shift(dray_crc_mix_f, crc) ^ cf;
    p += DRAY_CRC_MIX_BLOCK;
    len -= DRAY_CRC_MIX_BLOCK;
  }
  return DRAY_CRC_HW_FN(crc, p, len);
}

#if DRAY_ISA_MAX >= 3
#define DRAY_VCLMUL_ATTR \
  __attribute__((target("avx512f,avx512bw,avx512vl,vpclmulqdq,pclmul,sse4.2")))

/* Folds the 16-byte lanes from p into x until fewer than 16 bytes are left, then finishes. */
DRAY_CLMUL_ATTR static uint32_t dray_crc_fold_tail(__m128i x, const uint8_t *p, size_t len) {
  __m128i k = dray_kvec(dray_crc_k128);
  while (len >= 16) {
    x = _mm_xor_si128(dray_fold16(x, k), _mm_loadu_si128((const __m128i *)(const void *)p));
    p += 16;
    len -= 16;
  }
  uint32_t crc = (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(x));
  crc = (uint32_t)_mm_crc32_u64(crc, (uint64_t)_mm_extract_epi64(x, 1));
  return DRAY_CRC_HW_FN(crc, p, len);
}

/* Four 128-bit lanes of z, each moved by the distance of k, then xored with d (vpternlogq). */
DRAY_VCLMUL_ATTR static inline __m512i dray_fold64(__m512i z, __m512i k, __m512i d) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(z, k, 0x00),
                                   _mm512_clmulepi64_epi128(z, k, 0x11), d, 0x96);
}

DRAY_VCLMUL_ATTR static inline __m512i dray_kvec512(const uint64_t k[2]) {
  return _mm512_broadcast_i32x4(_mm_set_epi64x((long long)k[1], (long long)k[0]));
}

/* The 512-bit kernel: sixteen lanes in four registers, 256 bytes a step; len >= 256. */
DRAY_VCLMUL_ATTR static uint32_t dray_crc_vpclmul(uint32_t crc, const uint8_t *p, size_t len) {
  __m512i z0 = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_castsi128_si512(
                                                          _mm_cvtsi32_si128((int)crc)));
  __m512i z1 = _mm512_loadu_si512(p + 64), z2 = _mm512_loadu_si512(p + 128);
  __m512i z3 = _mm512_loadu_si512(p + 192);
  p += 256;
  len -= 256;
  __m512i k = dray_kvec512(dray_crc_k2048);
  while (len >= 256) {
    z0 = dray_fold64(z0, k, _mm512_loadu_si512(p));
    z1 = dray_fold64(z1, k, _mm512_loadu_si512(p + 64));
    z2 = dray_fold64(z2, k, _mm512_loadu_si512(p + 128));
    z3 = dray_fold64(z3, k, _mm512_loadu_si512(p + 192));
    p += 256;
    len -= 256;
  }
  k = dray_kvec512(dray_crc_k512);
  z1 = dray_fold64(z0, k, z1);
  z2 = dray_fold64(z1, k, z2);
  z3 = dray_fold64(z2, k, z3);
  while (len >= 64) {
    z3 = dray_fold64(z3, k, _mm512_loadu_si512(p));
    p += 64;
    len -= 64;
  }
  __m128i x = _mm512_extracti32x4_epi32(z3, 3);
  x = _mm_xor_si128(x, dray_fold16(_mm512_extracti32x4_epi32(z3, 2), dray_kvec(dray_crc_k128)));
  x = _mm_xor_si128(x, dray_fold16(_mm512_extracti32x4_epi32(z3, 1), dray_kvec(dray_crc_k256)));
  x = _mm_xor_si128(x, dray_fold16(_mm512_castsi512_si128(z3), dray_kvec(dray_crc_k384)));
  return dray_crc_fold_tail(x, p, len);
}

/*
 * The 512-bit kernel beside the crc32 instruction, as dray_crc_mixed does at the avx2 level: on
 * AMD Zen 4 VPCLMULQDQ folds about 16 bytes a cycle, and three crc32 streams add some more (less
 * than their own 8 a cycle: the two share the core's issue). A block of `steps` steps is three
 * streams of DRAY_CRC_VMIX_W * steps bytes, then 256 * steps folded bytes (four registers); each
 * step advances every stream by DRAY_CRC_VMIX_W bytes and the fold by 256; the four parts are
 * joined by shifting each register over the bytes after it (tables s over one stream, f over the
 * folded run). What is left goes to dray_crc_vpclmul.
 */
DRAY_VCLMUL_ATTR static inline uint32_t dray_crc_vmix_block(uint32_t crc, const uint8_t *p,
                                                          uint32_t steps,
                                                          uint32_t s[4][256],
                                                          uint32_t f[4][256]) {
  const uint32_t stream = DRAY_CRC_VMIX_W * steps;
  const uint8_t *a = p, *b = p + stream, *c = p + 2 * stream, *v = p + 3 * stream;
  __m512i z0 = _mm512_loadu_si512(v), z1 = _mm512_loadu_si512(v + 64);
  __m512i z2 = _mm512_loadu_si512(v + 128), z3 = _mm512_loadu_si512(v + 192);
  __m512i k = dray_kvec512(dray_crc_k2048);
  uint32_t c1 = 0, c2 = 0;
  for (uint32_t step = 0; step < steps; step++) {
    dray_crc3(&crc, &c1, &c2, a, b, c, DRAY_CRC_VMIX_W);
    a += DRAY_CRC_VMIX_W;
    b += DRAY_CRC_VMIX_W;
    c += DRAY_CRC_VMIX_W;
    if (step + 1 < steps) {
      v += 256;
      z0 = dray_fold64(z0, k, _mm512_loadu_si512(v));
      z1 = dray_fold64(z1, k, _mm512_loadu_si512(v + 64));
      z2 = dray_fold64(z2, k, _mm512_loadu_si512(v + 128));
      z3 = dray_fold64(z3, k, _mm512_loadu_si512(v + 192));
    }
  }
  k = dray_kvec512(dray_crc_k512);
  z1 = dray_fold64(z0, k, z1);
  z2 = dray_fold64(z1, k, z2);
  z3 = dray_fold64(z2, k, z3);
  __m128i x = _mm512_extracti32x4_epi32(z3, 3);
  x = _mm_xor_si128(x, dray_fold16(_mm512_extracti32x4_epi32(z3, 2), dray_kvec(dray_crc_k128)));
  x = _mm_xor_si128(x, dray_fold16(_mm512_extracti32x4_epi32(z3, 1), dray_kvec(dray_crc_k256)));
  x = _mm_xor_si128(x, dray_fold16(_mm512_castsi512_si128(z3), dray_kvec(dray_crc_k384)));
  uint32_t cf = (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(x));
  cf = (uint32_t)_mm_crc32_u64(cf, (uint64_t)_mm_extract_epi64(x, 1));
  crc = dray_crc_shift(s, crc) ^ c1;
  crc = dray_crc_shift(s, crc) ^ c2;
  return dray_crc_shift(f, crc) ^ cf;
}

DRAY_VCLMUL_ATTR static uint32_t dray_crc_vmix(uint32_t crc, const uint8_t *p, size_t len) {
  while (len >= DRAY_CRC_VMIX_BLOCK(40u)) {
    crc = dray_crc_vmix_block(crc, p, 40u, dray_crc_vmix_s40, dray_crc_vmix_f40);
    p += DRAY_CRC_VMIX_BLOCK(40u);
    len -= DRAY_CRC_VMIX_BLOCK(40u);
  }
  while (len >= DRAY_CRC_VMIX_BLOCK(12u)) {
    crc = dray_crc_vmix_block(crc, p, 12u, dray_crc_vmix_s12, dray_crc_vmix_f12);
    p += DRAY_CRC_VMIX_BLOCK(12u);
    len -= DRAY_CRC_VMIX_BLOCK(12u);
  }
  return len >= DRAY_CRC_FOLD512_MIN ? dray_crc_vpclmul(crc, p, len) : DRAY_CRC_HW_FN(crc, p, len);
}
#endif
#endif /* DRAY_CRC_FOLD */

/* Builds the CRC tables and picks the implementation. */
static void dray_crc_init(void) {
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

/* Builds every table and picks the implementations once, when the library is loaded. */
__attribute__((constructor)) static void dray_dmover_init(void) {
  dray_crc_init();
  dray_gf_init();
  dray_isa_init();
  dray_gf_kernels_init();
  if (DRAY_ISA_MAX == 0 || dray_isa_requested() == DRAY_ISA_SCALAR) dray_crc_impl = DRAY_CRC_TABLE;
#if defined(DRAY_CRC_FOLD)
  /* Folding finishes with the crc32 instruction: it needs that as well as the multiplier. */
  dray_crc_fold_init();
  if (dray_crc_impl == DRAY_CRC_SSE42 && dray_isa_level >= DRAY_ISA_AVX2 &&
      (dray_isa_features & DRAY_F_PCLMUL)) {
    dray_crc_fold_level = 1;
    if (dray_isa_level >= DRAY_ISA_AVX512 && (dray_isa_features & DRAY_F_VPCLMUL)) {
      dray_crc_fold_level = 2;
    }
  }
#endif
}

static uint32_t dray_crc_update(uint32_t crc, const uint8_t *p, size_t len) {
#if defined(DRAY_CRC_FOLD)
#if DRAY_ISA_MAX >= 3
  if (dray_crc_fold_level == 2 && len >= DRAY_CRC_VMIX_MIN) return dray_crc_vmix(crc, p, len);
  if (dray_crc_fold_level == 2 && len >= DRAY_CRC_FOLD512_MIN) return dray_crc_vpclmul(crc, p, len);
#endif
  if (dray_crc_fold_level >= 1 && len >= DRAY_CRC_MIX_BLOCK) return dray_crc_mixed(crc, p, len);
#endif
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
  if (((uintptr_t)tab & (sizeof(uint32_t) - 1)) != 0) return DRAY_EFAULT; /* misaligned table */
  if (tab_words < 1) return DRAY_EIOV;
  /* Walked from a private copy, as every other entry point: the pairs checked are the pairs read. */
  dray_tab_copy copy;
  int rc = dray_tab_take(&copy, tab, tab_words, 2 + 2 * DRAY_IOV_MAX);
  if (rc == DRAY_OK) rc = dray_sides_parse(copy.words + 1, copy.count - 1, 1, ptrs, caps, &cur, &total);
  if (rc != DRAY_OK) {
    dray_tab_release(&copy);
    return rc;
  }
  uint32_t crc = ~copy.words[0];
  for (uint32_t i = 0; i < cur.count; i++) {
    uint32_t len = cur.pairs[2 * i + 1];
    if (len != 0) crc = dray_crc_update(crc, src + cur.pairs[2 * i], len);
  }
  dray_tab_release(&copy);
  tab[0] = ~crc;
  return DRAY_OK;
}

/*
 * CRC-32C of src[off, off + len), continuing seed (as dray_crc32c): the common one-span case
 * without a table, so that a call costs one buffer parameter and no table copy. Returns the CRC
 * (0 to 2^32 - 1) as a double, or a negative code (DRAY_ERANGE, DRAY_EFAULT) for a span outside
 * the buffer: a double carries both exactly, and FFI returns it on its fast path.
 */
DRAY_EXPORT double dray_crc32c_span(const uint8_t *src, uint32_t src_cap, uint32_t off,
                                    uint32_t len, uint32_t seed) {
  int rc = dray_span_ok(src, src_cap, off, len);
  if (rc != DRAY_OK) return (double)rc;
  if (len == 0) return (double)seed;
  return (double)(uint32_t)~dray_crc_update(~seed, src + off, len);
}

/* -- the generic entry point: every function over up to 34 sides in up to 12 memories -- */

/*
 * dray_op4 and dray_op12 run one operation described by a table of uint32_t words over buffers
 * ("memories") passed with their capacities, 4 or 12 of them (two signatures, because each
 * buffer parameter costs an FFI call time even when it is empty):
 *
 *   [0] op   [1] outputs   [2] inputs   [3..6] arguments   [7..8] results (written)
 *   then for each side, the outputs first: memory index, count (1..1024), count (offset, length)
 *
 * The table must be 4-byte aligned. It is copied first (dray_tab_take), then each pair is checked
 * against its memory's capacity and every side must have the same total before a byte is read or
 * written; the op runs from the copy, so the table may even lie in one of the memories. Results:
 * CRCs in [7]; the offsets of compare, compare-pattern and xor-check as a 64-bit number in [7]
 * (low) and [8] (high), all ones when nothing differs. Sides may share a memory; overlapping sides
 * give unspecified bytes (the TypeScript side refuses them) but never an access outside the
 * memories. Return codes: 0, DRAY_EFAULT (a NULL table with words, a misaligned table, a NULL
 * memory with a capacity), DRAY_ERANGE (a pair outside its memory), DRAY_EIOV (a table cut short,
 * a count outside 1..1024, unequal totals), DRAY_EARG (below), DRAY_ENOMEM.
 */

#define DRAY_EARG (-4) /* an unknown op, a wrong number of sides, an argument out of range */

#define DRAY_OP_COPY 0u          /* 1 output, 1 input: memmove chunk by chunk */
#define DRAY_OP_FILL 1u          /* 1 output: every byte = arg0 (0..255) */
#define DRAY_OP_XOR 2u           /* 1 output, 2..32 inputs */
#define DRAY_OP_CRC32C 3u        /* 1 input: CRC-32C seeded with arg0, into res0 */
#define DRAY_OP_COMPARE 4u       /* 2 inputs: first differing offset */
#define DRAY_OP_COMPARE_PAT 5u   /* 1 input against the 8 bytes of arg0, arg1 (little-endian) */
#define DRAY_OP_COPY_CRC32C 6u   /* 1 output, 1 input: copy, and the input's CRC-32C into res0 */
#define DRAY_OP_DUALCAST 7u      /* 2 outputs, 1 input */
#define DRAY_OP_XOR_CHECK 8u     /* 2..32 inputs: first offset whose xor is not 0 */
#define DRAY_OP_PQ 9u            /* 2 outputs (P, Q), 2..32 data inputs */
#define DRAY_OP_PQ_RECOVER 10u   /* 2 outputs, n = 2..32 surviving inputs; arg0, arg1: lost mask */
#define DRAY_OP_COUNT 11u

#define DRAY_OP_HEADER 9u
#define DRAY_OP_MAX_IN 32u
#define DRAY_OP_MAX_SIDES 34u
#define DRAY_REC_BLOCK 8192u  /* bytes per step of pq-recover, so that its passes stay in cache */
#define DRAY_COPY_BLOCK 24576u /* bytes per step of copy-crc32c and dualcast: one CRC long block */

typedef struct {
  uint32_t mem;
  dray_cursor c;
} dray_side;

static int dray_op_shape(uint32_t op, uint32_t nout, uint32_t nin, const uint32_t *arg) {
  switch (op) {
    case DRAY_OP_COPY:
    case DRAY_OP_COPY_CRC32C: return nout == 1 && nin == 1;
    case DRAY_OP_FILL: return nout == 1 && nin == 0 && arg[0] <= 255u;
    case DRAY_OP_XOR: return nout == 1 && nin >= 2 && nin <= DRAY_OP_MAX_IN;
    case DRAY_OP_CRC32C:
    case DRAY_OP_COMPARE_PAT: return nout == 0 && nin == 1;
    case DRAY_OP_COMPARE: return nout == 0 && nin == 2;
    case DRAY_OP_DUALCAST: return nout == 2 && nin == 1;
    case DRAY_OP_XOR_CHECK: return nout == 0 && nin >= 2 && nin <= DRAY_OP_MAX_IN;
    case DRAY_OP_PQ: return nout == 2 && nin >= 2 && nin <= DRAY_OP_MAX_IN;
    case DRAY_OP_PQ_RECOVER: {
      if (nout != 2 || nin < 2 || nin > DRAY_OP_MAX_IN) return 0;
      /* Exactly two of the n + 2 positions (n data, then P, then Q) are lost. */
      uint64_t mask = (uint64_t)arg[0] | (uint64_t)arg[1] << 32;
      if (mask >> (nin + 2) != 0) return 0;
      uint32_t bits = 0;
      for (uint64_t m = mask; m != 0; m &= m - 1) bits++;
      return bits == 2;
    }
    default: return 0;
  }
}

/* Parses the sides after the header; checks every pair against its memory. */
static int dray_op_parse(const uint32_t *tab, uint32_t words, uint32_t nsides,
                         uint8_t *const *mem, const uint32_t *cap, uint32_t nmem, dray_side *side,
                         uint64_t *total) {
  uint32_t at = 0;
  uint64_t first = 0;
  for (uint32_t s = 0; s < nsides; s++) {
    if (words - at < 2) return DRAY_EIOV;
    uint32_t m = tab[at++];
    uint32_t count = tab[at++];
    if (m >= nmem) return DRAY_EARG;
    if (count == 0 || count > DRAY_IOV_MAX || count > (words - at) / 2) return DRAY_EIOV;
    const uint32_t *pairs = tab + at;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < count; i++) {
      int rc = dray_span_ok(mem[m], cap[m], pairs[2 * i], pairs[2 * i + 1]);
      if (rc != DRAY_OK) return rc;
      sum += pairs[2 * i + 1];
    }
    if (s == 0) {
      first = sum;
    } else if (sum != first) {
      return DRAY_EIOV;
    }
    side[s].mem = m;
    side[s].c.pairs = pairs;
    side[s].c.count = count;
    side[s].c.index = 0;
    side[s].c.offset = pairs[0];
    side[s].c.left = pairs[1];
    at += 2 * count;
  }
  *total = first;
  return DRAY_OK;
}

/* State carried from chunk to chunk. */
typedef struct {
  uint32_t op;
  uint32_t nout;
  uint32_t nin;
  uint32_t crc;       /* the CRC register (inverted) */
  uint64_t done;      /* bytes before this chunk */
  uint64_t found;     /* the offset of compare, compare-pattern, xor-check; UINT64_MAX = none */
  uint8_t pat[8];     /* compare-pattern's pattern, for offset 0 */
  uint8_t fill;
  /* pq-recover */
  uint32_t lost_a, lost_b; /* positions, lost_a < lost_b */
  uint8_t ca, cb;          /* the constants of the case */
  /* pq and pq-recover by dray_gfdot: the constants of each input, for the two outputs */
  uint8_t c0[DRAY_OP_MAX_IN], c1[DRAY_OP_MAX_IN];
} dray_op_state;

/*
 * pq-recover over one chunk: o[0], o[1] receive the blocks at positions lost_a < lost_b of the
 * stripe (n data blocks, then P at n, then Q at n + 1); in[] are the n survivors in order.
 */
static void dray_op_recover(const dray_op_state *st, uint8_t *const *o, const uint8_t *const *in,
                            size_t len) {
  uint32_t n = st->nin;
  const uint8_t *data[DRAY_OP_MAX_IN];
  const uint8_t *pp = NULL, *qq = NULL;
  uint32_t j = 0;
  for (uint32_t pos = 0; pos < n + 2; pos++) {
    const uint8_t *src = (pos == st->lost_a || pos == st->lost_b) ? NULL : in[j++];
    if (pos < n) {
      data[pos] = src;
    } else if (pos == n) {
      pp = src;
    } else {
      qq = src;
    }
  }
  uint32_t x = st->lost_a;
  for (size_t at = 0; at < len; at += DRAY_REC_BLOCK) {
    size_t b = len - at < DRAY_REC_BLOCK ? len - at : DRAY_REC_BLOCK;
    uint8_t *o0 = o[0] + at, *o1 = o[1] + at;
    const uint8_t *d[DRAY_OP_MAX_IN];
    for (uint32_t k = 0; k < n; k++) d[k] = data[k] == NULL ? NULL : data[k] + at;
    if (x == n) {
      /* P and Q: recompute both. */
      dray_k->pqgen(o0, o1, d, n, b);
    } else if (st->lost_b == n) {
      /* Dx and P: Dx = 2^-x (Q ^ Qx), P = Px ^ Dx, Px and Qx over the other blocks. */
      dray_k->pqgen(o1, o0, d, n, b);
      dray_k->mulxor(o0, qq + at, o0, st->ca, b);
      const uint8_t *pair[2] = {o1, o0};
      dray_k->xor_(o1, pair, 2, b);
    } else if (st->lost_b == n + 1) {
      /* Dx and Q: Dx = P ^ the other blocks, then Q over every block. */
      const uint8_t *srcs[DRAY_OP_MAX_IN + 1];
      uint32_t m = 0;
      srcs[m++] = pp + at;
      for (uint32_t k = 0; k < n; k++) {
        if (d[k] != NULL) srcs[m++] = d[k];
      }
      if (m == 1) {
        memmove(o0, pp + at, b);
      } else {
        dray_k->xor_(o0, srcs, m, b);
      }
      d[x] = o0;
      dray_k->pqgen(NULL, o1, d, n, b);
    } else {
      /* Two data blocks. */
      dray_k->pqgen(o0, o1, d, n, b);
      dray_k->rec2(o0, o1, pp + at, qq + at, st->ca, st->cb, b);
    }
  }
}

/* Runs the op over one chunk in which every side is contiguous; 0 to go on, 1 when found. */
static int dray_op_chunk(dray_op_state *st, uint8_t *const *o, const uint8_t *const *in,
                         size_t len) {
  size_t r;
  switch (st->op) {
    case DRAY_OP_COPY: memmove(o[0], in[0], len); return 0;
    case DRAY_OP_FILL: memset(o[0], st->fill, len); return 0;
    case DRAY_OP_XOR: dray_k->xor_(o[0], in, st->nin, len); return 0;
    case DRAY_OP_CRC32C: st->crc = dray_crc_update(st->crc, in[0], len); return 0;
    case DRAY_OP_COMPARE: r = dray_k->cmp(in[0], in[1], len); break;
    case DRAY_OP_COMPARE_PAT: {
      uint8_t pat[8];
      for (uint32_t j = 0; j < 8; j++) pat[j] = st->pat[(st->done + j) & 7u];
      r = dray_k->cmppat(in[0], pat, len);
      break;
    }
    case DRAY_OP_COPY_CRC32C:
      for (size_t at = 0; at < len; at += DRAY_COPY_BLOCK) {
        size_t b = len - at < DRAY_COPY_BLOCK ? len - at : DRAY_COPY_BLOCK;
        memmove(o[0] + at, in[0] + at, b);
        st->crc = dray_crc_update(st->crc, o[0] + at, b);
      }
      return 0;
    case DRAY_OP_DUALCAST:
      for (size_t at = 0; at < len; at += DRAY_COPY_BLOCK) {
        size_t b = len - at < DRAY_COPY_BLOCK ? len - at : DRAY_COPY_BLOCK;
        memmove(o[0] + at, in[0] + at, b);
        memmove(o[1] + at, in[0] + at, b);
      }
      return 0;
    case DRAY_OP_XOR_CHECK: r = dray_k->xorchk(in, st->nin, len); break;
    case DRAY_OP_PQ:
      if (dray_pq != NULL) {
        dray_pq_run(o[0], o[1], in, st->nin, len);
      } else {
        dray_k->pqgen(o[0], o[1], in, st->nin, len);
      }
      return 0;
    default:
      if (dray_gfdot != NULL) {
        dray_gfdot_run(o[0], o[1], in, st->c0, st->c1, st->nin, len);
      } else {
        dray_op_recover(st, o, in, len);
      }
      return 0;
  }
  if (r < len) {
    st->found = st->done + r;
    return 1;
  }
  return 0;
}

/* Sets up the state of an op whose op, nout and nin are set and whose shape was checked. */
static void dray_op_start(dray_op_state *st, const uint32_t *arg) {
  st->crc = ~arg[0];
  st->fill = (uint8_t)arg[0];
  st->found = UINT64_MAX;
  for (uint32_t j = 0; j < 4; j++) {
    st->pat[j] = (uint8_t)(arg[0] >> (8 * j));
    st->pat[4 + j] = (uint8_t)(arg[1] >> (8 * j));
  }
  if (st->op == DRAY_OP_PQ_RECOVER) {
    uint64_t mask = (uint64_t)arg[0] | (uint64_t)arg[1] << 32;
    uint32_t pos = 0;
    while (!((mask >> pos) & 1u)) pos++;
    st->lost_a = pos++;
    while (!((mask >> pos) & 1u)) pos++;
    st->lost_b = pos;
    uint32_t n = st->nin;
    if (st->lost_b < n) {
      uint8_t gyx = dray_gf_pow2(st->lost_b - st->lost_a);
      uint8_t den = gyx ^ 1u;
      st->ca = dray_gf_div(gyx, den);
      st->cb = dray_gf_div(dray_gf_pow2_neg(st->lost_a), den);
    } else if (st->lost_b == n && st->lost_a < n) {
      st->ca = dray_gf_pow2_neg(st->lost_a);
    }
    dray_rec_coefficients(n, st->lost_a, st->lost_b, st->c0, st->c1);
  }
}

/* Runs an op from the private copy of its table; only the result words of tab are written. */
static int32_t dray_op_copied(uint32_t *tab, const uint32_t *copy, uint32_t words,
                              uint8_t *const *mem, const uint32_t *cap, uint32_t nmem) {
  dray_op_state st;
  memset(&st, 0, sizeof st);
  st.op = copy[0];
  st.nout = copy[1];
  st.nin = copy[2];
  const uint32_t *arg = copy + 3;
  if (st.op >= DRAY_OP_COUNT || st.nout > 2 || st.nin > DRAY_OP_MAX_IN ||
      !dray_op_shape(st.op, st.nout, st.nin, arg)) {
    return DRAY_EARG;
  }
  uint32_t nsides = st.nout + st.nin;
  dray_side side[DRAY_OP_MAX_SIDES];
  uint64_t remaining;
  int rc = dray_op_parse(copy + DRAY_OP_HEADER, words - DRAY_OP_HEADER, nsides, mem, cap, nmem,
                         side, &remaining);
  if (rc != DRAY_OK) return rc;

  dray_op_start(&st, arg);

  uint8_t *o[2] = {NULL, NULL};
  const uint8_t *in[DRAY_OP_MAX_IN];
  while (remaining > 0) {
    uint32_t len = UINT32_MAX;
    for (uint32_t s = 0; s < nsides; s++) {
      dray_cursor_skip(&side[s].c);
      if (side[s].c.left < len) len = side[s].c.left;
    }
    for (uint32_t s = 0; s < nsides; s++) {
      uint8_t *p = mem[side[s].mem] + side[s].c.offset;
      if (s < st.nout) {
        o[s] = p;
      } else {
        in[s - st.nout] = p;
      }
    }
    if (dray_op_chunk(&st, o, in, len)) break;
    for (uint32_t s = 0; s < nsides; s++) {
      side[s].c.offset += len;
      side[s].c.left -= len;
    }
    st.done += len;
    remaining -= len;
  }
  if (st.op == DRAY_OP_CRC32C || st.op == DRAY_OP_COPY_CRC32C) {
    tab[7] = ~st.crc;
    tab[8] = 0;
  } else if (st.op == DRAY_OP_COMPARE || st.op == DRAY_OP_COMPARE_PAT ||
             st.op == DRAY_OP_XOR_CHECK) {
    tab[7] = (uint32_t)st.found;
    tab[8] = (uint32_t)(st.found >> 32);
  }
  return DRAY_OK;
}

static int32_t dray_op_run(uint32_t *tab, uint32_t words, uint8_t *const *mem, const uint32_t *cap,
                           uint32_t nmem) {
  if (tab == NULL) return words == 0 ? DRAY_EIOV : DRAY_EFAULT;
  if (((uintptr_t)tab & (sizeof(uint32_t) - 1)) != 0) return DRAY_EFAULT; /* misaligned table */
  if (words < DRAY_OP_HEADER) return DRAY_EIOV;
  dray_tab_copy copy;
  int32_t rc = dray_tab_take(&copy, tab, words,
                             DRAY_OP_HEADER + DRAY_OP_MAX_SIDES * (2 + 2 * DRAY_IOV_MAX));
  if (rc == DRAY_OK) rc = dray_op_copied(tab, copy.words, copy.count, mem, cap, nmem);
  dray_tab_release(&copy);
  return rc;
}

/* dray_op4: the generic entry point over 4 memories. Safe to call from any thread. */
DRAY_EXPORT int32_t dray_op4(uint32_t *tab, uint32_t tab_words, uint8_t *m0, uint32_t c0,
                             uint8_t *m1, uint32_t c1, uint8_t *m2, uint32_t c2, uint8_t *m3,
                             uint32_t c3) {
  uint8_t *mem[] = {m0, m1, m2, m3};
  const uint32_t cap[] = {c0, c1, c2, c3};
  return dray_op_run(tab, tab_words, mem, cap, 4);
}

/* dray_op12: the generic entry point over 12 memories. Safe to call from any thread. */
DRAY_EXPORT int32_t dray_op12(uint32_t *tab, uint32_t tab_words, uint8_t *m0, uint32_t c0,
                              uint8_t *m1, uint32_t c1, uint8_t *m2, uint32_t c2, uint8_t *m3,
                              uint32_t c3, uint8_t *m4, uint32_t c4, uint8_t *m5, uint32_t c5,
                              uint8_t *m6, uint32_t c6, uint8_t *m7, uint32_t c7, uint8_t *m8,
                              uint32_t c8, uint8_t *m9, uint32_t c9, uint8_t *m10, uint32_t c10,
                              uint8_t *m11, uint32_t c11) {
  uint8_t *mem[] = {m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11};
  const uint32_t cap[] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11};
  return dray_op_run(tab, tab_words, mem, cap, 12);
}

/*
 * dray_dop3..dray_dop9: xor, pq or pq-recover over whole memories, without a table: the one-shot
 * helpers' direct path, for up to 9 memories (a call costs about 8 ns per buffer parameter, so
 * each count has its own entry). ctl packs the op (bits 0-3), the outputs (4-5), the inputs
 * (6-11) and, for pq-recover, the two lost positions of the stripe (12-17, 18-23); m0.. are the
 * outputs, then the inputs, each with its capacity. Everything is checked before a byte is
 * written: the shape (as in a table), len (1 or more) within every capacity, and that no output
 * meets another memory, by address: DRAY_EMEET, which the caller's validated path then names.
 */
#define DRAY_EMEET (-6) /* dray_dopN: an output shares bytes with another memory */

static int dray_meets(const uint8_t *a, const uint8_t *b, uint32_t len) {
  return (uintptr_t)a < (uintptr_t)b + len && (uintptr_t)b < (uintptr_t)a + len;
}

static int32_t dray_dop_run(uint32_t ctl, uint32_t len, uint8_t *const *mem, const uint32_t *cap,
                            uint32_t nmem) {
  uint32_t op = ctl & 15u, nout = (ctl >> 4) & 3u, nin = (ctl >> 6) & 63u;
  uint32_t arg[2] = {0, 0};
  if (op == DRAY_OP_PQ_RECOVER) {
    uint32_t a = (ctl >> 12) & 63u, b = (ctl >> 18) & 63u;
    if (a >= b) return DRAY_EARG;
    uint64_t mask = (1ull << a) | (1ull << b);
    arg[0] = (uint32_t)mask;
    arg[1] = (uint32_t)(mask >> 32);
  } else if (op != DRAY_OP_XOR && op != DRAY_OP_PQ) {
    return DRAY_EARG;
  }
  if ((ctl >> 24) != 0 || nout + nin != nmem || len == 0 || !dray_op_shape(op, nout, nin, arg)) {
    return DRAY_EARG;
  }
  for (uint32_t s = 0; s < nmem; s++) {
    int rc = dray_span_ok(mem[s], cap[s], 0, len);
    if (rc != DRAY_OK) return rc;
  }
  for (uint32_t o = 0; o < nout; o++) {
    for (uint32_t s = 0; s < nmem; s++) {
      if (s != o && dray_meets(mem[o], mem[s], len)) return DRAY_EMEET;
    }
  }
  const uint8_t *in[DRAY_OP_MAX_IN];
  for (uint32_t k = 0; k < nin; k++) in[k] = mem[nout + k];
  /* xor and pq need no state: straight to their kernels (as dray_op_chunk runs them). */
  if (op == DRAY_OP_XOR) {
    dray_k->xor_(mem[0], in, nin, len);
    return DRAY_OK;
  }
  if (op == DRAY_OP_PQ && dray_pq != NULL) {
    dray_pq_run(mem[0], mem[1], in, nin, len);
    return DRAY_OK;
  }
  dray_op_state st;
  memset(&st, 0, sizeof st);
  st.op = op;
  st.nout = nout;
  st.nin = nin;
  dray_op_start(&st, arg);
  dray_op_chunk(&st, mem, in, len);
  return DRAY_OK;
}

#define DRAY_DOP_M(k) uint8_t *m##k, uint32_t c##k
DRAY_EXPORT int32_t dray_dop3(uint32_t ctl, uint32_t len, DRAY_DOP_M(0), DRAY_DOP_M(1),
                              DRAY_DOP_M(2)) {
  uint8_t *mem[] = {m0, m1, m2};
  const uint32_t cap[] = {c0, c1, c2};
  return dray_dop_run(ctl, len, mem, cap, 3);
}
DRAY_EXPORT int32_t dray_dop4(uint32_t ctl, uint32_t len, DRAY_DOP_M(0), DRAY_DOP_M(1),
                              DRAY_DOP_M(2), DRAY_DOP_M(3)) {
  uint8_t *mem[] = {m0, m1, m2, m3};
  const uint32_t cap[] = {c0, c1, c2, c3};
  return dray_dop_run(ctl, len, mem, cap, 4);
}
DRAY_EXPORT int32_t dray_dop5(uint32_t ctl, uint32_t len, DRAY_DOP_M(0), DRAY_DOP_M(1),
                              DRAY_DOP_M(2), DRAY_DOP_M(3), DRAY_DOP_M(4)) {
  uint8_t *mem[] = {m0, m1, m2, m3, m4};
  const uint32_t cap[] = {c0, c1, c2, c3, c4};
  return dray_dop_run(ctl, len, mem, cap, 5);
}
DRAY_EXPORT int32_t dray_dop6(uint32_t ctl, uint32_t len, DRAY_DOP_M(0), DRAY_DOP_M(1),
                              DRAY_DOP_M(2), DRAY_DOP_M(3), DRAY_DOP_M(4), DRAY_DOP_M(5)) {
  uint8_t *mem[] = {m0, m1, m2, m3, m4, m5};
  const uint32_t cap[] = {c0, c1, c2, c3, c4, c5};
  return dray_dop_run(ctl, len, mem, cap, 6);
}
DRAY_EXPORT int32_t dray_dop7(uint32_t ctl, uint32_t len, DRAY_DOP_M(0), DRAY_DOP_M(1),
                              DRAY_DOP_M(2), DRAY_DOP_M(3), DRAY_DOP_M(4), DRAY_DOP_M(5),
                              DRAY_DOP_M(6)) {
  uint8_t *mem[] = {m0, m1, m2, m3, m4, m5, m6};
  const uint32_t cap[] = {c0, c1, c2, c3, c4, c5, c6};
  return dray_dop_run(ctl, len, mem, cap, 7);
}
DRAY_EXPORT int32_t dray_dop8(uint32_t ctl, uint32_t len, DRAY_DOP_M(0), DRAY_DOP_M(1),
                              DRAY_DOP_M(2), DRAY_DOP_M(3), DRAY_DOP_M(4), DRAY_DOP_M(5),
                              DRAY_DOP_M(6), DRAY_DOP_M(7)) {
  uint8_t *mem[] = {m0, m1, m2, m3, m4, m5, m6, m7};
  const uint32_t cap[] = {c0, c1, c2, c3, c4, c5, c6, c7};
  return dray_dop_run(ctl, len, mem, cap, 8);
}
DRAY_EXPORT int32_t dray_dop9(uint32_t ctl, uint32_t len, DRAY_DOP_M(0), DRAY_DOP_M(1),
                              DRAY_DOP_M(2), DRAY_DOP_M(3), DRAY_DOP_M(4), DRAY_DOP_M(5),
                              DRAY_DOP_M(6), DRAY_DOP_M(7), DRAY_DOP_M(8)) {
  uint8_t *mem[] = {m0, m1, m2, m3, m4, m5, m6, m7, m8};
  const uint32_t cap[] = {c0, c1, c2, c3, c4, c5, c6, c7, c8};
  return dray_dop_run(ctl, len, mem, cap, 9);
}
#undef DRAY_DOP_M

/* ---- sockets (redis native transport) ----------------------------------------------------- */

/*
 * A TCP or unix-socket connect done in C, and non-blocking reads and writes on the descriptor.
 *
 * dray_sock_connect resolves the host with getaddrinfo and tries each address with a
 * non-blocking connect, waiting in poll slices of DRAY_SOCK_SLICE_MS so that a cancel request
 * (a word in the ctl buffer, written by the caller's thread) or the deadline is seen quickly. It
 * blocks, so TypeScript calls it through a nonblocking FFI symbol (off the event-loop thread).
 * Every other entry point is cheap and never blocks: reads and writes pass MSG_DONTWAIT and
 * return DRAY_SOCK_EAGAIN instead of waiting; dray_sock_wait (also off-thread) waits for
 * readiness. Results are a descriptor or a byte count (>= 0), or a negative code: the shim's
 * own codes below, portable across systems, or -(DRAY_SOCK_ERRNO_BASE + errno) for an errno
 * without a portable name.
 */

#if !defined(_WIN32)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#endif

#define DRAY_SOCK_EAGAIN (-10)        /* would block: wait for readiness, then retry */
#define DRAY_SOCK_ECANCELED (-11)     /* the caller set the cancel word */
#define DRAY_SOCK_ETIMEDOUT (-12)     /* the connect deadline passed */
#define DRAY_SOCK_ECONNREFUSED (-13)  /* nothing listens there */
#define DRAY_SOCK_ENOTFOUND (-14)     /* getaddrinfo: no such host */
#define DRAY_SOCK_EAI_AGAIN (-15)     /* getaddrinfo: temporary resolver failure */
#define DRAY_SOCK_ENOENT (-16)        /* no unix socket at that path */
#define DRAY_SOCK_EACCES (-17)        /* EACCES or EPERM */
#define DRAY_SOCK_ENETUNREACH (-18)   /* ENETUNREACH or ENETDOWN */
#define DRAY_SOCK_EHOSTUNREACH (-19)  /* EHOSTUNREACH or EHOSTDOWN */
#define DRAY_SOCK_EADDRNOTAVAIL (-20) /* no local address or port for the connect */
#define DRAY_SOCK_ECONNRESET (-21)    /* ECONNRESET or ECONNABORTED */
#define DRAY_SOCK_EPIPE (-22)         /* write after the peer closed */
#define DRAY_SOCK_EBADF (-23)         /* not an open socket descriptor */
#define DRAY_SOCK_EINVAL (-24)        /* bad flags, port, host or path (too long, a NUL byte) */
#define DRAY_SOCK_EMFILE (-25)        /* EMFILE or ENFILE: out of descriptors */
#define DRAY_SOCK_ENOTSUP (-26)       /* not available on this system */
#define DRAY_SOCK_ENAMELOOKUP (-27)   /* any other getaddrinfo failure; its code is in ctl */
#define DRAY_SOCK_ERRNO_BASE 1000     /* -(1000 + errno) for any other errno */

/* Flags of dray_sock_connect. */
#define DRAY_SOCK_UNIX 1u      /* host is a unix socket path; port is ignored */
#define DRAY_SOCK_NODELAY 2u   /* set TCP_NODELAY */
#define DRAY_SOCK_KEEPALIVE 4u /* set SO_KEEPALIVE, with ctl's idle/interval/count when non-zero */
#define DRAY_SOCK_IPV4 8u      /* resolve IPv4 addresses only */
#define DRAY_SOCK_IPV6 16u     /* resolve IPv6 addresses only */
#define DRAY_SOCK_FLAGS 31u

/* Words of dray_sock_connect's ctl buffer (int32_t, at least DRAY_SOCK_CTL_WORDS of them). */
#define DRAY_SOCK_CTL_CANCEL 0    /* in: non-zero asks the connect to give up */
#define DRAY_SOCK_CTL_KEEPIDLE 1  /* in: seconds idle before the first probe, 0 = system default */
#define DRAY_SOCK_CTL_KEEPINTVL 2 /* in: seconds between probes, 0 = system default */
#define DRAY_SOCK_CTL_KEEPCNT 3   /* in: probes before the connection drops, 0 = system default */
#define DRAY_SOCK_CTL_PHASE 4     /* out: 0 checking, 1 resolving, 2 connecting, 3 returned */
#define DRAY_SOCK_CTL_ERRNO 5     /* out: the errno or getaddrinfo code behind a failure */
#define DRAY_SOCK_CTL_FAMILY 6    /* out: 4, 6, or 1 (unix) for the connected descriptor */
#define DRAY_SOCK_CTL_WORDS 8

/* Events of dray_sock_wait. */
#define DRAY_SOCK_READABLE 1u
#define DRAY_SOCK_WRITABLE 2u
#define DRAY_SOCK_HANGUP 4u

/* Longest poll while connecting, so that a cancel or the deadline is seen within this time. */
#define DRAY_SOCK_SLICE_MS 10

#if !defined(_WIN32)

static int32_t dray_sock_errno_code(int e) {
  if (e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS) return DRAY_SOCK_EAGAIN;
  switch (e) {
    case ETIMEDOUT: return DRAY_SOCK_ETIMEDOUT;
    case ECONNREFUSED: return DRAY_SOCK_ECONNREFUSED;
    case ENOENT: return DRAY_SOCK_ENOENT;
    case EACCES:
    case EPERM: return DRAY_SOCK_EACCES;
    case ENETUNREACH:
    case ENETDOWN: return DRAY_SOCK_ENETUNREACH;
    case EHOSTUNREACH:
#if defined(EHOSTDOWN)
    case EHOSTDOWN:
#endif
      return DRAY_SOCK_EHOSTUNREACH;
    case EADDRNOTAVAIL: return DRAY_SOCK_EADDRNOTAVAIL;
    case ECONNRESET:
    case ECONNABORTED: return DRAY_SOCK_ECONNRESET;
    case EPIPE: return DRAY_SOCK_EPIPE;
    case EBADF:
    case ENOTSOCK: return DRAY_SOCK_EBADF;
    case EINVAL:
    case ENAMETOOLONG: return DRAY_SOCK_EINVAL;
    case EMFILE:
    case ENFILE: return DRAY_SOCK_EMFILE;
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT: return DRAY_SOCK_ENOTSUP;
    default: break;
  }
  if (e <= 0 || e > 1000000) return -(DRAY_SOCK_ERRNO_BASE);
  return -(DRAY_SOCK_ERRNO_BASE + e);
}

static int64_t dray_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The ctl words are shared with the caller's thread, which may write the cancel word at any time. */
static int32_t dray_ctl_load(const int32_t *ctl, int word) {
  return __atomic_load_n(&ctl[word], __ATOMIC_ACQUIRE);
}

static void dray_ctl_store(int32_t *ctl, int word, int32_t value) {
  __atomic_store_n(&ctl[word], value, __ATOMIC_RELEASE);
}

/*
 * Milliseconds to wait in the next poll slice, or a negative code when the caller cancelled or
 * the deadline (0 = none) passed.
 */
static int dray_sock_slice(const int32_t *ctl, int64_t deadline) {
  if (dray_ctl_load(ctl, DRAY_SOCK_CTL_CANCEL) != 0) return DRAY_SOCK_ECANCELED;
  if (deadline == 0) return DRAY_SOCK_SLICE_MS;
  int64_t left = deadline - dray_now_ms();
  if (left <= 0) return DRAY_SOCK_ETIMEDOUT;
  return left < DRAY_SOCK_SLICE_MS ? (int)left : DRAY_SOCK_SLICE_MS;
}

/*
 * The sockets the shim made. Every socket entry point works only on a descriptor registered here
 * (dray_sock_owns): the inode of the socket the shim created at that number, plus one, so that a
 * number the shim's socket gave up (closed by its new owner, e.g. node:net after adoption) and the
 * runtime reused for its own file or socket is refused, never read, written or closed.
 */
#define DRAY_OWNED_MAX 65536
static uint64_t dray_owned[DRAY_OWNED_MAX];

/* Registers fd as the shim's; 0, or DRAY_SOCK_EMFILE when its number is beyond the registry. */
static int dray_sock_own(int fd) {
  struct stat st;
  if (fd < 0 || fd >= DRAY_OWNED_MAX || fstat(fd, &st) < 0) return DRAY_SOCK_EMFILE;
  __atomic_store_n(&dray_owned[fd], (uint64_t)st.st_ino + 1u, __ATOMIC_RELEASE);
  return 0;
}

static void dray_sock_disown(int fd) {
  if (fd >= 0 && fd < DRAY_OWNED_MAX) __atomic_store_n(&dray_owned[fd], 0, __ATOMIC_RELEASE);
}

/* Whether fd is a socket the shim made and still the same socket. */
static int dray_sock_owns(int32_t fd) {
  if (fd < 0 || fd >= DRAY_OWNED_MAX) return 0;
  uint64_t want = __atomic_load_n(&dray_owned[fd], __ATOMIC_ACQUIRE);
  if (want == 0) return 0;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) return 0;
  return (uint64_t)st.st_ino + 1u == want;
}

/* Closes a descriptor the shim made and forgets it. */
static void dray_sock_drop(int fd) {
  dray_sock_disown(fd);
  close(fd);
}

static int dray_sock_open(int family) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
#else
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
#endif
#if defined(SO_NOSIGPIPE)
  int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  return fd;
}

/* Waits for a non-blocking connect on fd to finish; DRAY_OK or a negative code. */
static int dray_sock_finish(int fd, int32_t *ctl, int64_t deadline) {
  for (;;) {
    int slice = dray_sock_slice(ctl, deadline);
    if (slice < 0) return slice;
    struct pollfd pfd = {.fd = fd, .events = POLLOUT, .revents = 0};
    int r = poll(&pfd, 1, slice);
    if (r < 0) {
      if (errno == EINTR) continue;
      dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, errno);
      return dray_sock_errno_code(errno);
    }
    if (r == 0) continue;
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err == 0) return DRAY_OK;
    dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, err);
    return dray_sock_errno_code(err);
  }
}

/* One connect attempt to one address: a descriptor, or a negative code. */
static int dray_sock_attempt(const struct sockaddr *sa, socklen_t salen, int32_t *ctl,
                             int64_t deadline) {
  int fd = dray_sock_open(sa->sa_family);
  if (fd < 0) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, errno);
    return dray_sock_errno_code(errno);
  }
  for (;;) {
    int slice = dray_sock_slice(ctl, deadline);
    if (slice < 0) {
      close(fd);
      return slice;
    }
    if (connect(fd, sa, salen) == 0) return fd;
    int e = errno;
    int rc;
    if (e == EINPROGRESS || e == EINTR) {
      /* The connect goes on in the background (after EINTR too); wait for it. */
      rc = dray_sock_finish(fd, ctl, deadline);
      if (rc == DRAY_OK) return fd;
    } else if ((e == EAGAIN || e == EWOULDBLOCK) && sa->sa_family == AF_UNIX) {
      /* A unix listener with a full backlog: try again after a slice, until the deadline. */
      struct timespec pause = {.tv_sec = 0, .tv_nsec = (long)slice * 1000000L};
      nanosleep(&pause, NULL);
      continue;
    } else {
      dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, e);
      rc = dray_sock_errno_code(e);
      if (rc == DRAY_SOCK_EAGAIN) rc = DRAY_SOCK_EADDRNOTAVAIL; /* TCP: no ephemeral port */
    }
    close(fd);
    return rc;
  }
}

static int dray_sock_setopt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) < 0 ? -1 : 0;
}

/* Applies TCP_NODELAY and keepalive to a connected TCP descriptor; DRAY_OK or a negative code. */
static int dray_sock_tune(int fd, uint32_t flags, const int32_t *ctl) {
  if ((flags & DRAY_SOCK_NODELAY) && dray_sock_setopt(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0) {
    return dray_sock_errno_code(errno);
  }
  if (!(flags & DRAY_SOCK_KEEPALIVE)) return DRAY_OK;
  if (dray_sock_setopt(fd, SOL_SOCKET, SO_KEEPALIVE, 1) < 0) return dray_sock_errno_code(errno);
  int32_t idle = dray_ctl_load(ctl, DRAY_SOCK_CTL_KEEPIDLE);
  int32_t intvl = dray_ctl_load(ctl, DRAY_SOCK_CTL_KEEPINTVL);
  int32_t cnt = dray_ctl_load(ctl, DRAY_SOCK_CTL_KEEPCNT);
#if defined(TCP_KEEPIDLE)
  if (idle > 0 && dray_sock_setopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, idle) < 0) {
    return dray_sock_errno_code(errno);
  }
#elif defined(TCP_KEEPALIVE)
  if (idle > 0 && dray_sock_setopt(fd, IPPROTO_TCP, TCP_KEEPALIVE, idle) < 0) {
    return dray_sock_errno_code(errno);
  }
#else
  (void)idle;
#endif
#if defined(TCP_KEEPINTVL)
  if (intvl > 0 && dray_sock_setopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, intvl) < 0) {
    return dray_sock_errno_code(errno);
  }
#else
  (void)intvl;
#endif
#if defined(TCP_KEEPCNT)
  if (cnt > 0 && dray_sock_setopt(fd, IPPROTO_TCP, TCP_KEEPCNT, cnt) < 0) {
    return dray_sock_errno_code(errno);
  }
#else
  (void)cnt;
#endif
  return DRAY_OK;
}

static int dray_sock_gai_code(int rc, int32_t *ctl) {
  if (rc == EAI_SYSTEM) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, errno);
    return dray_sock_errno_code(errno);
  }
  dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, rc);
  switch (rc) {
    case EAI_NONAME:
#if defined(EAI_NODATA) && EAI_NODATA != EAI_NONAME
    case EAI_NODATA:
#endif
#if defined(EAI_ADDRFAMILY)
    case EAI_ADDRFAMILY:
#endif
      return DRAY_SOCK_ENOTFOUND;
    case EAI_AGAIN: return DRAY_SOCK_EAI_AGAIN;
    case EAI_MEMORY: return -(DRAY_SOCK_ERRNO_BASE + ENOMEM);
    default: return DRAY_SOCK_ENAMELOOKUP;
  }
}

/* Resolves name and tries each address in turn with what is left of the deadline. */
static int dray_sock_connect_tcp(const char *name, uint32_t port, uint32_t flags, int32_t *ctl,
                                 int64_t deadline) {
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = (flags & DRAY_SOCK_IPV4) ? AF_INET : (flags & DRAY_SOCK_IPV6) ? AF_INET6
                                                                                   : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV;
  struct addrinfo *list = NULL;
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 1);
  int gai = getaddrinfo(name, service, &hints, &list);
  if (gai != 0) return dray_sock_gai_code(gai, ctl);
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 2);
  int rc = DRAY_SOCK_ENOTFOUND;
  for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    rc = dray_sock_attempt(ai->ai_addr, ai->ai_addrlen, ctl, deadline);
    if (rc >= 0) {
      dray_ctl_store(ctl, DRAY_SOCK_CTL_FAMILY, ai->ai_family == AF_INET6 ? 6 : 4);
      break;
    }
    if (rc == DRAY_SOCK_ECANCELED || rc == DRAY_SOCK_ETIMEDOUT) break;
  }
  freeaddrinfo(list);
  if (rc < 0) return rc;
  int fd = rc;
  rc = dray_sock_tune(fd, flags, ctl);
  if (rc != DRAY_OK) {
    close(fd);
    return rc;
  }
  return fd;
}

static int dray_sock_connect_unix(const char *path, size_t len, int32_t *ctl, int64_t deadline) {
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof sun);
  if (len >= sizeof sun.sun_path) return DRAY_SOCK_EINVAL;
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, path, len);
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 2);
  int fd = dray_sock_attempt((const struct sockaddr *)&sun, (socklen_t)sizeof sun, ctl, deadline);
  if (fd >= 0) dray_ctl_store(ctl, DRAY_SOCK_CTL_FAMILY, 1);
  return fd;
}

/*
 * Connects to host (host_len bytes of UTF-8 at host, no NUL: a host name, an IP literal without
 * brackets, or with DRAY_SOCK_UNIX a socket path) on port, within timeout_ms (0 = no limit),
 * and returns a non-blocking, close-on-exec descriptor or a negative code. Blocks: call it off
 * the event-loop thread. The caller may set ctl[DRAY_SOCK_CTL_CANCEL] at any time; the connect
 * then gives up within DRAY_SOCK_SLICE_MS (not during getaddrinfo, which cannot be interrupted)
 * and returns DRAY_SOCK_ECANCELED, closing any descriptor it made, so a cancelled connect never
 * hands out a descriptor.
 */
DRAY_EXPORT int32_t dray_sock_connect(const uint8_t *host, uint32_t host_cap, uint32_t host_len,
                                      uint32_t port, uint32_t flags, uint32_t timeout_ms,
                                      int32_t *ctl, uint32_t ctl_cap) {
  int rc = dray_span_ok(host, host_cap, 0, host_len);
  if (rc != DRAY_OK) return rc;
  if (ctl == NULL) return DRAY_EFAULT;
  if (ctl_cap < DRAY_SOCK_CTL_WORDS * sizeof(int32_t)) return DRAY_ERANGE;
  if (((uintptr_t)ctl & (sizeof(int32_t) - 1)) != 0) return DRAY_EFAULT;
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 0);
  dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, 0);
  dray_ctl_store(ctl, DRAY_SOCK_CTL_FAMILY, 0);

  char name[1025]; /* NI_MAXHOST, and more than any sun_path */
  if ((flags & ~DRAY_SOCK_FLAGS) != 0 || host_len == 0 || host_len >= sizeof name ||
      memchr(host, 0, host_len) != NULL ||
      ((flags & DRAY_SOCK_IPV4) && (flags & DRAY_SOCK_IPV6)) ||
      (!(flags & DRAY_SOCK_UNIX) && (port == 0 || port > 65535))) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
    return DRAY_SOCK_EINVAL;
  }
  memcpy(name, host, host_len);
  name[host_len] = '\0';

  int64_t deadline = timeout_ms == 0 ? 0 : dray_now_ms() + (int64_t)timeout_ms;
  int fd = (flags & DRAY_SOCK_UNIX) ? dray_sock_connect_unix(name, host_len, ctl, deadline)
                                    : dray_sock_connect_tcp(name, port, flags, ctl, deadline);
  if (fd >= 0 && dray_ctl_load(ctl, DRAY_SOCK_CTL_CANCEL) != 0) {
    /* The caller gave up while the connect succeeded: nobody would own this descriptor. */
    close(fd);
    fd = DRAY_SOCK_ECANCELED;
  }
  if (fd >= 0 && dray_sock_own(fd) != 0) {
    close(fd);
    fd = DRAY_SOCK_EMFILE;
  }
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
  return fd;
}

/* The checks every connect entry point makes first; DRAY_OK or a negative code. */
static int dray_sock_connect_args(const uint8_t *host, uint32_t host_cap, uint32_t host_len,
                                  uint32_t port, uint32_t flags, int32_t *ctl, uint32_t ctl_cap,
                                  char *name) {
  int rc = dray_span_ok(host, host_cap, 0, host_len);
  if (rc != DRAY_OK) return rc;
  if (ctl == NULL) return DRAY_EFAULT;
  if (ctl_cap < DRAY_SOCK_CTL_WORDS * sizeof(int32_t)) return DRAY_ERANGE;
  if (((uintptr_t)ctl & (sizeof(int32_t) - 1)) != 0) return DRAY_EFAULT;
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 0);
  dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, 0);
  dray_ctl_store(ctl, DRAY_SOCK_CTL_FAMILY, 0);
  if ((flags & ~DRAY_SOCK_FLAGS) != 0 || host_len == 0 || host_len >= 1025 ||
      memchr(host, 0, host_len) != NULL ||
      ((flags & DRAY_SOCK_IPV4) && (flags & DRAY_SOCK_IPV6)) ||
      (!(flags & DRAY_SOCK_UNIX) && (port == 0 || port > 65535))) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
    return DRAY_SOCK_EINVAL;
  }
  memcpy(name, host, host_len);
  name[host_len] = '\0';
  return DRAY_OK;
}

/*
 * Begins a connect without blocking, to an IP literal (no name lookup: a name is refused with
 * DRAY_SOCK_ENOTFOUND; resolve it with dray_sock_resolve first) on port, or with DRAY_SOCK_UNIX to
 * a socket path. Returns the shim's descriptor with ctl[PHASE] 3 when the connect is complete
 * (TCP_NODELAY and keepalive applied), 2 while it goes on in the background (finish it with
 * dray_sock_connect_poll, or give up with dray_sock_close), or a negative code with no descriptor;
 * DRAY_SOCK_EAGAIN from a unix listener whose backlog is full (try again later). Never waits, so
 * it runs on the event-loop thread and holds no thread of the runtime's blocking pool.
 */
DRAY_EXPORT int32_t dray_sock_connect_start(const uint8_t *host, uint32_t host_cap,
                                            uint32_t host_len, uint32_t port, uint32_t flags,
                                            int32_t *ctl, uint32_t ctl_cap) {
  char name[1025];
  int rc = dray_sock_connect_args(host, host_cap, host_len, port, flags, ctl, ctl_cap, name);
  if (rc != DRAY_OK) return rc;
  struct sockaddr_storage ss;
  socklen_t sslen;
  memset(&ss, 0, sizeof ss);
  if (flags & DRAY_SOCK_UNIX) {
    struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
    if (host_len >= sizeof sun->sun_path) {
      dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
      return DRAY_SOCK_EINVAL;
    }
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, name, host_len);
    sslen = (socklen_t)sizeof *sun;
  } else {
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (!(flags & DRAY_SOCK_IPV6) && inet_pton(AF_INET, name, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons((uint16_t)port);
      sslen = (socklen_t)sizeof *v4;
    } else if (!(flags & DRAY_SOCK_IPV4) && inet_pton(AF_INET6, name, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons((uint16_t)port);
      sslen = (socklen_t)sizeof *v6;
    } else {
      dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
      return DRAY_SOCK_ENOTFOUND;
    }
  }
  int fd = dray_sock_open(ss.ss_family);
  if (fd < 0) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, errno);
    dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
    return dray_sock_errno_code(errno);
  }
  if (dray_sock_own(fd) != 0) {
    close(fd);
    dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
    return DRAY_SOCK_EMFILE;
  }
  dray_ctl_store(ctl, DRAY_SOCK_CTL_FAMILY,
                 ss.ss_family == AF_UNIX ? 1 : ss.ss_family == AF_INET6 ? 6 : 4);
  int r;
  do {
    r = connect(fd, (const struct sockaddr *)&ss, sslen);
  } while (r < 0 && errno == EINTR && ss.ss_family == AF_UNIX);
  if (r < 0 && (errno == EINPROGRESS || errno == EINTR)) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 2);
    return fd;
  }
  if (r < 0) {
    int e = errno;
    dray_sock_drop(fd);
    dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, e);
    dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
    rc = dray_sock_errno_code(e);
    if (rc == DRAY_SOCK_EAGAIN && ss.ss_family != AF_UNIX) rc = DRAY_SOCK_EADDRNOTAVAIL;
    return rc;
  }
  rc = ss.ss_family == AF_UNIX ? DRAY_OK : dray_sock_tune(fd, flags, ctl);
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
  if (rc != DRAY_OK) {
    dray_sock_drop(fd);
    return rc;
  }
  return fd;
}

/*
 * Whether the connect dray_sock_connect_start began on fd has finished, without waiting: fd (the
 * connect succeeded; TCP_NODELAY and keepalive applied as flags and ctl ask), DRAY_SOCK_EAGAIN
 * while it goes on, or a negative code after closing the descriptor (the connect failed: its
 * errno in ctl[ERRNO]).
 */
DRAY_EXPORT int32_t dray_sock_connect_poll(int32_t fd, uint32_t flags, int32_t *ctl,
                                           uint32_t ctl_cap) {
  if (ctl == NULL) return DRAY_EFAULT;
  if (ctl_cap < DRAY_SOCK_CTL_WORDS * sizeof(int32_t)) return DRAY_ERANGE;
  if (((uintptr_t)ctl & (sizeof(int32_t) - 1)) != 0) return DRAY_EFAULT;
  if ((flags & ~DRAY_SOCK_FLAGS) != 0) return DRAY_SOCK_EINVAL;
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  struct pollfd pfd = {.fd = fd, .events = POLLOUT, .revents = 0};
  int r;
  do {
    r = poll(&pfd, 1, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, errno);
    return dray_sock_errno_code(errno);
  }
  if (r == 0) return DRAY_SOCK_EAGAIN;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  int rc;
  if (err != 0) {
    dray_ctl_store(ctl, DRAY_SOCK_CTL_ERRNO, err);
    rc = dray_sock_errno_code(err);
    if (rc == DRAY_SOCK_EAGAIN) rc = DRAY_SOCK_EADDRNOTAVAIL;
  } else {
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    rc = getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0 && ss.ss_family == AF_UNIX
             ? DRAY_OK
             : dray_sock_tune(fd, flags, ctl);
  }
  dray_ctl_store(ctl, DRAY_SOCK_CTL_PHASE, 3);
  if (rc != DRAY_OK) {
    dray_sock_drop(fd);
    return rc;
  }
  return fd;
}

/*
 * Resolves host (host_len bytes, no NUL) with getaddrinfo, IPv4 and/or IPv6 as flags say
 * (DRAY_SOCK_IPV4, DRAY_SOCK_IPV6; other flags are ignored), and writes the addresses found as
 * numeric text, each followed by a NUL, into out[0..out_cap) (those that fit). Returns the bytes
 * written, or a negative code (DRAY_SOCK_ENOTFOUND, DRAY_SOCK_EAI_AGAIN, ...). Blocks while the
 * resolver works: call it off the event-loop thread. Connect to each address with
 * dray_sock_connect_start.
 */
DRAY_EXPORT int32_t dray_sock_resolve(const uint8_t *host, uint32_t host_cap, uint32_t host_len,
                                      uint32_t flags, uint8_t *out, uint32_t out_cap) {
  int rc = dray_span_ok(host, host_cap, 0, host_len);
  if (rc != DRAY_OK) return rc;
  rc = dray_span_ok(out, out_cap, 0, out_cap);
  if (rc != DRAY_OK) return rc;
  if (host_len == 0 || host_len >= 1025 || memchr(host, 0, host_len) != NULL ||
      ((flags & DRAY_SOCK_IPV4) && (flags & DRAY_SOCK_IPV6))) {
    return DRAY_SOCK_EINVAL;
  }
  char name[1025];
  memcpy(name, host, host_len);
  name[host_len] = '\0';
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = (flags & DRAY_SOCK_IPV4) ? AF_INET : (flags & DRAY_SOCK_IPV6) ? AF_INET6
                                                                                   : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  struct addrinfo *list = NULL;
  int gai = getaddrinfo(name, NULL, &hints, &list);
  if (gai != 0) {
    int32_t ignored[DRAY_SOCK_CTL_WORDS];
    return dray_sock_gai_code(gai, ignored);
  }
  uint32_t at = 0;
  for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN + 1];
    const void *addr;
    if (ai->ai_family == AF_INET) {
      addr = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
    } else if (ai->ai_family == AF_INET6) {
      addr = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
    } else {
      continue;
    }
    if (inet_ntop(ai->ai_family, addr, text, sizeof text) == NULL) continue;
    size_t n = strlen(text) + 1;
    if (n > out_cap - at) break;
    memcpy(out + at, text, n);
    at += (uint32_t)n;
  }
  freeaddrinfo(list);
  return at == 0 ? DRAY_SOCK_ENOTFOUND : (int32_t)at;
}

/*
 * Reads at most len bytes into buf[off..off+len) without blocking. Returns the count (0 at end
 * of stream when len > 0), DRAY_SOCK_EAGAIN when nothing is there yet, or a negative code.
 * Interrupted reads are retried. Never touches a byte outside the span.
 */
DRAY_EXPORT int32_t dray_sock_read(int32_t fd, uint8_t *buf, uint32_t cap, uint32_t off,
                                   uint32_t len) {
  int rc = dray_span_ok(buf, cap, off, len);
  if (rc != DRAY_OK) return rc;
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  if (len == 0) return 0;
  if (len > INT32_MAX) len = INT32_MAX;
  for (;;) {
    ssize_t n = recv(fd, buf + off, len, MSG_DONTWAIT);
    if (n >= 0) return (int32_t)n;
    if (errno != EINTR) return dray_sock_errno_code(errno);
  }
}

#if defined(MSG_NOSIGNAL)
#define DRAY_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)
#else
#define DRAY_SEND_FLAGS MSG_DONTWAIT /* SO_NOSIGPIPE was set at connect */
#endif

/*
 * Writes at most len bytes from buf[off..off+len) without blocking. Returns the count (possibly
 * fewer than len), DRAY_SOCK_EAGAIN when the socket buffer is full, or a negative code (never
 * SIGPIPE: a closed peer is DRAY_SOCK_EPIPE). Interrupted writes are retried.
 */
DRAY_EXPORT int32_t dray_sock_write(int32_t fd, const uint8_t *buf, uint32_t cap, uint32_t off,
                                    uint32_t len) {
  int rc = dray_span_ok(buf, cap, off, len);
  if (rc != DRAY_OK) return rc;
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  if (len == 0) return 0;
  if (len > INT32_MAX) len = INT32_MAX;
  for (;;) {
    ssize_t n = send(fd, buf + off, len, DRAY_SEND_FLAGS);
    if (n >= 0) return (int32_t)n;
    if (errno != EINTR) return dray_sock_errno_code(errno);
  }
}

/*
 * Waits up to timeout_ms (negative = no limit) until fd is readable and/or writable, as asked
 * by events (DRAY_SOCK_READABLE | DRAY_SOCK_WRITABLE). Returns the ready events, with
 * DRAY_SOCK_HANGUP added on hang-up or a pending error, 0 on timeout, or a negative code.
 * Blocks: call it off the event-loop thread. shutdown() on the descriptor wakes it.
 */
DRAY_EXPORT int32_t dray_sock_wait(int32_t fd, uint32_t events, int32_t timeout_ms) {
  if (fd < 0) return DRAY_SOCK_EBADF;
  if (events == 0 || (events & ~(DRAY_SOCK_READABLE | DRAY_SOCK_WRITABLE)) != 0) {
    return DRAY_SOCK_EINVAL;
  }
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  struct pollfd pfd = {.fd = fd, .events = 0, .revents = 0};
  if (events & DRAY_SOCK_READABLE) pfd.events |= POLLIN;
  if (events & DRAY_SOCK_WRITABLE) pfd.events |= POLLOUT;
  int64_t deadline = timeout_ms < 0 ? 0 : dray_now_ms() + timeout_ms;
  int wait = timeout_ms < 0 ? -1 : timeout_ms;
  for (;;) {
    int r = poll(&pfd, 1, wait);
    if (r > 0) break;
    if (r == 0) return 0;
    if (errno != EINTR) return dray_sock_errno_code(errno);
    if (timeout_ms >= 0) {
      int64_t left = deadline - dray_now_ms();
      if (left <= 0) return 0;
      wait = (int)left;
    }
  }
  if (pfd.revents & POLLNVAL) return DRAY_SOCK_EBADF;
  int32_t out = 0;
  if (pfd.revents & POLLIN) out |= DRAY_SOCK_READABLE;
  if (pfd.revents & POLLOUT) out |= DRAY_SOCK_WRITABLE;
  if (pfd.revents & (POLLHUP | POLLERR)) out |= DRAY_SOCK_HANGUP;
  return out;
}

/*
 * Writes the peer's numeric address (an IP address without brackets, or a unix socket path) to
 * out[off..off+len), without a NUL, and returns its length; DRAY_ERANGE when it does not fit.
 */
DRAY_EXPORT int32_t dray_sock_peer(int32_t fd, uint8_t *out, uint32_t cap, uint32_t off,
                                   uint32_t len) {
  int rc = dray_span_ok(out, cap, off, len);
  if (rc != DRAY_OK) return rc;
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getpeername(fd, (struct sockaddr *)&ss, &sslen) < 0) return dray_sock_errno_code(errno);
  char text[INET6_ADDRSTRLEN + 1];
  const char *src = text;
  size_t n;
  if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
    const void *addr = ss.ss_family == AF_INET
                           ? (const void *)&((const struct sockaddr_in *)&ss)->sin_addr
                           : (const void *)&((const struct sockaddr_in6 *)&ss)->sin6_addr;
    if (inet_ntop(ss.ss_family, addr, text, sizeof text) == NULL) {
      return dray_sock_errno_code(errno);
    }
    n = strlen(text);
  } else if (ss.ss_family == AF_UNIX) {
    const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
    size_t max = sslen > offsetof(struct sockaddr_un, sun_path)
                     ? sslen - offsetof(struct sockaddr_un, sun_path)
                     : 0;
    if (max > sizeof sun->sun_path) max = sizeof sun->sun_path;
    src = sun->sun_path;
    n = strnlen(sun->sun_path, max);
  } else {
    return DRAY_SOCK_ENOTSUP;
  }
  if (n > len) return DRAY_ERANGE;
  if (n != 0) memcpy(out + off, src, n);
  return (int32_t)n;
}

/* shutdown(2) with how 0 (read), 1 (write) or 2 (both); wakes a dray_sock_wait on fd. */
DRAY_EXPORT int32_t dray_sock_shutdown(int32_t fd, uint32_t how) {
  if (fd < 0) return DRAY_SOCK_EBADF;
  if (how > 2) return DRAY_SOCK_EINVAL;
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  int h = how == 0 ? SHUT_RD : how == 1 ? SHUT_WR : SHUT_RDWR;
  if (shutdown(fd, h) < 0 && errno != ENOTCONN) return dray_sock_errno_code(errno);
  return DRAY_OK;
}

/*
 * Closes fd, which must be a socket the shim made (dray_sock_owns): any other descriptor is
 * refused with DRAY_SOCK_EBADF and left open.
 */
DRAY_EXPORT int32_t dray_sock_close(int32_t fd) {
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  dray_sock_disown(fd);
  if (close(fd) < 0 && errno != EINTR) return dray_sock_errno_code(errno);
  return DRAY_OK; /* after EINTR the descriptor is released too (Linux, BSDs) */
}

/*
 * A readiness poller shared by every socket the shim reads and writes: one off-thread wait
 * (dray_poller_wait, through a nonblocking FFI symbol) serves all of them, instead of one wait per
 * socket, which would hold one thread of the runtime's small blocking pool per idle connection.
 * Interest is one-shot: dray_poller_arm asks for the next readiness of a descriptor under a
 * caller-chosen token, from any thread, also while a wait is in progress. dray_poller_wake makes
 * a wait in progress return. Linux only (epoll and eventfd); elsewhere every entry point returns
 * DRAY_SOCK_ENOTSUP.
 */

#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>

#define DRAY_POLLER_WAKE_TOKEN UINT64_MAX
#define DRAY_POLLER_MAX_EVENTS 256

/* Opens the poller: out[0] = the epoll descriptor, out[1] = its wake descriptor (an eventfd). */
DRAY_EXPORT int32_t dray_poller_open(int32_t *out, uint32_t out_cap) {
  if (out == NULL) return DRAY_EFAULT;
  if (out_cap < 2 * sizeof(int32_t)) return DRAY_ERANGE;
  if (((uintptr_t)out & (sizeof(int32_t) - 1)) != 0) return DRAY_EFAULT;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return dray_sock_errno_code(errno);
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    int e = errno;
    close(ep);
    return dray_sock_errno_code(e);
  }
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = DRAY_POLLER_WAKE_TOKEN;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev) < 0) {
    int e = errno;
    close(wake);
    close(ep);
    return dray_sock_errno_code(e);
  }
  out[0] = ep;
  out[1] = wake;
  return DRAY_OK;
}

/* Asks for the next time fd is readable and/or writable (events: DRAY_SOCK_READABLE and/or
 * DRAY_SOCK_WRITABLE), reported once under token; re-arming replaces the previous interest. */
DRAY_EXPORT int32_t dray_poller_arm(int32_t ep, int32_t fd, uint32_t events, uint32_t token) {
  if (ep < 0 || fd < 0) return DRAY_SOCK_EBADF;
  if (events == 0 || (events & ~(DRAY_SOCK_READABLE | DRAY_SOCK_WRITABLE)) != 0) {
    return DRAY_SOCK_EINVAL;
  }
  if (!dray_sock_owns(fd)) return DRAY_SOCK_EBADF;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLONESHOT | EPOLLRDHUP;
  if (events & DRAY_SOCK_READABLE) ev.events |= EPOLLIN;
  if (events & DRAY_SOCK_WRITABLE) ev.events |= EPOLLOUT;
  ev.data.u64 = token;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == 0) return DRAY_OK;
  if (errno == ENOENT && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0) return DRAY_OK;
  return dray_sock_errno_code(errno);
}

/* Forgets fd; a descriptor that was never armed is fine. */
DRAY_EXPORT int32_t dray_poller_disarm(int32_t ep, int32_t fd) {
  if (ep < 0 || fd < 0) return DRAY_SOCK_EBADF;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  if (epoll_ctl(ep, EPOLL_CTL_DEL, fd, &ev) < 0 && errno != ENOENT) {
    return dray_sock_errno_code(errno);
  }
  return DRAY_OK;
}

/*
 * Waits up to timeout_ms (negative = no limit) for armed descriptors to become ready or for a
 * wake, and writes (token, ready events) pairs of uint32_t to out (out_cap bytes; at most
 * out_cap / 8 pairs, at most 256). Returns the number of pairs, 0 after a wake, a timeout or an
 * interrupted wait, or a negative code. Blocks: call it off the event-loop thread, one at a time.
 */
DRAY_EXPORT int32_t dray_poller_wait(int32_t ep, int32_t wake, uint32_t *out, uint32_t out_cap,
                                     int32_t timeout_ms) {
  if (out == NULL) return DRAY_EFAULT;
  if (((uintptr_t)out & (sizeof(uint32_t) - 1)) != 0) return DRAY_EFAULT;
  if (ep < 0 || wake < 0) return DRAY_SOCK_EBADF;
  uint32_t max = out_cap / (2 * sizeof(uint32_t));
  if (max == 0) return DRAY_ERANGE;
  if (max > DRAY_POLLER_MAX_EVENTS) max = DRAY_POLLER_MAX_EVENTS;
  struct epoll_event events[DRAY_POLLER_MAX_EVENTS];
  int n = epoll_wait(ep, events, (int)max, timeout_ms < 0 ? -1 : timeout_ms);
  if (n < 0) return errno == EINTR ? 0 : dray_sock_errno_code(errno);
  int32_t count = 0;
  for (int i = 0; i < n; i++) {
    if (events[i].data.u64 == DRAY_POLLER_WAKE_TOKEN) {
      uint64_t drained;
      while (read(wake, &drained, sizeof drained) < 0 && errno == EINTR) {
      }
      continue;
    }
    uint32_t ready = 0;
    if (events[i].events & EPOLLIN) ready |= DRAY_SOCK_READABLE;
    if (events[i].events & EPOLLOUT) ready |= DRAY_SOCK_WRITABLE;
    if (events[i].events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ready |= DRAY_SOCK_HANGUP;
    out[2 * count] = (uint32_t)events[i].data.u64;
    out[2 * count + 1] = ready;
    count++;
  }
  return count;
}

/* Makes a dray_poller_wait in progress (or the next one) return. */
DRAY_EXPORT int32_t dray_poller_wake(int32_t wake) {
  if (wake < 0) return DRAY_SOCK_EBADF;
  uint64_t one = 1;
  for (;;) {
    if (write(wake, &one, sizeof one) >= 0) return DRAY_OK;
    if (errno == EAGAIN) return DRAY_OK; /* the counter is saturated: a wake is pending */
    if (errno != EINTR) return dray_sock_errno_code(errno);
  }
}

/* Whether fd is an anonymous inode of the given kind ("[eventpoll]", "[eventfd]"). */
static int dray_is_anon(int fd, const char *kind) {
  char path[64];
  char link[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  if (n < 0) return 0;
  link[n] = '\0';
  return strncmp(link, "anon_inode:", 11) == 0 && strcmp(link + 11, kind) == 0;
}

/* Closes both descriptors of a poller; refuses descriptors that are not an epoll and an eventfd,
 * so that a wrong number never closes someone else's file. */
DRAY_EXPORT int32_t dray_poller_close(int32_t ep, int32_t wake) {
  if (ep < 0 || wake < 0 || ep == wake) return DRAY_SOCK_EBADF;
  if (!dray_is_anon(ep, "[eventpoll]") || !dray_is_anon(wake, "[eventfd]")) {
    return DRAY_SOCK_EBADF;
  }
  close(wake);
  close(ep);
  return DRAY_OK;
}

#endif /* __linux__ */

#else /* _WIN32: the native transport is not available; TypeScript falls back to Deno.connect. */

DRAY_EXPORT int32_t dray_sock_connect(const uint8_t *host, uint32_t host_cap, uint32_t host_len,
                                      uint32_t port, uint32_t flags, uint32_t timeout_ms,
                                      int32_t *ctl, uint32_t ctl_cap) {
  (void)host, (void)host_cap, (void)host_len, (void)port, (void)flags, (void)timeout_ms;
  (void)ctl, (void)ctl_cap;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_connect_start(const uint8_t *host, uint32_t host_cap,
                                            uint32_t host_len, uint32_t port, uint32_t flags,
                                            int32_t *ctl, uint32_t ctl_cap) {
  (void)host, (void)host_cap, (void)host_len, (void)port, (void)flags, (void)ctl, (void)ctl_cap;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_connect_poll(int32_t fd, uint32_t flags, int32_t *ctl,
                                           uint32_t ctl_cap) {
  (void)fd, (void)flags, (void)ctl, (void)ctl_cap;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_resolve(const uint8_t *host, uint32_t host_cap, uint32_t host_len,
                                      uint32_t flags, uint8_t *out, uint32_t out_cap) {
  (void)host, (void)host_cap, (void)host_len, (void)flags, (void)out, (void)out_cap;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_read(int32_t fd, uint8_t *buf, uint32_t cap, uint32_t off,
                                   uint32_t len) {
  (void)fd, (void)buf, (void)cap, (void)off, (void)len;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_write(int32_t fd, const uint8_t *buf, uint32_t cap, uint32_t off,
                                    uint32_t len) {
  (void)fd, (void)buf, (void)cap, (void)off, (void)len;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_wait(int32_t fd, uint32_t events, int32_t timeout_ms) {
  (void)fd, (void)events, (void)timeout_ms;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_peer(int32_t fd, uint8_t *out, uint32_t cap, uint32_t off,
                                   uint32_t len) {
  (void)fd, (void)out, (void)cap, (void)off, (void)len;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_shutdown(int32_t fd, uint32_t how) {
  (void)fd, (void)how;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_sock_close(int32_t fd) {
  (void)fd;
  return DRAY_SOCK_ENOTSUP;
}

#endif

#if !defined(__linux__) || defined(_WIN32)
/* No poller off Linux: the TypeScript side drives such sockets through node:net. */

DRAY_EXPORT int32_t dray_poller_open(int32_t *out, uint32_t out_cap) {
  (void)out, (void)out_cap;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_poller_arm(int32_t ep, int32_t fd, uint32_t events, uint32_t token) {
  (void)ep, (void)fd, (void)events, (void)token;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_poller_disarm(int32_t ep, int32_t fd) {
  (void)ep, (void)fd;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_poller_wait(int32_t ep, int32_t wake, uint32_t *out, uint32_t out_cap,
                                     int32_t timeout_ms) {
  (void)ep, (void)wake, (void)out, (void)out_cap, (void)timeout_ms;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_poller_wake(int32_t wake) {
  (void)wake;
  return DRAY_SOCK_ENOTSUP;
}
DRAY_EXPORT int32_t dray_poller_close(int32_t ep, int32_t wake) {
  (void)ep, (void)wake;
  return DRAY_SOCK_ENOTSUP;
}
#endif
