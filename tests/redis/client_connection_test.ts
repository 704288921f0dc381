// Connection: the adapter between the pure Context and a loop plus a byte stream, driven with a
// ManualLoop and an in-memory source.
import assert from "node:assert/strict";
import { ManualLoop } from "../../loop/mod.ts";
import { MemorySource } from "../../loop/testing/mod.ts";
import { ConnectionClosedError, ReplyError, type RespValue } from "../../redis/mod.ts";
import { Connection, type ContextEntry } from "../../redis/protocol.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Entry extends ContextEntry {
  buffers: boolean;
  abandoned: boolean;
}

function entry(): Entry {
  return { buffers: false, abandoned: false };
}

/** Lets promise-based I/O of the memory source complete, running loop ticks in between. */
async function settle(loop: ManualLoop, rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    loop.tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function readyConnection(options: { maxWriteSize?: number } = {}) {
  const loop = new ManualLoop();
  const replies: RespValue[] = [];
  const failures: Error[] = [];
  const connection = new Connection<Entry>({
    reply: (_entry, value) => void replies.push(value),
    fail: (_entry, error) => void failures.push(error),
  }, { loop, protocol: 2 });
  const source = new MemorySource(options);
  connection.attach(source);
  await settle(loop);
  assert.equal(decoder.decode(source.writtenBytes()), "*1\r\n$4\r\nPING\r\n");
  source.push(encoder.encode("+PONG\r\n"));
  await settle(loop);
  assert.equal(await connection.ready, 2);
  source.written.length = 0;
  return { loop, connection, source, replies, failures };
}

Deno.test("Connection writes all the commands of one tick with one write", async () => {
  const { loop, connection, source, replies } = await readyConnection();
  for (let i = 0; i < 100; i++) connection.context.submit(entry(), ["INCR", `k${i}`]);
  await settle(loop);
  assert.equal(source.written.length, 1);
  assert.equal(decoder.decode(source.written[0]).split("INCR").length - 1, 100);
  source.push(encoder.encode(":1\r\n".repeat(100)));
  await settle(loop);
  assert.equal(replies.length, 100);
  connection.context.destroy();
  await connection.finished;
  assert.equal(source.closed, true);
});

Deno.test("Connection hands over every byte through partial writes", async () => {
  const { loop, connection, source, replies } = await readyConnection({ maxWriteSize: 7 });
  const value = "x".repeat(1000);
  connection.context.submit(entry(), ["SET", "k", value]);
  await settle(loop, 20);
  assert.equal(
    decoder.decode(source.writtenBytes()),
    `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\n${value}\r\n`,
  );
  source.push(encoder.encode("+OK\r\n"));
  await settle(loop);
  assert.deepEqual(replies, ["OK"]);
  connection.context.destroy();
  await connection.finished;
});

Deno.test("Connection fails pending commands when the stream ends", async () => {
  const { loop, connection, source, failures } = await readyConnection();
  connection.context.submit(entry(), ["GET", "a"]);
  await settle(loop);
  source.end();
  await settle(loop);
  assert.equal(failures.length, 1);
  assert.ok(failures[0] instanceof ConnectionClosedError);
  assert.equal(await connection.finished, failures[0]);
});

Deno.test("Connection reports the read error's cause, and a server error read before it", async () => {
  const { loop, connection, source, replies, failures } = await readyConnection();
  connection.context.submit(entry(), ["GET", "a"]);
  connection.context.submit(entry(), ["GET", "b"]);
  await settle(loop);
  source.push(encoder.encode("-ERR max number of clients reached\r\n"));
  source.fail(Object.assign(new Error("connection reset"), { name: "ConnectionReset" }));
  await settle(loop);
  assert.ok(replies[0] instanceof ReplyError);
  // ECONNRESET after the error is treated as its EOF: the server said why it hung up, and the
  // reply (GET a's own) is the cause of the connection's error, never GET b's outcome itself.
  assert.ok(failures[0] instanceof ConnectionClosedError);
  assert.equal(failures[0].cause, replies[0]);
  await connection.finished;
});

Deno.test("Connection closes a stream attached after the context was destroyed", async () => {
  const loop = new ManualLoop();
  const connection = new Connection<Entry>({ reply: () => {}, fail: () => {} }, { loop });
  connection.context.destroy();
  const source = new MemorySource();
  connection.attach(source);
  assert.equal(source.closed, true);
  assert.ok((await connection.finished) instanceof ConnectionClosedError);
  await assert.rejects(connection.ready, ConnectionClosedError);
  assert.throws(() => connection.attach(new MemorySource()), TypeError);
});

Deno.test("Connection close() ends cleanly once the last reply is in", async () => {
  const { loop, connection, source, replies } = await readyConnection();
  connection.context.submit(entry(), ["GET", "a"]);
  connection.context.close();
  await settle(loop);
  assert.equal(source.closed, false);
  source.push(encoder.encode("$1\r\n1\r\n"));
  await settle(loop);
  assert.deepEqual(replies, ["1"]);
  assert.equal(await connection.finished, undefined);
  assert.equal(source.closed, true);
});
