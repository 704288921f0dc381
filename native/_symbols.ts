// The shim's symbol table, private to native/: an exported symbol table is a slow type on JSR.
// Each parameter carries its C type. Buffers are passed as (buffer, capacity) and lengths as u32,
// which keeps every call on FFI's fast path. Every symbol has a row in tests/native/fuzz_table.ts
// and in the ENTRIES of tests/native/shim_driver.c (a test checks both); a `nonblocking` one is
// only ever given pinned memory (native/_pin.ts).

// The parameters of dray_op4 and dray_op12 (the generic entry point; see native/_dmover_ops.ts for
// the table), shared by their synchronous and nonblocking declarations.
const OP4_PARAMETERS = [
  "buffer", // uint32_t *tab (header, then the sides; results written into the header)
  "u32", // uint32_t tab_words
  "buffer", // uint8_t *m0
  "u32", // uint32_t c0
  "buffer", // uint8_t *m1
  "u32", // uint32_t c1
  "buffer", // uint8_t *m2
  "u32", // uint32_t c2
  "buffer", // uint8_t *m3
  "u32", // uint32_t c3
] as const;

// dray_op12 takes OP4's parameters and eight more sides.
const OP12_PARAMETERS = [
  ...OP4_PARAMETERS,
  "buffer", // uint8_t *m4
  "u32", // uint32_t c4
  "buffer", // uint8_t *m5
  "u32", // uint32_t c5
  "buffer", // uint8_t *m6
  "u32", // uint32_t c6
  "buffer", // uint8_t *m7
  "u32", // uint32_t c7
  "buffer", // uint8_t *m8
  "u32", // uint32_t c8
  "buffer", // uint8_t *m9
  "u32", // uint32_t c9
  "buffer", // uint8_t *m10
  "u32", // uint32_t c10
  "buffer", // uint8_t *m11
  "u32", // uint32_t c11
] as const;

