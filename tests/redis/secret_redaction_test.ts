// No secret in any error: the password never appears in what connect() rejects with (message,
// String(), Deno.inspect(), the cause chain), even when the server quotes it back, and a URL's
// password never appears in the URL parse error, however its parameter name is spelt.
import assert from "node:assert/strict";
import {
  connect,
  HandshakeError,
  parseRedisUrl,
  ProtocolError,
  RedisError,
  ReplyError,
} from "../../redis/mod.ts";
import { Handshake } from "../../redis/protocol.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { startScriptedPeer } from "./_client_helpers.ts";

/** Every text an error can show: message, String(), Deno.inspect(), the whole cause chain. */
function texts(error: unknown): string[] {
  const out: string[] = [String(error), Deno.inspect(error, { depth: 10 })];
  for (let at = error; at instanceof Error; at = at.cause) out.push(at.message, at.stack ?? "");
  return out;
}

function assertHidden(error: unknown, secret: string | RegExp): void {
  const pattern = typeof secret === "string"
    ? new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    : secret;
  for (const text of texts(error)) assert.doesNotMatch(text, pattern);
}

async function connectError(options: Parameters<typeof connect>[0]): Promise<unknown> {
  return await connect(options).then(
    (client) => {
      client.destroy();
      throw new Error("connect() succeeded");
    },
    (error: unknown) => error,
  );
}

Deno.test("Handshake hides the password in a server's error that quotes it", () => {
  const handshake = new Handshake({ protocol: 2, password: "hunter2-secret" });
  handshake.start();
  const step = handshake.reply(
    new ReplyError("ERR unknown command 'AUTH', with args beginning with: 'hunter2-secret' "),
  );
  assert.ok(step.kind === "fail" && step.error instanceof ReplyError);
  assert.equal(step.error.message, "ERR unknown command 'AUTH', with args beginning with: '***' ");
  assert.equal(step.error.code, "ERR");
});

Deno.test("Handshake hides a quote that cuts a long password short", () => {
  const password = "A".repeat(40) + "B".repeat(200);
  const handshake = new Handshake({ protocol: 2, username: "app", password });
  handshake.start();
  // Redis quotes at most 128 characters of arguments in all.
  const quoted = `'app' '${password.slice(0, 120)}'`;
  const step = handshake.reply(
    new ReplyError(`ERR unknown command 'AUTH', with args beginning with: ${quoted} `),
  );
  assert.ok(step.kind === "fail");
  assert.equal(
    step.error.message,
    "ERR unknown command 'AUTH', with args beginning with: 'app' '***' ",
  );
});

Deno.test("Handshake hides a short password only where it stands apart", () => {
  const handshake = new Handshake({ protocol: 2, password: "x" });
  handshake.start();
  const step = handshake.reply(new ReplyError("ERR max clients reached, got 'x' from x-ray"));
  assert.ok(step.kind === "fail");
  assert.equal(step.error.message, "ERR max clients reached, got '***' from ***-ray");
});

Deno.test("connect hides the password a real server quotes when AUTH is unknown", async () => {
  // With HELLO and AUTH renamed away, the handshake falls back to RESP2 and the server answers
  // AUTH with `ERR unknown command 'AUTH', with args beginning with: '<password>'`.
  await using server = await startRedisServer({
    args: ["--rename-command", "HELLO", "", "--rename-command", "AUTH", ""],
  });
  const passwords = ["hunter2-secret", "x", `${"p".repeat(60)}${"Q".repeat(200)}`];
  for (const password of passwords) {
    const error = await connectError({ port: server.port, password, reconnect: false });
    assert.ok(error instanceof ReplyError, String(error));
    assert.match(error.message, /^ERR unknown command 'AUTH', with args beginning with: '\*\*\*'/);
    // The whole password, and (for the long one) the 60-character prefix the server quoted.
    assertHidden(error, password.length > 100 ? password.slice(0, 60) : `'${password}'`);
  }
});

Deno.test("connect hides the password in a ProtocolError that quotes the peer's bytes", async () => {
  const password = "hunter2-quoted";
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write(`,${password}\r\n`); // an invalid double, quoted by the reader
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  const error = await connectError({ port: peer.port, password, reconnect: false });
  assert.ok(error instanceof ProtocolError, String(error));
  assert.match(error.message, /Invalid double/);
  assertHidden(error, password);
});

Deno.test("connect hides the password in a HandshakeError for an echoing peer", async () => {
  const password = "hunter2-echoed";
  await using peer = startScriptedPeer(async (conn) => {
    const [auth] = await conn.commands(1);
    // Answer AUTH with a status line carrying its own argument.
    await conn.write(`+${auth!.join(" ")}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  const error = await connectError({ port: peer.port, protocol: 2, password, reconnect: false });
  assert.ok(error instanceof HandshakeError && error instanceof RedisError, String(error));
  assert.match(error.message, /answered AUTH with the string "AUTH \*\*\*"/);
  assertHidden(error, password);
});

Deno.test("parseRedisUrl hides the password whatever the spelling of its parameter name", () => {
  const spellings = [
    "password",
    "pass%77ord",
    "%70%61%73%73%77%6F%72%64",
    "PASSWORD",
    "Pass%57ord",
  ];
  for (const name of spellings) {
    // Both fail on the database ('abc', then 'x'), after the query was read.
    const urls = [
      `redis://host/abc?${name}=hunter2-url`,
      `redis://host/x?db=1&${name}=hunter2-url&other=1#frag`,
    ];
    for (const url of urls) {
      assert.throws(() => parseRedisUrl(url), (error) => {
        assertHidden(error, "hunter2-url");
        return error instanceof TypeError && /is not a non-negative integer/.test(error.message);
      }, url);
    }
  }
  // The userinfo password too, percent-encoded or not.
  for (const url of ["redis://u:hunter2-url@host/abc", "redis://:hunter2%2Durl@host:99999"]) {
    assert.throws(() => parseRedisUrl(url), (error) => {
      assertHidden(error, /hunter2/);
      return error instanceof TypeError;
    });
  }
});
