/*
 * A C driver over every entry point of the shim, built with AddressSanitizer and
 * UndefinedBehaviorSanitizer by tests/native/sanitize.ts (the sanitizer step of .ci/run).
 *
 * Each buffer is a malloc of exactly its capacity, so the sanitizer reports any access outside it,
 * to the byte; a shadow copy checks that exactly the expected bytes inside it changed. Arguments
 * are random and adversarial: offsets and lengths at and one past the edges, near 2^31 and 2^32,
 * sums that wrap, NULL buffers with and without a capacity, misaligned word buffers, malformed
 * iovec tables. recv() and send() are wrapped (-Wl,--wrap=recv,--wrap=send): a script makes them
 * fail with EINTR, transfer fewer bytes than asked, or report EAGAIN, and the fake recv/send touch
 * every byte they are handed, so a span passed too long is a sanitizer report.
 *
 * The ENTRIES table at the end has one row per exported symbol (a test checks that every
 * DRAY_EXPORT of shim.c is there). Usage: shim_driver [seed] [scale]; exits 0 when every case
 * passed, prints the seed either way.
 */

#include "../../native/shim.c"

/* Which CRC folding kernel the shim chose (0 none, 1 PCLMULQDQ, 2 VPCLMULQDQ), for the report. */
#if defined(DRAY_CRC_FOLD)
#define DRAY_DRIVER_FOLD dray_crc_fold_level
#else
#define DRAY_DRIVER_FOLD 0u
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/* ---- random numbers, failures ---------------------------------------------------------------- */

static uint64_t rng_state;
static const char *current_entry = "";
static unsigned long current_case;
static unsigned long long run_seed;

static uint32_t rnd(void) {
  uint64_t x = rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t below(uint32_t n) { return n <= 1 ? 0 : (uint32_t)(((uint64_t)rnd() * n) >> 32); }

static int chance(uint32_t percent) { return below(100) < percent; }

static void fail(const char *what) {
  fprintf(stderr, "shim_driver: %s case %lu (seed %llu): %s\n", current_entry, current_case, run_seed,
          what);
  abort();
}

#define CHECK(cond, what) \
  do {                    \
    if (!(cond)) fail(what); \
  } while (0)

/* ---- spans: exact-size buffers with a shadow copy ---------------------------------------------- */

typedef struct {
  uint8_t *ptr;    /* malloc(size), or NULL */
  uint32_t size;   /* the bytes really there */
  uint32_t cap;    /* the capacity passed: <= size, anything when ptr is NULL */
  uint32_t off;
  uint32_t len;
  uint8_t *shadow; /* the bytes before the call */
} span;

static uint32_t pick_size(void) {
  uint32_t roll = below(100);
  if (roll < 70) return below(65);
  if (roll < 97) return below(4097);
  return below(65537);
}

/* A buffer of size bytes (NULL now and then, as Deno passes an empty or detached buffer). */
static void span_new(span *s, uint32_t size, int allow_null) {
  memset(s, 0, sizeof *s);
  if (allow_null && chance(6)) {
    s->ptr = NULL;
    s->size = 0;
    s->cap = chance(50) ? 0 : 1 + below(64);
  } else {
    s->size = size;
    s->ptr = malloc(size); /* for 0: a pointer through which nothing may be read (or NULL) */
    CHECK(s->ptr != NULL || size == 0, "out of memory");
    for (uint32_t i = 0; i < size; i++) s->ptr[i] = (uint8_t)rnd();
    s->cap = chance(80) ? size : below(size + 1);
  }
  s->shadow = malloc(s->size == 0 ? 1 : s->size);
  CHECK(s->shadow != NULL, "out of memory");
  if (s->size != 0) memcpy(s->shadow, s->ptr, s->size);
}

static void span_free(span *s) {
  free(s->ptr);
  free(s->shadow);
  s->ptr = s->shadow = NULL;
}

static uint32_t pick_off(uint32_t cap) {
  switch (below(10)) {
    case 0: return 0;
    case 1: return cap;
    case 2: return cap == UINT32_MAX ? cap : cap + 1;
    case 3: return UINT32_MAX;
    case 4: return UINT32_MAX - below(16);
    case 5: return 0x80000000u;
    case 6: return rnd();
    default: return below(cap + 1);
  }
}

static uint32_t pick_len(uint32_t room, uint32_t off) {
  switch (below(10)) {
    case 0: return 0;
    case 1: return room == UINT32_MAX ? room : room + 1;
    case 2: return UINT32_MAX;
    case 3: return UINT32_MAX - off + 1 + below(8); /* off + len wraps around to a small number */
    case 4: return 0x80000000u;
    case 5: return rnd();
    case 6:
    case 7: return room;
    default: return below(room + 1);
  }
}

/* dray_span_ok, written again from its contract. */
static int span_code(const span *s) {
  if (s->off > s->cap || s->len > s->cap - s->off) return DRAY_ERANGE;
  if (s->ptr == NULL && s->cap != 0) return DRAY_EFAULT;
  return DRAY_OK;
}

/* Every byte equals `expected` (NULL: the bytes before the call). */
static void span_check(const span *s, const uint8_t *expected, const char *what) {
  const uint8_t *want = expected != NULL ? expected : s->shadow;
  for (uint32_t i = 0; i < s->size; i++) {
    if (s->ptr[i] != want[i]) {
      char text[160];
      snprintf(text, sizeof text, "%s: byte %u is %u, expected %u", what, i, s->ptr[i], want[i]);
      fail(text);
    }
  }
}

/* An expected copy of the span's bytes before the call, to edit. */
static uint8_t *expected_copy(const span *s) {
  uint8_t *e = malloc(s->size == 0 ? 1 : s->size);
  CHECK(e != NULL, "out of memory");
  if (s->size != 0) memcpy(e, s->shadow, s->size);
  return e;
}

static void expect_rc(int32_t rc, int32_t want, const char *what) {
  if (rc != want) {
    char text[160];
    snprintf(text, sizeof text, "%s: returned %d, expected %d", what, rc, want);
    fail(text);
  }
}

/* ---- iovec tables ------------------------------------------------------------------------------ */

#define MAX_SIDES 9
#define MAX_WORDS (2 + MAX_SIDES * (1 + 2 * 1024))

typedef struct {
  uint32_t off, len;
} pair;

/* Table words over sides of these capacities: mostly well formed, sometimes not (as in the TS fuzz). */
static uint32_t gen_table(uint32_t *w, uint32_t prefix, const span *sides, uint32_t n) {
  uint32_t at = 0;
  for (uint32_t i = 0; i < prefix; i++) w[at++] = rnd();
  uint32_t room = UINT32_MAX;
  for (uint32_t s = 0; s < n; s++) {
    uint32_t c = sides[s].ptr == NULL ? 0 : sides[s].cap;
    if (c < room) room = c;
  }
  uint32_t total = chance(90) ? below(room + 1) : (below(2) ? room + 1 : rnd());
  /* A third of the tables have one pair per side, as the TypeScript side builds them for whole
     views (dray_xorN checks and runs those without its cursors). */
  int simple = chance(33);
  for (uint32_t s = 0; s < n; s++) {
    uint32_t count = simple        ? 1
                     : chance(92) ? 1 + below(4)
                                  : (uint32_t[]){0, 1024, 1025, UINT32_MAX}[below(4)];
    uint32_t pieces = count > 1024 ? 1024 : count;
    uint32_t written = count > 1024 && chance(50) ? below(4) : pieces;
    uint32_t cuts[1025];
    cuts[0] = 0;
    for (uint32_t i = 1; i < pieces; i++) cuts[i] = below(total + 1);
    /* insertion sort of the cut points */
    for (uint32_t i = 2; i < pieces; i++) {
      uint32_t v = cuts[i], j = i;
      while (j > 1 && cuts[j - 1] > v) {
        cuts[j] = cuts[j - 1];
        j--;
      }
      cuts[j] = v;
    }
    w[at++] = count;
    for (uint32_t i = 0; i < written; i++) {
      uint32_t end = i + 1 < pieces ? cuts[i + 1] : total;
      uint32_t len = end - cuts[i];
      if (chance(3)) len++;
      uint32_t cap = sides[s].cap;
      uint32_t off = len <= cap ? below(cap - len + 1) : below(cap + 1);
      if (chance(3)) off = cap == UINT32_MAX ? cap : cap + 1;
      if (chance(2)) {
        off = 1 + below(4);
        len = UINT32_MAX;
      }
      w[at++] = off;
      w[at++] = len;
    }
  }
  return at;
}

/* dray_sides_parse, written again from the table contract; fills pairs/counts on success. */
static int parse_sides(const uint32_t *tab, uint32_t words, const span *sides, uint32_t n,
                       pair **pairs, uint32_t *counts, uint64_t *total) {
  uint32_t at = 0;
  uint64_t first = 0;
  for (uint32_t s = 0; s < n; s++) {
    if (at >= words) return DRAY_EIOV;
    uint32_t count = tab[at++];
    if (count == 0 || count > 1024 || count > (words - at) / 2) return DRAY_EIOV;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < count; i++) {
      span probe = sides[s];
      probe.off = tab[at + 2 * i];
      probe.len = tab[at + 2 * i + 1];
      int code = span_code(&probe);
      if (code != DRAY_OK) return code;
      sum += probe.len;
      pairs[s][i].off = probe.off;
      pairs[s][i].len = probe.len;
    }
    if (s == 0) {
      first = sum;
    } else if (sum != first) {
      return DRAY_EIOV;
    }
    counts[s] = count;
    at += 2 * count;
  }
  *total = first;
  return DRAY_OK;
}

