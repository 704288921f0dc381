// connect() from REDIS_URL, Deno.inspect(client), and the debug log (a sink, or DRAY_DEBUG=redis
// read only with the env permission), against real redis-servers; never a password anywhere.
import assert from "node:assert/strict";
import { connect, RedisClient } from "../../redis/mod.ts";
import { withEnvironmentUrl } from "../../redis/observe/_default_url.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";

/** Runs `body` with REDIS_URL set to `value` (or unset), then puts it back. */
async function withRedisUrl(value: string | undefined, body: () => Promise<void>): Promise<void> {
  const before = Deno.env.get("REDIS_URL");
  if (value === undefined) Deno.env.delete("REDIS_URL");
  else Deno.env.set("REDIS_URL", value);
  try {
    await body();
  } finally {
    if (before === undefined) Deno.env.delete("REDIS_URL");
    else Deno.env.set("REDIS_URL", before);
  }
}

Deno.test("connect reads REDIS_URL when no server is named", async () => {
  await using server = await startRedisServer({ password: "url-secret-1" });
  await withRedisUrl(`${server.url}/4`, async () => {
    await using client = await connect();
    assert.equal(client.db, 4);
    assert.equal(await client.ping(), "PONG");
    await using other = await connect({ keyPrefix: "x:" }); // options, but no server named
    assert.equal(other.db, 4);
    assert.equal(await other.ping(), "PONG");
  });
});

Deno.test("connect ignores REDIS_URL when a server is named", async () => {
  await using server = await startRedisServer();
  // REDIS_URL points nowhere useful: a named server wins.
  await withRedisUrl("redis://127.0.0.1:1/9", async () => {
    await using byUrl = await connect(server.url);
    assert.equal(byUrl.db, 0);
    await using byPort = await connect({ port: server.port });
    assert.equal(await byPort.ping(), "PONG");
  });
});

Deno.test("connect names no server without REDIS_URL, so the default 127.0.0.1:6379 applies", async () => {
  await withRedisUrl(undefined, async () => {
    assert.deepEqual(withEnvironmentUrl({ db: 1 }), { db: 1 });
    const client = new RedisClient(withEnvironmentUrl({}));
    assert.match(Deno.inspect(client), /address: "127\.0\.0\.1:6379"/);
    await client.close();
  });
  await withRedisUrl("redis://10.0.0.1:7000", () => {
    assert.deepEqual(withEnvironmentUrl({}), { url: "redis://10.0.0.1:7000" });
    assert.deepEqual(withEnvironmentUrl({ path: "/tmp/r.sock" }), { path: "/tmp/r.sock" });
    return Promise.resolve();
  });
});

Deno.test("RedisClient shows state, address, protocol and pending counts in Deno.inspect, never the password", async () => {
  const password = "inspect-secret-2";
  await using server = await startRedisServer({ password });
  const idle = new RedisClient({ url: server.url, keyPrefix: "app:" });
  const before = Deno.inspect(idle);
  assert.match(before, /^RedisClient \{/);
  assert.match(before, /status: "idle"/);
  assert.match(before, new RegExp(`address: "127\\.0\\.0\\.1:${server.port}"`));
  assert.match(before, /keyPrefix: "app:"/);
  await idle.close();
  await using client = await connect(server.url);
  await client.subscribe("news");
  const blocked = client.sendCommand(["BLPOP", "nothing", 0]).catch((error) => error);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const text = Deno.inspect(client, { depth: 4 });
  assert.match(text, /status: "ready"/);
  assert.match(text, /protocol: 3/);
  assert.match(text, /transport: "deno"/);
  assert.match(text, /inFlight: 1/);
  assert.match(text, /subscriptions: 1/);
  assert.doesNotMatch(text, new RegExp(password));
  assert.doesNotMatch(Deno.inspect(client, { depth: 10, showHidden: true }), new RegExp(password));
  client.destroy();
  await blocked;
});

Deno.test("RedisClient debug sink gets one line per lifecycle event, without secrets", async () => {
  const password = "debug-secret-3";
  await using server = await startRedisServer({ password });
  const lines: string[] = [];
  const fields: Record<string, unknown>[] = [];
  const client = await connect(server.url, {
    reconnect: { strategy: () => 10 },
    debug: (line, detail) => {
      lines.push(line);
      fields.push({ ...detail });
    },
  });
  const id = await client.sendCommand(["CLIENT", "ID"]);
  const ready = new Promise((resolve) => client.addEventListener("ready", resolve));
  await client.sendCommand(["CLIENT", "KILL", "ID", String(id), "SKIPME", "no"]);
  await ready;
  await client.close();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const events = fields.map((f) => f.event);
  assert.deepEqual(events, [
    "connect",
    "ready",
    "error",
    "close",
    "reconnecting",
    "connect",
    "ready",
    "close",
    "end",
  ]);
  const address = `127.0.0.1:${server.port}`;
  assert.equal(lines[0], `[dray:redis] ${address} connect attempt=0`);
  assert.equal(lines[1], `[dray:redis] ${address} ready attempt=0 protocol=3`);
  assert.match(lines[4]!, /reconnecting attempt=1 delayMs=10 error="ConnectionClosedError: /);
  assert.equal(fields[4]!.delayMs, 10);
  assert.equal(typeof fields[4]!.error, "string");
  for (const line of lines) assert.doesNotMatch(line, new RegExp(password));
});

Deno.test("RedisClient debug log scrubs the password from a refused handshake", async () => {
  await using server = await startRedisServer({ password: "right-password" });
  const lines: string[] = [];
  await assert.rejects(
    connect({ port: server.port, password: "wrong-password-4", debug: (line) => lines.push(line) }),
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.ok(lines.some((line) => line.includes(" end ")), lines.join("\n"));
  for (const line of lines) assert.doesNotMatch(line, /wrong-password-4/);
});

const PROBE = `
import { connect } from "${new URL("../../redis/mod.ts", import.meta.url).href}";
await using client = await connect({ port: Number(Deno.args[0]), reconnect: false });
await client.ping();
`;

async function runProbe(
  port: number,
  allowEnv: boolean,
): Promise<{ code: number; stderr: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/probe.ts`;
    await Deno.writeTextFile(file, PROBE);
    const read = new URL("../../", import.meta.url).pathname;
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--no-lock",
        `--allow-net=127.0.0.1:${port}`,
        `--allow-read=${read},${dir}`,
        ...(allowEnv ? ["--allow-env"] : []),
        file,
        String(port),
      ],
      env: { DRAY_DEBUG: "redis", NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    });
    const output = await command.output();
    return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("DRAY_DEBUG=redis logs to stderr with the env permission, and is ignored without it", async () => {
  await using server = await startRedisServer();
  const allowed = await runProbe(server.port, true);
  assert.equal(allowed.code, 0, allowed.stderr);
  const address = `127.0.0.1:${server.port}`;
  assert.match(allowed.stderr, new RegExp(`\\[dray:redis\\] ${address} connect attempt=0`));
  assert.match(allowed.stderr, /\[dray:redis\] \S+ ready attempt=0 protocol=3/);
  assert.match(allowed.stderr, /\[dray:redis\] \S+ end attempt=0/);
  const denied = await runProbe(server.port, false);
  assert.equal(denied.code, 0, denied.stderr); // no prompt, no NotCapable
  assert.doesNotMatch(denied.stderr, /dray:redis/);
});
