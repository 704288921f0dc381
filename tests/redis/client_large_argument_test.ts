// Large byte arguments (64 KiB and more, sent as chunks of their own) against a real redis-server:
// whatever the caller does to its buffer after the call (shrinks a resizable one, transfers it),
// the bytes on the wire match the length in the header, so every other command still gets its
// own reply.
import assert from "node:assert/strict";
import { connect, type RedisClient, RespReader } from "../../redis/mod.ts";
import { Context, type ContextEntry } from "../../redis/protocol.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { settledWithin } from "./_client_helpers.ts";

const LARGE = 128 * 1024;
const ROUNDS = 10;
const GETS_PER_ROUND = 40; // 400 GETs in all

/** A large argument of `fill` bytes over a resizable buffer that may grow to twice its size. */
function resizable(fill: number): { buffer: ArrayBuffer; bytes: Uint8Array } {
  const buffer = new ArrayBuffer(LARGE, { maxByteLength: 2 * LARGE });
  const bytes = new Uint8Array(buffer);
  bytes.fill(fill);
  return { buffer, bytes };
}

/**
 * Sends ROUNDS large SETs, each followed at once by `spoil` (what the caller does to its buffer)
 * and GETS_PER_ROUND GETs of distinct keys; returns the GETs' replies and the SETs' outcomes.
 */
async function spoilAfterSend(
  client: RedisClient,
  spoil: (buffer: ArrayBuffer) => void,
): Promise<{ gets: unknown[]; sets: ({ value: unknown } | { error: unknown })[] }> {
  const values: string[] = [];
  for (let i = 0; i < ROUNDS * GETS_PER_ROUND; i++) values.push(`value-${i}-${"v".repeat(i % 7)}`);
  await Promise.all(values.map((value, i) => client.sendCommand(["SET", `key:${i}`, value])));
  const gets: Promise<unknown>[] = [];
  const sets: Promise<{ value: unknown } | { error: unknown }>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { buffer, bytes } = resizable(65 + round);
    sets.push(
      client.sendCommand(["SET", `large:${round}`, bytes]).then(
        (value) => ({ value }),
        (error) => ({ error }),
      ),
    );
    spoil(buffer);
    for (let j = 0; j < GETS_PER_ROUND; j++) {
      gets.push(client.sendCommand(["GET", `key:${round * GETS_PER_ROUND + j}`]));
    }
  }
  const all = await settledWithin(Promise.all([Promise.all(gets), Promise.all(sets)]), 10_000);
  if (all === "pending") assert.fail("the replies did not arrive within 10 s: the stream is stuck");
  if ("error" in all) assert.fail(`a GET failed: ${all.error}`);
  const [got, setOutcomes] = all.value;
  assert.deepEqual(got, values, "every GET got its own key's value");
  return { gets: got, sets: setOutcomes };
}

Deno.test("RedisClient.sendCommand keeps replies in step when a large argument's resizable buffer shrinks after the call", async () => {
  await using server = await startRedisServer();
  await using client = await connect({ url: server.url });
  const { sets } = await spoilAfterSend(client, (buffer) => buffer.resize(10));
  for (let round = 0; round < ROUNDS; round++) {
    // Encoded at the call (the bytes it had then) or later from the waiting queue (the bytes it
    // has then): either way a value of one byte repeated, at the length the header gave.
    assert.deepEqual(sets[round], { value: "OK" });
    const stored = await client.sendCommand<Uint8Array>(["GET", `large:${round}`], {
      returnBuffers: true,
    });
    assert.ok(stored.length === LARGE || stored.length === 10, `length ${stored.length}`);
    assert.ok(stored.every((byte) => byte === 65 + round));
  }
  assert.equal(await client.sendCommand(["PING"]), "PONG");
});

Deno.test("RedisClient.sendCommand keeps replies in step when a large argument's buffer is transferred after the call", async () => {
  await using server = await startRedisServer();
  await using client = await connect({ url: server.url });
  const { sets } = await spoilAfterSend(client, (buffer) => void buffer.transfer());
  let sent = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const outcome = sets[round]!;
    if ("value" in outcome) {
      // Copied when it was encoded, before the transfer: the whole value arrived.
      assert.equal(outcome.value, "OK");
      const stored = await client.sendCommand<Uint8Array>(["GET", `large:${round}`], {
        returnBuffers: true,
      });
      assert.equal(stored.length, LARGE);
      assert.ok(stored.every((byte) => byte === 65 + round));
      sent++;
    } else {
      // Still waiting to be encoded when its buffer went away: refused before any of it was
      // written, and nothing was stored.
      assert.ok(outcome.error instanceof TypeError, String(outcome.error));
      assert.match(outcome.error.message, /^Cannot encode argument 2 of the command: its buffer/);
      assert.equal(await client.sendCommand(["EXISTS", `large:${round}`]), 0);
    }
  }
  assert.ok(sent >= 1, "the first large SET is encoded at the call");
  assert.equal(await client.sendCommand(["PING"]), "PONG");
});

Deno.test("RedisClient.sendCommand refuses a byte argument whose buffer was transferred before the call", async () => {
  await using server = await startRedisServer();
  await using client = await connect({ url: server.url });
  const { buffer, bytes } = resizable(65);
  buffer.transfer();
  await assert.rejects(
    client.sendCommand(["SET", "k", bytes]),
    (error) => error instanceof TypeError && /its buffer was detached/.test(error.message),
  );
  assert.equal(await client.sendCommand(["EXISTS", "k"]), 0);
  assert.equal(await client.sendCommand(["PING"]), "PONG");
});

Deno.test("Context sends a large argument at the length its header gave when the caller shrinks it after submit", () => {
  const context = new Context<ContextEntry>(
    { reply: () => {}, fail: () => {} },
    { wantWrite: () => {}, ready: () => {}, end: () => {} },
    { protocol: 2 },
  );
  context.connected();
  context.take();
  context.feed(new TextEncoder().encode("+PONG\r\n"));
  const { buffer, bytes } = resizable(66);
  context.submit({ buffers: false, abandoned: false }, ["SET", "k", bytes]);
  buffer.resize(3);
  bytes.fill(0); // what is left of it changes too
  const chunks: Uint8Array[] = [];
  for (let chunk = context.take(); chunk !== undefined; chunk = context.take()) {
    chunks.push(chunk.slice());
  }
  const wire = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    wire.set(chunk, at);
    at += chunk.length;
  }
  const reader = new RespReader({ returnBuffers: true });
  reader.feed(wire);
  const command = reader.next() as Uint8Array[];
  assert.equal(new TextDecoder().decode(command[0]), "SET");
  assert.equal(command[2]!.length, LARGE);
  assert.ok(command[2]!.every((byte) => byte === 66));
  assert.ok(reader.idle, "nothing after the command");
});