/* The bytes of a side in walk order, from the shadow. */
static uint8_t *gather(const span *s, const pair *p, uint32_t count, uint64_t total) {
  uint8_t *out = malloc(total == 0 ? 1 : (size_t)total);
  CHECK(out != NULL, "out of memory");
  uint64_t k = 0;
  for (uint32_t i = 0; i < count; i++) {
    memcpy(out + k, s->shadow + p[i].off, p[i].len);
    k += p[i].len;
  }
  return out;
}

/* A table in its own exact-size allocation, sometimes misaligned or NULL. */
typedef struct {
  uint8_t *block;  /* what was allocated */
  uint32_t *words; /* where the table starts (maybe misaligned) */
  uint32_t held;   /* words really there */
  uint32_t passed; /* words passed to C */
  int misaligned;
} table;

static void table_new(table *t, const uint32_t *w, uint32_t n) {
  memset(t, 0, sizeof *t);
  if (chance(4)) {
    t->passed = chance(50) ? 0 : 1 + below(16);
    return;
  }
  uint32_t slack = below(3);
  t->held = n + slack;
  t->misaligned = chance(5);
  size_t bytes = 4u * (size_t)t->held + (t->misaligned ? 1 : 0);
  t->block = malloc(bytes == 0 ? 1 : bytes);
  CHECK(t->block != NULL, "out of memory");
  if (t->held == 0 && !t->misaligned) {
    free(t->block);
    t->block = malloc(0);
  }
  t->words = (uint32_t *)(void *)(t->block + (t->misaligned ? 1 : 0));
  for (uint32_t i = 0; i < t->held; i++) {
    uint32_t v = i < n ? w[i] : 0;
    memcpy((uint8_t *)t->words + 4 * i, &v, 4);
  }
  uint32_t choices[] = {n, n, n, t->held, below(n + 1)};
  t->passed = choices[below(5)];
}

/* The table's words as C reads them, or the code for a NULL or misaligned table. */
static int table_words(const table *t, uint32_t *out) {
  if (t->block == NULL) return t->passed == 0 ? DRAY_EIOV : DRAY_EFAULT;
  if (t->misaligned) return DRAY_EFAULT;
  memcpy(out, t->words, 4u * (size_t)t->passed);
  return DRAY_OK;
}

static pair pair_store[MAX_SIDES][1024];

/* ---- the kernels ------------------------------------------------------------------------------- */

static void run_version(void) { expect_rc((int32_t)dray_version(), (int32_t)DRAY_VERSION, "version"); }

static void run_abi(void) { expect_rc((int32_t)dray_abi(), DRAY_ABI, "abi"); }

static void run_crc_impl(void) { CHECK(dray_crc32c_impl() <= 2, "unknown CRC implementation"); }

static void run_copy(void) {
  span d, s;
  span_new(&d, pick_size(), 1);
  int alias = d.ptr != NULL && chance(20);
  if (alias) {
    s = d;
    s.cap = below(d.size + 1);
  } else {
    span_new(&s, pick_size(), 1);
  }
  d.off = pick_off(d.cap);
  s.off = pick_off(s.cap);
  uint32_t room_d = d.off <= d.cap ? d.cap - d.off : 0, room_s = s.off <= s.cap ? s.cap - s.off : 0;
  d.len = s.len = pick_len(room_d < room_s ? room_d : room_s, d.off > s.off ? d.off : s.off);
  int code = span_code(&d);
  if (code == DRAY_OK) code = span_code(&s);
  uint8_t *want = expected_copy(&d);
  if (code == DRAY_OK) memmove(want + d.off, s.shadow + s.off, d.len);
  expect_rc(dray_copy(d.ptr, d.cap, d.off, s.ptr, s.cap, s.off, d.len), code, "dray_copy");
  span_check(&d, code == DRAY_OK ? want : NULL, "dray_copy dst");
  if (!alias) {
    span_check(&s, NULL, "dray_copy src");
    span_free(&s);
  }
  free(want);
  span_free(&d);
}

static void run_fill(void) {
  span d;
  span_new(&d, pick_size(), 1);
  d.off = pick_off(d.cap);
  d.len = pick_len(d.off <= d.cap ? d.cap - d.off : 0, d.off);
  uint32_t value = chance(50) ? below(256) : rnd();
  int code = span_code(&d);
  uint8_t *want = expected_copy(&d);
  if (code == DRAY_OK) memset(want + d.off, (int)(value & 0xff), d.len);
  expect_rc(dray_fill(d.ptr, d.cap, d.off, value, d.len), code, "dray_fill");
  span_check(&d, code == DRAY_OK ? want : NULL, "dray_fill dst");
  free(want);
  span_free(&d);
}

static uint32_t bitwise_crc32c(uint32_t seed, const uint8_t *p, uint64_t n) {
  uint32_t crc = ~seed;
  for (uint64_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc & 1u) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
  }
  return ~crc;
}

static uint32_t words_scratch[MAX_WORDS];
static uint32_t words_seen[MAX_WORDS];

static void run_crc32c(void) {
  span src;
  span_new(&src, pick_size(), 1);
  uint32_t n = gen_table(words_scratch, 1, &src, 1);
  table t;
  table_new(&t, words_scratch, n);
  int code = table_words(&t, words_seen);
  pair *pairs[1] = {pair_store[0]};
  uint32_t counts[1];
  uint64_t total = 0;
  if (code == DRAY_OK && t.passed < 1) code = DRAY_EIOV;
  if (code == DRAY_OK) code = parse_sides(words_seen + 1, t.passed - 1, &src, 1, pairs, counts, &total);
  uint32_t want = 0;
  if (code == DRAY_OK) {
    uint8_t *bytes = gather(&src, pairs[0], counts[0], total);
    want = bitwise_crc32c(words_seen[0], bytes, total);
    free(bytes);
  }
  uint32_t before0 = t.block != NULL && !t.misaligned && t.held > 0 ? t.words[0] : 0;
  expect_rc(dray_crc32c(t.words, t.passed, src.ptr, src.cap), code, "dray_crc32c");
  if (t.block != NULL && !t.misaligned && t.held > 0) {
    CHECK(t.words[0] == (code == DRAY_OK ? want : before0), "dray_crc32c: wrong CRC in tab[0]");
    for (uint32_t i = 1; i < t.held; i++) {
      CHECK(t.words[i] == (i < n ? words_scratch[i] : 0), "dray_crc32c: the table changed");
    }
  }
  span_check(&src, NULL, "dray_crc32c src");
  free(t.block);
  span_free(&src);
}

static void run_crc32c_span(void) {
  span src;
  span_new(&src, pick_size(), 1);
  src.off = pick_off(src.cap);
  src.len = pick_len(src.off <= src.cap ? src.cap - src.off : 0, src.off);
  uint32_t seed = chance(30) ? 0 : rnd();
  int code = span_code(&src);
  double got = dray_crc32c_span(src.ptr, src.cap, src.off, src.len, seed);
  if (code == DRAY_OK) {
    CHECK(got == (double)bitwise_crc32c(seed, src.shadow + src.off, src.len),
          "dray_crc32c_span: wrong CRC");
  } else {
    CHECK(got == (double)code, "dray_crc32c_span: wrong code");
  }
  span_check(&src, NULL, "dray_crc32c_span src");
  span_free(&src);
}

#define XOR_ARGS(k) sp[k].ptr, sp[k].cap
static int32_t call_xor(uint32_t n, const uint32_t *tab, uint32_t words, span *d, const span *sp) {
  switch (n) {
    case 2: return dray_xor2(tab, words, d->ptr, d->cap, XOR_ARGS(0), XOR_ARGS(1));
    case 3: return dray_xor3(tab, words, d->ptr, d->cap, XOR_ARGS(0), XOR_ARGS(1), XOR_ARGS(2));
    case 4:
      return dray_xor4(tab, words, d->ptr, d->cap, XOR_ARGS(0), XOR_ARGS(1), XOR_ARGS(2),
                       XOR_ARGS(3));
    case 5:
      return dray_xor5(tab, words, d->ptr, d->cap, XOR_ARGS(0), XOR_ARGS(1), XOR_ARGS(2),
                       XOR_ARGS(3), XOR_ARGS(4));
    case 6:
      return dray_xor6(tab, words, d->ptr, d->cap, XOR_ARGS(0), XOR_ARGS(1), XOR_ARGS(2),
                       XOR_ARGS(3), XOR_ARGS(4), XOR_ARGS(5));
    case 7:
      return dray_xor7(tab, words, d->ptr, d->cap, XOR_ARGS(0), XOR_ARGS(1), XOR_ARGS(2),
                       XOR_ARGS(3), XOR_ARGS(4), XOR_ARGS(5), XOR_ARGS(6));
    default:
      return dray_xor8(tab, words, d->ptr, d->cap, XOR_ARGS(0), XOR_ARGS(1), XOR_ARGS(2),
                       XOR_ARGS(3), XOR_ARGS(4), XOR_ARGS(5), XOR_ARGS(6), XOR_ARGS(7));
  }
}

