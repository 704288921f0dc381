// The two kinds of session and their honest types: a blocking session's submit/read always return
// promises; a non-blocking session's return values.
import assert from "node:assert/strict";
import {
  BlockingSession,
  DmoverError,
  NonBlockingSession,
  openSession,
  Session,
} from "../../dmover/mod.ts";
import { isPending } from "./_support.ts";

Deno.test("openSession makes a BlockingSession by default and a NonBlockingSession on request", () => {
  using blocking = openSession("zero");
  using nonBlocking = openSession("zero", { nonBlocking: true });
  const either = openSession("zero", { nonBlocking: false });
  assert.ok(blocking instanceof BlockingSession && blocking instanceof Session);
  assert.ok(nonBlocking instanceof NonBlockingSession && nonBlocking instanceof Session);
  assert.ok(either instanceof BlockingSession);
  assert.deepEqual([blocking.nonBlocking, nonBlocking.nonBlocking], [false, true]);
  either.close();
});

Deno.test("BlockingSession returns promises even when nothing waits, and does the work at once", async () => {
  using session = openSession("fill8", { maxInFlight: 2 });
  const out = new Uint8Array(4);
  const submitted = session.submit({ id: 1, output: out, immediate: 9 });
  assert.ok(submitted instanceof Promise);
  assert.deepEqual(out, new Uint8Array(4).fill(9)); // ran before submit returned
  assert.equal(await isPending(submitted), false);
  const many = session.submitMany([{ id: 2, output: out, immediate: 1 }]);
  assert.ok(many instanceof Promise);
  assert.equal(await many, 1);
  const read = session.read();
  assert.ok(read instanceof Promise);
  assert.equal(session.inFlight, 1); // the slot was freed when read() was called
  assert.equal((await read).id, 1);
  const rest = session.readMany();
  assert.ok(rest instanceof Promise);
  assert.deepEqual((await rest).map((c) => c.id), [2]);
  assert.throws(
    () => session.submit({ id: 3, output: out }), // invalid: throws at once, takes no slot
    (error) => error instanceof DmoverError && error.code === "EINVAL",
  );
  assert.equal(session.inFlight, 0);
});

Deno.test("NonBlockingSession returns values and throws EWOULDBLOCK instead of waiting", () => {
  using session = openSession("zero", { maxInFlight: 1, nonBlocking: true });
  const isWouldBlock = (error: unknown): boolean =>
    error instanceof DmoverError && error.code === "EWOULDBLOCK";
  assert.throws(() => session.read(), isWouldBlock);
  assert.equal(session.submit({ id: 1, output: new Uint8Array(2) }), undefined);
  assert.throws(() => session.submit({ id: 2, output: new Uint8Array(2) }), isWouldBlock);
  assert.throws(() => session.submitMany([{ id: 2, output: new Uint8Array(2) }]), isWouldBlock);
  assert.equal(session.read().id, 1);
  assert.equal(session.submitMany([]), 0);
});
