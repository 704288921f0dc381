// The off-thread backends (native-async, worker): the event loop keeps running while they work,
// buffers in flight are pinned (SharedArrayBuffer views in place, ArrayBuffers staged) and a
// buffer detached or transferred mid-flight fails its request with EFAULT and is never written
// again, the concurrency bound holds, and closing a worker pool fails what it was running.
import assert from "node:assert/strict";
import { type DmoverCompletion, DmoverError, openSession } from "../../dmover/mod.ts";
import { createNativeAsyncBackend, createWorkerBackend } from "../../dmover/backends/mod.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import { ALL_BACKENDS, randomBytes, within } from "./_support.ts";

const OFF_THREAD = ALL_BACKENDS.filter((b) => !b.synchronous);
const MIB = 1 << 20;

function allocate(length: number, shared: boolean): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(length)) : new Uint8Array(length);
}

for (const factory of OFF_THREAD) {
  // SharedArrayBuffers: the work runs in place, and the event loop has nothing to do meanwhile.
  // The behaviour asserted is that the loop keeps turning while the request is in flight: a 1 ms
  // timer fires again and again before the completion arrives (a backend that worked on the loop
  // thread would let it fire at most once, after the work). How long the loop may pause is a
  // scheduling figure, not a behaviour: the benchmark reports it (a bound on it failed in CI on a
  // loaded 2-core machine: 49 ms once in 89 ms of work).
  Deno.test({
    name: `${factory.name} keeps the event loop turning while 256 MiB are xor'd`,
    ignore: factory.ignore,
    async fn() {
      // The backend's default parallelism leaves a CPU to the event loop.
      using backend = factory.open({ parallel: "default" });
      using session = openSession("xor2", { backend });
      const size = 256 * MIB;
      const a = allocate(size, true).fill(0x5a);
      const b = allocate(size, true).fill(0x0f);
      const out = allocate(size, true).fill(1);
      // Warm up (threads or workers started, code compiled) on a small request first.
      await session.submit({
        id: 0,
        output: out.subarray(0, 4096),
        inputs: [a.subarray(0, 4096), b.subarray(0, 4096)],
      });
      await session.read();
      let inFlight = false;
      let ticks = 0;
      const timer = setInterval(() => {
        if (inFlight) ticks++;
      }, 1);
      try {
        inFlight = true;
        await session.submit({ id: 1, output: out, inputs: [a, b] });
        const completion = await within(session.read() as Promise<DmoverCompletion>, 60_000);
        inFlight = false;
        assert.equal(completion.error, undefined);
        assert.ok(ticks >= 3, `the timer fired ${ticks} times while 256 MiB were xor'd`);
      } finally {
        clearInterval(timer);
      }
      for (const at of [0, 4095, 4096, size >> 1, size - 1]) assert.equal(out[at], 0x55);
    },
  });

  Deno.test({
    name: `${factory.name} fails a request whose ArrayBuffer is transferred mid-flight with EFAULT`,
    ignore: factory.ignore,
    async fn() {
      using backend = factory.open({ stageBytes: 64 << 10 });
      using session = openSession("xor2", { backend, maxInFlight: 4 });
      const size = 64 * MIB;
      const sentinel = new Uint8Array(MIB).fill(0xcc); // memory nobody hands over
      const a = new Uint8Array(size).fill(1);
      const b = new Uint8Array(size).fill(2);
      const out = new Uint8Array(size).fill(0xee);
      // The output transferred right after submit, before any part came back: never written.
      await session.submit({ id: 1, output: out, inputs: [a, b] });
      const moved = new Uint8Array(structuredClone(out.buffer, { transfer: [out.buffer] }));
      assert.equal(out.length, 0);
      const first = await within(session.read() as Promise<DmoverCompletion>, 60_000);
      assert.ok(first.error instanceof DmoverError);
      assert.equal(first.error.code, "EFAULT");
      assert.match(first.error.message, /the output's buffer was detached or transferred/);
      assert.ok(moved.every((x) => x === 0xee), "the transferred memory was written");
      // An input transferred once the request is under way (ArrayBuffer.prototype.transfer may
      // move the memory): EFAULT, and the output is not written after that.
      const out2 = new Uint8Array(size);
      await session.submit({ id: 2, output: out2, inputs: [a, b] });
      await new Promise((resolve) => setTimeout(resolve, 1));
      const taken = new Uint8Array(b.buffer.transfer(size / 2));
      const second = await within(session.read() as Promise<DmoverCompletion>, 60_000);
      assert.equal(second.error?.code, "EFAULT");
      assert.match(second.error!.message, /input 1's buffer was detached or transferred/);
      const snapshot = out2.slice();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(out2, snapshot, "the output was written after the request failed");
      assert.ok(taken.every((x) => x === 2));
      assert.ok(sentinel.every((x) => x === 0xcc));
      // The process is alive and the backend still works.
      const c = randomBytes(MIB, 3);
      const d = randomBytes(MIB, 4);
      const out3 = new Uint8Array(MIB);
      await session.submit({ id: 3, output: out3, inputs: [c, d] });
      const third = await within(session.read() as Promise<DmoverCompletion>, 60_000);
      assert.equal(third.error, undefined);
      assert.deepEqual(out3, c.map((x, i) => x ^ d[i]!));
    },
  });
}

Deno.test("SharedArrayBuffers cannot be transferred or detached, which is why they are worked on in place", () => {
  const shared = new SharedArrayBuffer(16);
  assert.throws(() => structuredClone(shared, { transfer: [shared as unknown as ArrayBuffer] }));
  assert.equal(shared.byteLength, 16);
});

Deno.test({
  name: "NativeLibrary.dmoverOpAsync refuses memory that is not a SharedArrayBuffer",
  ignore: nativeLibrary === undefined,
  async fn() {
    const lib = nativeLibrary!;
    const table = new Uint32Array(new SharedArrayBuffer(4 * 13));
    table.set([1, 1, 0, 7, 0, 0, 0, 0, 0, 0, 1, 0, 4]); // fill 4 bytes of memory 0 with 7
    await assert.rejects(() => lib.dmoverOpAsync(table, [new Uint8Array(4)]), TypeError);
    await assert.rejects(
      () => lib.dmoverOpAsync(new Uint32Array(table), [new Uint8Array(new SharedArrayBuffer(4))]),
      TypeError,
    );
    const memory = new Uint8Array(new SharedArrayBuffer(4));
    await lib.dmoverOpAsync(table, [memory]);
    assert.deepEqual(memory, new Uint8Array(4).fill(7));
  },
});

Deno.test({
  name: "createNativeAsyncBackend never has more calls outstanding than maxConcurrent",
  ignore: nativeLibrary === undefined,
  async fn() {
    const backend = createNativeAsyncBackend(nativeLibrary!, { maxConcurrent: 2 });
    assert.equal(backend.maxConcurrent, 2);
    using session = openSession("xor2", { backend, maxInFlight: 16 });
    const shared = (seed: number) => {
      const view = new Uint8Array(new SharedArrayBuffer(4 * MIB));
      view.set(randomBytes(4 * MIB, seed));
      return view;
    };
    const [a, b] = [shared(1), shared(2)];
    const outs = Array.from({ length: 12 }, () => new Uint8Array(new SharedArrayBuffer(4 * MIB)));
    let most = 0;
    const watch = setInterval(() => most = Math.max(most, backend.running), 0);
    try {
      await session.submitMany(outs.map((output, id) => ({ id, output, inputs: [a, b] })));
      most = Math.max(most, backend.running);
      const completions: DmoverCompletion[] = [];
      while (completions.length < outs.length) completions.push(...await session.readMany());
      assert.ok(completions.every((c) => c.error === undefined));
    } finally {
      clearInterval(watch);
    }
    assert.ok(most >= 1 && most <= 2, `${most} calls outstanding`);
    assert.equal(backend.running, 0);
    const expected = a.map((x, i) => x ^ b[i]!);
    for (const out of outs) assert.deepEqual(out, expected);
    assert.throws(() => createNativeAsyncBackend(nativeLibrary!, { maxConcurrent: 0 }), RangeError);
  },
});

Deno.test("createWorkerBackend.close fails what it was running and everything after with EBADF", async () => {
  const pool = createWorkerBackend({ workers: 1 });
  using session = openSession("pq", { backend: pool, maxInFlight: 4 });
  const data = [1, 2, 3, 4].map((seed) => randomBytes(8 * MIB, seed));
  const outputs = [new Uint8Array(8 * MIB), new Uint8Array(8 * MIB)] as const;
  await session.submit({ id: 1, outputs, inputs: data });
  await new Promise((resolve) => setTimeout(resolve, 5));
  pool.close();
  assert.equal(pool.closed, true);
  const first = await within(session.read() as Promise<DmoverCompletion>);
  assert.equal(first.error?.code, "EBADF");
  await session.submit({ id: 2, outputs, inputs: data });
  const second = await within(session.read() as Promise<DmoverCompletion>);
  assert.equal(second.error?.code, "EBADF");
  pool.close(); // twice is fine
  assert.throws(() => createWorkerBackend({ workers: 0 }), RangeError);
});
