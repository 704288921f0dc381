/*
 * The C reference for bench/dmover_bench.ts: times the shim's own dmover kernels (the very entry
 * points Deno calls through FFI) in a tight C loop, so that the benchmark's native/C ratio measures
 * what crossing FFI costs and nothing else. Built by the benchmark with the shim's flags minus
 * -shared; prints one JSON object: { "<function>": { "<size>": GB/s } }.
 *
 *   dmover_ref [-f function] [size ...]   one function (default all); sizes in bytes
 *                                          (default 4096 65536 1048576 16777216)
 *
 * The benchmark builds it twice: with the shim's own flags (-O2, portable: the code FFI calls)
 * and with -O3 -march=native (the best this compiler does for this CPU). The "-plain" functions
 * are straightforward C loops, left to the compiler's auto-vectoriser, as another candidate for
 * the best C of the machine. The functions beyond dmover_io run through dray_op12, each buffer its
 * own memory, as the native backend calls them.
 */

#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include "../native/shim.c"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The output (0) and inputs (1..8) of every measurement. */
#define NBUF 12
static uint8_t *bufs[NBUF];
static uint32_t caps[NBUF];
static uint32_t tab[9 + 4 * NBUF];
static volatile uint32_t sink;

static const char *names[] = {"copy",         "zero",          "fill8",
                              "xor2",         "xor3",          "xor4",
                              "xor5",         "xor6",          "xor7",
                              "xor8",         "iscsi-crc32c",  "compare",
                              "compare-pattern", "copy-crc32c", "dualcast",
                              "xor-check",    "pq",            "pq-recover",
                              "xor2-plain",   "xor8-plain",    "crc32c-plain"};
#define NFUNCS (sizeof names / sizeof names[0])
#define CRC_INDEX 10u   /* index of iscsi-crc32c */
#define FIRST_OP 11u    /* index of compare: the functions from here run through dray_op12 */
#define FIRST_PLAIN 18u /* index of xor2-plain */

/* dray_op12 over the buffers, buffer k as memory k: outputs from buffer 0, inputs from buffer 2. */
static int run_op(uint32_t op, uint32_t nout, uint32_t nin, uint32_t a0, uint32_t a1, uint32_t len) {
  uint32_t w = 0;
  tab[w++] = op;
  tab[w++] = nout;
  tab[w++] = nin;
  tab[w++] = a0;
  tab[w++] = a1;
  tab[w++] = 0;
  tab[w++] = 0;
  tab[w++] = 0;
  tab[w++] = 0;
  for (uint32_t s = 0; s < nout + nin; s++) {
    tab[w++] = s < nout ? s : 2 + s - nout; /* memory */
    tab[w++] = 1;
    tab[w++] = 0;
    tab[w++] = len;
  }
  uint8_t **b = bufs;
  int rc = dray_op12(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2], b[3], caps[3], b[4],
                     caps[4], b[5], caps[5], b[6], caps[6], b[7], caps[7], b[8], caps[8], b[9],
                     caps[9], b[10], caps[10], b[11], caps[11]);
  sink = tab[7];
  return rc;
}

/* Plain C: the loops a programmer writes, vectorised by the compiler. */
static void plain_xor(uint8_t *restrict d, uint8_t *const *restrict s, uint32_t n, uint32_t len) {
  for (uint32_t i = 0; i < len; i++) {
    uint8_t x = s[0][i];
    for (uint32_t k = 1; k < n; k++) x ^= s[k][i];
    d[i] = x;
  }
}

static void plain_xor2(uint8_t *restrict d, const uint8_t *restrict a, const uint8_t *restrict b,
                       uint32_t len) {
  for (uint32_t i = 0; i < len; i++) d[i] = a[i] ^ b[i];
}

static uint32_t plain_crc32c(uint32_t crc, const uint8_t *p, uint32_t len) {
#if defined(__SSE4_2__)
  crc = ~crc;
  uint32_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    crc = (uint32_t)__builtin_ia32_crc32di(crc, w);
  }
  for (; i < len; i++) crc = __builtin_ia32_crc32qi(crc, p[i]);
  return ~crc;
#else
  return ~dray_crc_sw(~crc, p, len);
#endif
}

