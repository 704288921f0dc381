import assert from "node:assert/strict";
import { Ring } from "../../redis/protocol.ts";

Deno.test("Ring keeps FIFO order across wrap-around and growth", () => {
  const ring = new Ring<number>();
  const model: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so that the head walks around the buffer while it grows.
  for (let step = 0; step < 20_000; step++) {
    const pushes = (step * 7) % 5;
    for (let i = 0; i < pushes; i++) {
      ring.push(next);
      model.push(next++);
    }
    const shifts = (step * 3) % 4;
    for (let i = 0; i < shifts; i++) assert.equal(ring.shift(), model.shift());
    assert.equal(ring.length, model.length);
    assert.equal(ring.peek(), model[0]);
  }
  assert.deepEqual(ring.drain(), model);
  assert.equal(ring.length, 0);
  assert.equal(ring.shift(), undefined);
});

Deno.test("Ring at() reads by distance from the head", () => {
  const ring = new Ring<string>();
  for (const item of ["a", "b", "c"]) ring.push(item);
  ring.shift();
  ring.push("d");
  assert.deepEqual([0, 1, 2].map((i) => ring.at(i)), ["b", "c", "d"]);
  assert.equal(ring.at(-1), undefined);
  assert.equal(ring.at(3), undefined);
  assert.equal(ring.at(0.5), undefined);
});

Deno.test("Ring releases slots it shifted, so queued objects can be collected", () => {
  const ring = new Ring<object>();
  const registry: object[] = [];
  for (let i = 0; i < 100; i++) {
    const item = { i };
    registry.push(item);
    ring.push(item);
  }
  for (let i = 0; i < 100; i++) ring.shift();
  // Every slot is empty again: pushing and peeking sees only new items.
  ring.push(registry[7]!);
  assert.equal(ring.peek(), registry[7]);
  assert.equal(ring.at(1), undefined);
});

Deno.test("Ring works after a large burst empties it, and after steady bursts", () => {
  const ring = new Ring<number>();
  for (let burst = 0; burst < 3; burst++) {
    for (let i = 0; i < 100_000; i++) ring.push(i);
    for (let i = 0; i < 100_000; i++) assert.equal(ring.shift(), i);
  }
  for (let i = 0; i < 10; i++) ring.push(i);
  assert.deepEqual(ring.drain(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
