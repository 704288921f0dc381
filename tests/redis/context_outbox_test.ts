// The outbox alone, as tables: when it encodes at once, how it bounds the write buffer, what it
// counts as written, and how it settles what still waits. No Context, no socket.
import assert from "node:assert/strict";
import { Outbox } from "../../redis/context/_outbox.ts";
import { LARGE_ARGUMENT } from "../../redis/context/_argv.ts";
import { Ring } from "../../redis/context/ring.ts";
import type { ContextEntry } from "../../redis/context/types.ts";
import type { RedisArgument } from "../../redis/mod.ts";

interface Entry extends ContextEntry {
  name: string;
  abandoned: boolean;
}

class Rig {
  readonly inflight = new Ring<Entry>();
  readonly events: string[] = [];
  readonly outbox: Outbox<Entry>;

  constructor(max: number) {
    this.outbox = new Outbox<Entry>(this.inflight, {
      fail: (entry, error, written) =>
        void this.events.push(`fail ${entry.name} ${error.name} ${written}`),
      dropped: (entry) => void this.events.push(`dropped ${entry.name}`),
    }, max);
  }

  entry(name: string, abandoned = false): Entry {
    return { name, buffers: false, abandoned };
  }

  /** Queues as the Context does: encoded at once while open, else waiting. */
  queue(name: string, argv: RedisArgument[]): Entry {
    const entry = this.entry(name);
    if (this.outbox.open) this.outbox.write(entry, argv);
    else this.outbox.wait(entry, argv);
    return entry;
  }

  /** Takes everything, refilling as the Context's take() does; returns the write sizes. */
  takeAll(): number[] {
    const sizes: number[] = [];
    for (;;) {
      this.outbox.refill();
      const bytes = this.outbox.take();
      if (bytes === undefined) return sizes;
      sizes.push(bytes.length);
    }
  }

  names(): string[] {
    return this.inflight.drain().map((entry) => entry.name);
  }
}

const PING_SIZE = 14; // *1\r\n$4\r\nPING\r\n

Deno.test("Outbox bounds the write buffer and encodes the rest as it is taken", () => {
  const table: [number, number, number[], number][] = [
    // max bytes, PINGs queued, write sizes, waiting after queueing
    [1024, 3, [3 * PING_SIZE], 0],
    [PING_SIZE, 3, [PING_SIZE, PING_SIZE, PING_SIZE], 2],
    [PING_SIZE + 1, 5, [2 * PING_SIZE, 2 * PING_SIZE, PING_SIZE], 3],
  ];
  for (const [max, count, sizes, waiting] of table) {
    const rig = new Rig(max);
    for (let i = 0; i < count; i++) rig.queue(`p${i}`, ["PING"]);
    assert.equal(rig.outbox.waiting, waiting, `max ${max}`);
    assert.deepEqual(rig.takeAll(), sizes, `max ${max}`);
    assert.equal(rig.outbox.unwritten, 0);
    assert.equal(rig.outbox.writes, sizes.length);
    assert.equal(rig.outbox.bytesWritten, count * PING_SIZE);
    assert.deepEqual(rig.names(), Array.from({ length: count }, (_, i) => `p${i}`));
  }
});

Deno.test("Outbox counts a command as written only once all its bytes are taken", () => {
  const big = new Uint8Array(LARGE_ARGUMENT);
  const rig = new Rig(1024);
  rig.queue("small", ["PING"]);
  rig.queue("large", ["SET", "k", big]);
  rig.queue("after", ["PING"]); // waits: chunks are queued
  assert.equal(rig.outbox.unwritten, 2, "before any take");
  rig.outbox.take(); // the writer's bytes: PING and the head of SET
  assert.equal(rig.outbox.unwritten, 1, "SET's chunk is still to be taken");
  let chunks = 0;
  while (rig.outbox.unwritten > 0) {
    assert.ok(rig.outbox.take() !== undefined);
    chunks++;
  }
  assert.ok(chunks >= 1);
  assert.equal(rig.outbox.waiting, 1);
  assert.deepEqual(rig.takeAll(), [PING_SIZE]);
  assert.deepEqual(rig.names(), ["small", "large", "after"]);
});

Deno.test("Outbox.refill drops abandoned commands and fails those it cannot encode", () => {
  const rig = new Rig(1);
  rig.queue("first", ["PING"]); // fills the buffer: the rest wait
  const abandoned = rig.entry("gone", true);
  rig.outbox.wait(abandoned, ["PING"]);
  rig.outbox.wait(rig.entry("bad"), [] as RedisArgument[]);
  rig.outbox.wait(rig.entry("good"), ["PING"]);
  assert.deepEqual(rig.takeAll(), [PING_SIZE, PING_SIZE]);
  assert.deepEqual(rig.events, ["dropped gone", "fail bad TypeError false"]);
  assert.deepEqual(rig.names(), ["first", "good"]);
  assert.equal(abandoned.argv, undefined);
});

Deno.test("Outbox.failWaiting settles what waits, batches as one block", () => {
  const table: [string, boolean, string[]][] = [
    ["a batch not started", false, ["dropped a", "fail b Error false", "fail single Error false"]],
    ["a batch started", true, ["fail b Error false", "fail single Error false"]],
  ];
  for (const [what, started, events] of table) {
    const rig = new Rig(1);
    rig.queue("first", ["PING"]);
    const first = rig.entry("a", true);
    const entries = started ? [rig.entry("s"), first, rig.entry("b")] : [first, rig.entry("b")];
    rig.outbox.waitBatch(entries, entries.map(() => ["PING"]));
    rig.outbox.wait(rig.entry("single"), ["PING"]);
    if (started) {
      rig.outbox.take();
      rig.outbox.refill(); // encodes "s" (and starts the batch), then the buffer is full again
    }
    rig.events.length = 0;
    rig.outbox.clear();
    rig.outbox.failWaiting(new Error("gone"));
    const expected = started ? ["fail a Error false", ...events] : events;
    assert.deepEqual(rig.events, expected, what);
    assert.equal(rig.outbox.waiting, 0);
    assert.equal(rig.outbox.unwritten, 0);
    assert.equal(rig.outbox.take(), undefined);
  }
});
