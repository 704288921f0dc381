// The session's bookkeeping, on each synchronous backend and on a backend that completes later.
import assert from "node:assert/strict";
import {
  type DmoverBackend,
  type DmoverCompletion,
  DmoverError,
  type DmoverRequest,
  openSession,
} from "../../dmover/mod.ts";
import { ManualLoop } from "../../loop/mod.ts";
import {
  BACKENDS,
  bitwiseCrc32c,
  DeferredBackend,
  isPending,
  randomBytes,
  within,
} from "./_support.ts";

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof DmoverError && error.code === code;
}

function zeroRequest(id: number): DmoverRequest {
  return { id, output: new Uint8Array(16) };
}

/** Ends a ManualLoop tick and lets the promises it settled run their continuations. */
async function tick(loop: ManualLoop): Promise<void> {
  loop.tick();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

for (const { name, backend, ignore } of BACKENDS) {
  Deno.test({
    name: `Session (${name}) returns completions with ids and immediates in completion order`,
    ignore,
    async fn() {
      using session = openSession("iscsi-crc32c", { backend });
      const data = [1, 2, 3, 4, 5].map((i) => randomBytes(i * 100, i));
      for (let i = 0; i < data.length; i++) {
        await session.submit({ id: 10 + i, inputs: [data[i]!], immediate: i });
      }
      const completions: DmoverCompletion[] = [];
      while (completions.length < 5) completions.push(await session.read());
      assert.deepEqual(completions.map((c) => c.id), [10, 11, 12, 13, 14]);
      completions.forEach((c, i) => {
        assert.equal(c.error, undefined);
        assert.equal(c.immediate, bitwiseCrc32c(data[i]!, i));
      });
      const zeros = openSession("zero", { backend });
      zeros.submit(zeroRequest(1));
      assert.deepEqual(await zeros.read(), { id: 1, error: undefined, immediate: undefined });
      zeros.close();
    },
  });

  Deno.test({
    name: `Session (${name}) holds a slot from submit until the completion is read`,
    ignore,
    fn() {
      using session = openSession("zero", { backend, maxInFlight: 2, nonBlocking: true });
      assert.equal(session.writable, true);
      session.submit(zeroRequest(1));
      session.submit(zeroRequest(2));
      assert.equal(session.inFlight, 2);
      assert.equal(session.readable, true);
      assert.equal(session.writable, false);
      // Both are done, yet their slots stay taken until read.
      assert.throws(() => session.submit(zeroRequest(3)), isCode("EWOULDBLOCK"));
      assert.equal((session.read() as DmoverCompletion).id, 1);
      assert.equal(session.inFlight, 1);
      assert.equal(session.writable, true);
      session.submit(zeroRequest(3));
      assert.deepEqual((session.readMany() as DmoverCompletion[]).map((c) => c.id), [2, 3]);
      assert.equal(session.readable, false);
      assert.throws(() => session.read(), isCode("EWOULDBLOCK"));
      assert.throws(() => session.readMany(), isCode("EWOULDBLOCK"));
    },
  });

  Deno.test({
    name: `Session (${name}) allows 64 requests in flight by default`,
    ignore,
    fn() {
      using session = openSession("zero", { backend, nonBlocking: true });
      assert.equal(session.maxInFlight, 64);
      for (let id = 0; id < 64; id++) session.submit(zeroRequest(id));
      assert.throws(() => session.submit(zeroRequest(64)), isCode("EWOULDBLOCK"));
      assert.equal((session.readMany(10) as DmoverCompletion[]).length, 10);
      assert.equal((session.readMany() as DmoverCompletion[]).length, 54);
    },
  });

  Deno.test({
    name: `Session (${name}) blocking submit waits for a slot, woken through the loop by a read`,
    ignore,
    async fn() {
      const loop = new ManualLoop();
      using session = openSession("zero", { backend, maxInFlight: 1, loop });
      const first = session.submit(zeroRequest(1));
      assert.equal(await isPending(first), false, "accepted at once");
      const waiting = session.submit(zeroRequest(2));
      assert.ok(waiting instanceof Promise);
      assert.equal(session.writable, false);
      assert.equal(await isPending(waiting), true);
      // A later submit queues behind the waiting one, even once a slot is free.
      const third = session.submit(zeroRequest(3));
      assert.ok(third instanceof Promise);
      assert.equal((await session.read()).id, 1);
      assert.equal(await isPending(waiting), true, "woken before the loop's tick");
      await tick(loop);
      await within(waiting);
      assert.equal(await isPending(third), true);
      assert.equal((await session.read()).id, 2);
      await tick(loop);
      await within(third);
      assert.equal((await session.read()).id, 3);
    },
  });

  Deno.test({
    name: `Session (${name}) blocking read waits for the next completion`,
    ignore,
    async fn() {
      using session = openSession("zero", { backend });
      const next = session.read();
      const batch = session.readMany(5);
      assert.ok(next instanceof Promise && batch instanceof Promise);
      assert.equal(await isPending(next), true);
      session.submit(zeroRequest(7));
      session.submit(zeroRequest(8));
      session.submit(zeroRequest(9));
      assert.equal((await within(next)).id, 7);
      assert.deepEqual((await within(batch)).map((c) => c.id), [8, 9]);
      assert.equal(session.inFlight, 0);
    },
  });

  Deno.test({
    name: `Session.submitMany (${name}) reports how many requests were accepted`,
    ignore,
    async fn() {
      using nb = openSession("zero", { backend, maxInFlight: 3, nonBlocking: true });
      const requests = [1, 2, 3, 4, 5].map(zeroRequest);
      assert.equal(nb.submitMany(requests), 3);
      assert.throws(() => nb.submitMany(requests.slice(3)), (error) => {
        return isCode("EWOULDBLOCK")(error) && (error as DmoverError).accepted === 0;
      });
      nb.readMany();
      assert.equal(nb.submitMany([]), 0);
      // An invalid request stops the batch; those before it hold slots, it and later ones do not.
      const bad = { id: 99, output: "bytes" as unknown as Uint8Array };
      assert.throws(
        () => nb.submitMany([requests[3]!, bad, requests[4]!]),
        (error) => isCode("EINVAL")(error) && (error as DmoverError).accepted === 1,
      );
      assert.equal(nb.inFlight, 1);
      assert.deepEqual((nb.readMany() as DmoverCompletion[]).map((c) => c.id), [4]);

      const loop = new ManualLoop();
      using blocking = openSession("zero", { backend, maxInFlight: 2, loop });
      const all = blocking.submitMany(requests);
      assert.ok(all instanceof Promise);
      assert.equal(blocking.inFlight, 2);
      const ids: number[] = [];
      while (ids.length < 5) {
        for (const c of await blocking.readMany()) ids.push(c.id);
        await tick(loop);
      }
      assert.equal(await within(all), 5);
      assert.deepEqual(ids, [1, 2, 3, 4, 5]);
      // A blocking batch whose later request is invalid rejects with the count accepted.
      blocking.submitMany([zeroRequest(6), zeroRequest(7)]);
      const mixed = blocking.submitMany([zeroRequest(8), bad]);
      assert.ok(mixed instanceof Promise);
      const refused = assert.rejects(
        within(mixed),
        (error) => isCode("EINVAL")(error) && (error as DmoverError).accepted === 1,
      );
      blocking.readMany();
      await tick(loop);
      await refused;
    },
  });

  Deno.test({
    name: `Session.poll (${name}) reports readiness at the end of a loop tick`,
    ignore,
    async fn() {
      const loop = new ManualLoop();
      using session = openSession("zero", { backend, maxInFlight: 1, nonBlocking: true, loop });
      const readable = session.poll({ readable: true, writable: false });
      assert.equal(await isPending(readable), true);
      session.submit(zeroRequest(1));
      assert.equal(await isPending(readable), true, "settled before the tick");
      await tick(loop);
      assert.deepEqual(await within(readable), { readable: true, writable: false });
      // Already ready: still delivered through the loop, not synchronously.
      const both = session.poll();
      assert.equal(await isPending(both), true);
      await tick(loop);
      assert.deepEqual(await within(both), { readable: true, writable: false });
      const writable = session.poll({ writable: true, readable: false });
      await tick(loop);
      assert.equal(await isPending(writable), true);
      session.read();
      await tick(loop);
      assert.deepEqual(await within(writable), { readable: false, writable: true });
      // An aborted poll rejects with the signal's reason and stops waiting.
      const controller = new AbortController();
      const aborted = session.poll({ readable: true, writable: false, signal: controller.signal });
      controller.abort(new Error("stop"));
      await assert.rejects(aborted, /stop/);
      assert.throws(() => session.poll({ readable: false, writable: false }), TypeError);
    },
  });

  Deno.test({
    name: `Session (${name}) iterates over completions with for await until closed`,
    ignore,
    async fn() {
      const session = openSession("zero", { backend, maxInFlight: 4 });
      session.submitMany([1, 2].map(zeroRequest));
      const seen: number[] = [];
      const loop = (async () => {
        for await (const completion of session) {
          seen.push(completion.id);
          if (completion.id === 3) session.submit(zeroRequest(4));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.deepEqual(seen, [1, 2]);
      session.submit(zeroRequest(3));
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.deepEqual(seen, [1, 2, 3, 4]);
      session.close();
      await within(loop);
      assert.throws(() => session[Symbol.asyncIterator](), isCode("EBADF"));
    },
  });

  Deno.test({
    name: `Session.close (${name}) drops unread completions and fails later calls with EBADF`,
    ignore,
    async fn() {
      const session = openSession("zero", { backend, maxInFlight: 1 });
      session.submit(zeroRequest(1));
      const writer = session.submit(zeroRequest(2));
      const manyWriter = session.submitMany([zeroRequest(3)]);
      const poll = session.poll({ writable: true, readable: false });
      session.close();
      assert.equal(session.closed, true);
      assert.equal(session.inFlight, 0);
      await assert.rejects(writer!, isCode("EBADF"));
      await assert.rejects(
        manyWriter as Promise<number>,
        (error) => isCode("EBADF")(error) && (error as DmoverError).accepted === 0,
      );
      await assert.rejects(poll, isCode("EBADF"));
      assert.throws(() => session.submit(zeroRequest(4)), isCode("EBADF"));
      assert.throws(() => session.submitMany([zeroRequest(4)]), isCode("EBADF"));
      assert.throws(() => session.read(), isCode("EBADF"));
      assert.throws(() => session.readMany(), isCode("EBADF"));
      assert.throws(() => session.readable, isCode("EBADF"));
      assert.throws(() => session.writable, isCode("EBADF"));
      await assert.rejects(session.poll(), isCode("EBADF"));
      session.close(); // closing twice does nothing
      await within(session.finished);

      const reading = openSession("zero", { backend });
      const read = reading.read();
      const many = reading.readMany();
      reading.close();
      await assert.rejects(read as Promise<DmoverCompletion>, isCode("EBADF"));
      await assert.rejects(many as Promise<DmoverCompletion[]>, isCode("EBADF"));
    },
  });
}

Deno.test("openSession refuses unknown backends and bad options", () => {
  assert.throws(() => openSession("zero", { backend: "gpu" }), isCode("ENXIO"));
  for (const maxInFlight of [0, -1, 1.5, 2 ** 31]) {
    assert.throws(() => openSession("zero", { maxInFlight }), RangeError);
  }
  assert.throws(
    () => openSession("zero", { backend: {} as unknown as DmoverBackend }),
    TypeError,
  );
});

Deno.test("Session.backendFor picks ts below the crossover, native above it, native-async for the largest", () => {
  using copy = openSession("copy");
  using xor = openSession("xor2");
  using crc = openSession("iscsi-crc32c");
  for (const length of [1, 64, 4096, 1 << 20]) assert.equal(copy.backendFor(length), "ts");
  // A copy long enough to repay a round trip to another thread goes there (the loop stays free).
  assert.equal(copy.backendFor(2 ** 30), BACKENDS[1]!.ignore ? "ts" : "native-async");
  assert.equal(xor.backendFor(1), "ts");
  assert.equal(crc.backendFor(1), "ts");
  const native = BACKENDS[1]!.ignore ? "ts" : "native";
  assert.equal(xor.backendFor(1 << 20), native);
  assert.equal(crc.backendFor(1 << 20), native);
  using forced = openSession("xor2", { backend: "ts" });
  assert.equal(forced.backendFor(1 << 20), "ts");
  assert.throws(() => xor.backendFor(0), RangeError);
});

Deno.test("Session with a deferred backend reports completions in the order they complete", async () => {
  const deferred = new DeferredBackend();
  const loop = new ManualLoop();
  using session = openSession("iscsi-crc32c", {
    backend: deferred,
    maxInFlight: 3,
    nonBlocking: true,
    loop,
  });
  const data = [1, 2, 3].map((i) => randomBytes(50, i));
  session.submitMany(data.map((bytes, i) => ({ id: i + 1, inputs: [bytes] })));
  assert.equal(session.inFlight, 3);
  assert.equal(session.readable, false);
  assert.throws(() => session.submit({ id: 4, inputs: [data[0]!] }), isCode("EWOULDBLOCK"));
  const ready = session.poll({ readable: true, writable: false });
  deferred.release(3);
  deferred.release(1);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await tick(loop);
  assert.deepEqual(await within(ready), { readable: true, writable: false });
  const first = session.readMany() as DmoverCompletion[];
  assert.deepEqual(first.map((c) => c.id), [3, 1]);
  assert.equal(first[0]!.immediate, bitwiseCrc32c(data[2]!));
  assert.equal(session.inFlight, 1); // request 2 still running
  deferred.release(2);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal((session.read() as DmoverCompletion).id, 2);
});

Deno.test("Session.close with a deferred backend lets pending requests finish without reporting", async () => {
  const deferred = new DeferredBackend();
  const session = openSession("zero", { backend: deferred, maxInFlight: 2 });
  const out = new Uint8Array(4).fill(9);
  session.submit({ id: 1, output: out });
  session.submit({ id: 2, output: new Uint8Array(4) });
  deferred.release(2);
  await new Promise((resolve) => setTimeout(resolve, 0));
  session.close(); // drops completion 2; request 1 is still running
  assert.equal(session.inFlight, 1);
  const finished = session.finished;
  assert.equal(await isPending(finished), true);
  deferred.release(1);
  await within(finished);
  assert.equal(session.inFlight, 0);
  assert.deepEqual(out, new Uint8Array(4)); // the work was done, nobody was told
});

Deno.test("Session reports a failing backend in the completion, as EIO unless it gave a code", async () => {
  const failing = {
    name: "failing",
    synchronous: true,
    speed: () => 1,
    kernel: () => (request: DmoverRequest) => {
      if (request.id === 2) throw new DmoverError("EINVAL", "Cannot run request '2': refused");
      throw new Error("device on fire");
    },
  };
  using session = openSession("zero", { backend: failing });
  session.submit(zeroRequest(1));
  session.submit(zeroRequest(2));
  const [one, two] = await session.readMany();
  assert.equal(one!.error?.code, "EIO");
  assert.match(one!.error!.message, /device on fire/);
  assert.equal(two!.error?.code, "EINVAL");
  const deferred = new DeferredBackend();
  using later = openSession("zero", { backend: deferred });
  later.submit(zeroRequest(3));
  deferred.held[0]!.fail(new Error("late failure"));
  const completion = await within(Promise.resolve(later.read()));
  assert.equal(completion.error?.code, "EIO");
});

Deno.test("Session is disposable and async-disposable", async () => {
  let kept;
  {
    using session = openSession("zero");
    kept = session;
  }
  assert.equal(kept.closed, true);
  const deferred = new DeferredBackend();
  let drained = false;
  const scope = (async () => {
    await using session = openSession("zero", { backend: deferred });
    session.submit(zeroRequest(1));
  })().then(() => drained = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(drained, false);
  deferred.release(1);
  await within(scope);
  assert.equal(drained, true);
});

Deno.test("Session iterator's return withdraws its waiting read, so no completion is lost", async () => {
  using session = openSession("zero", { nonBlocking: true });
  const iterator = session[Symbol.asyncIterator]();
  const pending = iterator.next();
  assert.deepEqual(await iterator.return!(), { done: true, value: undefined });
  assert.deepEqual(await within(pending), { done: true, value: undefined });
  session.submit(zeroRequest(1));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(session.read().id, 1); // still there for the next reader
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });
});