/* One call of function f (an index into names) over len bytes, as the FFI path makes it. */
static int run(size_t f, uint32_t len) {
  switch (f) {
    case FIRST_OP: return run_op(DRAY_OP_COMPARE, 0, 2, 0, 0, len);
    case FIRST_OP + 1: return run_op(DRAY_OP_COMPARE_PAT, 0, 1, 0xa5a5a5a5u, 0xa5a5a5a5u, len);
    case FIRST_OP + 2: return run_op(DRAY_OP_COPY_CRC32C, 1, 1, 0, 0, len);
    case FIRST_OP + 3: return run_op(DRAY_OP_DUALCAST, 2, 1, 0, 0, len);
    case FIRST_OP + 4: return run_op(DRAY_OP_XOR_CHECK, 0, 4, 0, 0, len);
    case FIRST_OP + 5: return run_op(DRAY_OP_PQ, 2, 6, 0, 0, len); /* 6 data blocks */
    /* A 6+2 stripe with data blocks 0 and 1 lost: data 2..5, P and Q survive. */
    case FIRST_OP + 6: return run_op(DRAY_OP_PQ_RECOVER, 2, 6, 0x3u, 0, len);
    case FIRST_PLAIN: plain_xor2(bufs[0], bufs[1], bufs[2], len); return DRAY_OK;
    case FIRST_PLAIN + 1: plain_xor(bufs[0], bufs + 1, 8, len); return DRAY_OK;
    case FIRST_PLAIN + 2: sink = plain_crc32c(0, bufs[1], len); return DRAY_OK;
    default: break;
  }
  if (f == 0) return dray_copy(bufs[0], caps[0], 0, bufs[1], caps[1], 0, len);
  if (f == 1) return dray_fill(bufs[0], caps[0], 0, 0, len);
  if (f == 2) return dray_fill(bufs[0], caps[0], 0, 0xa5, len);
  if (f == CRC_INDEX) {
    tab[0] = 0;
    tab[1] = 1;
    tab[2] = 0;
    tab[3] = len;
    int rc = dray_crc32c(tab, 4, bufs[1], caps[1]);
    sink = tab[0];
    return rc;
  }
  uint32_t n = (uint32_t)f - 1; /* xor2 is index 3 */
  for (uint32_t s = 0; s <= n; s++) {
    tab[3 * s] = 1;
    tab[3 * s + 1] = 0;
    tab[3 * s + 2] = len;
  }
  uint32_t w = 3 * (n + 1);
  uint8_t *b[9];
  for (int i = 0; i < 9; i++) b[i] = bufs[i];
  switch (n) {
    case 2: return dray_xor2(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2]);
    case 3: return dray_xor3(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2], b[3], caps[3]);
    case 4:
      return dray_xor4(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2], b[3], caps[3], b[4],
                       caps[4]);
    case 5:
      return dray_xor5(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2], b[3], caps[3], b[4],
                       caps[4], b[5], caps[5]);
    case 6:
      return dray_xor6(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2], b[3], caps[3], b[4],
                       caps[4], b[5], caps[5], b[6], caps[6]);
    case 7:
      return dray_xor7(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2], b[3], caps[3], b[4],
                       caps[4], b[5], caps[5], b[6], caps[6], b[7], caps[7]);
    default:
      return dray_xor8(tab, w, b[0], caps[0], b[1], caps[1], b[2], caps[2], b[3], caps[3], b[4],
                       caps[4], b[5], caps[5], b[6], caps[6], b[7], caps[7], b[8], caps[8]);
  }
}

/* Best of many short timed rounds (~5 ms each), in GB/s of request length. */
static double measure(size_t f, uint32_t len) {
  double best = 0;
  uint64_t iters = 1;
  for (;;) { /* calibrate */
    double t0 = now_ns();
    for (uint64_t i = 0; i < iters; i++) {
      if (run(f, len) != DRAY_OK) {
        fprintf(stderr, "%s %u failed\n", names[f], len);
        exit(1);
      }
    }
    double dt = now_ns() - t0;
    if (dt > 5e6) break;
    iters *= 2;
  }
  for (int round = 0; round < 30; round++) {
    double t0 = now_ns();
    for (uint64_t i = 0; i < iters; i++) run(f, len);
    double dt = now_ns() - t0;
    double gbps = (double)len * (double)iters / dt;
    if (gbps > best) best = gbps;
  }
  return best;
}

int main(int argc, char **argv) {
  uint32_t sizes[32];
  int nsizes = 0;
  const char *only = NULL;
  for (int i = 1; i < argc && nsizes < 32; i++) {
    if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
      only = argv[++i];
      continue;
    }
    sizes[nsizes++] = (uint32_t)strtoul(argv[i], 0, 10);
  }
  if (nsizes == 0) {
    sizes[0] = 4096;
    sizes[1] = 65536;
    sizes[2] = 1048576;
    sizes[3] = 16777216;
    nsizes = 4;
  }
  uint32_t max = 0;
  for (int i = 0; i < nsizes; i++) max = sizes[i] > max ? sizes[i] : max;
  for (int i = 0; i < NBUF; i++) {
    /*
     * Buffer i starts 16 + 1040 * i bytes past a 64-byte boundary, as bench/dmover_bench.ts places
     * its views: V8 puts large ArrayBuffers 16 bytes past one, and the 1040 * i keeps the buffers
     * at different offsets within a 4 KiB page, so that neither side measures 4K aliasing (loads
     * and stores whose addresses agree in their low 12 bits stall each other). Every byte is 0xa5:
     * compares find nothing, the pattern matches, xor-check's four equal inputs xor to zero, so
     * that each function runs the whole length.
     */
    uint8_t *raw = malloc((size_t)max + 128 + 1040 * NBUF);
    if (raw == NULL) return 1;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + 63) & ~(uintptr_t)63) + 16 + 1040 * (uint32_t)i;
    memset(p, 0xa5, max);
    bufs[i] = p;
    caps[i] = max;
  }
  printf("{\"crc32c_impl\":%u,\"isa\":%u", dray_crc32c_impl(), dray_isa());
  for (size_t f = 0; f < NFUNCS; f++) {
    if (only != NULL && strcmp(only, names[f]) != 0) continue;
    printf(",\"%s\":{", names[f]);
    for (int i = 0; i < nsizes; i++) {
      printf("%s\"%u\":%.3f", i ? "," : "", sizes[i], measure(f, sizes[i]));
      fflush(stdout);
    }
    printf("}");
  }
  printf("}\n");
  return 0;
}
