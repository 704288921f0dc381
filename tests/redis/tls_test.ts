// TLS is what the user asked for: a real redis-server with TLS only (`--port 0 --tls-port …`,
// `--tls-auth-clients yes`, Redis's default), certificates made by openssl at test time.
import assert from "node:assert/strict";
import {
  connect,
  ConnectError,
  connectTransport,
  RedisClient,
  type RedisClientOptions,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { makeTestPki, type TestPki, tlsServerArgs } from "../_helpers/tls_certs.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

async function withTlsServer(
  test: (pki: TestPki, port: number) => Promise<void>,
  authClients = true,
): Promise<void> {
  await using pki = await makeTestPki();
  const port = freePort();
  await using _server = await startRedisServer({ args: tlsServerArgs(pki, port, authClients) });
  await test(pki, port);
}

async function connectError(options: RedisClientOptions): Promise<unknown> {
  return await connect({ reconnect: false, ...options }).then(
    (client) => {
      client.destroy();
      throw new Error("connect() succeeded");
    },
    (error: unknown) => error,
  );
}

Deno.test("connect presents a client certificate to a server that requires one", async () => {
  await withTlsServer(async (pki, port) => {
    const tls = { caCerts: [pki.caCert], cert: pki.clientCert, key: pki.clientKey };
    for (const transport of ["deno", "native"] as const) {
      const client = await connect({ hostname: "localhost", port, tls, transport });
      try {
        assert.equal(await client.sendCommand(["SET", "k", transport]), "OK");
        assert.equal(await client.sendCommand(["GET", "k"]), transport);
        assert.equal(client.transport?.tls, true);
        assert.equal(client.transport?.kind, "deno");
        // The native transport cannot carry TLS: it falls back to Deno's and says so.
        if (transport === "native") assert.equal(client.transport?.fallback?.reason, "tls");
      } finally {
        await client.close();
      }
    }
    // The same through a rediss:// URL plus the certificates.
    const client = await connect(`rediss://localhost:${port}/1`, { tls });
    assert.equal(await client.sendCommand(["PING"]), "PONG");
    await client.close();
  });
});

Deno.test("connect without a client certificate fails with ConnectError ETLS when the server requires one", async () => {
  await withTlsServer(async (pki, port) => {
    const error = await connectError({
      hostname: "localhost",
      port,
      tls: { caCerts: [pki.caCert] },
    });
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, "ETLS");
    assert.equal(error.address, `localhost:${port}`);
    assert.match(
      error.message,
      /refused the connection: received fatal alert: CertificateRequired; it requires a client certificate/,
    );
  });
});

Deno.test("connect with a client certificate the server does not trust fails with ConnectError ETLS", async () => {
  await withTlsServer(async (pki, port) => {
    const error = await connectError({
      hostname: "localhost",
      port,
      tls: { caCerts: [pki.caCert], cert: pki.strangerCert, key: pki.strangerKey },
    });
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, "ETLS");
    assert.match(
      error.message,
      /received fatal alert: \w+; it does not trust the client certificate/,
    );
  });
});

Deno.test("connect to a server whose certificate another CA signed fails with ConnectError ETLS", async () => {
  await withTlsServer(async (pki, port) => {
    for (const cert of [{}, { cert: pki.clientCert, key: pki.clientKey }]) {
      const error = await connectError({
        hostname: "localhost",
        port,
        tls: { caCerts: [pki.otherCaCert], ...cert },
      });
      assert.ok(error instanceof ConnectError, String(error));
      assert.equal(error.code, "ETLS");
      assert.match(error.message, /UnknownIssuer/);
    }
  });
});

Deno.test("connect without a client certificate succeeds when the server does not ask for one", async () => {
  await withTlsServer(async (pki, port) => {
    const client = await connect({ hostname: "localhost", port, tls: { caCerts: [pki.caCert] } });
    assert.equal(await client.sendCommand(["PING"]), "PONG");
    await client.close();
  }, false);
});

Deno.test("RedisClient refuses a rediss:// URL with tls: false", () => {
  assert.throws(
    () => new RedisClient({ url: "rediss://:secret@localhost:6380", tls: false }),
    (error) =>
      error instanceof TypeError && /rediss:\/\/ URL with tls: false/.test(error.message) &&
      !error.message.includes("secret"),
  );
  // No contradiction: plaintext URL, or TLS options on top of rediss://.
  new RedisClient({ url: "redis://localhost:6380", tls: false });
  new RedisClient({ url: "rediss://localhost:6380", tls: { servername: "localhost" } });
});

Deno.test("RedisClient and connectTransport refuse unknown or incomplete TLS options", async () => {
  const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  const bad: [unknown, RegExp][] = [
    [{ ca: [pem] }, /tls option 'ca': unknown, did you mean caCerts/],
    [{ rejectUnauthorized: false }, /tls option 'rejectUnauthorized': unknown/],
    [{ cert: pem }, /tls.cert alone/],
    [{ key: pem }, /tls.key alone/],
    [{ cert: "./client.crt", key: "./client.key" }, /tls.cert: expected a PEM string/],
    [{ cert: pem, key: pem, servername: "other" }, /servername 'other' with a client certificate/],
    [[], /expected a boolean or an options object/],
  ];
  for (const [tls, pattern] of bad) {
    const options = { hostname: "localhost", port: 6380, tls } as RedisClientOptions;
    assert.throws(() => new RedisClient(options), (error) => {
      return error instanceof TypeError && pattern.test(error.message);
    }, JSON.stringify(tls));
    await assert.rejects(
      connectTransport(options),
      (error) => error instanceof TypeError && pattern.test(error.message),
    );
  }
});

Deno.test("connectTransport with a client certificate gives up after connectTimeoutMs and on abort", async () => {
  await using pki = await makeTestPki();
  // A peer that accepts and never says a word: the TLS handshake waits for its ServerHello.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  const tls = { caCerts: [pki.caCert], cert: pki.clientCert, key: pki.clientKey };
  const options = { hostname: "localhost", port: listener.addr.port, tls };
  try {
    await assert.rejects(
      connectTransport({ ...options, connectTimeoutMs: 200 }),
      (error) => error instanceof ConnectError && error.code === "ETIMEDOUT",
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 100);
    await assert.rejects(
      connectTransport({ ...options, signal: controller.signal }),
      (error) => error instanceof ConnectError && error.code === "ECANCELED",
    );
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of accepted) conn.close();
  }
});

Deno.test("connect with a client certificate or key Deno cannot use fails with ConnectError ETLS", async () => {
  await withTlsServer(async (pki, port) => {
    const garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const pairs = [
      { cert: garbage, key: pki.clientKey },
      { cert: pki.clientCert, key: pki.strangerKey }, // a key that is not the certificate's
      { cert: pki.clientCert, key: garbage.replaceAll("CERTIFICATE", "PRIVATE KEY") },
    ];
    for (const pair of pairs) {
      const error = await connectError({
        hostname: "localhost",
        port,
        tls: { caCerts: [pki.caCert], ...pair },
      });
      assert.ok(error instanceof ConnectError, String(error));
      assert.equal(error.code, "ETLS");
      assert.match(error.message, /the client certificate or key cannot be used/);
    }
  });
});
