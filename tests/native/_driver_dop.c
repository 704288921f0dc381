/*
 * The cases of dray_dop3..dray_dop9 for the C driver (included by shim_driver.c, which it uses:
 * rnd, below, chance, CHECK, expect_rc, gf_mul2, op_pq): the contract of the direct entry points
 * written again. A control word packs the op (bits 0-3: xor 2, pq 9, pq-recover 10), the outputs
 * (4-5), the inputs (6-11) and pq-recover's two lost positions (12-17 < 18-23); nothing above bit
 * 23. Each memory comes with its capacity; C checks the control word, a length of 1 or more
 * within every capacity (NULL only without a capacity), and that no output meets another memory
 * by address (DRAY_EMEET), all before a byte is written.
 *
 * Each memory lies in its own malloc (poisoned bytes before it, so that its start is anywhere
 * modulo 64 and a read before it is a report too, and the block ends where it ends), or, in about
 * a third of the cases, two to four of them in one arena: the same pointer, overlapping from
 * either side, adjacent (allowed), apart. Inputs may meet each other. Expected bytes come from
 * the byte-at-a-time references of shim_driver.c; pq-recover by its defining property.
 */

#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define DOP_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define DOP_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define DOP_POISON(p, n) ((void)(p), (void)(n))
#define DOP_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define DOP_MAX 9u
#define DOP_XOR 2u
#define DOP_PQ 9u
#define DOP_REC 10u

/* A malloc'ed block: `pad` poisoned bytes, then `size` bytes the memories may use. */
typedef struct {
  uint8_t *raw;
  uint8_t *bytes;
  uint32_t pad, size;
  uint8_t *shadow;
  uint8_t *want;
} dop_block;

static void dop_block_new(dop_block *b, uint32_t size) {
  b->pad = below(64);
  b->size = size;
  b->raw = malloc((size_t)b->pad + size + 1);
  CHECK(b->raw != NULL, "out of memory");
  b->bytes = b->raw + b->pad;
  for (uint32_t i = 0; i < size; i++) b->bytes[i] = (uint8_t)rnd();
  DOP_POISON(b->raw, b->pad);
  DOP_POISON(b->bytes + size, 1);
  b->shadow = malloc((size_t)size + 1);
  b->want = malloc((size_t)size + 1);
  CHECK(b->shadow != NULL && b->want != NULL, "out of memory");
  memcpy(b->shadow, b->bytes, size);
  memcpy(b->want, b->bytes, size);
}

static void dop_block_free(dop_block *b) {
  DOP_UNPOISON(b->raw, (size_t)b->pad + b->size + 1);
  free(b->raw);
  free(b->shadow);
  free(b->want);
}

/* A control word for `count` memories: three in four valid, the rest wrong in one way. */
static uint32_t dop_control(uint32_t count) {
  uint32_t op = count >= 4 ? (uint32_t[]){DOP_XOR, DOP_PQ, DOP_REC, DOP_REC}[below(4)] : DOP_XOR;
  uint32_t nout = op == DOP_XOR ? 1 : 2, nin = count - nout, a = 0, b = 0, high = 0;
  if (op == DOP_REC) {
    a = below(nin + 1);
    b = a + 1 + below(nin + 1 - a);
  }
  if (!chance(75)) {
    switch (below(9)) {
      case 0: op = (uint32_t[]){0, 1, 3, 4, 5, 6, 7, 8, 11, 12, 15}[below(11)]; break;
      case 1: op = op == DOP_XOR ? DOP_PQ + below(2) : DOP_XOR; break;
      case 2: nout = (nout + 1 + below(3)) & 3u; break;
      case 3: nin = (uint32_t[]){0, 1, nin - 1, nin + 1, 32, 33, 63}[below(7)]; break;
      case 4: op = DOP_REC, b = a; break; /* lost positions equal */
      case 5: op = DOP_REC, b = a, a = a + 1; break; /* reversed */
      case 6: op = DOP_REC, b = nin + 2 + below(62 - nin); break; /* outside the stripe */
      case 7: high = 1u << below(8); break;
      default: a = below(64), b = below(64); break; /* ignored by xor and pq */
    }
  }
  return (op & 15u) | (nout & 3u) << 4 | (nin & 63u) << 6 | (a & 63u) << 12 | (b & 63u) << 18 |
         high << 24;
}

