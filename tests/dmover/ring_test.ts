// dmover's private ring: the FIFO under a session's completions and waiters.
import assert from "node:assert/strict";
import { Ring } from "../../dmover/_ring.ts";

Deno.test("Ring keeps first-in, first-out order across growth and wrap-around", () => {
  const ring = new Ring<number>(2);
  const expected: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so that the head wraps before each growth.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round % 7 + 3; i++) {
      ring.push(next);
      expected.push(next++);
    }
    for (let i = 0; i < round % 5 + 1; i++) assert.equal(ring.shift(), expected.shift());
    assert.equal(ring.length, expected.length);
    assert.equal(ring.peek(), expected[0]);
    for (let i = 0; i < expected.length; i++) assert.equal(ring.at(i), expected[i]);
  }
  assert.equal(ring.at(-1), undefined);
  assert.equal(ring.at(ring.length), undefined);
  assert.deepEqual(ring.drain(), expected);
  assert.equal(ring.length, 0);
  assert.equal(ring.shift(), undefined);
  assert.equal(ring.peek(), undefined);
});

Deno.test("Ring.delete removes one element and keeps the order of the rest", () => {
  const ring = new Ring<string>();
  for (let i = 0; i < 6; i++) ring.shift(); // nothing to shift: stays empty
  for (const item of ["a", "b", "c", "b", "d"]) ring.push(item);
  ring.shift();
  ring.push("e");
  assert.equal(ring.delete("b"), true);
  assert.equal(ring.delete("x"), false);
  assert.deepEqual(ring.drain(), ["c", "b", "d", "e"]);
});

Deno.test("Ring.removeWhere removes the matching elements in order and keeps the rest", () => {
  const ring = new Ring<number>(8);
  for (let i = 0; i < 6; i++) ring.push(i);
  for (let i = 0; i < 4; i++) ring.shift(); // the head is now at slot 4 of 8
  for (let i = 6; i < 12; i++) ring.push(i); // wraps around
  const removed: number[] = [];
  ring.removeWhere((n) => {
    if (n % 3 !== 0) return false;
    removed.push(n);
    return true;
  });
  assert.deepEqual(removed, [6, 9]);
  assert.deepEqual(ring.drain(), [4, 5, 7, 8, 10, 11]);
  ring.push(1);
  assert.equal(ring.shift(), 1);
});

Deno.test("Ring with tags keeps each element's number beside it across growth", () => {
  const ring = new Ring<string>(2, true);
  for (let i = 0; i < 5; i++) ring.push(`e${i}`, i * 10);
  ring.shift();
  ring.shift();
  for (let i = 5; i < 40; i++) ring.push(`e${i}`, i * 10); // wraps, then grows
  for (let i = 0; i < ring.length; i++) {
    assert.equal(ring.at(i), `e${i + 2}`);
    assert.equal(ring.tagAt(i), (i + 2) * 10);
  }
  assert.equal(ring.tagAt(ring.length), 0);
  assert.equal(new Ring<string>().tagAt(0), 0);
});
