import assert from "node:assert/strict";
import {
  DenoLoop,
  type EventLoop,
  type LoopCore,
  type LoopHandle,
  ManualLoop,
} from "../../loop/mod.ts";
import { MemorySource } from "../../loop/testing/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Runs one loop implementation the same way for every test. */
interface Driver {
  name: string;
  loop: EventLoop;
  /** Ends the current tick and lets every queued task and I/O completion run. */
  settle(): Promise<void>;
  /** Lets `ms` of loop time pass. */
  advance(ms: number): Promise<void>;
}

function denoDriver(): Driver {
  return {
    name: "DenoLoop",
    loop: new DenoLoop(),
    async settle() {
      await macrotask();
      await macrotask();
    },
    async advance(ms) {
      await new Promise((resolve) => setTimeout(resolve, ms + 5));
    },
  };
}

function manualDriver(): Driver {
  const loop = new ManualLoop();
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      loop.tick();
      await macrotask();
    }
    loop.tick();
  };
  return {
    name: "ManualLoop",
    loop,
    settle,
    async advance(ms) {
      loop.advance(ms);
      await settle();
    },
  };
}

const drivers = [denoDriver, manualDriver];

function loopTest(behaviour: string, fn: (driver: Driver) => Promise<void>): void {
  for (const make of drivers) {
    const driver = make();
    Deno.test(`${driver.name} ${behaviour}`, () => fn(driver));
  }
}

async function teardown(driver: Driver, handle: LoopHandle): Promise<void> {
  handle.cleanup();
  await driver.settle();
  await handle.finished;
}

loopTest("attaches a core once and refuses a second attach", async (driver) => {
  const core: LoopCore = {};
  const handle = driver.loop.attach(core);
  assert.throws(() => driver.loop.attach(core), TypeError);
  assert.throws(() => new DenoLoop().attach(core), TypeError);
  await teardown(driver, handle);
  const again = driver.loop.attach(core);
  await teardown(driver, again);
});

loopTest("makes addRead and delRead idempotent", async (driver) => {
  const source = new MemorySource(); // rejects a second concurrent read with Busy
  const seen: string[] = [];
  const ends: Array<Error | undefined> = [];
  const handle = driver.loop.attach({
    onRead: (bytes) => void seen.push(decoder.decode(bytes)),
    onReadEnd: (error) => void ends.push(error),
  }, { source });
  handle.addRead();
  handle.addRead();
  handle.addRead();
  await driver.settle();
  source.push(encoder.encode("a"));
  await driver.settle();
  handle.delRead();
  handle.delRead();
  handle.addRead();
  handle.addRead();
  source.push(encoder.encode("b"));
  await driver.settle();
  assert.deepEqual(seen, ["a", "b"]);
  assert.deepEqual(ends, []);
  await teardown(driver, handle);
});

loopTest("keeps bytes that arrive after delRead for the next addRead", async (driver) => {
  const source = new MemorySource();
  const seen: string[] = [];
  const handle = driver.loop.attach({
    onRead: (bytes) => void seen.push(decoder.decode(bytes)),
  }, { source });
  handle.addRead();
  await driver.settle();
  handle.delRead();
  source.push(encoder.encode("held"));
  await driver.settle();
  assert.deepEqual(seen, []);
  handle.addRead();
  await driver.settle();
  assert.deepEqual(seen, ["held"]);
  source.end();
  await teardown(driver, handle);
});

loopTest("reports end of stream and read errors once through onReadEnd", async (driver) => {
  const eofSource = new MemorySource();
  const ends: Array<Error | undefined> = [];
  const eof = driver.loop.attach({ onReadEnd: (error) => void ends.push(error) }, {
    source: eofSource,
  });
  eof.addRead();
  eofSource.end();
  await driver.settle();
  assert.deepEqual(ends, [undefined]);

  const failSource = new MemorySource();
  const errors: Array<Error | undefined> = [];
  const failing = driver.loop.attach({ onReadEnd: (error) => void errors.push(error) }, {
    source: failSource,
  });
  failing.addRead();
  failSource.fail(new Deno.errors.ConnectionReset("reset by peer"));
  await driver.settle();
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof Deno.errors.ConnectionReset);
  await teardown(driver, eof);
  await teardown(driver, failing);
});

