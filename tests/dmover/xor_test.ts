// xor2..xor8 on each backend against a byte loop, over whole arrays and scatter/gather lists.
import assert from "node:assert/strict";
import { type DmoverBuffer, type DmoverIovec, openSession, xor } from "../../dmover/mod.ts";
import { BACKENDS, randomBytes, rng } from "./_support.ts";

function byteLoop(inputs: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    let x = 0;
    for (const input of inputs) x ^= input[i]!;
    out[i] = x;
  }
  return out;
}

/** Cuts `bytes` into iovecs of random lengths (some empty) over a larger buffer. */
function scatter(bytes: Uint8Array, seed: number): { list: DmoverIovec[]; read: () => Uint8Array } {
  const next = rng(seed);
  const arena = new Uint8Array(bytes.length * 2 + 64);
  const list: DmoverIovec[] = [];
  let at = 0;
  let where = next(8);
  while (at < bytes.length) {
    const length = Math.min(bytes.length - at, next(5) === 0 ? 0 : 1 + next(97));
    arena.set(bytes.subarray(at, at + length), where);
    list.push({ buffer: arena, offset: where, length });
    at += length;
    where += length + next(3);
  }
  const read = (): Uint8Array => {
    const out = new Uint8Array(bytes.length);
    let to = 0;
    for (const iov of list) {
      out.set(arena.subarray(iov.offset, iov.offset + iov.length), to);
      to += iov.length;
    }
    return out;
  };
  return { list, read };
}

for (const { name, backend, ignore } of BACKENDS) {
  Deno.test({
    name: `xor (${name}) matches a byte loop for 2 to 8 inputs at unaligned offsets`,
    ignore,
    fn() {
      const next = rng(17);
      for (let n = 2; n <= 8; n++) {
        for (const length of [1, 3, 63, 64, 65, 1000, 4099, 70_001]) {
          const inputs = Array.from({ length: n }, (_, k) => {
            const offset = next(7);
            return randomBytes(length + offset, n * 100 + k).subarray(offset);
          });
          const offset = next(7);
          const out = new Uint8Array(length + offset + 3).subarray(offset, offset + length);
          xor(out, inputs, { backend });
          assert.deepEqual(out, byteLoop(inputs, length), `xor${n} of ${length} bytes`);
        }
      }
    },
  });

  Deno.test({
    name: `Session xorN (${name}) matches a byte loop over scatter/gather lists`,
    ignore,
    fn() {
      for (let n = 2; n <= 8; n++) {
        const length = 5000 + n;
        const inputs = Array.from({ length: n }, (_, k) => randomBytes(length, 31 * n + k));
        const expected = byteLoop(inputs, length);
        // Each side cut differently; some inputs whole, some scattered.
        const sides: DmoverBuffer[] = inputs.map((bytes, k) =>
          k % 2 === 0 ? scatter(bytes, k + n).list : bytes
        );
        const out = scatter(new Uint8Array(length), 99 + n);
        using session = openSession(`xor${n}`, { backend, nonBlocking: true });
        session.submit({ id: n, output: out.list, inputs: sides });
        assert.equal((session.read() as { error: unknown }).error, undefined);
        assert.deepEqual(out.read(), expected, `xor${n}`);
      }
    },
  });
}
