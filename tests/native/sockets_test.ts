// The shim's socket entry points, through NativeLibrary's checked wrappers, against local Deno
// listeners (no redis-server needed).
import assert from "node:assert/strict";
import {
  SOCKET_READABLE,
  SOCKET_WOULD_BLOCK,
  SOCKET_WRITABLE,
  socketErrorCode,
} from "../../native/sockets.ts";
import { nativeLibrary as lib } from "../_helpers/native.ts";

const ignore = lib === undefined || Deno.build.os === "windows";

interface Pair extends AsyncDisposable {
  fd: number;
  peer: Deno.Conn;
}

async function connectedPair(): Promise<Pair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const result = await lib!.socketConnect({ hostname: "127.0.0.1", port: listener.addr.port }, {
    timeoutMs: 5000,
  });
  const peer = await accepted;
  listener.close();
  assert.ok(result.ok, `connect failed: ${result.ok ? "" : result.code}`);
  assert.equal(result.family, "ipv4");
  assert.equal(result.address, "127.0.0.1");
  return {
    fd: result.fd,
    peer,
    [Symbol.asyncDispose]() {
      lib!.socketClose(result.fd);
      peer.close();
      return Promise.resolve();
    },
  };
}

Deno.test({
  name: "NativeLibrary.socketRead returns SOCKET_WOULD_BLOCK, then the bytes, then 0 at EOF",
  ignore,
  async fn() {
    await using pair = await connectedPair();
    const into = new Uint8Array(16);
    assert.equal(lib!.socketRead(pair.fd, into), SOCKET_WOULD_BLOCK);
    await pair.peer.write(new TextEncoder().encode("hello"));
    assert.ok((await lib!.socketWait(pair.fd, SOCKET_READABLE, 5000)) & SOCKET_READABLE);
    assert.equal(lib!.socketRead(pair.fd, into), 5);
    assert.equal(new TextDecoder().decode(into.subarray(0, 5)), "hello");
    pair.peer.closeWrite();
    await lib!.socketWait(pair.fd, SOCKET_READABLE, 5000);
    assert.equal(lib!.socketRead(pair.fd, into), 0);
  },
});

Deno.test({
  name: "NativeLibrary.socketRead never writes outside the view, also for partial reads",
  ignore,
  async fn() {
    await using pair = await connectedPair();
    await pair.peer.write(new Uint8Array(100).fill(7));
    await lib!.socketWait(pair.fd, SOCKET_READABLE, 5000);
    const backing = new Uint8Array(64).fill(0xee);
    let total = 0;
    while (total < 100) {
      const n = lib!.socketRead(pair.fd, backing.subarray(10, 13));
      if (n === SOCKET_WOULD_BLOCK) {
        await lib!.socketWait(pair.fd, SOCKET_READABLE, 5000);
        continue;
      }
      assert.ok(n >= 1 && n <= 3, `read ${n}`);
      total += n;
      assert.ok(backing.subarray(0, 10).every((b) => b === 0xee));
      assert.ok(backing.subarray(13).every((b) => b === 0xee));
    }
    assert.equal(total, 100);
    assert.equal(lib!.socketRead(pair.fd, new Uint8Array(0)), 0);
  },
});

Deno.test({
  name:
    "NativeLibrary.socketWrite writes partially and then would block when the peer stops reading",
  ignore,
  async fn() {
    await using pair = await connectedPair();
    const chunk = new Uint8Array(1 << 20).fill(1);
    let written = 0;
    let partial = false;
    for (let i = 0; i < 256; i++) {
      const n = lib!.socketWrite(pair.fd, chunk);
      if (n === SOCKET_WOULD_BLOCK) break;
      assert.ok(n > 0 && n <= chunk.length, `wrote ${n}`);
      if (n < chunk.length) partial = true;
      written += n;
    }
    assert.ok(written > 0);
    assert.equal(lib!.socketWrite(pair.fd, chunk), SOCKET_WOULD_BLOCK);
    assert.ok(partial || written % chunk.length === 0);
    // Draining the peer makes the socket writable again.
    const sink = new Uint8Array(1 << 20);
    let drained = 0;
    while (drained < written) drained += (await pair.peer.read(sink)) ?? 0;
    const ready = await lib!.socketWait(pair.fd, SOCKET_WRITABLE, 5000);
    assert.ok(ready & SOCKET_WRITABLE);
  },
});