static void run_xor(uint32_t n) {
  span sides[MAX_SIDES];
  for (uint32_t s = 0; s <= n; s++) span_new(&sides[s], pick_size(), 1);
  uint32_t w = gen_table(words_scratch, 0, sides, n + 1);
  table t;
  table_new(&t, words_scratch, w);
  int code = table_words(&t, words_seen);
  pair *pairs[MAX_SIDES];
  uint32_t counts[MAX_SIDES];
  for (uint32_t s = 0; s <= n; s++) pairs[s] = pair_store[s];
  uint64_t total = 0;
  if (code == DRAY_OK) code = parse_sides(words_seen, t.passed, sides, n + 1, pairs, counts, &total);
  uint8_t *want = expected_copy(&sides[0]);
  if (code == DRAY_OK) {
    uint8_t *acc = calloc(total == 0 ? 1 : (size_t)total, 1);
    CHECK(acc != NULL, "out of memory");
    for (uint32_t s = 1; s <= n; s++) {
      uint8_t *g = gather(&sides[s], pairs[s], counts[s], total);
      for (uint64_t i = 0; i < total; i++) acc[i] ^= g[i];
      free(g);
    }
    uint64_t k = 0;
    for (uint32_t i = 0; i < counts[0]; i++) {
      memcpy(want + pairs[0][i].off, acc + k, pairs[0][i].len);
      k += pairs[0][i].len;
    }
    free(acc);
  }
  expect_rc(call_xor(n, t.words, t.passed, &sides[0], sides + 1), code, "dray_xorN");
  span_check(&sides[0], code == DRAY_OK ? want : NULL, "dray_xorN dst");
  for (uint32_t s = 1; s <= n; s++) span_check(&sides[s], NULL, "dray_xorN source");
  if (t.block != NULL && !t.misaligned) {
    for (uint32_t i = 0; i < t.held; i++) {
      CHECK(t.words[i] == (i < w ? words_scratch[i] : 0), "dray_xorN: the table changed");
    }
  }
  free(want);
  free(t.block);
  for (uint32_t s = 0; s <= n; s++) span_free(&sides[s]);
}

static void run_xor2(void) { run_xor(2); }
static void run_xor3(void) { run_xor(3); }
static void run_xor4(void) { run_xor(4); }
static void run_xor5(void) { run_xor(5); }
static void run_xor6(void) { run_xor(6); }
static void run_xor7(void) { run_xor(7); }
static void run_xor8(void) { run_xor(8); }

/* ---- the generic dmover entry points: dray_isa, dray_op4, dray_op12 ----------------------------- */

/*
 * The table contract of dray_op4/dray_op12 written again: a header [op, outputs, inputs, arg0..3,
 * res0, res1], then per side (outputs first) a memory index, a count (1..1024) and that many
 * (offset, length) pairs. Expected bytes come from byte-at-a-time references (GF(2^8) by shifts,
 * CRC bit by bit); pq-recover is checked by its defining property: with the two rebuilt blocks put
 * back, the stripe's P and Q hold again. Where an output overlaps another side its bytes are
 * unspecified, and only "nothing outside the output's pairs changed" is checked.
 */

#define OP_MEMS 12u
#define OP_SIDES 36u
#define OP_WORDS (9u + OP_SIDES * (2u + 2u * 1024u))

enum { OP_COPY, OP_FILL, OP_XOR, OP_CRC, OP_CMP, OP_PAT, OP_COPY_CRC, OP_DUAL, OP_XCHK, OP_PQ, OP_REC };

static uint32_t op_words[OP_WORDS];
static uint32_t op_seen[OP_WORDS];
static pair op_pairs[OP_SIDES][1024];

typedef struct {
  uint32_t op, nout, nin, arg[4];
  uint32_t nsides;
  uint32_t mem[OP_SIDES];
  uint32_t count[OP_SIDES];
  uint64_t total;
} op_parsed;

static uint8_t gf_mul2(uint8_t a) { return (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1d : 0)); }

static int op_shape(uint32_t op, uint32_t *nout, uint32_t *fewest, uint32_t *most) {
  static const uint32_t shapes[11][3] = {{1, 1, 1}, {1, 0, 0}, {1, 2, 32}, {0, 1, 1},
                                         {0, 2, 2}, {0, 1, 1}, {1, 1, 1}, {2, 1, 1},
                                         {0, 2, 32}, {2, 2, 32}, {2, 2, 32}};
  if (op > OP_REC) return 0;
  *nout = shapes[op][0];
  *fewest = shapes[op][1];
  *most = shapes[op][2];
  return 1;
}

static uint32_t bit_count(uint64_t x) {
  uint32_t n = 0;
  for (; x != 0; x >>= 1) n += (uint32_t)(x & 1u);
  return n;
}

/* The code dray_op_run returns for these words (already NULL/alignment-checked), or DRAY_OK. */
static int op_parse(const uint32_t *w, uint32_t words, const span *m, uint32_t nmem, op_parsed *p) {
  if (words < 9) return DRAY_EIOV;
  uint32_t nout, fewest, most;
  p->op = w[0];
  p->nout = w[1];
  p->nin = w[2];
  for (uint32_t j = 0; j < 4; j++) p->arg[j] = w[3 + j];
  if (!op_shape(p->op, &nout, &fewest, &most) || p->nout != nout || p->nin < fewest || p->nin > most) {
    return DRAY_EARG;
  }
  if (p->op == OP_FILL && p->arg[0] > 255) return DRAY_EARG;
  if (p->op == OP_REC) {
    uint64_t mask = (uint64_t)p->arg[0] | (uint64_t)p->arg[1] << 32;
    if ((mask >> (p->nin + 2)) != 0 || bit_count(mask) != 2) return DRAY_EARG;
  }
  p->nsides = p->nout + p->nin;
  uint32_t at = 9;
  uint64_t first = 0;
  for (uint32_t s = 0; s < p->nsides; s++) {
    if (words - at < 2) return DRAY_EIOV;
    uint32_t mi = w[at++];
    uint32_t count = w[at++];
    if (mi >= nmem) return DRAY_EARG;
    if (count == 0 || count > 1024 || count > (words - at) / 2) return DRAY_EIOV;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < count; i++) {
      span probe = m[mi];
      probe.off = w[at + 2 * i];
      probe.len = w[at + 2 * i + 1];
      int code = span_code(&probe);
      if (code != DRAY_OK) return code;
      sum += probe.len;
      op_pairs[s][i].off = probe.off;
      op_pairs[s][i].len = probe.len;
    }
    if (s == 0) {
      first = sum;
    } else if (sum != first) {
      return DRAY_EIOV;
    }
    p->mem[s] = mi;
    p->count[s] = count;
    at += 2 * count;
  }
  p->total = first;
  return DRAY_OK;
}

