// RedisClient's semantics against real redis-servers: the handshake in all its forms, ordering,
// the write-buffer bound, transactions, close versus destroy, timeouts and aborts, the errors a
// server sends before it hangs up, LOADING, and push handlers.
import assert from "node:assert/strict";
import {
  AbortError,
  connect,
  ConnectError,
  ConnectionClosedError,
  RedisClient,
  ReplyError,
  TimeoutError,
  WatchError,
} from "../../redis/mod.ts";
import { type RedisServer, startRedisServer } from "../_helpers/redis_server.ts";
import { rawCommand, settledWithin } from "./_client_helpers.ts";
import { freePort, hasOpenssl, makeTlsMaterial } from "./_transport_helpers.ts";

async function withServer(
  args: string[],
  fn: (server: RedisServer) => Promise<void>,
): Promise<void> {
  await using server = await startRedisServer({ args });
  await fn(server);
}

/** A server that requires a password (set after start: the helper waits for a plain PING). */
async function withPassword(
  password: string,
  args: string[],
  fn: (server: RedisServer) => Promise<void>,
): Promise<void> {
  await withServer(args, async (server) => {
    assert.equal(await rawCommand(server, "CONFIG", "SET", "requirepass", password), "+OK\r\n");
    await fn(server);
  });
}

/** `CLIENT INFO` as text (a verbatim string in RESP3). */
async function clientInfo(client: RedisClient): Promise<string> {
  return String(await client.sendCommand(["CLIENT", "INFO"]));
}

Deno.test("RedisClient authenticates with a password alone, from the URL", async () => {
  await withPassword("s3cret", [], async (server) => {
    await using client = await connect(`redis://:s3cret@127.0.0.1:${server.port}/3`);
    assert.equal(client.protocol, 3);
    assert.equal(client.db, 3);
    await client.sendCommand(["SET", "k", "in-db-3"]);
    assert.match(await clientInfo(client), / db=3 /);
    await assert.rejects(
      connect(`redis://:wrong@127.0.0.1:${server.port}`),
      (error) => error instanceof ReplyError && /^WRONGPASS /.test(error.message),
    );
  });
});

Deno.test("RedisClient authenticates an ACL user and names the connection", async () => {
  await withServer([], async (server) => {
    await rawCommand(server, "ACL", "SETUSER", "app", "on", ">pw", "~*", "&*", "+@all");
    await using client = await connect(server.url, {
      username: "app",
      password: "pw",
      name: "worker-7",
    });
    assert.equal(await client.sendCommand(["ACL", "WHOAMI"]), "app");
    assert.equal(await client.sendCommand(["CLIENT", "GETNAME"]), "worker-7");
    await assert.rejects(
      connect(server.url, { username: "app", password: "nope" }),
      (error) => error instanceof ReplyError && error.code === "WRONGPASS",
    );
  });
});

Deno.test("RedisClient falls back to RESP2 when HELLO is renamed away", async () => {
  await withPassword("pw", ["--rename-command", "HELLO", ""], async (server) => {
    await using client = await connect(server.url, { password: "pw", name: "old", db: 2 });
    assert.equal(client.protocol, 2);
    assert.equal(await client.sendCommand(["CLIENT", "GETNAME"]), "old");
    assert.match(await clientInfo(client), / db=2 .* resp=2/);
    // RESP2 shapes: a flat array where RESP3 has a map.
    await client.sendCommand(["HSET", "h", "f", "v"]);
    assert.deepEqual(await client.sendCommand(["HGETALL", "h"]), ["f", "v"]);
  });
});

Deno.test("RedisClient falls back to RESP2 with an ACL user when HELLO is renamed away", async () => {
  await withServer(["--rename-command", "HELLO", ""], async (server) => {
    await rawCommand(server, "ACL", "SETUSER", "app", "on", ">pw", "~*", "&*", "+@all");
    await using client = await connect(server.url, { username: "app", password: "pw" });
    assert.equal(client.protocol, 2);
    assert.equal(await client.sendCommand(["ACL", "WHOAMI"]), "app");
    await assert.rejects(
      connect(server.url, { username: "app", password: "bad" }),
      (error) => error instanceof ReplyError && error.code === "WRONGPASS",
    );
  });
});

