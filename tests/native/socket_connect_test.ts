// The TypeScript half of the native connect, driven by a fake C side: whatever the order in which
// the caller gives up and the C call returns, a descriptor is never left open.
import assert from "node:assert/strict";
import { connectSocket } from "../../native/_sockets.ts";
import type { ShimSymbols } from "../../native/_symbols.ts";

interface Fake {
  symbols: ShimSymbols;
  /** The ctl buffer of the last connect call. */
  ctl(): Int32Array;
  /** Makes the pending connect call return `rc`. */
  finish(rc: number): void;
  closed: number[];
}

function fakeShim(phase: number): Fake {
  let ctl: Int32Array | undefined;
  let finish: ((rc: number) => void) | undefined;
  const closed: number[] = [];
  const symbols = {
    dray_sock_connect(
      _host: Uint8Array,
      _cap: number,
      _len: number,
      _port: number,
      _flags: number,
      _timeout: number,
      control: Int32Array,
    ): Promise<number> {
      ctl = control;
      Atomics.store(control, 4, phase);
      return new Promise((resolve) => finish = resolve);
    },
    dray_sock_close(fd: number): number {
      closed.push(fd);
      return 0;
    },
    dray_sock_peer(): number {
      return -1;
    },
  } as unknown as ShimSymbols;
  return { symbols, ctl: () => ctl!, finish: (rc) => finish!(rc), closed };
}

const RESOLVING = 1;
const CONNECTING = 2;
const ECANCELED = -11;

Deno.test("connectSocket settles at once on abort during name lookup and closes a late descriptor", async () => {
  const fake = fakeShim(RESOLVING);
  const controller = new AbortController();
  const pending = connectSocket(fake.symbols, { hostname: "slow.example", port: 6379 }, {
    signal: controller.signal,
  });
  controller.abort();
  assert.deepEqual(await pending, { ok: false, code: "ECANCELED", errno: 0 });
  assert.equal(Atomics.load(fake.ctl(), 0), 1, "the cancel word was set");
  fake.finish(42); // the C call connected anyway, after the caller left
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(fake.closed, [42]);
});

Deno.test("connectSocket waits for a connecting C call to honour the abort", async () => {
  const fake = fakeShim(CONNECTING);
  const controller = new AbortController();
  let settled = false;
  const pending = connectSocket(fake.symbols, { hostname: "127.0.0.1", port: 6379 }, {
    signal: controller.signal,
  }).finally(() => settled = true);
  controller.abort();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(settled, false, "settled before the C call returned");
  assert.equal(Atomics.load(fake.ctl(), 0), 1);
  fake.finish(ECANCELED);
  assert.deepEqual(await pending, { ok: false, code: "ECANCELED", errno: 0 });
  assert.deepEqual(fake.closed, []);
});

Deno.test("connectSocket closes a descriptor that raced an abort while connecting", async () => {
  const fake = fakeShim(CONNECTING);
  const controller = new AbortController();
  const pending = connectSocket(fake.symbols, { hostname: "127.0.0.1", port: 6379 }, {
    signal: controller.signal,
  });
  controller.abort();
  fake.finish(9); // returned before it saw the cancel word
  assert.deepEqual(await pending, { ok: false, code: "ECANCELED", errno: 0 });
  assert.deepEqual(fake.closed, [9]);
});

Deno.test("connectSocket times out a name lookup that does not return and closes what comes later", async () => {
  const fake = fakeShim(RESOLVING);
  const result = await connectSocket(fake.symbols, { hostname: "slow.example", port: 6379 }, {
    timeoutMs: 20,
  });
  assert.deepEqual(result, { ok: false, code: "ETIMEDOUT", errno: 0 });
  fake.finish(5);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(fake.closed, [5]);
});

Deno.test("connectSocket reports a C-side cancel after its timeout as ETIMEDOUT", async () => {
  const fake = fakeShim(CONNECTING);
  const pending = connectSocket(fake.symbols, { hostname: "h.example", port: 6379 }, {
    timeoutMs: 10,
  });
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(Atomics.load(fake.ctl(), 0), 1);
  fake.finish(ECANCELED);
  assert.deepEqual(await pending, { ok: false, code: "ETIMEDOUT", errno: 0 });
});
