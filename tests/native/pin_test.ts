// Memory handed to off-thread (nonblocking) calls is pinned: the caller cannot free it under C.
// Run with the sanitized library preloaded (tests/native/sanitize.ts), a write into freed memory
// here would be an AddressSanitizer report; without it, the staging copy is what C wrote into.
import assert from "node:assert/strict";
import { isPinned, OffThreadCall, pinnedBytes, pinnedCopy } from "../../native/_pin.ts";
import { SYMBOLS } from "../../native/_symbols.ts";
import { SOCKET_READABLE } from "../../native/sockets.ts";
import { nativeLibrary as lib } from "../_helpers/native.ts";

const ignore = lib === undefined || Deno.build.os !== "linux";
const raw = lib === undefined ? undefined : Deno.dlopen(lib.path, SYMBOLS).symbols;

/** Tries every way a caller can take an ArrayBuffer's memory away, and asserts that each throws. */
function assertUndetachable(buffer: ArrayBufferLike): void {
  const channel = new MessageChannel();
  try {
    const attempts = [
      () => structuredClone(buffer, { transfer: [buffer as ArrayBuffer] }),
      () => ArrayBuffer.prototype.transfer.call(buffer as ArrayBuffer),
      () => ArrayBuffer.prototype.transferToFixedLength.call(buffer as ArrayBuffer),
      () => channel.port1.postMessage(null, [buffer as ArrayBuffer]),
    ];
    for (const attempt of attempts) assert.throws(attempt);
  } finally {
    channel.port1.close();
    channel.port2.close();
  }
}

Deno.test("isPinned is true only for views over a fixed-length SharedArrayBuffer", () => {
  assert.equal(isPinned(new Uint8Array(new SharedArrayBuffer(8)).subarray(2)), true);
  assert.equal(isPinned(pinnedBytes(4)), true);
  assert.equal(isPinned(pinnedCopy(new Uint8Array([1, 2]))), true);
  assert.deepEqual([...pinnedCopy(new Uint8Array([1, 2]))], [1, 2]);
  assert.equal(isPinned(new Uint8Array(8)), false);
  assert.equal(isPinned(new Uint8Array(new ArrayBuffer(8, { maxByteLength: 16 }))), false);
  assert.equal(
    isPinned(new Uint8Array(new SharedArrayBuffer(8, { maxByteLength: 16 }))),
    false,
    "growable: Deno refuses it in nonblocking calls",
  );
});

Deno.test("a SharedArrayBuffer can be neither transferred nor detached", () => {
  const shared = new SharedArrayBuffer(16);
  const view = new Uint8Array(shared).fill(7);
  assertUndetachable(shared);
  assert.equal(view.length, 16);
  assert.ok(view.every((b) => b === 7));
});

Deno.test({
  name: "SocketPoller.ready cannot be transferred or detached while a wait writes to it",
  ignore,
  async fn() {
    const poller = lib!.socketPoller()!;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    const result = await lib!.socketConnect({ hostname: "127.0.0.1", port: listener.addr.port });
    const peer = await accepted;
    try {
      assert.ok(result.ok);
      assert.equal(poller.arm(result.fd, SOCKET_READABLE, 42), 0);
      const waiting = poller.wait(10_000);
      assertUndetachable(poller.ready.buffer);
      await peer.write(new Uint8Array([1]));
      assert.equal(await waiting, 1);
      assert.deepEqual([...poller.ready.subarray(0, 2)], [42, SOCKET_READABLE]);
    } finally {
      if (result.ok) lib!.socketClose(result.fd);
      poller.close();
      peer.close();
      listener.close();
    }
  },
});

