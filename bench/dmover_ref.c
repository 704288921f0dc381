/*
 * The C reference for bench/dmover_bench.ts: times the shim's own dmover kernels (the very entry
 * points Deno calls through FFI) in a tight C loop, so that the benchmark's native/C ratio measures
 * what crossing FFI costs and nothing else. Built by the benchmark with the shim's flags minus
 * -shared; prints one JSON object: { "<function>": { "<size>": GB/s } }.
 *
 *   dmover_ref [-f function] [size ...]   one function (default all); sizes in bytes
 *                                          (default 4096 65536 1048576 16777216)
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
static uint8_t *bufs[9];
static uint32_t caps[9];
static uint32_t tab[1 + 2 * 9 * 3];
static volatile uint32_t sink;

static const char *names[] = {"copy", "zero", "fill8", "xor2", "xor3", "xor4",
                              "xor5", "xor6", "xor7", "xor8", "iscsi-crc32c"};
#define NFUNCS (sizeof names / sizeof names[0])

/* One call of function f (an index into names) over len bytes, as the FFI path makes it. */
static int run(size_t f, uint32_t len) {
  if (f == 0) return dray_copy(bufs[0], caps[0], 0, bufs[1], caps[1], 0, len);
  if (f == 1) return dray_fill(bufs[0], caps[0], 0, 0, len);
  if (f == 2) return dray_fill(bufs[0], caps[0], 0, 0xa5, len);
  if (f == NFUNCS - 1) {
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
  for (int i = 0; i < 9; i++) {
    /*
     * Buffer i starts 16 + 1040 * i bytes past a 64-byte boundary, as bench/dmover_bench.ts places
     * its views: V8 puts large ArrayBuffers 16 bytes past one, and the 1040 * i keeps the buffers
     * at different offsets within a 4 KiB page, so that neither side measures 4K aliasing (loads
     * and stores whose addresses agree in their low 12 bits stall each other).
     */
    uint8_t *raw = malloc((size_t)max + 128 + 1040 * 9);
    if (raw == NULL) return 1;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + 63) & ~(uintptr_t)63) + 16 + 1040 * (uint32_t)i;
    for (uint32_t j = 0; j < max; j++) p[j] = (uint8_t)(j * 131u + 17u * (uint32_t)i);
    bufs[i] = p;
    caps[i] = max;
  }
  printf("{\"crc32c_impl\":%u", dray_crc32c_impl());
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
