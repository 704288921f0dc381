// The pure dependency and fence rules of a session, without a session, a backend or a loop.
import assert from "node:assert/strict";
import { DmoverError } from "../../dmover/mod.ts";
import type { DmoverCompletion, DmoverRequest } from "../../dmover/mod.ts";
import { afterAll, Dependencies, NONE } from "../../dmover/_dependencies.ts";
import { Ring } from "../../dmover/_ring.ts";

function unread(...done: [id: number, seq: number, failed?: boolean][]): Ring<DmoverCompletion> {
  const completions = new Ring<DmoverCompletion>(8, true);
  for (const [id, seq, failed] of done) {
    const error = failed ? new DmoverError("EIO", "failed") : undefined;
    completions.push({ id, error, immediate: undefined }, seq);
  }
  return completions;
}

function request(id: number, extra: Partial<DmoverRequest> = {}): DmoverRequest {
  return { id, output: new Uint8Array(1), ...extra };
}

Deno.test("Dependencies gives a request without dependsOn or fence nothing to wait for", () => {
  const deps = new Dependencies();
  deps.track(1, 1);
  assert.equal(deps.prerequisites(request(2), false, unread()), NONE);
});

Deno.test("Dependencies refuses dependsOn naming no request that holds a slot", () => {
  const deps = new Dependencies();
  assert.throws(
    () => deps.prerequisites(request(2, { dependsOn: 1 }), false, unread([3, 1])),
    (error) => error instanceof DmoverError && error.code === "EINVAL",
  );
});

Deno.test("Dependencies waits on the latest request of an id: running or unread", () => {
  const deps = new Dependencies();
  const running = deps.track(7, 5);
  // Running and newer than the unread completion of the same id: wait for it.
  let before = deps.prerequisites(request(9, { dependsOn: 7 }), false, unread([7, 2, true]));
  assert.deepEqual(before.wait, [running]);
  assert.equal(before.failed, false);
  // The unread completion is newer and failed: fail at once, wait for nothing.
  before = deps.prerequisites(request(9, { dependsOn: 7 }), false, unread([7, 8, true]));
  assert.deepEqual([before.wait.length, before.failed], [0, true]);
  // Newer and succeeded: run at once.
  before = deps.prerequisites(request(9, { dependsOn: 7 }), false, unread([7, 8]));
  assert.deepEqual([before.wait.length, before.failed], [0, false]);
});

Deno.test("Dependencies fences wait for every running request and fail after an unread failure", () => {
  const deps = new Dependencies();
  const a = deps.track(1, 1);
  const b = deps.track(2, 2);
  let before = deps.prerequisites(request(3), true, unread([4, 3]));
  assert.deepEqual(before.wait, [a, b]);
  assert.equal(before.failed, false);
  before = deps.prerequisites(request(3, { fence: true }), false, unread([4, 3], [5, 4, true]));
  assert.equal(before.failed, true);
  // dependsOn and a fence together name the request once.
  before = deps.prerequisites(request(3, { dependsOn: 2, fence: true }), false, unread());
  assert.deepEqual(before.wait, [b, a]);
});

Deno.test("Dependencies.settle tells the waiters and makes an older request of the id the latest", () => {
  const deps = new Dependencies();
  const older = deps.track(1, 1);
  const newer = deps.track(1, 2);
  const told: string[] = [];
  afterAll([older, newer], (failed) => told.push(`both, failed ${failed}`));
  afterAll([newer], (failed) => told.push(`newer, failed ${failed}`));
  deps.settle(newer, true);
  assert.deepEqual(told, ["newer, failed true"]);
  assert.equal(deps.size, 1);
  // The older one, still running, is now the one dependsOn 1 waits for.
  assert.deepEqual(deps.prerequisites(request(2, { dependsOn: 1 }), false, unread()).wait, [older]);
  deps.settle(older, false);
  assert.deepEqual(told, ["newer, failed true", "both, failed true"]);
  assert.equal(deps.size, 0);
  deps.settle(undefined, false); // a request that was never tracked: nothing to do
});
