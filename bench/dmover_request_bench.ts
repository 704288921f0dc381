// Per-request cost of dmover's synchronous native path (issue 16 item 3): a 64-byte copy and a
// 4 KiB CRC-32C, one-shot and through a depth-64 session, against the bare NativeLibrary call and
// an empty FFI-sized loop. Prints ns/request (median of 7 rounds). A small script, not a suite:
//   deno run -A native/build.ts && deno run -A bench/dmover_request_bench.ts
import { copy, crc32c, openSession } from "../dmover/mod.ts";
import { nativeStatus } from "../native/mod.ts";
import process from "node:process";

const status = nativeStatus();
if (!status.available) {
  console.error(`native shim unavailable: ${status.reason}`);
  Deno.exit(1);
}
const lib = status.library;

// Wall time and this process's CPU time (user + system) per request, medians of 7 rounds: on a
// shared machine the CPU time is the steadier of the two.
function measure(name: string, n: number, body: (n: number) => void): void {
  body(Math.min(n, 20_000)); // warm up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 7; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    body(n);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    wall.push(((t1 - t0) * 1e6) / n);
    cpu.push(((c1.user + c1.system) * 1e3) / n);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(48)} ${wall[3]!.toFixed(1).padStart(8)} ns wall ${
      cpu[3]!.toFixed(1).padStart(8)
    } ns cpu`,
  );
}

const small = new Uint8Array(64).fill(7);
const smallOut = new Uint8Array(64);
const page = new Uint8Array(4096).map((_, i) => i * 31);
let sink = 0;

measure("library.crc32c 4 KiB (bare wrapper)", 200_000, (n) => {
  for (let i = 0; i < n; i++) sink ^= lib.crc32c(page, 0, 4096, 0);
});
measure("crc32c 4 KiB one-shot, backend native", 200_000, (n) => {
  const options = { backend: "native" };
  for (let i = 0; i < n; i++) sink ^= crc32c(page, 0, options);
});
measure("crc32c 4 KiB one-shot, auto", 200_000, (n) => {
  for (let i = 0; i < n; i++) sink ^= crc32c(page);
});
measure("copy 64 B one-shot, backend native", 500_000, (n) => {
  const options = { backend: "native" };
  for (let i = 0; i < n; i++) copy(smallOut, small, options);
});
measure("copy 64 B one-shot, auto", 500_000, (n) => {
  for (let i = 0; i < n; i++) copy(smallOut, small);
});

function sessionRound(fn: string, backend: string, make: (id: number) => object, n: number): void {
  const session = openSession(fn, { backend, maxInFlight: 64, nonBlocking: true });
  const requests = Array.from({ length: 64 }, (_, id) => make(id));
  for (let done = 0; done < n; done += 64) {
    // deno-lint-ignore no-explicit-any
    session.submitMany(requests as any);
    const completions = session.readMany();
    sink ^= completions.length;
  }
  session.close();
}

for (const backend of ["native", "ts", "auto"]) {
  measure(`copy 64 B, session depth 64, backend ${backend}`, 640_000, (n) => {
    sessionRound("copy", backend, (id) => ({ id, output: new Uint8Array(64), inputs: [small] }), n);
  });
}
measure("crc32c 4 KiB, session depth 64, backend native", 192_000, (n) => {
  sessionRound("iscsi-crc32c", "native", (id) => ({ id, inputs: [page] }), n);
});
if (sink === 0.5) console.log(sink);
