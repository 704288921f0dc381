// Issue 14, item 7 (second half): a command that timed out before being written releases its
// arguments. Checked in a child Deno with the garbage collector exposed (a WeakRef to the
// argument must be cleared).
import assert from "node:assert/strict";

Deno.test("RedisClient releases the arguments of a command that timed out before being written", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--v8-flags=--expose-gc",
      new URL("./_release_child.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.deepEqual(JSON.parse(text.trim().split("\n").at(-1)!), { released: true });
});