loopTest("runs the deferred flush once per tick however many requests came", async (driver) => {
  const source = new MemorySource();
  const queued: string[] = [];
  let writable = 0;
  const handle = driver.loop.attach({
    onWritable() {
      writable++;
      if (queued.length === 0) return undefined;
      const bytes = encoder.encode(queued.join(""));
      queued.length = 0;
      return bytes;
    },
  }, { source });
  for (let i = 0; i < 1000; i++) {
    queued.push(`${i};`);
    handle.addWrite();
  }
  assert.equal(writable, 0, "nothing is written before the tick ends");
  await driver.settle();
  assert.equal(source.written.length, 1);
  assert.equal(writable, 2, "one call wrote everything, one found nothing more");
  const expected = Array.from({ length: 1000 }, (_, i) => `${i};`).join("");
  assert.equal(decoder.decode(source.writtenBytes()), expected);

  queued.push("next");
  handle.addWrite();
  handle.addWrite();
  await driver.settle();
  assert.equal(source.written.length, 2);
  assert.equal(decoder.decode(source.written[1]), "next");
  await teardown(driver, handle);
});

loopTest("writes every byte across partial writes, in order", async (driver) => {
  const source = new MemorySource({ maxWriteSize: 3 });
  let pending: Uint8Array | undefined = encoder.encode("*1\r\n$4\r\nPING\r\n");
  const handle = driver.loop.attach({
    onWritable() {
      const out = pending;
      pending = undefined;
      return out;
    },
  }, { source });
  handle.addWrite();
  await driver.settle();
  assert.ok(source.written.length > 1);
  assert.equal(decoder.decode(source.writtenBytes()), "*1\r\n$4\r\nPING\r\n");
  await teardown(driver, handle);
});

loopTest("stops writing after delWrite and reports write errors", async (driver) => {
  const source = new MemorySource();
  let writable = 0;
  const handle = driver.loop.attach({
    onWritable() {
      writable++;
      return encoder.encode("x");
    },
  }, { source });
  handle.addWrite();
  handle.delWrite();
  await driver.settle();
  assert.equal(writable, 0);

  const errors: Error[] = [];
  const broken = new MemorySource();
  broken.close();
  const failing = driver.loop.attach({
    onWritable: () => encoder.encode("x"),
    onWriteError: (error) => void errors.push(error),
  }, { source: broken });
  failing.addWrite();
  await driver.settle();
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof Deno.errors.BadResource);
  await teardown(driver, handle);
  await teardown(driver, failing);
});

loopTest("runs defer once per tick", async (driver) => {
  let deferred = 0;
  const handle = driver.loop.attach({ onDeferred: () => void deferred++ });
  handle.defer();
  handle.defer();
  handle.defer();
  await driver.settle();
  assert.equal(deferred, 1);
  handle.defer();
  await driver.settle();
  assert.equal(deferred, 2);
  await teardown(driver, handle);
});

loopTest("runs cleanup exactly once", async (driver) => {
  const source = new MemorySource();
  let cleanups = 0;
  const handle = driver.loop.attach({ onCleanup: () => void cleanups++ }, { source });
  handle.addRead();
  await driver.settle();
  handle.cleanup();
  handle.cleanup();
  assert.equal(cleanups, 1);
  assert.equal(handle.closed, true);
  assert.equal(source.closed, true);
  await driver.settle();
  await handle.finished;
  handle.cleanup();
  assert.equal(cleanups, 1);
});

loopTest("defers cleanup requested inside a callback until it returns", async (driver) => {
  const source = new MemorySource();
  let cleanups = 0;
  const observed: Array<[boolean, number]> = [];
  // deno-lint-ignore prefer-const
  let handle: LoopHandle;
  const core: LoopCore = {
    onRead() {
      handle.cleanup();
      handle.cleanup();
      observed.push([handle.closed, cleanups]);
    },
    onCleanup: () => void cleanups++,
  };
  handle = driver.loop.attach(core, { source });
  handle.addRead();
  source.push(encoder.encode("+OK\r\n"));
  await driver.settle();
  assert.deepEqual(observed, [[false, 0]], "still open inside the callback");
  assert.equal(cleanups, 1);
  assert.equal(handle.closed, true);
  await handle.finished;
});