// One memory of the direct entry points: a buffer and its capacity.
const U32 = "u32" as const;
const MEM = ["buffer", "u32"] as const;

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
  // double dray_crc32c_span( (the CRC, 0..2^32 - 1, or a negative code)
  dray_crc32c_span: {
    parameters: [
      "buffer", // const uint8_t *src
      "u32", // uint32_t src_cap
      "u32", // uint32_t off
      "u32", // uint32_t len
      "u32", // uint32_t seed
    ],
    result: "f64",
    optional: true,
  },
  // int32_t dray_dop3..dray_dop9(uint32_t ctl, uint32_t len, then 3..9 pairs of
  // (uint8_t *memory, uint32_t capacity)): xor, pq or pq-recover over whole memories, no table
  // (the one-shot helpers' direct path; see shim.c). One entry per count: each buffer parameter
  // costs a call about 8 ns, a null one too.
  dray_dop3: { parameters: [U32, U32, ...MEM, ...MEM, ...MEM], result: "i32", optional: true },
  dray_dop4: {
    parameters: [U32, U32, ...MEM, ...MEM, ...MEM, ...MEM],
    result: "i32",
    optional: true,
  },
  dray_dop5: {
    parameters: [U32, U32, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM],
    result: "i32",
    optional: true,
  },
  dray_dop6: {
    parameters: [U32, U32, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM],
    result: "i32",
    optional: true,
  },
  dray_dop7: {
    parameters: [U32, U32, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM],
    result: "i32",
    optional: true,
  },
  dray_dop8: {
    parameters: [U32, U32, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM],
    result: "i32",
    optional: true,
  },
  dray_dop9: {
    parameters: [U32, U32, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM, ...MEM],
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
  // uint32_t dray_isa(void): 0 scalar, 1 baseline vectors (SSE2, NEON), 2 AVX2, 3 AVX-512
  dray_isa: { parameters: [], result: "u32", optional: true },
  // int32_t dray_op4( (the generic entry point; see native/_dmover_ops.ts for the table)
  dray_op4: {
    parameters: OP4_PARAMETERS,
    result: "i32",
    optional: true,
  },
  // int32_t dray_op12(
  dray_op12: {
    parameters: OP12_PARAMETERS,
    result: "i32",
    optional: true,
  },
  // dray_op4 and dray_op12 again, run off the event-loop thread: only ever given pinned memory,
  // views of fixed-length SharedArrayBuffers (see native/_pin.ts: Deno keeps an ArrayBuffer's
  // memory alive during the call, but a transfer meanwhile would send C's writes to its new owner).
  dray_op4_async: {
    name: "dray_op4",
    parameters: OP4_PARAMETERS,
    result: "i32",
    nonblocking: true,
    optional: true,
  },
  dray_op12_async: {
    name: "dray_op12",
    parameters: OP12_PARAMETERS,
    result: "i32",
    nonblocking: true,
    optional: true,
  },
  // ---- sockets (redis native transport) ----
  // int32_t dray_sock_connect( (blocks: runs off the event-loop thread)
  dray_sock_connect: {
    parameters: [
      "buffer", // const uint8_t *host (UTF-8, no NUL; a socket path with DRAY_SOCK_UNIX)
      "u32", // uint32_t host_cap
      "u32", // uint32_t host_len
      "u32", // uint32_t port
      "u32", // uint32_t flags (DRAY_SOCK_*)
      "u32", // uint32_t timeout_ms (0 = no limit)
      "buffer", // int32_t *ctl (DRAY_SOCK_CTL_WORDS words, shared with the calling thread)
      "u32", // uint32_t ctl_cap (bytes)
    ],
    result: "i32",
    nonblocking: true,
  },
  // int32_t dray_sock_connect_start( (never waits: on the event-loop thread)
  dray_sock_connect_start: {
    parameters: [
      "buffer", // const uint8_t *host (an IP literal, or a socket path with DRAY_SOCK_UNIX)
      "u32", // uint32_t host_cap
      "u32", // uint32_t host_len
      "u32", // uint32_t port
      "u32", // uint32_t flags (DRAY_SOCK_*)
      "buffer", // int32_t *ctl (DRAY_SOCK_CTL_WORDS words)
      "u32", // uint32_t ctl_cap (bytes)
    ],
    result: "i32",
  },
  // int32_t dray_sock_connect_poll( (never waits: on the event-loop thread)
  dray_sock_connect_poll: {
    parameters: [
      "i32", // int32_t fd (from dray_sock_connect_start)
      "u32", // uint32_t flags (DRAY_SOCK_NODELAY, DRAY_SOCK_KEEPALIVE)
      "buffer", // int32_t *ctl (keepalive settings in; errno, phase out)
      "u32", // uint32_t ctl_cap (bytes)
    ],
    result: "i32",
  },
  // int32_t dray_sock_resolve( (getaddrinfo blocks: runs off the event-loop thread)
  dray_sock_resolve: {
    parameters: [
      "buffer", // const uint8_t *host (UTF-8, no NUL)
      "u32", // uint32_t host_cap
      "u32", // uint32_t host_len
      "u32", // uint32_t flags (DRAY_SOCK_IPV4, DRAY_SOCK_IPV6)
      "buffer", // uint8_t *out (numeric addresses, each followed by a NUL)
      "u32", // uint32_t out_cap
    ],
    result: "i32",
    nonblocking: true,
  },
  // int32_t dray_sock_read(
  dray_sock_read: {
    parameters: [
      "i32", // int32_t fd
      "buffer", // uint8_t *buf
      "u32", // uint32_t cap
      "u32", // uint32_t off
      "u32", // uint32_t len
    ],
    result: "i32",
  },
  // int32_t dray_sock_write(
  dray_sock_write: {
    parameters: [
      "i32", // int32_t fd
      "buffer", // const uint8_t *buf
      "u32", // uint32_t cap
      "u32", // uint32_t off
      "u32", // uint32_t len
    ],
    result: "i32",
  },
  // int32_t dray_sock_wait( (blocks: runs off the event-loop thread)
  dray_sock_wait: {
    parameters: [
      "i32", // int32_t fd
      "u32", // uint32_t events (DRAY_SOCK_READABLE | DRAY_SOCK_WRITABLE)
      "i32", // int32_t timeout_ms (negative = no limit)
    ],
    result: "i32",
    nonblocking: true,
  },
  // int32_t dray_sock_peer(
  dray_sock_peer: {
    parameters: [
      "i32", // int32_t fd
      "buffer", // uint8_t *out
      "u32", // uint32_t cap
      "u32", // uint32_t off
      "u32", // uint32_t len
    ],
    result: "i32",
  },
  // int32_t dray_sock_shutdown(
  dray_sock_shutdown: {
    parameters: [
      "i32", // int32_t fd
      "u32", // uint32_t how (0 read, 1 write, 2 both)
    ],
    result: "i32",
  },
  // int32_t dray_sock_close(int32_t fd)
  dray_sock_close: { parameters: ["i32"], result: "i32" },
  // int32_t dray_poller_open(
  dray_poller_open: {
    parameters: [
      "buffer", // int32_t *out (out[0] = epoll fd, out[1] = wake fd)
      "u32", // uint32_t out_cap (bytes)
    ],
    result: "i32",
  },
  // int32_t dray_poller_arm(
  dray_poller_arm: {
    parameters: [
      "i32", // int32_t ep
      "i32", // int32_t fd
      "u32", // uint32_t events (DRAY_SOCK_READABLE | DRAY_SOCK_WRITABLE)
      "u32", // uint32_t token
    ],
    result: "i32",
  },
  // int32_t dray_poller_disarm(
  dray_poller_disarm: {
    parameters: [
      "i32", // int32_t ep
      "i32", // int32_t fd
    ],
    result: "i32",
  },
  // int32_t dray_poller_wait( (blocks: runs off the event-loop thread)
  dray_poller_wait: {
    parameters: [
      "i32", // int32_t ep
      "i32", // int32_t wake
      "buffer", // uint32_t *out ((token, events) pairs)
      "u32", // uint32_t out_cap (bytes)
      "i32", // int32_t timeout_ms (negative = no limit)
    ],
    result: "i32",
    nonblocking: true,
  },
  // int32_t dray_poller_wake(int32_t wake)
  dray_poller_wake: { parameters: ["i32"], result: "i32" },
  // int32_t dray_poller_close(
  dray_poller_close: {
    parameters: [
      "i32", // int32_t ep
      "i32", // int32_t wake
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The ABI number the TypeScript side was written against (DRAY_ABI in shim.c). */
export const ABI = 3;

/** The symbols every version of the shim has: enough to read its ABI before anything else. */
export const ABI_PROBE = {
  // uint32_t dray_abi(void)
  dray_abi: { parameters: [], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Return codes of shim.c. */
export const DRAY_OK = 0;
export const DRAY_EFAULT = -1;
export const DRAY_ERANGE = -2;

export type ShimSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
