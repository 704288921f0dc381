import assert from "node:assert/strict";
import { startRedisServer } from "../_helpers/redis_server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function ping(conn: Deno.Conn): Promise<string> {
  try {
    await conn.write(encoder.encode("*1\r\n$4\r\nPING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    return n === null ? "" : decoder.decode(buf.subarray(0, n));
  } finally {
    conn.close();
  }
}

function alive(pid: number): boolean {
  const { success } = new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" })
    .outputSync();
  return success;
}

Deno.test("startRedisServer answers PING over TCP and the unix socket", async () => {
  await using server = await startRedisServer();
  assert.notEqual(server.port, 6379);
  assert.equal(
    await ping(await Deno.connect({ hostname: server.host, port: server.port })),
    "+PONG\r\n",
  );
  assert.equal(
    await ping(await Deno.connect({ transport: "unix", path: server.socketPath })),
    "+PONG\r\n",
  );
});

Deno.test("startRedisServer leaves no process and no temp dir after stop", async () => {
  const server = await startRedisServer();
  const { pid, dir } = server;
  assert.ok(alive(pid));
  await server.stop();
  await server.stop(); // idempotent
  assert.equal(alive(pid), false);
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
});

Deno.test("startRedisServer stops the server when the test body throws", async () => {
  let pid = 0;
  let dir = "";
  await assert.rejects(async () => {
    await using server = await startRedisServer();
    pid = server.pid;
    dir = server.dir;
    throw new Error("test failed");
  }, /test failed/);
  assert.equal(alive(pid), false);
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
});

Deno.test("startRedisServer restarts on the same port after a crash", async () => {
  await using server = await startRedisServer();
  const port = server.port;
  server.kill("SIGKILL");
  await server.exited();
  await server.restart();
  assert.equal(server.port, port);
  assert.equal(
    await ping(await Deno.connect({ hostname: server.host, port: server.port })),
    "+PONG\r\n",
  );
});

Deno.test("startRedisServer starts a server that requires a password", async () => {
  await using server = await startRedisServer({ args: ["--requirepass", "s3cret"] });
  const conn = await Deno.connect({ hostname: server.host, port: server.port });
  try {
    await conn.write(encoder.encode("*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n*1\r\n$4\r\nPING\r\n"));
    const buf = new Uint8Array(64);
    let text = "";
    while (text.length < 12) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n));
    }
    assert.equal(text, "+OK\r\n+PONG\r\n");
  } finally {
    conn.close();
  }
});
