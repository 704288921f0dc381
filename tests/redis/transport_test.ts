// One suite, run over every transport: Deno.connect, and the native connect driven by node:net
// (adopt) or by the shim's reads and writes (shim). Each test starts its own redis-server.
import assert from "node:assert/strict";
import { DenoLoop } from "../../loop/mod.ts";
import {
  ConnectError,
  type ConnectErrorCode,
  connectTransport,
  type Transport,
  type TransportOptions,
} from "../../redis/mod.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import {
  eventually,
  freePort,
  hasOpenssl,
  makeTlsMaterial,
  readExactly,
  readLine,
  resp,
  sideCommand,
  socketsToPort,
  startStalledServer,
  writeAll,
} from "./_transport_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const nativeLive = nativeLibrary !== undefined && Deno.build.os !== "windows";
const linux = Deno.build.os === "linux";

interface Variant {
  name: string;
  options: TransportOptions;
  kind: Transport["kind"];
  driver: Transport["driver"];
  ignore: boolean;
}

const VARIANTS: Variant[] = [
  { name: "deno", options: { transport: "deno" }, kind: "deno", driver: "deno", ignore: false },
  {
    name: "native+adopt",
    options: { transport: "native", nativeDriver: "adopt" },
    kind: "native",
    driver: "adopt",
    ignore: !nativeLive,
  },
  {
    name: "native+shim",
    options: { transport: "native", nativeDriver: "shim" },
    kind: "native",
    driver: "shim",
    ignore: !nativeLive,
  },
];

function suite(
  behaviour: string,
  fn: (variant: Variant) => Promise<void>,
  ignore: boolean = false,
): void {
  for (const variant of VARIANTS) {
    Deno.test({
      name: `connectTransport (${variant.name}) ${behaviour}`,
      ignore: variant.ignore || ignore,
      fn: () => fn(variant),
    });
  }
}

async function open(variant: Variant, options: TransportOptions): Promise<Transport> {
  const transport = await connectTransport({ ...variant.options, ...options });
  assert.equal(transport.kind, variant.kind);
  assert.equal(transport.driver, variant.driver);
  assert.equal(transport.fallback, undefined);
  assert.equal(transport.tls, false);
  return transport;
}

async function ping(transport: Transport): Promise<void> {
  await writeAll(transport, resp("PING"));
  assert.equal(await readLine(transport), "+PONG\r\n");
}

async function rejectsWith(
  promise: Promise<unknown>,
  codes: ConnectErrorCode[],
  address?: string,
): Promise<ConnectError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConnectError, `expected a ConnectError, got ${caught}`);
  assert.equal(caught.name, "ConnectError");
  assert.ok(codes.includes(caught.code), `code ${caught.code}, expected one of ${codes}`);
  if (address !== undefined) assert.equal(caught.address, address);
  return caught;
}

suite("speaks RESP over TCP to an IPv4 address", async (variant) => {
  await using server = await startRedisServer();
  using transport = await open(variant, { hostname: "127.0.0.1", port: server.port });
  assert.deepEqual(transport.remoteAddr, {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: server.port,
  });
  await ping(transport);
  await ping(transport);
});

suite("connects to the IPv6 literal ::1, with or without brackets", async (variant) => {
  await using server = await startRedisServer();
  for (const hostname of ["::1", "[::1]"]) {
    using transport = await open(variant, { hostname, port: server.port });
    assert.deepEqual(transport.remoteAddr, {
      transport: "tcp",
      hostname: "::1",
      port: server.port,
    });
    await ping(transport);
  }
});

suite("resolves localhost through the system resolver", async (variant) => {
  await using server = await startRedisServer();
  using transport = await open(variant, { hostname: "localhost", port: server.port });
  const addr = transport.remoteAddr as Deno.NetAddr;
  assert.ok(["127.0.0.1", "::1"].includes(addr.hostname), addr.hostname);
  await ping(transport);
});

suite("connects to a unix socket", async (variant) => {
  await using server = await startRedisServer();
  using transport = await open(variant, { path: server.socketPath });
  assert.deepEqual(transport.remoteAddr, { transport: "unix", path: server.socketPath });
  await ping(transport);
});

