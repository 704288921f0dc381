import assert from "node:assert/strict";
import { startFaultProxy } from "../_helpers/fault_proxy.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readUntil(conn: Deno.Conn, want: number): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (text.length < want) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += decoder.decode(buffer.subarray(0, n));
  }
  return text;
}

Deno.test("startFaultProxy forwards a conversation both ways", async () => {
  await using server = await startRedisServer();
  await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
  const conn = await Deno.connect({ hostname: proxy.hostname, port: proxy.port });
  try {
    await conn.write(encoder.encode("*1\r\n$4\r\nPING\r\n"));
    assert.equal(await readUntil(conn, 7), "+PONG\r\n");
    assert.equal(proxy.accepted, 1);
    assert.equal(proxy.downstreamBytes, 7);
  } finally {
    conn.close();
  }
});

Deno.test("startFaultProxy cuts the stream in the middle of a reply", async () => {
  await using server = await startRedisServer();
  await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
  const conn = await Deno.connect({ hostname: proxy.hostname, port: proxy.port });
  try {
    await conn.write(encoder.encode("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n"));
    assert.equal(await readUntil(conn, 5), "+OK\r\n");
    proxy.cutAfter(8); // "$10\r\n012" of the 17-byte GET reply
    await conn.write(encoder.encode("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
    const received = await readUntil(conn, 17); // stops at end of stream
    assert.equal(received, "$10\r\n012");
  } finally {
    conn.close();
  }
});

Deno.test("startFaultProxy stalls without closing and resumes", async () => {
  await using server = await startRedisServer();
  await using proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
  const conn = await Deno.connect({ hostname: proxy.hostname, port: proxy.port });
  try {
    proxy.stall();
    await conn.write(encoder.encode("*1\r\n$4\r\nPING\r\n"));
    const reply = readUntil(conn, 7);
    let settled = false;
    reply.then(() => settled = true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(settled, false, "nothing is forwarded while stalled, and nothing is closed");
    proxy.resume();
    assert.equal(await reply, "+PONG\r\n");
  } finally {
    conn.close();
  }
});

Deno.test("startFaultProxy closes every connection and leaks nothing", async () => {
  await using server = await startRedisServer();
  const proxy = startFaultProxy({ target: { hostname: server.host, port: server.port } });
  const conns = await Promise.all(
    [1, 2, 3].map(() => Deno.connect({ hostname: proxy.hostname, port: proxy.port })),
  );
  proxy.stall();
  for (const conn of conns) await conn.write(encoder.encode("*1\r\n$4\r\nPING\r\n"));
  await proxy.close();
  await proxy.close();
  for (const conn of conns) {
    // Accepted connections see end of stream; ones still in the backlog are reset by the kernel.
    const ended = await readUntil(conn, 1).catch((error) => {
      assert.ok(error instanceof Deno.errors.ConnectionReset, String(error));
      return "";
    });
    assert.equal(ended, "", "closed by the proxy");
    conn.close();
  }
});