loopTest("ignores hooks after cleanup", async (driver) => {
  const source = new MemorySource();
  let calls = 0;
  const handle = driver.loop.attach({
    onRead: () => void calls++,
    onWritable: () => (calls++, undefined),
    onDeferred: () => void calls++,
  }, { source });
  await teardown(driver, handle);
  handle.addRead();
  handle.addWrite();
  handle.defer();
  const timer = handle.scheduleTimer(1, () => void calls++);
  assert.equal(timer.active, false);
  await driver.advance(10);
  assert.equal(calls, 0);
});

loopTest("fires timers and cancels them cleanly", async (driver) => {
  const fired: string[] = [];
  const handle = driver.loop.attach({});
  const a = handle.scheduleTimer(5, () => fired.push("a"));
  const b = handle.scheduleTimer(5, () => fired.push("b"));
  handle.scheduleTimer(60_000, () => fired.push("late"));
  handle.scheduleTimer(60_000, () => fired.push("late-unref"), { unref: true });
  b.cancel();
  b.cancel();
  assert.equal(a.active, true);
  assert.equal(b.active, false);
  await driver.advance(10);
  assert.deepEqual(fired, ["a"]);
  assert.equal(a.active, false);
  await teardown(driver, handle); // cancels the 60 s timers: the sanitizer would flag a leak
  assert.deepEqual(fired, ["a"]);
});

loopTest("rejects invalid timer delays and buffer sizes", async (driver) => {
  const handle = driver.loop.attach({});
  assert.throws(() => handle.scheduleTimer(-1, () => {}), RangeError);
  assert.throws(() => handle.scheduleTimer(NaN, () => {}), RangeError);
  assert.throws(() => driver.loop.attach({}, { readBufferSize: 0 }), RangeError);
  assert.throws(() => handle.addRead(), TypeError, "no source was attached");
  await teardown(driver, handle);
});

loopTest("settles finished once a pending read is released by cleanup", async (driver) => {
  const source = new MemorySource();
  const handle = driver.loop.attach({ onRead() {} }, { source });
  handle.addRead();
  await driver.settle();
  let finished = false;
  handle.finished.then(() => finished = true);
  await driver.settle();
  assert.equal(finished, false);
  handle.cleanup();
  await driver.settle();
  assert.equal(finished, true);
});

loopTest("grows the read buffer while reads fill it", async (driver) => {
  const source = new MemorySource();
  const sizes: number[] = [];
  const handle = driver.loop.attach({ onRead: (bytes) => void sizes.push(bytes.length) }, {
    source,
    readBufferSize: 4,
    maxReadBufferSize: 16,
  });
  handle.addRead();
  source.push(new Uint8Array(64));
  await driver.settle();
  assert.deepEqual(sizes, [4, 8, 16, 16, 16, 4]);
  await teardown(driver, handle);
});

Deno.test("DenoLoop drives a real TCP connection and leaks nothing", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const echo = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(1024);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      await conn.write(buf.subarray(0, n));
    }
    conn.close();
  })();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const received: string[] = [];
  let outgoing: Uint8Array | undefined = encoder.encode("hello");
  const { promise: gotReply, resolve } = Promise.withResolvers<void>();
  const handle = new DenoLoop().attach({
    onRead(bytes) {
      received.push(decoder.decode(bytes));
      if (received.join("") === "hello") resolve();
    },
    onWritable() {
      const out = outgoing;
      outgoing = undefined;
      return out;
    },
  }, { source: conn });
  handle.addRead();
  handle.addWrite();
  await gotReply;
  handle.cleanup();
  await handle.finished;
  await echo;
  listener.close();
  assert.equal(received.join(""), "hello");
});
