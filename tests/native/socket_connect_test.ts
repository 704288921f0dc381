// The TypeScript half of the native connect, driven by a fake C side: the connect is begun and
// polled on the event-loop thread, only a name lookup is awaited, and whatever the order in which
// the caller gives up and the C side answers, a descriptor is never left open.
import assert from "node:assert/strict";
import { connectSocket } from "../../native/_sockets.ts";
import type { ShimSymbols } from "../../native/_symbols.ts";

const EAGAIN = -10;
const ECONNREFUSED = -13;
const PHASE = 4;
const FAMILY = 6;

interface Fake {
  symbols: ShimSymbols;
  /** Makes the pending lookup return these addresses (or a negative code). */
  resolve(addresses: string[] | number): void;
  started: string[];
  polls: number;
  closed: number[];
}

/**
 * A shim whose connects to `refused` addresses fail at once and to others are under way until
 * `pollsToConnect` polls have seen them (never, when Infinity).
 */
function fakeShim(pollsToConnect: number, refused: string[] = []): Fake {
  let finishLookup: ((rc: number) => void) | undefined;
  let lookupOut: Uint8Array | undefined;
  let nextFd = 40;
  const fake: Fake = {
    symbols: undefined as unknown as ShimSymbols,
    resolve(addresses) {
      if (typeof addresses === "number") return finishLookup!(addresses);
      const bytes = new TextEncoder().encode(addresses.map((a) => `${a}\0`).join(""));
      lookupOut!.set(bytes);
      finishLookup!(bytes.length);
    },
    started: [],
    polls: 0,
    closed: [],
  };
  fake.symbols = {
    dray_sock_resolve(
      _host: Uint8Array,
      _cap: number,
      _len: number,
      _flags: number,
      out: Uint8Array,
    ): Promise<number> {
      lookupOut = out;
      return new Promise((resolve) => finishLookup = resolve);
    },
    dray_sock_connect_start(
      host: Uint8Array,
      _cap: number,
      len: number,
      _port: number,
      _flags: number,
      ctl: Int32Array,
    ): number {
      const address = new TextDecoder().decode(host.subarray(0, len));
      fake.started.push(address);
      if (refused.includes(address)) return ECONNREFUSED;
      Atomics.store(ctl, PHASE, 2);
      Atomics.store(ctl, FAMILY, 4);
      return nextFd++;
    },
    dray_sock_connect_poll(fd: number): number {
      fake.polls++;
      return fake.polls >= pollsToConnect ? fd : EAGAIN;
    },
    dray_sock_close(fd: number): number {
      fake.closed.push(fd);
      return 0;
    },
    dray_sock_peer(): number {
      return -1;
    },
  } as unknown as ShimSymbols;
  return fake;
}

Deno.test("connectSocket polls a connect under way from timers until it completes", async () => {
  const fake = fakeShim(4);
  const result = await connectSocket(fake.symbols, { hostname: "127.0.0.1", port: 6379 });
  assert.deepEqual(result, { ok: true, fd: 40, family: "ipv4", address: "127.0.0.1" });
  assert.equal(fake.polls, 4);
  assert.deepEqual(fake.closed, []);
});

Deno.test("connectSocket settles at once on abort during name lookup and ignores its answer", async () => {
  const fake = fakeShim(1);
  const controller = new AbortController();
  const pending = connectSocket(fake.symbols, { hostname: "slow.example", port: 6379 }, {
    signal: controller.signal,
  });
  controller.abort();
  assert.deepEqual(await pending, { ok: false, code: "ECANCELED", errno: 0 });
  fake.resolve(["127.0.0.1"]); // the lookup answered after the caller left
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(fake.started, [], "a connect was begun after the abort");
});

Deno.test("connectSocket closes the descriptor of a connect under way when aborted", async () => {
  const fake = fakeShim(Infinity);
  const controller = new AbortController();
  const pending = connectSocket(fake.symbols, { hostname: "127.0.0.1", port: 6379 }, {
    signal: controller.signal,
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  assert.deepEqual(await pending, { ok: false, code: "ECANCELED", errno: 0 });
  assert.deepEqual(fake.closed, [40]);
  const polls = fake.polls;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fake.polls, polls, "polled after the abort");
});

Deno.test("connectSocket times out a connect under way and closes its descriptor", async () => {
  const fake = fakeShim(Infinity);
  const result = await connectSocket(fake.symbols, { hostname: "127.0.0.1", port: 6379 }, {
    timeoutMs: 30,
  });
  assert.deepEqual(result, { ok: false, code: "ETIMEDOUT", errno: 0 });
  assert.deepEqual(fake.closed, [40]);
});

Deno.test("connectSocket times out a name lookup that does not return", async () => {
  const fake = fakeShim(1);
  const result = await connectSocket(fake.symbols, { hostname: "slow.example", port: 6379 }, {
    timeoutMs: 20,
  });
  assert.deepEqual(result, { ok: false, code: "ETIMEDOUT", errno: 0 });
  fake.resolve(["10.0.0.1"]);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(fake.started, []);
});

Deno.test("connectSocket tries each address a name resolves to in turn", async () => {
  const fake = fakeShim(1, ["::1"]);
  const pending = connectSocket(fake.symbols, { hostname: "localhost", port: 6379 });
  fake.resolve(["::1", "127.0.0.1"]);
  const result = await pending;
  assert.equal(result.ok, true);
  assert.deepEqual(fake.started, ["::1", "127.0.0.1"]);
  const failed = fakeShim(1, ["::1", "127.0.0.1"]);
  const refused = connectSocket(failed.symbols, { hostname: "localhost", port: 6379 });
  failed.resolve(["::1", "127.0.0.1"]);
  assert.equal(
    (await refused).ok ? "connected" : (await refused as { code: string }).code,
    "ECONNREFUSED",
  );
});