Deno.test({
  name: "NativeLibrary.socketWait times out with 0 and is woken by socketShutdown",
  ignore,
  async fn() {
    await using pair = await connectedPair();
    assert.equal(await lib!.socketWait(pair.fd, SOCKET_READABLE, 10), 0);
    const waiting = lib!.socketWait(pair.fd, SOCKET_READABLE, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(lib!.socketShutdown(pair.fd), 0);
    assert.ok((await waiting) > 0);
    assert.equal(lib!.socketRead(pair.fd, new Uint8Array(8)), 0);
  },
});

Deno.test({
  name: "NativeLibrary.socketConnect reports failures by code and leaves no descriptor",
  ignore,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const refused = await lib!.socketConnect({ hostname: "127.0.0.1", port });
    assert.deepEqual(refused.ok ? "ok" : refused.code, "ECONNREFUSED");
    assert.ok(!refused.ok && refused.errno > 0);
    const missing = await lib!.socketConnect({ path: "/nonexistent/dray.sock" });
    assert.equal(missing.ok ? "ok" : missing.code, "ENOENT");
    const long = await lib!.socketConnect({ path: `/tmp/${"x".repeat(200)}.sock` });
    assert.equal(long.ok ? "ok" : long.code, "EINVAL");
    const aborted = await lib!.socketConnect({ hostname: "127.0.0.1", port }, {
      signal: AbortSignal.abort(),
    });
    assert.equal(aborted.ok ? "ok" : aborted.code, "ECANCELED");
    const v6only = await lib!.socketConnect({ hostname: "127.0.0.1", port, family: 6 });
    assert.ok(!v6only.ok && ["ENOTFOUND", "ENAMELOOKUP"].includes(v6only.code), String(v6only));
  },
});

Deno.test({
  name: "NativeLibrary socket wrappers reject bad arguments before calling C",
  ignore,
  async fn() {
    assert.throws(() => lib!.socketConnect({ hostname: "", port: 1 }), TypeError);
    assert.throws(() => lib!.socketConnect({ hostname: "a\0b", port: 1 }), TypeError);
    assert.throws(() => lib!.socketConnect({ hostname: "h", port: 0 }), RangeError);
    assert.throws(() => lib!.socketConnect({ hostname: "h", port: 65536 }), RangeError);
    assert.throws(() => lib!.socketConnect({ hostname: "x".repeat(1025), port: 1 }), RangeError);
    assert.throws(() => lib!.socketConnect({ path: "" }), TypeError);
    assert.throws(
      () => lib!.socketConnect({ hostname: "h", port: 1 }, { timeoutMs: -1 }),
      RangeError,
    );
    assert.throws(
      () => lib!.socketConnect({ hostname: "h", port: 1 }, { keepAlive: { idleSeconds: -5 } }),
      RangeError,
    );
    assert.throws(() => lib!.socketRead(-1, new Uint8Array(1)), RangeError);
    assert.throws(() => lib!.socketRead(1.5, new Uint8Array(1)), RangeError);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => lib!.socketWrite(3, [1, 2] as any), TypeError);
    const buffer = new ArrayBuffer(8);
    const view = new Uint8Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    assert.throws(() => lib!.socketRead(3, view), TypeError);
    assert.throws(() => lib!.socketWait(3, 0, 10), RangeError);
    assert.throws(() => lib!.socketWait(3, 1, 2 ** 31), RangeError);
    await Promise.resolve();
  },
});

