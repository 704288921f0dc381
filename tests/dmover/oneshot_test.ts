// The one-shot helpers: the same validation and results as a session, on each backend.
import assert from "node:assert/strict";
import {
  copy,
  crc32c,
  type DmoverBackend,
  DmoverError,
  fill8,
  type OneShotOptions,
  tsBackend,
  xor,
  zero,
} from "../../dmover/mod.ts";
import { BACKENDS, bitwiseCrc32c, DeferredBackend, randomBytes } from "./_support.ts";

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof DmoverError && error.code === code;
}

for (
  const { name, backend, ignore } of [...BACKENDS, { name: "auto", backend: "auto", ignore: false }]
) {
  const options: OneShotOptions = { backend };

  Deno.test({
    name: `copy, zero and fill8 (${name}) write whole arrays and iovec lists`,
    ignore,
    fn() {
      const src = randomBytes(1000, 3);
      const dst = new Uint8Array(1000);
      copy(dst, src, options);
      assert.deepEqual(dst, src);
      zero(dst.subarray(10, 20), options);
      assert.deepEqual(dst.subarray(10, 20), new Uint8Array(10));
      fill8(
        [{ buffer: dst, offset: 0, length: 2 }, { buffer: dst, offset: 998, length: 2 }],
        7,
        options,
      );
      assert.deepEqual([...dst.subarray(0, 2), ...dst.subarray(998)], [7, 7, 7, 7]);
      assert.equal(dst[2], src[2]);
      assert.throws(() => copy(dst, src.subarray(1), options), isCode("EINVAL"));
      assert.throws(() => fill8(dst, 256, options), isCode("EINVAL"));
      assert.throws(() => zero(new Uint8Array(0), options), isCode("EINVAL"));
    },
  });

  Deno.test({
    name: `xor and crc32c (${name}) compute parity and CRCs, with the same validation as sessions`,
    ignore,
    fn() {
      const a = randomBytes(4096, 1);
      const b = randomBytes(4096, 2);
      const c = randomBytes(4096, 3);
      const parity = new Uint8Array(4096);
      xor(parity, [a, b, c], options);
      const rebuilt = new Uint8Array(4096);
      xor(rebuilt, [parity, a, c], options);
      assert.deepEqual(rebuilt, b);
      assert.throws(() => xor(parity, [a], options), isCode("EINVAL"));
      assert.throws(() => xor(parity, Array(33).fill(a), options), isCode("EINVAL"));
      assert.throws(() => xor(parity, [a, parity], options), isCode("EINVAL"));
      assert.throws(
        () => xor(parity, [a, b.subarray(1)], options),
        /Cannot run 'xor': input 1 holds '4095' bytes, expected 4096/,
      );
      assert.equal(crc32c(a, 0, options), bitwiseCrc32c(a));
      assert.equal(crc32c(a, 12345, options), bitwiseCrc32c(a, 12345));
      assert.throws(() => crc32c(a, -1, options), isCode("EINVAL"));
      assert.throws(() => crc32c(new Uint8Array(0), 0, options), isCode("EINVAL"));
    },
  });
}

Deno.test("one-shot helpers refuse unknown and asynchronous backends", () => {
  const bytes = new Uint8Array(4);
  assert.throws(() => zero(bytes, { backend: "gpu" }), isCode("ENXIO"));
  assert.throws(() => zero(bytes, { backend: new DeferredBackend() }), TypeError);
  const custom: DmoverBackend = { ...tsBackend, name: "t-custom" };
  zero(bytes, { backend: custom });
});

Deno.test("one-shot helpers turn a failing backend into EIO", () => {
  const broken: DmoverBackend = {
    name: "t-broken",
    synchronous: true,
    speed: () => 1,
    kernel: () => () => {
      throw new Error("bus error");
    },
  };
  assert.throws(() => zero(new Uint8Array(4), { backend: broken }), (error) => {
    return isCode("EIO")(error) && /bus error/.test((error as Error).message);
  });
});