/* Table words over these memories: mostly valid and laid out apart, sometimes not (as in the TS). */
static uint32_t gen_op_table(uint32_t *w, const span *m, uint32_t nmem) {
  uint32_t op = chance(95) ? below(11) : (uint32_t[]){11, 12, 255, UINT32_MAX}[below(4)];
  uint32_t nout = below(3), fewest = below(3), most = 2 + below(4);
  op_shape(op, &nout, &fewest, &most);
  uint32_t upto = chance(80) && fewest + 4 < most ? fewest + 4 : most;
  uint32_t nin = fewest + below(upto - fewest + 1);
  if (chance(4)) nout = (uint32_t[]){0, 1, 2, 3, UINT32_MAX}[below(5)];
  if (chance(4)) nin = (uint32_t[]){0, 1, 2, 32, 33, UINT32_MAX}[below(6)];
  uint32_t at = 0;
  w[at++] = op;
  w[at++] = nout;
  w[at++] = nin;
  uint32_t args[4] = {rnd(), rnd(), rnd(), rnd()};
  if (op == OP_FILL) args[0] = chance(90) ? below(256) : (uint32_t[]){256, UINT32_MAX}[below(2)];
  if (op == OP_REC) {
    uint32_t n = (nin > 32 ? 32 : nin) + 2;
    uint32_t a = below(n), b = below(n);
    while (n > 1 && b == a) b = below(n);
    uint64_t mask = 1ull << a;
    uint32_t roll = below(100);
    if (roll < 88) {
      mask |= 1ull << b;
    } else if (roll < 93) {
      mask |= 1ull << b | 1ull << ((b + 1 + below(n)) % n);
    } else if (roll < 98) {
      mask |= 1ull << (n + below(64 - n));
    }
    args[0] = (uint32_t)mask;
    args[1] = (uint32_t)(mask >> 32);
  }
  for (uint32_t j = 0; j < 4; j++) w[at++] = args[j];
  w[at++] = rnd();
  w[at++] = rnd();
  uint64_t sides64 = (uint64_t)nout + nin;
  uint32_t nsides = sides64 > OP_SIDES ? OP_SIDES : (uint32_t)sides64;
  uint32_t bad = nsides == 0 ? 35 : 35 / nsides + 1; /* per mille per side, about a third in all */
  uint32_t index[OP_SIDES], sharing[OP_MEMS] = {0};
  for (uint32_t s = 0; s < nsides; s++) {
    if (below(1000) < bad / 3) {
      index[s] = (uint32_t[]){nmem, nmem + 1, UINT32_MAX}[below(3)];
    } else {
      index[s] = below(nmem);
      for (uint32_t tries = 0; tries < 4 && m[index[s]].ptr == NULL && chance(90); tries++) {
        index[s] = below(nmem);
      }
      sharing[index[s]]++;
    }
  }
  uint32_t room = nsides == 0 ? 0 : UINT32_MAX;
  for (uint32_t k = 0; k < nmem; k++) {
    if (sharing[k] == 0) continue;
    uint32_t c = m[k].ptr == NULL ? 0 : m[k].cap / sharing[k];
    if (c < room) room = c;
  }
  uint32_t total = chance(97) ? below(room + 1) : (below(2) ? room + 1 : rnd());
  int apart = chance(85);
  uint32_t next[OP_MEMS] = {0};
  static uint32_t cuts[1026];
  for (uint32_t s = 0; s < nsides; s++) {
    uint32_t k = index[s];
    uint32_t cap = k < nmem ? m[k].cap : below(64);
    uint32_t count = below(1000) >= bad ? 1 + below(4) : (uint32_t[]){0, 1024, 1025, UINT32_MAX}[below(4)];
    uint32_t pieces = count > 1024 ? 1024 : count;
    cuts[0] = 0;
    for (uint32_t i = 1; i < pieces; i++) cuts[i] = below(total + 1);
    for (uint32_t i = 2; i < pieces; i++) { /* insertion sort */
      uint32_t v = cuts[i], j = i;
      while (j > 1 && cuts[j - 1] > v) {
        cuts[j] = cuts[j - 1];
        j--;
      }
      cuts[j] = v;
    }
    cuts[pieces] = total;
    w[at++] = k;
    w[at++] = count;
    uint32_t slot = k < nmem ? cap / sharing[k] : cap;
    uint32_t base = k < nmem ? next[k] : 0;
    if (k < nmem) next[k] += slot;
    uint32_t shift = base + below((slot > total ? slot - total : 0) + 1);
    int reversed = chance(30);
    uint32_t written = count > 1024 && chance(50) ? below(4) : pieces;
    for (uint32_t i = 0; i < written; i++) {
      uint32_t len = cuts[i + 1] - cuts[i];
      uint32_t off;
      if (apart && total <= slot) {
        off = shift + (reversed ? total - cuts[i + 1] : cuts[i]);
      } else {
        off = len <= cap ? below(cap - len + 1) : below(cap + 1);
      }
      if (below(1000) < bad / 3) len++;
      if (below(1000) < bad / 3) off = cap == UINT32_MAX ? cap : cap + 1;
      if (below(1000) < bad / 4) {
        off = 1 + below(4);
        len = UINT32_MAX;
      }
      w[at++] = off;
      w[at++] = len;
    }
  }
  return at;
}

/* A side's bytes in walk order, from the shadow (before) or from the memory (after). */
static uint8_t *op_gather(const span *s, uint32_t side, uint32_t count, uint64_t total, int after) {
  span view = *s;
  if (after && s->ptr != NULL) view.shadow = s->ptr; /* NULL: every pair is empty */
  return gather(&view, op_pairs[side], count, total);
}

/* Whether an output side shares a byte with any side (itself included). */
static int op_overlap(const op_parsed *p, const span *m, uint32_t nmem) {
  int hit = 0;
  for (uint32_t k = 0; k < nmem && !hit; k++) {
    if (m[k].size == 0) continue;
    int16_t *mark = malloc((size_t)m[k].size * sizeof *mark);
    CHECK(mark != NULL, "out of memory");
    for (uint32_t i = 0; i < m[k].size; i++) mark[i] = -1;
    for (uint32_t s = 0; s < p->nsides && !hit; s++) {
      if (p->mem[s] != k) continue;
      for (uint32_t i = 0; i < p->count[s] && !hit; i++) {
        for (uint32_t b = op_pairs[s][i].off; b < op_pairs[s][i].off + op_pairs[s][i].len; b++) {
          if (mark[b] == -1) {
            mark[b] = (int16_t)s;
          } else if (s < p->nout || (uint32_t)mark[b] < p->nout) {
            hit = 1;
            break;
          }
        }
      }
    }
    free(mark);
  }
  return hit;
}

static uint32_t op_crc(uint32_t seed, const uint8_t *p, uint64_t n) { return bitwise_crc32c(seed, p, n); }

/* The first offset where f(i) is not 0, or UINT64_MAX. */
static uint64_t op_first(const uint8_t *x, uint64_t n) {
  for (uint64_t i = 0; i < n; i++) {
    if (x[i] != 0) return i;
  }
  return UINT64_MAX;
}

/* P (xor) and Q (sum of g^k D_k, by Horner from the last block) of n blocks. */
static void op_pq(uint8_t *pp, uint8_t *qq, uint8_t *const *d, uint32_t n, uint64_t len) {
  for (uint64_t i = 0; i < len; i++) {
    uint8_t p = 0, q = 0;
    for (uint32_t k = n; k-- > 0;) {
      p ^= d[k][i];
      q = (uint8_t)(gf_mul2(q) ^ d[k][i]);
    }
    pp[i] = p;
    qq[i] = q;
  }
}

typedef struct {
  uint32_t nmem;
  uint32_t *tab;
  uint32_t words;
  span *m;
  int32_t rc;
} op_call;

static int32_t op_invoke(uint32_t nmem, uint32_t *tab, uint32_t words, span *m) {
#define M(k) m[k].ptr, m[k].cap
  if (nmem == 4) return dray_op4(tab, words, M(0), M(1), M(2), M(3));
  return dray_op12(tab, words, M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7), M(8), M(9), M(10),
                   M(11));
#undef M
}

static void *op_thread(void *arg) {
  op_call *c = arg;
  c->rc = op_invoke(c->nmem, c->tab, c->words, c->m);
  return NULL;
}

/* One case of dray_op4 (nmem 4) or dray_op12; `threaded`: called on another thread, as Deno's
 * nonblocking calls are. */
/* A memory's size: sides share memories, so larger than pick_size(), for the vector loops. */
static uint32_t op_size(void) {
  uint32_t roll = below(100);
  if (roll < 25) return below(129);
  if (roll < 92) return below(8193);
  return below(65537);
}

