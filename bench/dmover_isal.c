/*
 * Intel ISA-L called from C, for bench/dmover_bench.ts's `isal` column: the same five functions as
 * dray's native backend (crc32c, xor2, xor8, pq of 6 data blocks, pq-recover of a 6+2 stripe with
 * data blocks 0 and 1 lost), each a tight loop of ISA-L calls; and, as `dray-<function>`, the
 * shim's own entry points (included from native/shim.c, built with its flags) over the same
 * buffers, so that dray's kernels meet ISA-L's without FFI in between. Built by the benchmark as a
 * shared library with the shim's flags and -lisal, and loaded into the benchmark's own process:
 *
 *   double dray_isal_time(const char *fn, uint32_t len, uint32_t iterations,
 *                         const uint64_t *buffers, uint32_t capacity)
 *
 * times `iterations` calls of `fn` over the 12 buffers whose addresses it is given (the very
 * buffers dray's one-shots run on, 64-byte aligned, each at its own offset within a 4 KiB page),
 * returning the nanoseconds of the loop alone, or -1. One process and one set of buffers for both
 * sides: which physical pages a buffer gets decides how 4 KiB requests over 8 buffers share the
 * caches, and two processes drew different pages (measured, a C loop of dray's pq at 4 KiB ran
 * 205-210 ns in some processes and 300-313 in others, ISA-L's pq_gen 250 and 326-340, always in the
 * same mode within one process). The CRC is dray's: ~crc32_iscsi(data, len, ~seed). pq-recover runs
 * ec_encode_data with decoding tables built once (gf_invert_matrix, ec_init_tables), outside the
 * timed loop: ISA-L's best case, where a caller keeps the tables of a failure pattern.
 */

#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include "../native/shim.c"

#include <isa-l/crc.h>
#include <isa-l/erasure_code.h>
#include <isa-l/raid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NBUF 12
#define DATA 6 /* data blocks of pq and pq-recover */

static uint8_t *bufs[NBUF];
static unsigned char tables[32 * DATA * 2];
static volatile uint32_t sink;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Decoding tables for a 6+2 stripe (P = sum D_k, Q = sum 2^k D_k) with data blocks 0 and 1 lost. */
static int recovery_tables(void) {
  unsigned char gen[(DATA + 2) * DATA], sub[DATA * DATA], inv[DATA * DATA];
  memset(gen, 0, sizeof gen);
  unsigned char g = 1;
  for (int k = 0; k < DATA; k++) {
    gen[k * DATA + k] = 1;
    gen[DATA * DATA + k] = 1;
    gen[(DATA + 1) * DATA + k] = g;
    g = gf_mul(g, 2);
  }
  /* The survivors: data blocks 2..5, P, Q. */
  for (int r = 0; r < DATA; r++) memcpy(sub + r * DATA, gen + (r + 2) * DATA, DATA);
  if (gf_invert_matrix(sub, inv, DATA) != 0) return -1;
  ec_init_tables(DATA, 2, inv, tables); /* rows 0 and 1 of the inverse rebuild D0 and D1 */
  return 0;
}

/* dray_op12 over the buffers, buffer k as memory k: outputs from buffer 0, inputs from buffer 2. */
static int run_dray(uint32_t op, uint32_t nout, uint32_t nin, uint32_t a0, uint32_t len,
                    uint32_t cap) {
  uint32_t tab[9 + 4 * NBUF], w = 0;
  tab[w++] = op;
  tab[w++] = nout;
  tab[w++] = nin;
  tab[w++] = a0;
  for (int i = 0; i < 5; i++) tab[w++] = 0;
  for (uint32_t s = 0; s < nout + nin; s++) {
    tab[w++] = s < nout ? s : 2 + s - nout;
    tab[w++] = 1;
    tab[w++] = 0;
    tab[w++] = len;
  }
  uint8_t **b = bufs;
  int rc = dray_op12(tab, w, b[0], cap, b[1], cap, b[2], cap, b[3], cap, b[4], cap, b[5], cap, b[6],
                     cap, b[7], cap, b[8], cap, b[9], cap, b[10], cap, b[11], cap);
  sink = tab[7];
  return rc;
}

static uint32_t cap_all;

static int run(const char *f, int len) {
  void *v[NBUF];
  if (strncmp(f, "dray-", 5) == 0) {
    const char *g = f + 5;
    if (strcmp(g, "crc32c") == 0) {
      uint32_t tab[4] = {0, 1, 0, (uint32_t)len};
      int rc = dray_crc32c(tab, 4, bufs[2], cap_all);
      sink = tab[0];
      return rc;
    }
    if (strcmp(g, "xor2") == 0) return run_dray(DRAY_OP_XOR, 1, 2, 0, (uint32_t)len, cap_all);
    if (strcmp(g, "xor8") == 0) return run_dray(DRAY_OP_XOR, 1, 8, 0, (uint32_t)len, cap_all);
    if (strcmp(g, "pq") == 0) return run_dray(DRAY_OP_PQ, 2, DATA, 0, (uint32_t)len, cap_all);
    if (strcmp(g, "pq-recover") == 0) {
      return run_dray(DRAY_OP_PQ_RECOVER, 2, DATA, 0x3u, (uint32_t)len, cap_all);
    }
    return -1;
  }
  if (strcmp(f, "crc32c") == 0) {
    sink = ~crc32_iscsi(bufs[2], len, ~0u);
    return 0;
  }
  if (strcmp(f, "xor2") == 0 || strcmp(f, "xor8") == 0) {
    int n = f[3] - '0';
    for (int k = 0; k < n; k++) v[k] = bufs[2 + k];
    v[n] = bufs[0];
    return xor_gen(n + 1, len, v);
  }
  if (strcmp(f, "pq") == 0) {
    for (int k = 0; k < DATA; k++) v[k] = bufs[2 + k];
    v[DATA] = bufs[0];
    v[DATA + 1] = bufs[1];
    return pq_gen(DATA + 2, len, v);
  }
  if (strcmp(f, "pq-recover") == 0) {
    unsigned char *src[DATA], *dst[2] = {bufs[0], bufs[1]};
    for (int k = 0; k < DATA; k++) src[k] = bufs[2 + k];
    ec_encode_data(len, DATA, 2, tables, src, dst);
    return 0;
  }
  return -1;
}

static int ready;

DRAY_EXPORT double dray_isal_time(const char *fn, uint32_t len, uint32_t iterations,
                                  const uint64_t *buffers, uint32_t capacity) {
  if (!ready) {
    if (recovery_tables() != 0) return -1;
    ready = 1;
  }
  for (int i = 0; i < NBUF; i++) bufs[i] = (uint8_t *)(uintptr_t)buffers[i];
  cap_all = capacity;
  if (len > capacity || run(fn, (int)len) != 0) return -1;
  double t0 = now_ns();
  for (uint32_t i = 0; i < iterations; i++) run(fn, (int)len);
  return now_ns() - t0;
}