static int32_t dop_invoke(uint32_t n, uint32_t ctl, uint32_t len, uint8_t *const *m,
                          const uint32_t *c) {
#define M(k) m[k], c[k]
  switch (n) {
    case 3: return dray_dop3(ctl, len, M(0), M(1), M(2));
    case 4: return dray_dop4(ctl, len, M(0), M(1), M(2), M(3));
    case 5: return dray_dop5(ctl, len, M(0), M(1), M(2), M(3), M(4));
    case 6: return dray_dop6(ctl, len, M(0), M(1), M(2), M(3), M(4), M(5));
    case 7: return dray_dop7(ctl, len, M(0), M(1), M(2), M(3), M(4), M(5), M(6));
    case 8: return dray_dop8(ctl, len, M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7));
    default: return dray_dop9(ctl, len, M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7), M(8));
  }
#undef M
}

/* The code dray_dopN returns, from the contract; home/at say which memories share bytes. */
static int32_t dop_model(uint32_t ctl, uint32_t len, uint32_t n, uint8_t *const *m,
                         const uint32_t *cap, const uint32_t *home, const uint32_t *at) {
  uint32_t op = ctl & 15u, nout = (ctl >> 4) & 3u, nin = (ctl >> 6) & 63u;
  uint32_t a = (ctl >> 12) & 63u, b = (ctl >> 18) & 63u;
  if (op != DOP_XOR && op != DOP_PQ && op != DOP_REC) return DRAY_EARG;
  if (op == DOP_REC && !(a < b && b < nin + 2)) return DRAY_EARG;
  if ((ctl >> 24) != 0 || nout + nin != n || len == 0 || nin < 2 || nin > 32) return DRAY_EARG;
  if (nout != (op == DOP_XOR ? 1u : 2u)) return DRAY_EARG;
  for (uint32_t k = 0; k < n; k++) {
    if (len > cap[k]) return DRAY_ERANGE;
    if (m[k] == NULL) return DRAY_EFAULT; /* a capacity of len or more, and no memory */
  }
  for (uint32_t o = 0; o < nout; o++) {
    for (uint32_t k = 0; k < n; k++) {
      if (k == o || home[k] != home[o]) continue;
      uint32_t d = at[k] > at[o] ? at[k] - at[o] : at[o] - at[k];
      if (d < len) return DRAY_EMEET;
    }
  }
  return DRAY_OK;
}