Deno.test({
  name: "RedisClient connects to a rediss:// URL with a private CA",
  ignore: !hasOpenssl(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dray-client-tls-" });
    try {
      const tls = await makeTlsMaterial(dir);
      const tlsPort = freePort();
      await withServer([
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
      ], async () => {
        await using client = await connect(`rediss://localhost:${tlsPort}/1`, {
          tls: { caCerts: [tls.caPem] },
        });
        assert.equal(client.transport?.tls, true);
        assert.equal(client.db, 1);
        assert.equal(await client.sendCommand(["ECHO", "over tls"]), "over tls");
        await assert.rejects(
          connect(`rediss://localhost:${tlsPort}`, { tls: { caCerts: [tls.otherCaPem] } }),
          (error) => error instanceof ConnectError && error.code === "ETLS",
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "RedisClient connects to an IPv6 literal URL",
  ignore: !hasIpv6Loopback(),
  async fn() {
    await withServer([], async (server) => {
      await using client = await connect(`redis://[::1]:${server.port}`);
      assert.deepEqual(client.transport?.remoteAddr, {
        transport: "tcp",
        hostname: "::1",
        port: server.port,
      });
      assert.equal(await client.sendCommand(["PING"]), "PONG");
    });
  },
});

Deno.test("RedisClient with protocol 2 speaks RESP2 from the start", async () => {
  await withServer([], async (server) => {
    await using client = await connect(server.url, { protocol: 2 });
    assert.equal(client.protocol, 2);
    assert.match(await clientInfo(client), / resp=2/);
  });
});

Deno.test("RedisClient holds commands issued while connecting and keeps their order", async () => {
  await withPassword("pw", [], async (server) => {
    for (const protocol of [2, 3] as const) {
      const client = new RedisClient({ url: server.url, password: "pw", db: 1, protocol });
      const connecting = client.connect();
      assert.equal(client.status, "connecting");
      const replies = [
        client.sendCommand(["DEL", "order"]),
        client.sendCommand(["RPUSH", "order", "a"]),
        client.sendCommand(["RPUSH", "order", "b"]),
        client.sendCommand(["LRANGE", "order", "0", "-1"]),
      ];
      assert.equal(client.stats.offline, 4, "nothing is written before the handshake");
      await connecting;
      assert.deepEqual((await Promise.all(replies)).slice(1), [1, 2, ["a", "b"]]);
      assert.match(await clientInfo(client), / db=1 /);
      await client.close();
    }
  });
});

Deno.test("RedisClient select() switches database and remembers it", async () => {
  await withServer([], async (server) => {
    await using client = await connect(server.url);
    assert.equal(client.db, 0);
    assert.equal(await client.select(5), "OK");
    assert.equal(client.db, 5);
    assert.match(await clientInfo(client), / db=5 /);
    await assert.rejects(client.select(100_000), ReplyError);
    assert.equal(client.db, 5);
    await assert.rejects(client.select(-1), RangeError);
  });
});

Deno.test("RedisClient bounds its write buffer under a million commands issued at once", async () => {
  await withServer([], async (server) => {
    const maxBufferedBytes = 32 * 1024;
    await using client = await connect(server.url, { maxBufferedBytes });
    const argv = ["INCR", "n"];
    const count = 1_000_000;
    let last: Promise<unknown> | undefined;
    let failures = 0;
    for (let i = 0; i < count; i++) {
      last = client.sendCommand(argv);
      if ((i & 0xffff) === 0) last.catch(() => failures++);
    }
    assert.ok(client.stats.waiting > count - maxBufferedBytes / 10, "the rest waits unencoded");
    assert.equal(await last, count);
    assert.equal(failures, 0);
    const { peakBufferedBytes } = client.stats;
    assert.ok(peakBufferedBytes > 0);
    assert.ok(
      peakBufferedBytes < maxBufferedBytes + 64,
      `peak ${peakBufferedBytes} bytes for a bound of ${maxBufferedBytes}`,
    );
  });
});

Deno.test("RedisClient transaction: EXECABORT rejects exec() and each command with its own error", async () => {
  await withServer([], async (server) => {
    await using client = await connect(server.url);
    const transaction = client.multi();
    const set = transaction.sendCommand(["SET", "k", "v"]);
    const bad = transaction.sendCommand(["NOSUCHCOMMAND", "x"]);
    const arity = transaction.sendCommand(["GET"]);
    await assert.rejects(
      transaction.exec(),
      (error) => error instanceof ReplyError && error.code === "EXECABORT",
    );
    await assert.rejects(set, (e) => e instanceof ReplyError && e.code === "EXECABORT");
    await assert.rejects(bad, (e) => e instanceof ReplyError && /unknown command/.test(e.message));
    await assert.rejects(arity, (e) => e instanceof ReplyError && /wrong number/.test(e.message));
    assert.equal(await client.sendCommand(["EXISTS", "k"]), 0, "nothing was applied");
  });
});

Deno.test("RedisClient transaction: a WATCH conflict resolves null and applies nothing", async () => {
  await withServer([], async (server) => {
    await using client = await connect(server.url);
    await using other = await connect(server.url);
    await client.sendCommand(["SET", "balance", "10"]);
    assert.equal(await client.sendCommand(["WATCH", "balance"]), "OK");
    await other.sendCommand(["SET", "balance", "99"]);
    const transaction = client.multi();
    const set = transaction.sendCommand(["SET", "balance", "0"]);
    const incr = transaction.sendCommand(["INCR", "log"]);
    assert.equal(await transaction.exec(), null);
    await assert.rejects(set, WatchError);
    await assert.rejects(incr, WatchError);
    assert.equal(await client.sendCommand(["GET", "balance"]), "99");
    assert.equal(await client.sendCommand(["EXISTS", "log"]), 0);
    // Without a conflict the same transaction runs.
    await client.sendCommand(["WATCH", "balance"]);
    const again = client.multi();
    again.sendCommand(["SET", "balance", "0"]);
    assert.deepEqual(await again.exec(), ["OK"]);
  });
});

Deno.test("RedisClient transaction: nothing from other callers enters the block", async () => {
  await withServer([], async (server) => {
    await using client = await connect(server.url);
    await using monitor = await Deno.connect({ transport: "unix", path: server.socketPath });
    await monitor.write(new TextEncoder().encode("MONITOR\r\n"));
    const seen: string[] = [];
    const reading = (async () => {
      const buffer = new Uint8Array(65536);
      let text = "";
      while (!text.includes('"after"')) {
        const n = await monitor.read(buffer);
        if (n === null) break;
        text += new TextDecoder().decode(buffer.subarray(0, n));
      }
      for (const line of text.split("\r\n")) {
        const match = /\] "([^"]+)"(?: "([^"]+)")?/.exec(line);
        if (match) seen.push(match[2] ? `${match[1]} ${match[2]}` : match[1]!);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50)); // MONITOR is on
    const transaction = client.multi();
    const before = client.sendCommand(["ECHO", "before"]);
    transaction.sendCommand(["INCR", "a"]);
    transaction.sendCommand(["INCR", "b"]);
    const exec = transaction.exec();
    const between = client.sendCommand(["ECHO", "between"]); // issued after exec(): goes after
    transaction.sendCommand(["INCR", "c"]).catch(() => {}); // too late: refused
    const after = client.sendCommand(["ECHO", "after"]);
    assert.deepEqual(await exec, [1, 1]);
    await Promise.all([before, between, after]);
    await reading;
    const block = seen.filter((command) => !command.startsWith("HELLO"));
    assert.deepEqual(
      block,
      [
        "ECHO before",
        "multi",
        "INCR a",
        "INCR b",
        "exec",
        "ECHO between",
        "ECHO after",
      ].map((c) => (c === "multi" ? "MULTI" : c === "exec" ? "EXEC" : c)),
    );
  });
});

Deno.test("RedisClient timeoutMs: a command that timed out still consumes its reply", async () => {
  await withServer([], async (server) => {
    await using client = await connect(server.url);
    await client.sendCommand(["SET", "a", "value-a"]);
    await client.sendCommand(["SET", "b", "value-b"]);
    const sleep = client.sendCommand(["DEBUG", "SLEEP", "0.3"]);
    const timedOut = client.sendCommand(["GET", "a"], { timeoutMs: 50 });
    const next = client.sendCommand(["GET", "b"]);
    await assert.rejects(timedOut, (e) => e instanceof TimeoutError && e.timeoutMs === 50);
    assert.equal(await sleep, "OK");
    assert.equal(await next, "value-b", "the next command gets its own reply");
    assert.equal(await client.sendCommand(["GET", "a"], { timeoutMs: 5000 }), "value-a");
  });
});

Deno.test("RedisClient signal: an aborted command consumes its reply; one aborted before is never sent", async () => {
  await withServer([], async (server) => {
    await using client = await connect(server.url);
    await client.sendCommand(["SET", "b", "value-b"]);
    const controller = new AbortController();
    const sleep = client.sendCommand(["DEBUG", "SLEEP", "0.2"]);
    const aborted = client.sendCommand(["INCR", "counter"], { signal: controller.signal });
    const next = client.sendCommand(["GET", "b"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort("changed my mind");
    await assert.rejects(aborted, (e) => e instanceof AbortError && e.cause === "changed my mind");
    await sleep;
    assert.equal(await next, "value-b");
    assert.equal(await client.sendCommand(["GET", "counter"]), "1", "it was written, so it ran");
    await assert.rejects(
      client.sendCommand(["INCR", "counter"], { signal: AbortSignal.abort() }),
      AbortError,
    );
    assert.equal(await client.sendCommand(["GET", "counter"]), "1", "never sent");
  });
});

Deno.test("RedisClient close() destroys when its time limit runs out", async () => {
  await withServer([], async (server) => {
    const client = await connect(server.url);
    const sleep = assert.rejects(
      client.sendCommand(["DEBUG", "SLEEP", "0.5"]),
      (e) => e instanceof ConnectionClosedError && /close\(\)/.test(e.message),
    );
    await client.close({ timeoutMs: 30 });
    await sleep;
    assert.equal(client.status, "closed");
  });
});

Deno.test("RedisClient Symbol.asyncDispose closes the client", async () => {
  await withServer([], async (server) => {
    let outer: RedisClient | undefined;
    let pending: Promise<unknown> | undefined;
    {
      await using client = await connect(server.url);
      outer = client;
      pending = client.sendCommand(["ECHO", "last words"]);
    }
    assert.equal(outer.status, "closed");
    assert.equal(await pending, "last words");
  });
});

Deno.test("RedisClient reports max clients as the server's error to connect() and to every waiting command", async () => {
  await withServer(["--maxclients", "1"], async (server) => {
    await using first = await connect(server.url);
    for (let round = 0; round < 10; round++) {
      for (const protocol of [2, 3] as const) {
        const client = new RedisClient({ url: server.url, protocol });
        const connecting = client.connect();
        const waiting = [client.sendCommand(["PING"]), client.sendCommand(["GET", "k"])];
        const isMaxClients = (error: unknown) =>
          error instanceof ReplyError && error.message === "ERR max number of clients reached";
        await assert.rejects(connecting, isMaxClients);
        for (const command of waiting) await assert.rejects(command, isMaxClients);
        assert.ok(isMaxClients(await client.finished));
      }
    }
    assert.equal(await first.sendCommand(["PING"]), "PONG");
  });
});

Deno.test("RedisClient gets -LOADING as per-command errors and keeps its connection", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dray-loading-" });
  try {
    // A dump with enough keys that loading it with a delay per key takes a while.
    await withServer(["--dir", dir, "--dbfilename", "dump.rdb"], async (server) => {
      await rawCommand(
        server,
        "EVAL",
        "for i=1,4000 do redis.call('SET','k'..i,'v'..i) end return 1",
        "0",
      );
      await rawCommand(server, "SAVE");
    });
    const port = freePort();
    const socket = `${dir}/loading.sock`;
    const child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--unixsocket",
        socket,
        "--dir",
        dir,
        "--dbfilename",
        "dump.rdb",
        "--save",
        "",
        "--appendonly",
        "no",
        "--key-load-delay",
        "200",
        "--loading-process-events-interval-bytes",
        "1024",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      let client: RedisClient | undefined;
      const deadline = Date.now() + 10_000;
      while (client === undefined) {
        try {
          client = await connect({ path: socket });
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      try {
        await assert.rejects(
          client.sendCommand(["GET", "k1"]),
          (error) => error instanceof ReplyError && error.code === "LOADING",
        );
        assert.equal(client.status, "ready", "the connection stays open");
        let value: unknown;
        while (value === undefined) {
          value = await client.sendCommand(["GET", "k1"]).catch((error) => {
            if (!(error instanceof ReplyError && error.code === "LOADING")) throw error;
            if (Date.now() > deadline + 20_000) throw error;
            return new Promise((resolve) => setTimeout(() => resolve(undefined), 50));
          });
        }
        assert.equal(value, "v1");
        assert.equal(await client.sendCommand(["GET", "k4000"]), "v4000");
      } finally {
        await client.close();
      }
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RedisClient defers destroy() and close() from a push handler until it returns", async () => {
  await withServer([], async (server) => {
    await using other = await connect(server.url);
    for (const action of ["destroy", "close"] as const) {
      const inside: string[] = [];
      let client: RedisClient | undefined = undefined;
      client = await connect(server.url, {
        onPush(push) {
          if (push[0] !== "invalidate") return;
          if (action === "destroy") client!.destroy();
          else void client!.close();
          inside.push(client!.status);
        },
      });
      await client.sendCommand(["CLIENT", "TRACKING", "ON"]);
      await client.sendCommand(["GET", `tracked-${action}`]);
      const blocked = client.sendCommand(["BLPOP", `list-${action}`, "0.3"]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await other.sendCommand(["SET", `tracked-${action}`, "changed"]); // sends the push
      if (action === "destroy") {
        await assert.rejects(blocked, ConnectionClosedError);
        assert.deepEqual(inside, ["ready"], "still ready inside the handler");
      } else {
        assert.equal(await blocked, null, "close() lets the pending command finish");
        assert.deepEqual(inside, ["closing"]);
      }
      await client.finished;
      assert.equal(client.status, "closed");
    }
  });
});

Deno.test("RedisClient connect() failures reject waiting commands with the same ConnectError", async () => {
  const client = new RedisClient({ port: freePort() });
  const connecting = client.connect();
  const waiting = client.sendCommand(["PING"]);
  const error = await connecting.then(() => undefined, (e) => e);
  assert.ok(error instanceof ConnectError && error.code === "ECONNREFUSED");
  await assert.rejects(waiting, (e) => e === error);
  assert.equal(await client.finished, error);
  assert.equal(client.status, "closed");
  // connect() itself cleans up after a failure.
  await assert.rejects(connect({ port: freePort() }), ConnectError);
});

Deno.test("RedisClient destroy() while connecting rejects connect() and closes the socket", async () => {
  await withServer([], async (server) => {
    const client = new RedisClient({ url: server.url });
    const connecting = client.connect();
    const waiting = assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
    client.destroy(); // rejects `waiting` now
    await assert.rejects(connecting, ConnectionClosedError);
    await waiting;
    assert.ok((await client.finished) instanceof ConnectionClosedError);
    const result = await settledWithin(client.connect(), 1000);
    assert.ok(result !== "pending" && "error" in result, "connect() stays rejected");
  });
});

Deno.test("RedisClient refuses inconsistent options when made", async () => {
  assert.throws(() => new RedisClient({ url: "redis://user@localhost" }), TypeError);
  assert.throws(() => new RedisClient({ url: "http://localhost" }), TypeError);
  assert.throws(() => new RedisClient({ db: -1 }), RangeError);
  assert.throws(() => new RedisClient({ maxBufferedBytes: 0 }), RangeError);
  assert.throws(() => new RedisClient({ connectTimeoutMs: -5 }), RangeError);
  assert.throws(() => new RedisClient({ closeTimeoutMs: Number.NaN }), RangeError);
  await assert.rejects(connect("redis://user@localhost"), TypeError);
});