static void run_op(uint32_t nmem, int threaded) {
  span m[OP_MEMS];
  for (uint32_t k = 0; k < nmem; k++) span_new(&m[k], op_size(), 1);
  uint32_t n = gen_op_table(op_words, m, nmem);
  table t;
  table_new(&t, op_words, n);
  op_parsed p;
  memset(&p, 0, sizeof p);
  int code = table_words(&t, op_seen);
  if (code == DRAY_OK) code = op_parse(op_seen, t.passed, m, nmem, &p);

  /* The searches mostly agree: the last input made to match, then maybe one byte changed. */
  if (code == DRAY_OK && p.total > 0 && (p.op == OP_CMP || p.op == OP_PAT || p.op == OP_XCHK) &&
      chance(80)) {
    uint32_t last = p.nsides - 1;
    uint8_t *want = calloc((size_t)p.total, 1);
    CHECK(want != NULL, "out of memory");
    for (uint32_t s = 0; s < last; s++) {
      uint8_t *g = op_gather(&m[p.mem[s]], s, p.count[s], p.total, 1);
      for (uint64_t i = 0; i < p.total; i++) want[i] = p.op == OP_CMP ? g[i] : want[i] ^ g[i];
      free(g);
    }
    if (p.op == OP_PAT) {
      for (uint64_t i = 0; i < p.total; i++) want[i] = (uint8_t)(p.arg[(i & 7) / 4] >> (8 * (i & 3)));
    }
    if (chance(50)) want[below((uint32_t)p.total)] ^= (uint8_t)(1 + below(255));
    uint64_t k = 0;
    for (uint32_t i = 0; i < p.count[last]; i++) {
      if (op_pairs[last][i].len == 0) continue;
      memcpy(m[p.mem[last]].ptr + op_pairs[last][i].off, want + k, op_pairs[last][i].len);
      k += op_pairs[last][i].len;
    }
    free(want);
    for (uint32_t j = 0; j < nmem; j++) {
      if (m[j].size != 0) memcpy(m[j].shadow, m[j].ptr, m[j].size);
    }
  }

  int32_t rc;
  if (threaded) {
    op_call c = {nmem, t.words, t.passed, m, 0};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, op_thread, &c) == 0, "pthread_create");
    CHECK(pthread_join(thread, NULL) == 0, "pthread_join");
    rc = c.rc;
  } else {
    rc = op_invoke(nmem, t.words, t.passed, m);
  }
  expect_rc(rc, code, nmem == 4 ? "dray_op4" : "dray_op12");

  uint8_t *want[OP_MEMS];
  for (uint32_t k = 0; k < nmem; k++) want[k] = expected_copy(&m[k]);
  int have_result = 0, any_result = 0;
  uint64_t result = 0;
  if (code == DRAY_OK) {
    int overlap = op_overlap(&p, m, nmem);
    uint64_t total = p.total;
    size_t bytes = total == 0 ? 1 : (size_t)total;
    uint8_t *in[32], *out[2] = {NULL, NULL};
    for (uint32_t s = 0; s < p.nin; s++) {
      in[s] = op_gather(&m[p.mem[p.nout + s]], p.nout + s, p.count[p.nout + s], total, 0);
    }
    for (uint32_t s = 0; s < p.nout; s++) {
      out[s] = calloc(bytes, 1);
      CHECK(out[s] != NULL, "out of memory");
    }
    uint8_t *tmp = calloc(bytes, 1);
    CHECK(tmp != NULL, "out of memory");
    switch (p.op) {
      case OP_COPY: memcpy(out[0], in[0], (size_t)total); break;
      case OP_FILL: memset(out[0], (int)p.arg[0], (size_t)total); break;
      case OP_XOR:
        for (uint32_t s = 0; s < p.nin; s++) {
          for (uint64_t i = 0; i < total; i++) out[0][i] ^= in[s][i];
        }
        break;
      case OP_CRC: have_result = 1, result = op_crc(p.arg[0], in[0], total); break;
      case OP_CMP:
        for (uint64_t i = 0; i < total; i++) tmp[i] = in[0][i] ^ in[1][i];
        have_result = 1, result = op_first(tmp, total);
        break;
      case OP_PAT:
        for (uint64_t i = 0; i < total; i++) {
          tmp[i] = in[0][i] ^ (uint8_t)(p.arg[(i & 7) / 4] >> (8 * (i & 3)));
        }
        have_result = 1, result = op_first(tmp, total);
        break;
      case OP_COPY_CRC:
        memcpy(out[0], in[0], (size_t)total);
        have_result = 1, result = op_crc(p.arg[0], in[0], total);
        any_result = overlap;
        break;
      case OP_DUAL:
        memcpy(out[0], in[0], (size_t)total);
        memcpy(out[1], in[0], (size_t)total);
        break;
      case OP_XCHK:
        for (uint32_t s = 0; s < p.nin; s++) {
          for (uint64_t i = 0; i < total; i++) tmp[i] ^= in[s][i];
        }
        have_result = 1, result = op_first(tmp, total);
        break;
      case OP_PQ: op_pq(out[0], out[1], in, p.nin, total); break;
      default: {
        /* The rebuilt blocks, as C wrote them, must make the stripe whole again. */
        uint8_t *got[2], *stripe[34];
        for (uint32_t s = 0; s < 2; s++) got[s] = op_gather(&m[p.mem[s]], s, p.count[s], total, 1);
        uint64_t mask = (uint64_t)p.arg[0] | (uint64_t)p.arg[1] << 32;
        uint32_t j = 0, g = 0;
        for (uint32_t pos = 0; pos < p.nin + 2; pos++) stripe[pos] = (mask >> pos) & 1u ? got[g++] : in[j++];
        uint8_t *pp = calloc(bytes, 1), *qq = calloc(bytes, 1);
        CHECK(pp != NULL && qq != NULL, "out of memory");
        op_pq(pp, qq, stripe, p.nin, total);
        if (!overlap) {
          CHECK(memcmp(pp, stripe[p.nin], (size_t)total) == 0, "pq-recover: P does not hold");
          CHECK(memcmp(qq, stripe[p.nin + 1], (size_t)total) == 0, "pq-recover: Q does not hold");
        }
        memcpy(out[0], got[0], (size_t)total);
        memcpy(out[1], got[1], (size_t)total);
        free(pp);
        free(qq);
        free(got[0]);
        free(got[1]);
      }
    }
    /* The expected memories: outputs scattered over their pairs (or, overlapping, anything there). */
    for (uint32_t s = 0; s < p.nout; s++) {
      uint32_t k = p.mem[s];
      uint64_t at = 0;
      for (uint32_t i = 0; i < p.count[s]; i++) {
        if (op_pairs[s][i].len == 0) continue;
        const uint8_t *from = overlap ? m[k].ptr + op_pairs[s][i].off : out[s] + at;
        memcpy(want[k] + op_pairs[s][i].off, from, op_pairs[s][i].len);
        at += op_pairs[s][i].len;
      }
    }
    free(tmp);
    for (uint32_t s = 0; s < p.nin; s++) free(in[s]);
    for (uint32_t s = 0; s < p.nout; s++) free(out[s]);
  }
  for (uint32_t k = 0; k < nmem; k++) {
    span_check(&m[k], want[k], "dray_opN memory");
    free(want[k]);
  }
  if (t.block != NULL && !t.misaligned) {
    for (uint32_t i = 0; i < t.held; i++) {
      uint32_t before = i < n ? op_words[i] : 0;
      if (i == 7 && have_result) {
        CHECK(any_result || t.words[7] == (uint32_t)result, "dray_opN: wrong result in tab[7]");
      } else if (i == 8 && have_result) {
        CHECK(any_result || t.words[8] == (uint32_t)(result >> 32), "dray_opN: wrong result in tab[8]");
      } else {
        CHECK(t.words[i] == before, "dray_opN: the table changed");
      }
    }
  }
  free(t.block);
  for (uint32_t k = 0; k < nmem; k++) span_free(&m[k]);
}

static void run_op4(void) { run_op(4, 0); }
static void run_op12(void) { run_op(12, 0); }
static void run_op4_async(void) { run_op(4, 1); }
static void run_op12_async(void) { run_op(12, 1); }

/* dray_isa: the CPU's level, lowered by DRAY_ISA and DRAY_ISA_MAX. */
static void run_isa(void) {
  uint32_t level = dray_isa();
  CHECK(level <= 3, "dray_isa: unknown level");
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  uint32_t cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? 3
                 : __builtin_cpu_supports("avx2")                                       ? 2
                                                                                        : 1;
  /* The level is DRAY_ISA's first word; ",nogfni" and the like after it only turn features off. */
  const char *asked = getenv("DRAY_ISA");
  char word[16] = "";
  if (asked != NULL) {
    size_t n = strcspn(asked, ",");
    if (n < sizeof word) memcpy(word, asked, n), word[n] = '\0';
  }
  uint32_t cap = DRAY_ISA_MAX;
  if (strcmp(word, "scalar") == 0) cap = 0;
  if (strcmp(word, "baseline") == 0 || strcmp(word, "sse2") == 0) cap = 1;
  if (strcmp(word, "avx2") == 0 && cap > 2) cap = 2;
  expect_rc((int32_t)level, (int32_t)(cpu < cap ? cpu : cap), "dray_isa");
  /* The features beyond the level are used only from avx2 up, and only those DRAY_ISA keeps. */
  if (level < DRAY_ISA_AVX2) CHECK(dray_isa_features == 0, "dray_isa: features below avx2");
  if (asked != NULL && strstr(asked, ",nogfni") != NULL) {
    CHECK(!(dray_isa_features & DRAY_F_GFNI), "dray_isa: GFNI used despite nogfni");
  }
  if (asked != NULL && strstr(asked, ",novpclmul") != NULL) {
    CHECK(!(dray_isa_features & DRAY_F_VPCLMUL), "dray_isa: VPCLMULQDQ used despite novpclmul");
  }
  if (level >= DRAY_ISA_AVX2 && __builtin_cpu_supports("gfni") &&
      (asked == NULL || strstr(asked, ",nogfni") == NULL)) {
    CHECK(dray_isa_features & DRAY_F_GFNI, "dray_isa: the CPU has GFNI but it is not used");
  }
#endif
}

/* ---- the direct entry points (dray_dop3..dray_dop9) ------------------------------------------- */

#include "_driver_dop.c"

/* ---- sockets: scripted recv() and send() ------------------------------------------------------- */

ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);

enum { IO_REAL, IO_ALL, IO_PARTIAL, IO_EAGAIN, IO_RESET };

static struct {
  int active;
  uint32_t eintr;   /* fail with EINTR this many times first */
  int outcome;      /* then one of IO_* */
  uint32_t partial; /* bytes for IO_PARTIAL (at most what is asked) */
  uint32_t calls;
  size_t last_len;
  uint8_t seed;
} io;

static uint8_t pattern(uint8_t seed, size_t i) { return (uint8_t)(seed + 31 * i); }

static ssize_t scripted(void *rbuf, const void *wbuf, size_t len) {
  io.calls++;
  io.last_len = len;
  if (io.eintr > 0) {
    io.eintr--;
    errno = EINTR;
    return -1;
  }
  if (io.outcome == IO_EAGAIN) {
    errno = EAGAIN;
    return -1;
  }
  if (io.outcome == IO_RESET) {
    errno = ECONNRESET;
    return -1;
  }
  size_t n = io.outcome == IO_ALL ? len : (io.partial < len ? io.partial : len);
  /* Touch every byte handed over, so that a span passed too long is an ASan report. */
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < len; i++) {
    if (rbuf != NULL && i < n) ((uint8_t *)rbuf)[i] = pattern(io.seed, i);
    if (wbuf != NULL) sink ^= ((const uint8_t *)wbuf)[i];
  }
  if (rbuf != NULL && n < len) {
    volatile uint8_t probe = ((volatile uint8_t *)rbuf)[len - 1]; /* readable too */
    (void)probe;
  }
  (void)sink;
  return (ssize_t)n;
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags) {
  if (!io.active || io.outcome == IO_REAL) return __real_recv(fd, buf, len, flags);
  return scripted(buf, NULL, len);
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags) {
  if (!io.active || io.outcome == IO_REAL) return __real_send(fd, buf, len, flags);
  return scripted(NULL, buf, len);
}

