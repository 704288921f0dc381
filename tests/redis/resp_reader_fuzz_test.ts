// Seeded random tests: random RESP3 values encoded to bytes come back equal however the bytes
// are split; random corruptions of such streams give values or a ProtocolError (never another
// exception), the same way whole, byte by byte and in random pieces; and a fuzzer that runs for a
// time budget (structure-aware generation and mutation, see _resp_fuzz.ts) in a worker, watched
// for hangs.
//
// Reproducing a failure: the fuzzer prints its seed; `DRAY_FUZZ_SEED=<seed>` repeats it, and
// `DRAY_FUZZ_MS=<ms>` changes its time budget (default 2000 ms; CI runs the default).

import assert from "node:assert/strict";
import { concat, encode, makeCase, pieces, random, value } from "./_resp_fuzz.ts";
import { fails, feed, plain } from "./_resp_harness.ts";
import { envNumber } from "../_helpers/env.ts";

const SEED = (envNumber("DRAY_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
const BUDGET_MS = envNumber("DRAY_FUZZ_MS") ?? 2000;
/** A case that takes longer than this is a hang. */
const HANG_MS = 10_000;

console.log(
  `resp fuzz: seed ${SEED}, budget ${BUDGET_MS} ms (repeat with DRAY_FUZZ_SEED=${SEED})`,
);

Deno.test("RespReader returns random RESP3 values intact however their bytes are split", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const values = Array.from({ length: 1 + Math.floor(next() * 6) }, () => value(next, 0));
    const parts: Uint8Array[] = [];
    for (const v of values) encode(v, parts);
    const stream = concat(parts);
    const expected = values.map((v) => ({ reply: plain(v) }));
    for (const cuts of [[], pieces(next, stream.length, 3), pieces(next, stream.length, 40)]) {
      const outcome = feed(stream, cuts);
      assert.deepEqual(outcome, { events: expected, idle: true }, `seed ${seed}, cuts ${cuts}`);
    }
  }
});

Deno.test("RespReader meets corrupted streams with values or a ProtocolError, the same every way", () => {
  const garbage = [0, 10, 13, 36, 42, 43, 45, 48, 49, 58, 62, 124, 255];
  let failed = 0;
  let parsed = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const next = random(seed * 7919);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) encode(value(next, 0), parts);
    const stream = Array.from(concat(parts));
    for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
      const at = Math.floor(next() * stream.length);
      const byte = garbage[Math.floor(next() * garbage.length)]!;
      const kind = next();
      if (kind < 0.4) stream[at] = byte;
      else if (kind < 0.7) stream.splice(at, 0, byte);
      else stream.splice(at, 1);
    }
    const bytes = Uint8Array.from(stream);
    // feed() lets only a ProtocolError through as an outcome; anything else fails the test.
    const whole = feed(bytes, []);
    const cuts = [...Array(Math.max(bytes.length - 1, 0)).keys()].map((i) => i + 1);
    assert.deepEqual(feed(bytes, cuts), whole, `seed ${seed}, byte at a time`);
    assert.deepEqual(feed(bytes, pieces(next, bytes.length, 5)), whole, `seed ${seed}, pieces`);
    if (whole.error) failed++;
    else if (whole.events.length > 0) parsed++;
  }
  // Both outcomes occur, so the comparison above is not vacuous.
  assert.ok(failed > 100 && parsed > 50, `${failed} failed, ${parsed} parsed`);
});

// Found by the fuzzer: with a small maxLineLength, a line over the limit was reported as a bare
// CR (or LF) when it arrived whole, and as too long when it arrived a byte at a time; and "+OK"
// skipped the limit when it arrived whole.
Deno.test("RespReader reports a line over maxLineLength the same however it arrives", () => {
  const reader = { maxLineLength: 6 };
  fails("+53687091f\r\r\n", 0, /longer than the limit of 6 bytes/, { reader });
  fails("+53687091f\n", 0, /longer than the limit of 6 bytes/, { reader });
  fails("(-84374901052\r+9\r\n", 0, /big number is longer than the limit of 6/, { reader });
  fails("+OK\r\n", 0, /longer than the limit of 1 bytes/, { reader: { maxLineLength: 1 } });
  fails("+ab\rc\r\n", 3, /Carriage return without a line feed/, { reader });
});

/** How long the fuzz worker may take to load before its first case. */
const START_MS = 120_000;

interface Done {
  kind: "done";
  cases: number;
  ended: { error: number; replies: number; nothing: number };
  valid: number;
  bytes: number;
}

function hex(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 256)].map((b) => b.toString(16).padStart(2, "0")).join("") +
    (bytes.length > 256 ? `… (${bytes.length} bytes)` : "");
}

Deno.test("RespReader fuzzed for a time budget gives replies or a ProtocolError, the same every way, and never hangs", async () => {
  const worker = new Worker(new URL("./_resp_fuzz_worker.ts", import.meta.url), {
    type: "module",
  });
  let watchdog: ReturnType<typeof setInterval> | undefined;
  try {
    const done = await new Promise<Done>((resolve, reject) => {
      let current = -1;
      let since = Date.now();
      const fail = (why: string) => {
        const fuzz = makeCase(SEED, current);
        reject(
          new Error(
            `${why} (seed ${SEED}, case ${current}, options ${JSON.stringify(fuzz.options)}, ` +
              `input ${hex(fuzz.input)})`,
          ),
        );
      };
      watchdog = setInterval(() => {
        // Before its first case the worker is still loading its modules, which on a loaded
        // machine running the suite in parallel took over 10 s: that is not a hang of the reader.
        if (current === -1) {
          if (Date.now() - since > START_MS) fail(`The worker did not start within ${START_MS} ms`);
        } else if (Date.now() - since > HANG_MS) fail(`A case ran for more than ${HANG_MS} ms`);
      }, 250);
      worker.onmessage = (event) => {
        const message = event.data;
        if (message.kind === "case") {
          current = message.index;
          since = Date.now();
        } else if (message.kind === "fail") {
          current = message.index;
          fail(message.problem);
        } else {
          resolve(message as Done);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        fail(`The worker crashed: ${event.message}`);
      };
      worker.postMessage({ seed: SEED, budgetMs: BUDGET_MS });
    });
    console.log(
      `resp fuzz: ${done.cases} cases, ${done.bytes} bytes: ${done.ended.error} ProtocolErrors, ` +
        `${done.ended.replies} with replies, ${done.valid} valid streams checked exactly`,
    );
    // Every kind of outcome occurred, so the properties were not checked in a vacuum.
    assert.ok(done.cases >= 100, `${done.cases} cases`);
    assert.ok(done.ended.error > 0 && done.ended.replies > 0 && done.valid > 0);
  } finally {
    clearInterval(watchdog);
    worker.terminate();
  }
});
