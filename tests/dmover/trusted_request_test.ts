// Validation reads each request once, through the intrinsic view getters, and the backends run
// from that snapshot (issue 14 item 12): lying getters, iovecs that change after validation and
// two SharedArrayBuffer objects over one memory.
import assert from "node:assert/strict";
import {
  copyCrc32c,
  crc32c,
  type DmoverBackend,
  DmoverError,
  type DmoverIovec,
  openSession,
  xor,
} from "../../dmover/mod.ts";
import { BACKENDS, bitwiseCrc32c, randomBytes } from "./_support.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import { trustedOps } from "../../native/_trusted.ts";

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof DmoverError && error.code === code;
}

class LyingLength extends Uint8Array {
  override get length(): number {
    return 4096;
  }
}

function withOwn<T extends object>(target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, { value, configurable: true });
  return target;
}

/** An iovec whose properties are valid on the first read and far out of bounds afterwards. */
function shiftyIovec(buffer: Uint8Array, offset: number, length: number): DmoverIovec {
  let reads = 0;
  return {
    buffer,
    get offset(): number {
      return reads++ === 0 ? offset : 0x7fff_0000;
    },
    length,
  };
}

/** The same SharedArrayBuffer, back from a round trip through a worker: a second object. */
async function echoed(sab: SharedArrayBuffer): Promise<SharedArrayBuffer> {
  const code = "self.onmessage = (event) => self.postMessage(event.data);";
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    return await new Promise<SharedArrayBuffer>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.postMessage(sab);
    });
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
}

for (const { name, backend, ignore } of BACKENDS) {
  const options = { backend };

  Deno.test({
    name: `crc32c (${name}) uses a view's real length, not its lying getter`,
    ignore,
    fn() {
      const bytes = randomBytes(16, 5);
      const expected = bitwiseCrc32c(bytes);
      assert.equal(crc32c(new LyingLength(bytes), 0, options), expected);
      assert.equal(crc32c(withOwn(bytes.slice(), "length", 4096), 0, options), expected);
      assert.equal(crc32c([{ buffer: new LyingLength(bytes), offset: 0, length: 16 }]), expected);
      assert.throws(
        () => crc32c([{ buffer: new LyingLength(bytes), offset: 0, length: 4096 }], 0, options),
        isCode("EINVAL"),
      );
    },
  });

  Deno.test({
    name: `xor (${name}) sees an overlap that a lying byteOffset or buffer hides`,
    ignore,
    fn() {
      const arena = new Uint8Array(64);
      const out = arena.subarray(0, 32);
      const other = new Uint8Array(32);
      const byOffset = withOwn(arena.subarray(16, 48), "byteOffset", 1000);
      assert.throws(() => xor(out, [byOffset, other], options), isCode("EINVAL"));
      const byBuffer = withOwn(arena.subarray(16, 48), "buffer", new ArrayBuffer(64));
      assert.throws(() => xor(out, [byBuffer, other], options), isCode("EINVAL"));
    },
  });

  Deno.test({
    name: `Session.submit (${name}) runs the request as validated, not as its getters say later`,
    ignore,
    async fn() {
      const bytes = randomBytes(256, 9);
      const expected = bitwiseCrc32c(bytes.subarray(64, 192));
      assert.equal(crc32c([shiftyIovec(bytes, 64, 128)], 0, options), expected);
      using session = openSession("iscsi-crc32c", { backend });
      let inputsRead = 0;
      const request = {
        id: 1,
        get inputs() {
          return inputsRead++ === 0 ? [[shiftyIovec(bytes, 64, 128)]] : [new Uint8Array(0)];
        },
      };
      session.submit(request);
      const completion = await session.read();
      assert.equal(completion.error, undefined);
      assert.equal(completion.immediate, expected);
      assert.equal(inputsRead, 1);
    },
  });

  Deno.test({
    name:
      `copyCrc32c (${name}) refuses an output and input in one SharedArrayBuffer seen through two objects`,
    ignore,
    async fn() {
      const sab = new SharedArrayBuffer(128);
      const twin = await echoed(sab);
      assert.notEqual(twin, sab);
      const out = new Uint8Array(sab, 0, 64);
      const input = new Uint8Array(twin, 32, 64);
      assert.throws(() => copyCrc32c(out, input, 0, options), isCode("EINVAL"));
      assert.throws(
        () => xor([{ buffer: out, offset: 0, length: 64 }], [input, new Uint8Array(64)], options),
        isCode("EINVAL"),
      );
      // Apart, the same two objects are fine.
      const apart = new Uint8Array(twin, 64, 64);
      assert.equal(copyCrc32c(out, apart, 0, options), bitwiseCrc32c(new Uint8Array(64)));
    },
  });
}

Deno.test({
  name:
    "trustedOps leaves the only second check to C, which refuses spans past a view's real length",
  ignore: nativeLibrary === undefined,
  fn() {
    // The native backend calls these after validation without TypeScript checks; a request that
    // changed since (a resizable buffer shrunk) must still never reach memory past its view.
    const ops = trustedOps(nativeLibrary!)!;
    const memory = new ArrayBuffer(64, { maxByteLength: 64 });
    const tracking = new Uint8Array(memory).fill(3);
    memory.resize(16);
    const out = new Uint8Array(64);
    assert.throws(() => ops.copy(out, tracking, 64), RangeError);
    assert.deepEqual(out, new Uint8Array(64));
    ops.copy(out, tracking, 16);
    assert.deepEqual(out.subarray(0, 17), new Uint8Array([...new Uint8Array(16).fill(3), 0]));
    assert.equal(ops.crc32c(tracking, 0), bitwiseCrc32c(new Uint8Array(16).fill(3)));
    const lying = new LyingLength(new Uint8Array(8).fill(1));
    assert.equal(ops.crc32c(lying, 0), bitwiseCrc32c(new Uint8Array(8).fill(1)));
  },
});

Deno.test("Session gives a registered backend a request that its own one-shot calls cannot change", async () => {
  // Validation keeps the trusted form of the request it checked last in one scratch object; a
  // registered backend may run one-shot helpers (which validate) inside its kernel, so it gets a
  // copy, while built-in backends run from the scratch.
  const a = randomBytes(256, 1);
  const b = randomBytes(256, 2);
  const seen: number[] = [];
  const nested: DmoverBackend = {
    name: "t-nested",
    synchronous: true,
    speed: () => 1,
    kernel: () => (request) => {
      const before = request.inputs![0]!;
      // An iovec list takes the validated path of the one-shot: it overwrites the scratch.
      crc32c([{ buffer: b, offset: 0, length: 100 }, { buffer: b, offset: 100, length: 56 }]);
      xor(new Uint8Array(8), [new Uint8Array(8), [{ buffer: b, offset: 0, length: 8 }]]);
      seen.push(request.id, request.inputs!.length, before === request.inputs![0] ? 1 : 0);
      return crc32c(request.inputs![0] as Uint8Array);
    },
  };
  using session = openSession("iscsi-crc32c", { backend: nested });
  await session.submit({ id: 7, inputs: [a] });
  const completion = await session.read();
  assert.deepEqual(seen, [7, 1, 1]);
  assert.equal(completion.immediate, bitwiseCrc32c(a));
  assert.equal(
    crc32c([{ buffer: a, offset: 0, length: 256 }], 0, { backend: nested }),
    bitwiseCrc32c(a),
  );
});