static void run_dop(uint32_t n) {
  dop_block blocks[DOP_MAX + 1];
  uint32_t nblocks = 0;
  uint8_t *m[DOP_MAX];
  uint32_t cap[DOP_MAX], home[DOP_MAX], at[DOP_MAX];
  uint32_t ctl = dop_control(n);
  uint32_t roll = below(100);
  uint32_t size = roll < 40 ? below(130) : roll < 92 ? below(4200) : 512 + below(20000);
  uint32_t room = UINT32_MAX;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t own = size + (chance(30) ? below(4) : 0);
    dop_block_new(&blocks[nblocks], own);
    m[k] = blocks[nblocks].bytes;
    cap[k] = chance(85) ? own : below(own + 1);
    home[k] = nblocks++;
    at[k] = 0;
    if (cap[k] < room) room = cap[k];
  }
  uint32_t len = chance(70) ? room
                            : (uint32_t[]){below(room + 1), 0, room + 1, UINT32_MAX, rnd()}[below(5)];
  if (chance(8)) {
    uint32_t k = below(n); /* as Deno passes an empty or detached view: NULL */
    m[k] = NULL;
    cap[k] = (uint32_t[]){0, len, len, 1 + below(64)}[below(4)];
  } else if (len != 0 && len <= 70000 && chance(35)) {
    /* Two to four memories in one arena; the first two meet in one of the ways that matter. */
    uint32_t count = 2 + (chance(30) ? below(3) : 0);
    if (count > n) count = n;
    uint32_t asize = len * (count + 2) + 128;
    dop_block *arena = &blocks[nblocks];
    dop_block_new(arena, asize);
    uint32_t pick[DOP_MAX], offs[DOP_MAX];
    for (uint32_t k = 0; k < n; k++) pick[k] = k;
    for (uint32_t k = n - 1; k > 0; k--) {
      uint32_t j = below(k + 1), t = pick[k];
      pick[k] = pick[j];
      pick[j] = t;
    }
    if (chance(70) && pick[0] != 0) { /* mostly the first output first */
      for (uint32_t k = 1; k < n; k++) {
        if (pick[k] == 0) pick[k] = pick[0];
      }
      pick[0] = 0;
    }
    uint32_t base = len + below(64), d = len == 1 ? 0 : 1 + below(len - 1);
    offs[0] = base;
    switch (below(6)) {
      case 0: offs[1] = base; break;           /* the same pointer */
      case 1: offs[1] = base - d; break;       /* overlapping, from before */
      case 2: offs[1] = base + d; break;       /* overlapping, from after */
      case 3: offs[1] = base - len; break;     /* adjacent before */
      case 4: offs[1] = base + len; break;     /* adjacent after */
      default: offs[1] = base + len + 1 + below(64); break;
    }
    for (uint32_t k = 2; k < count; k++) offs[k] = below(asize - len + 1);
    for (uint32_t k = 0; k < count; k++) {
      uint32_t j = pick[k];
      m[j] = arena->bytes + offs[k];
      cap[j] = chance(90) ? len : below(len);
      home[j] = nblocks;
      at[j] = offs[k];
    }
    nblocks++;
  }
  int32_t code = dop_model(ctl, len, n, m, cap, home, at);
  int32_t rc = dop_invoke(n, ctl, len, m, cap);
  expect_rc(rc, code, "dray_dopN");

  if (code == DRAY_OK) {
    uint32_t op = ctl & 15u, nout = op == DOP_XOR ? 1 : 2, nin = n - nout;
    uint8_t *in[DOP_MAX], *out[2] = {NULL, NULL};
    for (uint32_t k = 0; k < nin; k++) in[k] = blocks[home[nout + k]].shadow + at[nout + k];
    for (uint32_t o = 0; o < nout; o++) {
      out[o] = calloc(len, 1);
      CHECK(out[o] != NULL, "out of memory");
    }
    if (op == DOP_XOR) {
      for (uint32_t k = 0; k < nin; k++) {
        for (uint32_t i = 0; i < len; i++) out[0][i] ^= in[k][i];
      }
    } else if (op == DOP_PQ) {
      op_pq(out[0], out[1], in, nin, len);
    } else {
      /* The rebuilt blocks, as C wrote them, must make the stripe whole again. */
      uint32_t a = (ctl >> 12) & 63u, b = (ctl >> 18) & 63u;
      uint8_t *stripe[DOP_MAX + 2], *pp = calloc(len, 1), *qq = calloc(len, 1);
      CHECK(pp != NULL && qq != NULL, "out of memory");
      for (uint32_t o = 0; o < 2; o++) memcpy(out[o], m[o], len);
      for (uint32_t pos = 0, j = 0; pos < nin + 2; pos++) {
        stripe[pos] = pos == a ? out[0] : pos == b ? out[1] : in[j++];
      }
      op_pq(pp, qq, stripe, nin, len);
      CHECK(memcmp(pp, stripe[nin], len) == 0, "dray_dopN pq-recover: P does not hold");
      CHECK(memcmp(qq, stripe[nin + 1], len) == 0, "dray_dopN pq-recover: Q does not hold");
      free(pp);
      free(qq);
    }
    for (uint32_t o = 0; o < nout; o++) {
      memcpy(blocks[home[o]].want + at[o], out[o], len);
      free(out[o]);
    }
  }
  for (uint32_t k = 0; k < nblocks; k++) {
    dop_block *b = &blocks[k];
    for (uint32_t i = 0; i < b->size; i++) {
      if (b->bytes[i] != b->want[i]) {
        char text[160];
        snprintf(text, sizeof text, "dray_dop%u (code %d): byte %u of block %u is %u, expected %u",
                 n, code, i, k, b->bytes[i], b->want[i]);
        fail(text);
      }
    }
    dop_block_free(b);
  }
}

static void run_dop3(void) { run_dop(3); }
static void run_dop4(void) { run_dop(4); }
static void run_dop5(void) { run_dop(5); }
static void run_dop6(void) { run_dop(6); }
static void run_dop7(void) { run_dop(7); }
static void run_dop8(void) { run_dop(8); }
static void run_dop9(void) { run_dop(9); }
