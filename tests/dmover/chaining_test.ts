// Chaining and fences (the async_tx / DSA model): a request naming an earlier one runs after it
// and fails with ECANCELED when it failed; a fence waits for every earlier request. Driven by a
// backend that completes when the test says, then on the real off-thread backends.
import assert from "node:assert/strict";
import {
  type DmoverCompletion,
  DmoverError,
  type DmoverRequest,
  openSession,
} from "../../dmover/mod.ts";
import { ManualLoop } from "../../loop/mod.ts";
import { ALL_BACKENDS, bitwiseCrc32c, DeferredBackend, randomBytes } from "./_support.ts";

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof DmoverError && error.code === code;
}

function fill(id: number, out: Uint8Array, byte: number, extra: Partial<DmoverRequest> = {}) {
  return { id, output: out, immediate: byte, ...extra };
}

function fail(backend: DeferredBackend, id: number): void {
  const index = backend.held.findIndex((h) => h.id === id);
  const [held] = backend.held.splice(index, 1);
  held!.fail(new Error(`request ${id} failed on purpose`));
}

/** Lets the promises settled so far run their continuations. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
}

function summary(completions: DmoverCompletion[]): [number, string | undefined][] {
  return completions.map((c) => [c.id, c.error?.code]);
}

Deno.test("Session runs a request after the one it depends on, in completion order", async () => {
  const deferred = new DeferredBackend();
  using session = openSession("fill8", { backend: deferred, nonBlocking: true });
  const a = new Uint8Array(4);
  const b = new Uint8Array(4);
  session.submit(fill(1, a, 1));
  session.submit(fill(2, b, 2, { dependsOn: 1 }));
  assert.deepEqual(deferred.held.map((h) => h.id), [1]); // 2 waits and has not reached the backend
  assert.equal(session.inFlight, 2); // but it holds its slot
  deferred.release(1);
  await settle();
  assert.deepEqual(deferred.held.map((h) => h.id), [2]);
  deferred.release(2);
  await settle();
  assert.deepEqual(summary(session.readMany()), [[1, undefined], [2, undefined]]);
  assert.deepEqual([a, b], [new Uint8Array(4).fill(1), new Uint8Array(4).fill(2)]);
});

Deno.test("Session cancels the dependents of a failed request, down the chain", async () => {
  const deferred = new DeferredBackend();
  using session = openSession("fill8", { backend: deferred, nonBlocking: true });
  const outs = [0, 1, 2, 3].map(() => new Uint8Array(4));
  session.submit(fill(1, outs[0]!, 1));
  session.submit(fill(2, outs[1]!, 2, { dependsOn: 1 }));
  session.submit(fill(3, outs[2]!, 3, { dependsOn: 2 }));
  session.submit(fill(4, outs[3]!, 4)); // independent
  fail(deferred, 1);
  await settle();
  assert.deepEqual(deferred.held.map((h) => h.id), [4]);
  deferred.release(4);
  await settle();
  const completions = session.readMany();
  assert.deepEqual(summary(completions), [[1, "EIO"], [2, "ECANCELED"], [3, "ECANCELED"], [
    4,
    undefined,
  ]]);
  assert.match(completions[1]!.error!.message, /request '2'/);
  assert.deepEqual(outs[1], new Uint8Array(4)); // never written
  assert.deepEqual(outs[2], new Uint8Array(4));
});

Deno.test("Session refuses dependsOn naming no request that holds a slot, without taking one", () => {
  using session = openSession("fill8", { maxInFlight: 2, nonBlocking: true });
  const out = new Uint8Array(4);
  assert.throws(() => session.submit(fill(1, out, 1, { dependsOn: 99 })), isCode("EINVAL"));
  session.submit(fill(5, out, 1));
  session.read(); // 5's completion is read: it can no longer be named
  assert.throws(() => session.submit(fill(6, out, 1, { dependsOn: 5 })), isCode("EINVAL"));
  assert.equal(session.inFlight, 0);
  assert.throws(
    () => session.submit(fill(7, out, 1, { dependsOn: "5" as unknown as number })),
    isCode("EINVAL"),
  );
  assert.throws(
    () => session.submit(fill(7, out, 1, { fence: 1 as unknown as boolean })),
    isCode("EINVAL"),
  );
});

Deno.test("Session runs at once after a completed request, and cancels after a failed one", () => {
  using session = openSession("fill8", { nonBlocking: true, maxInFlight: 8 });
  const out = new Uint8Array(4);
  session.submit(fill(1, out, 1));
  session.submit(fill(2, out, 2, { dependsOn: 1 })); // 1 completed, unread: 2 runs now
  assert.deepEqual(out, new Uint8Array(4).fill(2));
  // A failure that completed within submit (a backend that throws), then a dependent.
  using failing = openSession("fill8", {
    nonBlocking: true,
    backend: {
      name: "throws",
      synchronous: true,
      speed: () => 1,
      kernel: () => () => {
        throw new Error("boom");
      },
    },
  });
  failing.submit(fill(1, out, 3));
  failing.submit(fill(2, out, 3, { dependsOn: 1 }));
  failing.submit(fill(3, out, 3, { fence: true }));
  assert.deepEqual(summary(failing.readMany()), [[1, "EIO"], [2, "ECANCELED"], [3, "ECANCELED"]]);
  assert.deepEqual(summary(session.readMany()), [[1, undefined], [2, undefined]]);
});

Deno.test("Session with duplicate ids depends on the latest request of that id", async () => {
  const deferred = new DeferredBackend();
  using session = openSession("fill8", { backend: deferred, nonBlocking: true });
  const out = new Uint8Array(4);
  session.submit(fill(1, out, 1));
  session.submit(fill(1, out, 2));
  session.submit(fill(9, out, 9, { dependsOn: 1 }));
  deferred.held.shift()!.release();
  await settle();
  assert.deepEqual(deferred.held.map((h) => h.id), [1]); // 9 still waits for the second 1
  deferred.held.shift()!.release();
  await settle();
  assert.deepEqual(deferred.held.map((h) => h.id), [9]);
  deferred.release(9);
  await settle();
  assert.equal(session.readMany().length, 3);
});

Deno.test("Session fences wait for every earlier request, and cancel after a failure", async () => {
  const deferred = new DeferredBackend();
  using session = openSession("fill8", { backend: deferred, nonBlocking: true });
  const out = new Uint8Array(4);
  session.submit(fill(1, out, 1));
  session.submit(fill(2, out, 2));
  session.submit(fill(3, out, 3, { fence: true }));
  session.submit(fill(4, out, 4)); // after the fence, but not fenced itself
  assert.deepEqual(deferred.held.map((h) => h.id), [1, 2, 4]);
  deferred.release(2);
  await settle();
  assert.deepEqual(deferred.held.map((h) => h.id), [1, 4]);
  deferred.release(1);
  await settle();
  assert.deepEqual(deferred.held.map((h) => h.id), [4, 3]);
  deferred.release(3);
  deferred.release(4);
  await settle();
  assert.deepEqual(session.readMany().map((c) => c.id), [2, 1, 3, 4]);
  // A fence after a failure whose completion is unread is cancelled at once.
  session.submit(fill(5, out, 5));
  fail(deferred, 5);
  await settle();
  session.submit(fill(6, out, 6, { fence: true }));
  assert.deepEqual(summary(session.readMany()), [[5, "EIO"], [6, "ECANCELED"]]);
  // One waiting on a failure still to come is cancelled when it comes.
  session.submit(fill(7, out, 7));
  session.submit(fill(8, out, 8, { fence: true }));
  fail(deferred, 7);
  await settle();
  assert.deepEqual(summary(session.readMany()), [[7, "EIO"], [8, "ECANCELED"]]);
});

Deno.test("Session.submitMany with a fence starts the batch after everything before it", async () => {
  const deferred = new DeferredBackend();
  const loop = new ManualLoop();
  using session = openSession("fill8", { backend: deferred, loop, maxInFlight: 3 });
  const outs = [0, 1, 2, 3].map(() => new Uint8Array(2));
  session.submit(fill(1, outs[0]!, 1));
  const batch = [fill(2, outs[1]!, 2), fill(3, outs[2]!, 3), fill(4, outs[3]!, 4)];
  // Two fit now, the third waits for a slot: the fence holds the first of the batch only.
  const accepted = session.submitMany(batch, { fence: true });
  assert.ok(accepted instanceof Promise);
  assert.deepEqual(deferred.held.map((h) => h.id), [1, 3]);
  deferred.release(1);
  await settle();
  assert.deepEqual(deferred.held.map((h) => h.id), [3, 2]);
  deferred.release(3);
  deferred.release(2);
  await settle();
  assert.equal((await session.read()).id, 1); // frees a slot for the last one
  loop.tick();
  assert.equal(await accepted, 3);
  assert.deepEqual(deferred.held.map((h) => h.id), [4]);
  deferred.release(4);
  await settle();
  assert.deepEqual((await session.readMany()).map((c) => c.id), [3, 2, 4]);
});

Deno.test("Session.close drops requests still waiting on others: they never run", async () => {
  const deferred = new DeferredBackend();
  const session = openSession("fill8", { backend: deferred, nonBlocking: true });
  const out = new Uint8Array(4);
  session.submit(fill(1, new Uint8Array(4), 1));
  session.submit(fill(2, out, 2, { dependsOn: 1 }));
  session.close();
  const finished = session.finished;
  deferred.release(1);
  await finished;
  assert.deepEqual(deferred.held, []);
  assert.deepEqual(out, new Uint8Array(4)); // 2 never started
});

for (const factory of ALL_BACKENDS) {
  Deno.test({
    name: `Session (${factory.name}) orders a chain of requests over each other's outputs`,
    ignore: factory.ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      const size = 300_000;
      const [a, b, c] = [1, 2, 3].map((seed) => randomBytes(size, seed));
      const [t1, t2, out] = [0, 1, 2].map(() => new Uint8Array(size));
      using xor = openSession("xor2", { backend });
      xor.submit({ id: 1, output: t1!, inputs: [a!, b!] });
      xor.submit({ id: 2, output: t2!, inputs: [t1!, c!], dependsOn: 1 });
      xor.submit({ id: 3, output: out!, inputs: [t2!, a!], fence: true });
      const done = [await xor.read(), await xor.read(), await xor.read()];
      assert.deepEqual(summary(done), [[1, undefined], [2, undefined], [3, undefined]]);
      assert.deepEqual(out, b!.map((x, i) => x ^ c![i]!));
      // Copies handed down a chain, each checksummed on the way.
      const hops = [0, 1, 2].map(() => new Uint8Array(size));
      using crc = openSession("copy-crc32c", { backend });
      crc.submit({ id: 1, output: hops[0]!, inputs: [a!] });
      crc.submit({ id: 2, output: hops[1]!, inputs: [hops[0]!], dependsOn: 1 });
      crc.submit({ id: 3, output: hops[2]!, inputs: [hops[1]!], dependsOn: 2 });
      const crcs = [await crc.read(), await crc.read(), await crc.read()];
      assert.deepEqual(crcs.map((c) => c.immediate), [1, 2, 3].map(() => bitwiseCrc32c(a!)));
      assert.deepEqual(hops[2], a);
    },
  });
}