/** A raw epoll wait that returns when `fd` becomes readable: an off-thread call that writes later. */
async function offThreadWrite(
  call: OffThreadCall,
  out: Uint8Array,
  whileRunning: () => Promise<void>,
): Promise<number> {
  const fds = new Int32Array(2);
  assert.equal(raw!.dray_poller_open(fds, 8), 0);
  const [ep, wake] = [fds[0]!, fds[1]!];
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const result = await lib!.socketConnect({ hostname: "127.0.0.1", port: listener.addr.port });
  const peer = await accepted;
  try {
    assert.ok(result.ok);
    assert.equal(raw!.dray_poller_arm(ep, result.fd, SOCKET_READABLE, 0xabcd), 0);
    const span = call.pin("out", out, 0, out.length, "write");
    const pending = raw!.dray_poller_wait(ep, wake, span.view, span.view.length, 10_000);
    await whileRunning();
    await peer.write(new Uint8Array([1]));
    return await pending;
  } finally {
    if (result.ok) lib!.socketClose(result.fd);
    raw!.dray_poller_close(ep, wake);
    peer.close();
    listener.close();
  }
}

Deno.test({
  name: "OffThreadCall copies a staged output back when the caller's view is intact",
  ignore,
  async fn() {
    const out = new Uint8Array(new ArrayBuffer(24)).subarray(8, 16);
    out.fill(0xee);
    const call = new OffThreadCall();
    const rc = await offThreadWrite(call, out, () => Promise.resolve());
    assert.equal(rc, 1);
    assert.ok(
      out.every((b) => b === 0xee),
      "C wrote into the caller's memory, not the staging copy",
    );
    call.finish();
    const words = new DataView(out.buffer, out.byteOffset, 8);
    assert.deepEqual([words.getUint32(0, true), words.getUint32(4, true)], [
      0xabcd,
      SOCKET_READABLE,
    ]);
    assert.ok(new Uint8Array(out.buffer, 0, 8).every((b) => b === 0), "a guard byte changed");
  },
});

Deno.test({
  name:
    "OffThreadCall reports a caller buffer transferred during the call instead of writing to it",
  ignore,
  async fn() {
    const buffer = new ArrayBuffer(8);
    const out = new Uint8Array(buffer);
    let moved: ArrayBuffer | undefined;
    const call = new OffThreadCall();
    const rc = await offThreadWrite(call, out, () => {
      moved = structuredClone(buffer, { transfer: [buffer] }); // the caller takes its memory away
      return Promise.resolve();
    });
    assert.equal(rc, 1, "the call completed, into pinned staging memory");
    assert.equal(out.length, 0);
    assert.throws(() => call.finish(), TypeError);
    assert.ok(new Uint8Array(moved!).every((b) => b === 0), "the moved memory was written to");
  },
});

Deno.test({
  name: "OffThreadCall hands a SharedArrayBuffer view to C as it is and stages nothing",
  ignore,
  async fn() {
    const out = new Uint8Array(new SharedArrayBuffer(8));
    const call = new OffThreadCall();
    const rc = await offThreadWrite(call, out, () => {
      assertUndetachable(out.buffer);
      return Promise.resolve();
    });
    assert.equal(rc, 1);
    assert.equal(new DataView(out.buffer).getUint32(0, true), 0xabcd); // written in place
    call.finish();
  },
});

Deno.test("OffThreadCall copies inputs in before the call and refuses pins after finish", () => {
  const input = new Uint8Array([1, 2, 3, 4, 5]);
  const call = new OffThreadCall();
  const span = call.pin("in", input, 1, 3, "read");
  assert.deepEqual([...span.view], [2, 3, 4]);
  assert.equal(span.offset, 0);
  assert.ok(isPinned(span.view));
  input[2] = 99; // the caller changes its bytes during the call: the call does not see it
  assert.deepEqual([...span.view], [2, 3, 4]);
  const both = call.pin("both", input, 0, 2, "readwrite");
  both.view[0] = 42;
  const shrinking = new ArrayBuffer(8, { maxByteLength: 8 });
  call.pin("shrunk", new Uint8Array(shrinking), 4, 4, "write");
  shrinking.resize(2);
  assert.throws(() => call.finish(), TypeError); // the shrunk one is reported...
  assert.equal(input[0], 42); // ...and the intact ones are copied back
  assert.throws(() => call.pin("late", input, 0, 1, "read"), TypeError);
});
