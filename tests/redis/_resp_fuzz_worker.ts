/// <reference lib="deno.worker" />
// Runs the RESP reader fuzzer off the test's thread, so that a reader that hangs is caught by the
// test's watchdog instead of hanging the run. It reports the index of each case before checking
// it (the test regenerates a case from the seed and its index) and a summary at the end.
import { check, makeCase } from "./_resp_fuzz.ts";

interface Start {
  seed: number;
  budgetMs: number;
}

self.onmessage = (event: MessageEvent<Start>) => {
  const { seed, budgetMs } = event.data;
  const deadline = Date.now() + budgetMs;
  const ended = { error: 0, replies: 0, nothing: 0 };
  let valid = 0;
  let bytes = 0;
  let index = 0;
  for (; Date.now() < deadline; index++) {
    self.postMessage({ kind: "case", index });
    const fuzz = makeCase(seed, index);
    const verdict = check(fuzz, seed, index);
    if (verdict.problem !== undefined) {
      self.postMessage({ kind: "fail", index, problem: verdict.problem });
      return;
    }
    ended[verdict.ended]++;
    if (fuzz.expected !== undefined) valid++;
    bytes += fuzz.input.length;
  }
  self.postMessage({ kind: "done", cases: index, ended, valid, bytes });
};
