// The native path's memory-safety promise (issue 14 item 12): C walks only what it checked, and
// the capacities handed to C are the memory's real size whatever a view's own properties say.
import assert from "node:assert/strict";
import { nativeLibrary as lib } from "../_helpers/native.ts";

const ignore = lib === undefined;

Deno.test({
  name: "NativeLibrary.crc32cv walks a private copy of a table a Worker rewrites meanwhile",
  ignore,
  async fn() {
    // In a child process: walking the caller's table in place ends in SIGSEGV, not a failure.
    const script = new URL("./_race_crc32cv.ts", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "1500"],
      stdout: "piped",
      stderr: "piped",
      env: { ...Deno.env.toObject() },
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, `child exited ${code}: ${out} ${new TextDecoder().decode(stderr)}`);
    assert.match(out, /computed \d+ refused \d+/);
  },
});

/** A Uint8Array subclass whose `length` getter claims `claim` bytes. */
class LyingLength extends Uint8Array {
  claim = 1 << 20;
  override get length(): number {
    return this.claim;
  }
}

function withOwn<T extends ArrayBufferView>(view: T, key: string, value: unknown): T {
  Object.defineProperty(view, key, { value, configurable: true });
  return view;
}

Deno.test({
  name: "NativeLibrary spans are checked against the real length, not a lying getter",
  ignore,
  fn() {
    const bytes = new Uint8Array(16).map((_, i) => i * 7);
    const expected = lib!.crc32c(bytes.slice(), 0, 16);
    const liars: Uint8Array[] = [
      new LyingLength(bytes),
      withOwn(bytes.slice(), "length", 1 << 20),
    ];
    for (const liar of liars) {
      assert.throws(() => lib!.crc32c(liar, 0, 4096), RangeError);
      assert.throws(() => lib!.copy(new Uint8Array(4096), 0, liar, 0, 4096), RangeError);
      assert.throws(() => lib!.fill(liar, 0, 1, 4096), RangeError);
      assert.throws(
        () => lib!.xor(new Uint8Array(4096), 0, [liar, new Uint8Array(4096)], [0, 0], 4096),
        RangeError,
      );
      assert.throws(
        () => lib!.crc32cv(liar, new Uint32Array([0, 1, 0, 4096])),
        RangeError,
      );
      assert.equal(lib!.crc32c(liar, 0, 16), expected);
    }
    // A table whose length lies is bounded by its real length.
    const table = withOwn(new Uint32Array([0, 1, 0, 16]), "length", 4096);
    assert.throws(() => lib!.crc32cv(bytes, table, 4096), RangeError);
    // A plain object dressed as a Uint8Array is not one.
    const fake = Object.setPrototypeOf({ length: 16 }, Uint8Array.prototype) as Uint8Array;
    assert.throws(() => lib!.crc32c(fake, 0, 16), TypeError);
  },
});