suite("rejects a refused connection with ECONNREFUSED", async (variant) => {
  const port = freePort();
  const error = await rejectsWith(
    connectTransport({ ...variant.options, hostname: "127.0.0.1", port }),
    ["ECONNREFUSED"],
    `127.0.0.1:${port}`,
  );
  assert.match(error.message, new RegExp(`^Cannot connect to '127\\.0\\.0\\.1:${port}'`));
});

suite("rejects an unknown host with ENOTFOUND", async (variant) => {
  // .invalid never resolves (RFC 2606); without any resolver the lookup fails with EAI_AGAIN.
  await rejectsWith(
    connectTransport({ ...variant.options, hostname: "dray-test.invalid", port: 6379 }),
    ["ENOTFOUND", "EAI_AGAIN"],
    "dray-test.invalid:6379",
  );
});

suite("rejects a missing unix socket with ENOENT", async (variant) => {
  const dir = await Deno.makeTempDir();
  try {
    await rejectsWith(
      connectTransport({ ...variant.options, path: `${dir}/none.sock` }),
      ["ENOENT"],
      `${dir}/none.sock`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

suite("times out a connect that is never accepted and leaves no socket", async (variant) => {
  await using stalled = await startStalledServer();
  await rejectsWith(
    connectTransport({
      ...variant.options,
      hostname: "127.0.0.1",
      port: stalled.port,
      connectTimeoutMs: 200,
    }),
    ["ETIMEDOUT"],
    `127.0.0.1:${stalled.port}`,
  );
  if (linux) {
    await eventually(() => socketsToPort(stalled.port) === stalled.fillers, "the socket closed");
  }
});

suite("aborts a pending connect with the signal's reason and leaves no socket", async (variant) => {
  await using stalled = await startStalledServer();
  const controller = new AbortController();
  const reason = new Error("stop connecting");
  const timer = setTimeout(() => controller.abort(reason), 50);
  try {
    const error = await rejectsWith(
      connectTransport({
        ...variant.options,
        hostname: "127.0.0.1",
        port: stalled.port,
        signal: controller.signal,
        connectTimeoutMs: 0, // no timeout: only the signal ends it
      }),
      ["ECANCELED"],
    );
    assert.equal(error.cause, reason);
  } finally {
    clearTimeout(timer);
  }
  if (linux) {
    await eventually(() => socketsToPort(stalled.port) === stalled.fillers, "the socket closed");
  }
});

suite("rejects at once when the signal is already aborted", async (variant) => {
  await using server = await startRedisServer();
  const reason = new Error("not today");
  const error = await rejectsWith(
    connectTransport({ ...variant.options, port: server.port, signal: AbortSignal.abort(reason) }),
    ["ECANCELED"],
  );
  assert.equal(error.cause, reason);
});

suite("reads end of stream when the server kills the client", async (variant) => {
  await using server = await startRedisServer();
  using transport = await open(variant, { port: server.port });
  await writeAll(transport, resp("CLIENT", "ID"));
  const id = /^:(\d+)\r\n$/.exec(await readLine(transport))?.[1];
  assert.ok(id !== undefined);
  assert.equal(await sideCommand(server, "CLIENT", "KILL", "ID", id), ":1\r\n");
  assert.equal(await transport.read(new Uint8Array(64)), null);
});

suite("round-trips an 8 MiB value through partial writes and reads", async (variant) => {
  await using server = await startRedisServer();
  using transport = await open(variant, { path: server.socketPath });
  const size = 8 * 1024 * 1024;
  const value = new Uint8Array(size);
  for (let i = 0; i < size; i++) value[i] = (i * 7 + (i >>> 13)) & 0xff;
  const head = encoder.encode(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`);
  const command = new Uint8Array(head.length + size + 2);
  command.set(head);
  command.set(value, head.length);
  command.set(encoder.encode("\r\n"), head.length + size);
  const calls = await writeAll(transport, command);
  // node:net takes the whole buffer in one write; the other drivers write what the socket takes.
  if (variant.driver !== "adopt") {
    assert.ok(calls > 1, `one write took all ${command.length} bytes`);
  }
  assert.equal(await readLine(transport), "+OK\r\n");
  await writeAll(transport, resp("GET", "big"));
  const header = encoder.encode(`$${size}\r\n`);
  const reply = await readExactly(transport, header.length + size + 2);
  assert.deepEqual(reply.subarray(0, header.length), header);
  assert.ok(
    reply.subarray(header.length, header.length + size).every((b, i) => b === value[i]),
    "the value came back changed",
  );
  assert.equal(decoder.decode(reply.subarray(header.length + size)), "\r\n");
});

suite("reads only into the view it is given", async (variant) => {
  await using server = await startRedisServer();
  using transport = await open(variant, { port: server.port });
  await writeAll(transport, resp("ECHO", "x".repeat(1000)));
  const backing = new Uint8Array(64).fill(0xee);
  const view = backing.subarray(16, 24);
  const n = await transport.read(view);
  assert.ok(n !== null && n >= 1 && n <= 8);
  assert.ok(backing.subarray(0, 16).every((b) => b === 0xee), "wrote before the view");
  assert.ok(backing.subarray(24).every((b) => b === 0xee), "wrote past the view");
  assert.equal(await transport.read(new Uint8Array(0)), 0);
});

suite("pipelines 20,000 PINGs while reading the replies", async (variant) => {
  await using server = await startRedisServer();
  using transport = await open(variant, { port: server.port });
  const count = 20_000;
  const one = resp("PING");
  const all = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) all.set(one, i * one.length);
  const expected = "+PONG\r\n".length * count;
  const reading = (async () => {
    const buffer = new Uint8Array(4096);
    let seen = 0;
    while (seen < expected) {
      const n = await transport.read(buffer);
      assert.ok(n !== null, "early end of stream");
      for (let i = 0; i < n; i++) assert.equal(buffer[i], "+PONG\r\n".charCodeAt((seen + i) % 7));
      seen += n;
    }
    return seen;
  })();
  await writeAll(transport, all);
  assert.equal(await reading, expected);
});

suite(
  "rejects a read pending at close with Interrupted, later calls with BadResource",
  async (variant) => {
    await using server = await startRedisServer();
    const transport = await open(variant, { port: server.port });
    const pending = transport.read(new Uint8Array(64));
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the read start waiting
    transport.close();
    await assert.rejects(pending, Deno.errors.Interrupted);
    assert.equal(transport.closed, true);
    await assert.rejects(transport.read(new Uint8Array(8)), Deno.errors.BadResource);
    await assert.rejects(transport.write(resp("PING")), Deno.errors.BadResource);
    transport.close(); // idempotent
  },
);

suite("leaves no socket open after close", async (variant) => {
  await using server = await startRedisServer();
  for (let i = 0; i < 3; i++) {
    const transport = await open(variant, { port: server.port });
    await ping(transport);
    transport.close();
  }
  await eventually(() => socketsToPort(server.port) === 0, "every socket closed");
}, !linux);

suite("drives a DenoLoop core and finishes after cleanup", async (variant) => {
  await using server = await startRedisServer();
  const transport = await open(variant, { port: server.port });
  let queue: Uint8Array | undefined = resp("ECHO", "looped");
  let received = "";
  const { promise: replied, resolve } = Promise.withResolvers<void>();
  const handle = new DenoLoop().attach({
    onRead(bytes) {
      received += decoder.decode(bytes);
      if (received.endsWith("looped\r\n")) resolve();
    },
    onWritable() {
      const out = queue;
      queue = undefined;
      return out;
    },
  }, { source: transport });
  handle.addRead();
  handle.addWrite();
  await replied;
  handle.cleanup();
  await handle.finished;
  assert.equal(received, "$6\r\nlooped\r\n");
  assert.equal(transport.closed, true);
});

suite("serves a busy connection while 100 others wait for replies", async (variant) => {
  // The shim driver must not hold a thread per waiting connection: Deno's blocking pool runs 32
  // off-thread calls at once and file system calls share it. The deadline only keeps a
  // regression from hanging; it is far above what the work needs.
  await using server = await startRedisServer();
  const idle: Transport[] = [];
  const pending: Promise<number | null>[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      const transport = await open(variant, { path: server.socketPath });
      idle.push(transport);
      pending.push(transport.read(new Uint8Array(16)));
    }
    using busy = await open(variant, { port: server.port });
    const work = (async () => {
      for (let i = 0; i < 50; i++) await ping(busy);
      assert.match(await Deno.readTextFile(new URL(import.meta.url)), /serves a busy connection/);
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the busy connection starved")), 10_000);
    });
    try {
      await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    for (const transport of idle) transport.close();
    for (const read of pending) await assert.rejects(read, Deno.errors.Interrupted);
  }
});

// TLS runs over Deno.startTls for every preference; native preferences say why they fell back.
const tlsIgnore = !hasOpenssl();

suite("connects over TLS with a private CA and a server name", async (variant) => {
  const dir = await Deno.makeTempDir({ prefix: "dray-tls-" });
  try {
    const tls = await makeTlsMaterial(dir);
    const tlsPort = freePort();
    await using server = await startRedisServer({
      args: [
        "--tls-port",
        String(tlsPort),
        "--tls-cert-file",
        tls.certFile,
        "--tls-key-file",
        tls.keyFile,
        "--tls-ca-cert-file",
        tls.caFile,
        "--tls-auth-clients",
        "no",
      ],
    });
    void server;
    for (
      const options of [
        { hostname: "127.0.0.1", tls: { caCerts: [tls.caPem], servername: "localhost" } },
        { hostname: "localhost", tls: { caCerts: [tls.caPem] } },
        { hostname: "::1", tls: { caCerts: [tls.caPem] } },
      ]
    ) {
      using transport = await connectTransport({ ...variant.options, ...options, port: tlsPort });
      assert.equal(transport.kind, "deno");
      assert.equal(transport.tls, true);
      assert.equal(transport.fallback?.reason, variant.kind === "native" ? "tls" : undefined);
      await ping(transport);
    }
    await rejectsWith(
      connectTransport({
        ...variant.options,
        hostname: "127.0.0.1",
        port: tlsPort,
        tls: { caCerts: [tls.otherCaPem], servername: "localhost" },
      }),
      ["ETLS"],
    );
    await rejectsWith(
      connectTransport({
        ...variant.options,
        hostname: "127.0.0.1",
        port: tlsPort,
        tls: { caCerts: [tls.caPem], servername: "not-this-host.example" },
      }),
      ["ETLS"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, tlsIgnore);

suite("times out a TLS handshake the server never answers", async (variant) => {
  // A plain listener that accepts and then says nothing: the handshake waits for its reply.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  try {
    await rejectsWith(
      connectTransport({
        ...variant.options,
        hostname: "127.0.0.1",
        port: listener.addr.port,
        tls: true,
        connectTimeoutMs: 200,
      }),
      ["ETIMEDOUT"],
    );
  } finally {
    (await accepted).close();
    listener.close();
  }
});

Deno.test("connectTransport rejects contradictory or out-of-range options", async () => {
  await assert.rejects(connectTransport({ path: "/tmp/x.sock", port: 1 }), TypeError);
  await assert.rejects(connectTransport({ path: "/tmp/x.sock", tls: true }), TypeError);
  await assert.rejects(connectTransport({ path: "" }), TypeError);
  await assert.rejects(connectTransport({ hostname: "" }), TypeError);
  await assert.rejects(connectTransport({ port: 0 }), RangeError);
  await assert.rejects(connectTransport({ port: 65536 }), RangeError);
  await assert.rejects(connectTransport({ port: 1.5 }), RangeError);
  await assert.rejects(connectTransport({ connectTimeoutMs: -1 }), RangeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(connectTransport({ transport: "fast" as any }), TypeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(connectTransport({ nativeDriver: "epoll" as any }), TypeError);
});

Deno.test("connectTransport with auto uses the Deno transport", async () => {
  await using server = await startRedisServer();
  using transport = await connectTransport({ port: server.port });
  assert.equal(transport.kind, "deno");
  assert.equal(transport.fallback, undefined);
  await ping(transport);
});