static int pair_fds[2] = {-1, -1};

static void script_io(void) {
  io.active = 1;
  io.eintr = chance(40) ? 1 + below(3) : 0;
  io.outcome = (int[]){IO_REAL, IO_ALL, IO_ALL, IO_PARTIAL, IO_PARTIAL, IO_EAGAIN, IO_RESET}[below(7)];
  io.partial = 1 + below(64);
  io.calls = 0;
  io.seed = (uint8_t)rnd();
}

static int32_t pick_fd(int32_t good) {
  switch (below(8)) {
    case 0: return -1;
    case 1: return (int32_t)(0x80000000u | rnd());
    case 2: return 0x7ffffff0;
    default: return good;
  }
}

static void run_sock_read(void) {
  span b;
  span_new(&b, pick_size(), 1);
  b.off = pick_off(b.cap);
  b.len = pick_len(b.off <= b.cap ? b.cap - b.off : 0, b.off);
  int32_t fd = pick_fd(pair_fds[0]);
  script_io();
  if (io.outcome == IO_REAL && chance(50)) {
    uint8_t bytes[32];
    for (int i = 0; i < 32; i++) bytes[i] = (uint8_t)i;
    CHECK(__real_send(pair_fds[1], bytes, 1 + below(32), MSG_DONTWAIT) > 0, "socketpair send");
  }
  int code = span_code(&b);
  int32_t rc = dray_sock_read(fd, b.ptr, b.cap, b.off, b.len);
  io.active = 0;
  uint8_t *want = expected_copy(&b);
  if (code != DRAY_OK) {
    expect_rc(rc, code, "dray_sock_read span");
  } else if (fd != pair_fds[0]) {
    /* negative, never open, or not a socket the shim made: refused before any recv or send */
    expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_read fd");
  } else if (b.len == 0) {
    expect_rc(rc, 0, "dray_sock_read of nothing");
  } else if (io.outcome == IO_REAL) {
    CHECK(rc == DRAY_SOCK_EAGAIN || (rc >= 1 && (uint32_t)rc <= b.len),
          "dray_sock_read: a count outside the span");
    if (rc > 0) memcpy(want + b.off, b.ptr + b.off, (size_t)rc); /* the real bytes: anything */
  } else {
    size_t asked = b.len > INT32_MAX ? INT32_MAX : b.len;
    CHECK(io.last_len == asked, "dray_sock_read: recv got another length than the span's");
    if (io.outcome == IO_EAGAIN) expect_rc(rc, DRAY_SOCK_EAGAIN, "dray_sock_read EAGAIN");
    else if (io.outcome == IO_RESET) expect_rc(rc, DRAY_SOCK_ECONNRESET, "dray_sock_read reset");
    else {
      size_t n = io.outcome == IO_ALL ? asked : (io.partial < asked ? io.partial : asked);
      expect_rc(rc, (int32_t)n, "dray_sock_read count");
      for (size_t i = 0; i < n; i++) want[b.off + i] = pattern(io.seed, i);
    }
  }
  span_check(&b, want, "dray_sock_read buffer");
  free(want);
  span_free(&b);
  /* drain what a real read left */
  uint8_t sink[64];
  while (__real_recv(pair_fds[0], sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
}

static void run_sock_write(void) {
  span b;
  span_new(&b, pick_size(), 1);
  b.off = pick_off(b.cap);
  b.len = pick_len(b.off <= b.cap ? b.cap - b.off : 0, b.off);
  int32_t fd = pick_fd(pair_fds[0]);
  script_io();
  int code = span_code(&b);
  int32_t rc = dray_sock_write(fd, b.ptr, b.cap, b.off, b.len);
  io.active = 0;
  if (code != DRAY_OK) {
    expect_rc(rc, code, "dray_sock_write span");
  } else if (fd != pair_fds[0]) {
    /* negative, never open, or not a socket the shim made: refused before any recv or send */
    expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_write fd");
  } else if (b.len == 0) {
    expect_rc(rc, 0, "dray_sock_write of nothing");
  } else if (io.outcome == IO_REAL) {
    CHECK(rc == DRAY_SOCK_EAGAIN || (rc >= 1 && (uint32_t)rc <= b.len),
          "dray_sock_write: a count outside the span");
  } else {
    size_t asked = b.len > INT32_MAX ? INT32_MAX : b.len;
    CHECK(io.last_len == asked, "dray_sock_write: send got another length than the span's");
    if (io.outcome == IO_EAGAIN) expect_rc(rc, DRAY_SOCK_EAGAIN, "dray_sock_write EAGAIN");
    else if (io.outcome == IO_RESET) expect_rc(rc, DRAY_SOCK_ECONNRESET, "dray_sock_write reset");
    else {
      size_t n = io.outcome == IO_ALL ? asked : (io.partial < asked ? io.partial : asked);
      expect_rc(rc, (int32_t)n, "dray_sock_write count");
    }
  }
  span_check(&b, NULL, "dray_sock_write buffer");
  span_free(&b);
  uint8_t sink[4096];
  while (__real_recv(pair_fds[1], sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
}

static void run_sock_peer(void) {
  span b;
  span_new(&b, pick_size(), 1);
  b.off = pick_off(b.cap);
  b.len = pick_len(b.off <= b.cap ? b.cap - b.off : 0, b.off);
  int32_t fd = pick_fd(pair_fds[0]);
  int code = span_code(&b);
  int32_t rc = dray_sock_peer(fd, b.ptr, b.cap, b.off, b.len);
  if (code != DRAY_OK) expect_rc(rc, code, "dray_sock_peer span");
  else if (fd < 0 || fd == 0x7ffffff0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_peer fd");
  else expect_rc(rc, 0, "dray_sock_peer of a socketpair (no path)");
  span_check(&b, NULL, "dray_sock_peer buffer");
  span_free(&b);
}

static void run_sock_connect(void) {
  span host, ctl;
  static const char path[] = "/nonexistent-dray-driver/socket-path-that-is-not-there";
  uint32_t size = (uint32_t[]){0, 1, 9, 20, 60, 120, 1100}[below(7)];
  span_new(&host, size, 1);
  for (uint32_t i = 0; i < host.size; i++) {
    host.ptr[i] = i < sizeof path - 1 ? (uint8_t)path[i] : (chance(2) ? 0 : (uint8_t)('a' + below(26)));
  }
  if (host.size != 0) memcpy(host.shadow, host.ptr, host.size);
  host.len = chance(80) ? host.cap : pick_len(host.cap, 0);
  uint32_t csize = (uint32_t[]){32, 32, 36, 28, 8, 0}[below(6)];
  span_new(&ctl, csize, 1);
  if (ctl.size != 0) {
    memset(ctl.ptr, 0, ctl.size);
    memset(ctl.shadow, 0, ctl.size);
  }
  uint32_t flags = DRAY_SOCK_UNIX | (chance(10) ? 32u : 0u) | (chance(5) ? DRAY_SOCK_IPV4 | DRAY_SOCK_IPV6 : 0u);
  int32_t rc = dray_sock_connect(host.ptr, host.cap, host.len, 0, flags, 200, (int32_t *)(void *)ctl.ptr,
                                 ctl.cap);
  int code = span_code(&host);
  if (code != DRAY_OK) expect_rc(rc, code, "dray_sock_connect host");
  else if (ctl.ptr == NULL) expect_rc(rc, DRAY_EFAULT, "dray_sock_connect ctl");
  else if (ctl.cap < 32) expect_rc(rc, DRAY_ERANGE, "dray_sock_connect ctl cap");
  else CHECK(rc < 0, "dray_sock_connect: connected to a path that does not exist");
  if (rc >= 0) close(rc);
  span_check(&host, NULL, "dray_sock_connect host");
  if (code == DRAY_OK && ctl.ptr != NULL && ctl.cap >= 32) {
    uint8_t *want = expected_copy(&ctl);
    memcpy(want + 16, ctl.ptr + 16, 12); /* phase, errno, family */
    span_check(&ctl, want, "dray_sock_connect ctl");
    free(want);
  } else {
    span_check(&ctl, NULL, "dray_sock_connect ctl");
  }
  span_free(&host);
  span_free(&ctl);
}

static void run_sock_wait(void) {
  int32_t fd = pick_fd(pair_fds[0]);
  uint32_t events = (uint32_t[]){1, 2, 3, 0, 4, 7}[below(6)];
  int32_t rc = dray_sock_wait(fd, events, (int32_t)below(2));
  if (fd < 0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_wait fd");
  else if (events == 0 || (events & ~3u) != 0) expect_rc(rc, DRAY_SOCK_EINVAL, "dray_sock_wait events");
  else if (fd == 0x7ffffff0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_wait bad fd");
  else CHECK(rc >= 0 && ((uint32_t)rc & ~(events | 4u)) == 0, "dray_sock_wait: events not asked for");
}

static void run_sock_shutdown(void) {
  int fds[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
  CHECK(dray_sock_own(fds[0]) == 0, "register");
  int32_t fd = pick_fd(fds[0]);
  uint32_t how = (uint32_t[]){0, 1, 2, 3, UINT32_MAX}[below(5)];
  int32_t rc = dray_sock_shutdown(fd, how);
  if (fd < 0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_shutdown fd");
  else if (how > 2) expect_rc(rc, DRAY_SOCK_EINVAL, "dray_sock_shutdown how");
  else if (fd == 0x7ffffff0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_shutdown bad fd");
  else expect_rc(rc, DRAY_OK, "dray_sock_shutdown");
  close(fds[0]);
  close(fds[1]);
}

static void run_sock_close(void) {
  int fds[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
  CHECK(dray_sock_own(fds[0]) == 0, "register");
  int32_t fd = pick_fd(fds[0]);
  int32_t rc = dray_sock_close(fd);
  if (fd == fds[0]) expect_rc(rc, DRAY_OK, "dray_sock_close");
  else expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_close bad fd");
  if (fd != fds[0]) dray_sock_drop(fds[0]);
  expect_rc(dray_sock_close(fds[1]), DRAY_SOCK_EBADF, "dray_sock_close of a socket not the shim's");
  close(fds[1]);
  FILE *file = tmpfile(); /* not a socket: refused, left open */
  CHECK(file != NULL, "tmpfile");
  expect_rc(dray_sock_close(fileno(file)), DRAY_SOCK_EBADF, "dray_sock_close of a file");
  fclose(file);
}

static void run_sock_connect_start(void) {
  span host, ctl;
  static const char path[] = "/nonexistent-dray-driver/socket-path-that-is-not-there";
  uint32_t size = (uint32_t[]){0, 1, 9, 20, 60, 120, 1100}[below(7)];
  span_new(&host, size, 1);
  for (uint32_t i = 0; i < host.size; i++) {
    host.ptr[i] = i < sizeof path - 1 ? (uint8_t)path[i] : (chance(2) ? 0 : (uint8_t)('a' + below(26)));
  }
  if (host.size != 0) memcpy(host.shadow, host.ptr, host.size);
  host.len = chance(80) ? host.cap : pick_len(host.cap, 0);
  uint32_t csize = (uint32_t[]){32, 32, 36, 28, 8, 0}[below(6)];
  span_new(&ctl, csize, 1);
  if (ctl.size != 0) {
    memset(ctl.ptr, 0, ctl.size);
    memset(ctl.shadow, 0, ctl.size);
  }
  uint32_t flags = DRAY_SOCK_UNIX | (chance(10) ? 64u : 0u) | (chance(5) ? DRAY_SOCK_IPV4 | DRAY_SOCK_IPV6 : 0u);
  int32_t rc = dray_sock_connect_start(host.ptr, host.cap, host.len, 0, flags,
                                       (int32_t *)(void *)ctl.ptr, ctl.cap);
  int code = span_code(&host);
  if (code != DRAY_OK) expect_rc(rc, code, "dray_sock_connect_start host");
  else if (ctl.ptr == NULL) expect_rc(rc, DRAY_EFAULT, "dray_sock_connect_start ctl");
  else if (ctl.cap < 32) expect_rc(rc, DRAY_ERANGE, "dray_sock_connect_start ctl cap");
  else CHECK(rc < 0, "dray_sock_connect_start: connected to a path that does not exist");
  if (rc >= 0) dray_sock_close(rc);
  span_check(&host, NULL, "dray_sock_connect_start host");
  if (code == DRAY_OK && ctl.ptr != NULL && ctl.cap >= 32) {
    uint8_t *want = expected_copy(&ctl);
    memcpy(want + 16, ctl.ptr + 16, 12); /* phase, errno, family */
    span_check(&ctl, want, "dray_sock_connect_start ctl");
    free(want);
  } else {
    span_check(&ctl, NULL, "dray_sock_connect_start ctl");
  }
  span_free(&host);
  span_free(&ctl);
}

static void run_sock_connect_poll(void) {
  span ctl;
  uint32_t csize = (uint32_t[]){32, 32, 36, 28, 8, 0}[below(6)];
  span_new(&ctl, csize, 1);
  if (ctl.size != 0) {
    memset(ctl.ptr, 0, ctl.size);
    memset(ctl.shadow, 0, ctl.size);
  }
  int32_t fd = pick_fd(pair_fds[0]);
  uint32_t flags = (uint32_t[]){0, 0, DRAY_SOCK_NODELAY, 32u}[below(4)];
  int32_t rc = dray_sock_connect_poll(fd, flags, (int32_t *)(void *)ctl.ptr, ctl.cap);
  if (ctl.ptr == NULL) expect_rc(rc, DRAY_EFAULT, "dray_sock_connect_poll ctl");
  else if (ctl.cap < 32) expect_rc(rc, DRAY_ERANGE, "dray_sock_connect_poll ctl cap");
  else if (flags & ~DRAY_SOCK_FLAGS) expect_rc(rc, DRAY_SOCK_EINVAL, "dray_sock_connect_poll flags");
  else if (fd != pair_fds[0]) expect_rc(rc, DRAY_SOCK_EBADF, "dray_sock_connect_poll fd");
  else expect_rc(rc, fd, "dray_sock_connect_poll of a connected socket");
  if (ctl.ptr != NULL && ctl.cap >= 32) {
    uint8_t *want = expected_copy(&ctl);
    memcpy(want + 16, ctl.ptr + 16, 12);
    span_check(&ctl, want, "dray_sock_connect_poll ctl");
    free(want);
  } else {
    span_check(&ctl, NULL, "dray_sock_connect_poll ctl");
  }
  span_free(&ctl);
}

static void run_sock_resolve(void) {
  span host, out;
  static const char name[] = "127.0.0.1";
  uint32_t size = (uint32_t[]){0, 9, 9, 12}[below(4)];
  span_new(&host, size, 1);
  for (uint32_t i = 0; i < host.size; i++) host.ptr[i] = i < 9 ? (uint8_t)name[i] : 0;
  if (host.size != 0) memcpy(host.shadow, host.ptr, host.size);
  host.len = chance(80) ? (host.cap < 9 ? host.cap : 9) : pick_len(host.cap, 0);
  uint32_t osize = (uint32_t[]){0, 4, 10, 64}[below(4)];
  span_new(&out, osize, 1);
  uint32_t flags = (uint32_t[]){0, DRAY_SOCK_IPV4, DRAY_SOCK_IPV6, 24u}[below(4)];
  int32_t rc = dray_sock_resolve(host.ptr, host.cap, host.len, flags, out.ptr, out.cap);
  int code = span_code(&host);
  if (code == DRAY_OK) code = dray_span_ok(out.ptr, out.cap, 0, out.cap);
  int exact = code == DRAY_OK && host.len == 9 && memcmp(host.ptr, name, 9) == 0;
  if (code != DRAY_OK) expect_rc(rc, code, "dray_sock_resolve spans");
  else if (host.len == 0 || memchr(host.ptr, 0, host.len) != NULL || flags == 24u) {
    expect_rc(rc, DRAY_SOCK_EINVAL, "dray_sock_resolve host");
  } else if (exact && flags != DRAY_SOCK_IPV6 && out.cap >= 10) {
    expect_rc(rc, 10, "dray_sock_resolve 127.0.0.1");
    CHECK(memcmp(out.ptr, "127.0.0.1", 10) == 0, "dray_sock_resolve: not 127.0.0.1");
  } else if (exact || out.cap < 8) {
    /* "127.0.0" is 127.0.0.0 to getaddrinfo, but no address fits in fewer than 8 bytes */
    CHECK(rc < 0 || (exact && rc > 0), "dray_sock_resolve: an address that cannot fit or exist");
  }
  CHECK(rc <= (int32_t)out.cap, "dray_sock_resolve: more bytes than fit");
  span_check(&host, NULL, "dray_sock_resolve host");
  if (rc > 0) {
    CHECK(out.ptr[rc - 1] == 0, "dray_sock_resolve: the last address has no NUL");
    uint8_t *want = expected_copy(&out);
    memcpy(want, out.ptr, (size_t)rc);
    span_check(&out, want, "dray_sock_resolve out");
    free(want);
  } else {
    span_check(&out, NULL, "dray_sock_resolve out");
  }
  span_free(&host);
  span_free(&out);
}

static int poller[2] = {-1, -1};

static void run_poller_open(void) {
  uint32_t size = (uint32_t[]){8, 8, 12, 4, 7, 0}[below(6)];
  int misaligned = chance(15);
  uint8_t *block = malloc(size + 1);
  CHECK(block != NULL, "out of memory");
  uint8_t *out = chance(5) ? NULL : block + (misaligned ? 1 : 0);
  uint32_t cap = out == NULL ? below(16) : size;
  memset(block, 0xee, size + 1);
  int32_t rc = dray_poller_open((int32_t *)(void *)out, cap);
#if defined(__linux__)
  if (out == NULL) expect_rc(rc, DRAY_EFAULT, "dray_poller_open NULL");
  else if (cap < 8) expect_rc(rc, DRAY_ERANGE, "dray_poller_open cap");
  else if (misaligned) expect_rc(rc, DRAY_EFAULT, "dray_poller_open misaligned");
  else {
    expect_rc(rc, DRAY_OK, "dray_poller_open");
    int32_t fds[2];
    memcpy(fds, out, 8);
    expect_rc(dray_poller_close(fds[0], fds[1]), DRAY_OK, "dray_poller_close");
  }
  for (uint32_t i = 0; i < size + 1; i++) {
    if (rc == DRAY_OK && block + i >= out && block + i < out + 8) continue;
    CHECK(block[i] == 0xee, "dray_poller_open wrote outside its 8 bytes");
  }
#else
  expect_rc(rc, DRAY_SOCK_ENOTSUP, "dray_poller_open");
#endif
  free(block);
}

static void run_poller_arm(void) {
  int32_t ep = pick_fd(poller[0]), fd = pick_fd(pair_fds[0]);
  uint32_t events = (uint32_t[]){1, 2, 3, 0, 4, 12}[below(6)];
  int32_t rc = dray_poller_arm(ep, fd, events, rnd());
  if (ep < 0 || fd < 0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_poller_arm fd");
  else if (events == 0 || (events & ~3u) != 0) expect_rc(rc, DRAY_SOCK_EINVAL, "dray_poller_arm events");
  else if (ep == 0x7ffffff0 || fd == 0x7ffffff0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_poller_arm bad fd");
  else expect_rc(rc, DRAY_OK, "dray_poller_arm");
}

static void run_poller_disarm(void) {
  int32_t ep = pick_fd(poller[0]), fd = pick_fd(pair_fds[0]);
  int32_t rc = dray_poller_disarm(ep, fd);
  if (ep < 0 || fd < 0 || ep == 0x7ffffff0 || fd == 0x7ffffff0) {
    expect_rc(rc, DRAY_SOCK_EBADF, "dray_poller_disarm fd");
  } else {
    expect_rc(rc, DRAY_OK, "dray_poller_disarm");
  }
}

static void run_poller_wait(void) {
  expect_rc(dray_poller_arm(poller[0], pair_fds[0], 2, 101), DRAY_OK, "arm");
  expect_rc(dray_poller_arm(poller[0], pair_fds[1], 2, 102), DRAY_OK, "arm");
  uint32_t size = (uint32_t[]){8, 8, 16, 24, 4, 0, 4096}[below(7)];
  int misaligned = chance(15);
  uint8_t *block = malloc(size + 1);
  CHECK(block != NULL, "out of memory");
  memset(block, 0xee, size + 1);
  uint8_t *out = chance(5) ? NULL : block + (misaligned ? 1 : 0);
  uint32_t cap = out == NULL ? below(64) : size;
  int32_t ep = pick_fd(poller[0]), wake = pick_fd(poller[1]);
  int32_t rc = dray_poller_wait(ep, wake, (uint32_t *)(void *)out, cap, 0);
  uint32_t max = cap / 8 > 256 ? 256 : cap / 8;
  if (out == NULL || misaligned) expect_rc(rc, DRAY_EFAULT, "dray_poller_wait out");
  else if (ep < 0 || wake < 0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_poller_wait fd");
  else if (max == 0) expect_rc(rc, DRAY_ERANGE, "dray_poller_wait cap");
  else if (ep == 0x7ffffff0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_poller_wait bad ep");
  else CHECK(rc >= 0 && (uint32_t)rc <= max && rc <= 2, "dray_poller_wait: too many pairs");
  for (uint32_t i = 0; i < size + 1; i++) {
    if (rc > 0 && block + i >= out && block + i < out + 8 * (size_t)rc) continue;
    CHECK(block[i] == 0xee, "dray_poller_wait wrote past its pairs");
  }
  free(block);
}

static void run_poller_wake(void) {
  int32_t wake = pick_fd(poller[1]);
  int32_t rc = dray_poller_wake(wake);
  if (wake < 0 || wake == 0x7ffffff0) expect_rc(rc, DRAY_SOCK_EBADF, "dray_poller_wake fd");
  else expect_rc(rc, DRAY_OK, "dray_poller_wake");
}

static void run_poller_close(void) {
  int32_t fds[2];
  expect_rc(dray_poller_open(fds, 8), DRAY_OK, "dray_poller_open");
  switch (below(5)) {
    case 0: expect_rc(dray_poller_close(fds[1], fds[0]), DRAY_SOCK_EBADF, "swapped"); break;
    case 1: expect_rc(dray_poller_close(fds[0], fds[0]), DRAY_SOCK_EBADF, "same"); break;
    case 2: expect_rc(dray_poller_close(pair_fds[0], pair_fds[1]), DRAY_SOCK_EBADF, "sockets"); break;
    case 3: expect_rc(dray_poller_close(-1, fds[1]), DRAY_SOCK_EBADF, "negative"); break;
    default: break;
  }
  expect_rc(dray_poller_close(fds[0], fds[1]), DRAY_OK, "dray_poller_close");
}

/* ---- the table --------------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  void (*run)(void);
  unsigned cases;
} entry;

static const entry ENTRIES[] = {
    {"dray_version", run_version, 1},
    {"dray_abi", run_abi, 1},
    {"dray_copy", run_copy, 4000},
    {"dray_fill", run_fill, 3000},
    {"dray_crc32c_impl", run_crc_impl, 1},
    {"dray_crc32c", run_crc32c, 3000},
    {"dray_crc32c_span", run_crc32c_span, 3000},
    {"dray_xor2", run_xor2, 1500},
    {"dray_xor3", run_xor3, 1000},
    {"dray_xor4", run_xor4, 800},
    {"dray_xor5", run_xor5, 600},
    {"dray_xor6", run_xor6, 500},
    {"dray_xor7", run_xor7, 500},
    {"dray_xor8", run_xor8, 500},
    {"dray_isa", run_isa, 1},
    {"dray_op4", run_op4, 2500},
    {"dray_op12", run_op12, 1500},
    {"dray_op4_async", run_op4_async, 500},
    {"dray_op12_async", run_op12_async, 300},
    {"dray_dop3", run_dop3, 1500},
    {"dray_dop4", run_dop4, 1500},
    {"dray_dop5", run_dop5, 1000},
    {"dray_dop6", run_dop6, 800},
    {"dray_dop7", run_dop7, 800},
    {"dray_dop8", run_dop8, 800},
    {"dray_dop9", run_dop9, 800},
    {"dray_sock_connect", run_sock_connect, 300},
    {"dray_sock_connect_start", run_sock_connect_start, 300},
    {"dray_sock_connect_poll", run_sock_connect_poll, 200},
    {"dray_sock_resolve", run_sock_resolve, 200},
    {"dray_sock_read", run_sock_read, 3000},
    {"dray_sock_write", run_sock_write, 3000},
    {"dray_sock_wait", run_sock_wait, 300},
    {"dray_sock_peer", run_sock_peer, 1000},
    {"dray_sock_shutdown", run_sock_shutdown, 200},
    {"dray_sock_close", run_sock_close, 200},
    {"dray_poller_open", run_poller_open, 300},
    {"dray_poller_arm", run_poller_arm, 300},
    {"dray_poller_disarm", run_poller_disarm, 300},
    {"dray_poller_wait", run_poller_wait, 300},
    {"dray_poller_wake", run_poller_wake, 100},
    {"dray_poller_close", run_poller_close, 100},
};

int main(int argc, char **argv) {
  run_seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  double scale = argc > 2 ? atof(argv[2]) : 1.0;
  rng_state = run_seed * 0x9e3779b97f4a7c15ull + 1;
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair_fds) == 0, "socketpair");
  CHECK(dray_sock_own(pair_fds[0]) == 0 && dray_sock_own(pair_fds[1]) == 0, "register the socketpair as the shim's");
  CHECK(fcntl(pair_fds[0], F_SETFL, O_NONBLOCK) == 0, "nonblocking");
  CHECK(fcntl(pair_fds[1], F_SETFL, O_NONBLOCK) == 0, "nonblocking");
  expect_rc(dray_poller_open(poller, 8), DRAY_OK, "dray_poller_open");
  unsigned long total = 0;
  for (size_t e = 0; e < sizeof ENTRIES / sizeof ENTRIES[0]; e++) {
    current_entry = ENTRIES[e].name;
    unsigned long n = (unsigned long)(ENTRIES[e].cases * scale);
    if (n == 0) n = 1;
    for (current_case = 0; current_case < n; current_case++) ENTRIES[e].run();
    total += n;
  }
  dray_poller_close(poller[0], poller[1]);
  close(pair_fds[0]);
  close(pair_fds[1]);
  printf("shim_driver: %lu cases over %zu entry points passed (seed %llu, crc32c impl %u, crc fold "
         "%u, isa features %u, isa %u)\n",
         total, sizeof ENTRIES / sizeof ENTRIES[0], run_seed, dray_crc32c_impl(),
         DRAY_DRIVER_FOLD, dray_isa_features, dray_isa());
  return 0;
}
