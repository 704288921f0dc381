// Child process of memory_safety_test.ts: calls NativeLibrary.crc32cv over a table in a
// SharedArrayBuffer while a Worker keeps moving the table's last pair between a valid offset and
// one far outside the buffer. Exits 0 when every call either computed a CRC or was refused; a
// walk of the caller's table in place (checked, then re-read) ends in SIGSEGV instead.
import { nativeStatus } from "../../native/mod.ts";

const status = nativeStatus();
if (!status.available) {
  console.log("unavailable");
  Deno.exit(0);
}
const lib = status.library;
const PAIRS = 1024;
const PIECE = 64;
const src = new Uint8Array(PAIRS * PIECE).fill(0x5a);
const words = 2 + 2 * PAIRS;
const table = new Uint32Array(new SharedArrayBuffer(4 * words));
const control = new Int32Array(new SharedArrayBuffer(4));
const last = 2 + 2 * (PAIRS - 1);
const code = `
self.onmessage = (event) => {
  const [table, control, at, good, bad] = event.data;
  self.postMessage("started");
  while (Atomics.load(control, 0) === 0) {
    Atomics.store(table, at, good);
    Atomics.store(table, at, bad);
  }
  self.postMessage("stopped");
};`;
const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
const worker = new Worker(url, { type: "module" });
const started = new Promise((resolve) => worker.onmessage = resolve);
worker.postMessage([table, control, last, (PAIRS - 1) * PIECE, 0x7fff_0000]);
await started;
let computed = 0;
let refused = 0;
const until = performance.now() + Number(Deno.args[0] ?? "1500");
while (performance.now() < until) {
  for (let i = 0; i < 200; i++) {
    table[0] = 0;
    table[1] = PAIRS;
    for (let k = 0; k < PAIRS - 1; k++) {
      table[2 + 2 * k] = k * PIECE;
      table[3 + 2 * k] = PIECE;
    }
    table[last + 1] = PIECE;
    try {
      lib.crc32cv(src, table, words);
      computed++;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      refused++;
    }
  }
}
Atomics.store(control, 0, 1);
worker.terminate();
console.log(`computed ${computed} refused ${refused}`);