Deno.test({
  name: "NativeLibrary socket calls on a descriptor that is not a socket fail without harm",
  ignore,
  async fn() {
    // stdin (0) is never closed by socketClose, and reads/writes on a bad fd report EBADF.
    assert.equal(socketErrorCode(lib!.socketClose(0)), "EBADF");
    const file = await Deno.makeTempFile();
    try {
      assert.equal(socketErrorCode(lib!.socketRead(0x7fff_fff0, new Uint8Array(4))), "EBADF");
      assert.equal(socketErrorCode(lib!.socketWrite(0x7fff_fff0, new Uint8Array(4))), "EBADF");
      assert.equal(socketErrorCode(await lib!.socketWait(0x7fff_fff0, 1, 10)), "EBADF");
    } finally {
      await Deno.remove(file);
    }
  },
});

Deno.test({
  name: "NativeLibrary.socketConnect sets keepalive and connects to IPv6 and unix sockets",
  ignore,
  async fn() {
    const listener = Deno.listen({ hostname: "::1", port: 0 });
    const accepted = listener.accept();
    const v6 = await lib!.socketConnect({ hostname: "::1", port: listener.addr.port }, {
      keepAlive: { idleSeconds: 30, intervalSeconds: 5, count: 3 },
      timeoutMs: 5000,
    });
    (await accepted).close();
    listener.close();
    assert.ok(v6.ok);
    assert.equal(v6.family, "ipv6");
    assert.equal(v6.address, "::1");
    lib!.socketClose(v6.fd);

    const dir = await Deno.makeTempDir();
    const unixListener = Deno.listen({ transport: "unix", path: `${dir}/s.sock` });
    const unixAccepted = unixListener.accept();
    const unix = await lib!.socketConnect({ path: `${dir}/s.sock` });
    (await unixAccepted).close();
    unixListener.close();
    assert.ok(unix.ok);
    assert.equal(unix.family, "unix");
    assert.equal(unix.address, `${dir}/s.sock`);
    lib!.socketClose(unix.fd);
    await Deno.remove(dir, { recursive: true });
  },
});

const noPoller = ignore || Deno.build.os !== "linux";

Deno.test({
  name: "NativeLibrary.socketPoller reports each armed socket once, under its token",
  ignore: noPoller,
  async fn() {
    const poller = lib!.socketPoller()!;
    await using a = await connectedPair();
    await using b = await connectedPair();
    try {
      assert.equal(poller.arm(a.fd, SOCKET_READABLE, 11), 0);
      assert.equal(poller.arm(b.fd, SOCKET_READABLE | SOCKET_WRITABLE, 22), 0);
      // b is writable at once; a is not readable yet.
      assert.equal(await poller.wait(5000), 1);
      assert.deepEqual([...poller.ready.subarray(0, 2)], [22, SOCKET_WRITABLE]);
      // One-shot: b is not reported again until re-armed.
      await a.peer.write(new Uint8Array([1]));
      assert.equal(await poller.wait(5000), 1);
      assert.deepEqual([...poller.ready.subarray(0, 2)], [11, SOCKET_READABLE]);
      assert.equal(await poller.wait(20), 0);
      assert.equal(poller.disarm(a.fd), 0);
      assert.equal(poller.disarm(a.fd), 0); // forgetting twice is fine
    } finally {
      poller.close();
    }
    assert.equal(poller.closed, true);
    assert.equal(socketErrorCode(await poller.wait(10)), "EBADF");
  },
});

Deno.test({
  name: "SocketPoller.wake ends a wait in progress, and close waits for it to end",
  ignore: noPoller,
  async fn() {
    const poller = lib!.socketPoller()!;
    const waiting = poller.wait(-1);
    await assert.rejects(poller.wait(0), TypeError); // one wait at a time
    poller.wake();
    assert.equal(await waiting, 0);
    const second = poller.wait(-1);
    poller.close(); // wakes the wait; the descriptors are released after it
    assert.equal(await second, 0);
    assert.throws(() => poller.arm(-1, 1, 1), RangeError);
    assert.throws(() => poller.arm(3, 4, 1), RangeError);
  },
});
