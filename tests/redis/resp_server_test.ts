// The codec against a real redis-server: commands encoded by RespWriter, written in one pipeline,
// replies parsed by RespReader from a reused read buffer. The rules of the issue are all covered
// without a server by the other resp_* tests; this checks what the server actually sends.

import assert from "node:assert/strict";
import {
  type RedisArgument,
  ReplyError,
  type RespAttribute,
  RespReader,
  type RespReaderOptions,
  type RespValue,
  RespWriter,
  VerbatimString,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";

interface Event {
  reply?: RespValue;
  push?: RespValue[];
  attributes?: readonly RespAttribute[];
}

/** A connection that pipelines commands and collects replies and pushes in stream order. */
class Session {
  readonly events: Event[] = [];
  #conn: Deno.Conn;
  #reader: RespReader;
  #writer = new RespWriter();
  #scratch = new Uint8Array(4096); // reused for every read, as the loop does

  constructor(conn: Deno.Conn, options: RespReaderOptions = {}) {
    this.#conn = conn;
    this.#reader = new RespReader({
      ...options,
      onPush: (push, attributes) =>
        void this.events.push({ push, ...(attributes && { attributes }) }),
    });
  }

  /** Sends the commands in one write and reads until `replies` replies have arrived. */
  async send(commands: RedisArgument[][], replies = commands.length): Promise<RespValue[]> {
    for (const argv of commands) this.#writer.append(argv);
    const bytes = this.#writer.take();
    if (bytes) await this.#conn.write(bytes);
    return await this.receive(replies);
  }

  async receive(replies: number, pushes = 0): Promise<RespValue[]> {
    const out: RespValue[] = [];
    const seenPushes = () => this.events.filter((e) => e.push).length;
    const wantPushes = seenPushes() + pushes;
    const deadline = Date.now() + 10_000;
    while (out.length < replies || seenPushes() < wantPushes) {
      assert.ok(Date.now() < deadline, "no reply within 10 s");
      const n = await this.#conn.read(this.#scratch);
      assert.notEqual(n, null, "the server closed the connection");
      this.#reader.feed(this.#scratch.subarray(0, n!));
      this.#scratch.fill(0); // the reader must not depend on these bytes any more
      for (let reply = this.#reader.next(); reply !== undefined; reply = this.#reader.next()) {
        out.push(reply);
        const attributes = this.#reader.attributes;
        this.events.push({ reply, ...(attributes && { attributes }) });
      }
    }
    assert.equal(this.#reader.idle, true);
    return out;
  }

  close(): void {
    this.#conn.close();
  }
}

async function session(port: number, options?: RespReaderOptions): Promise<Session> {
  return new Session(await Deno.connect({ hostname: "127.0.0.1", port }), options);
}

Deno.test("RespReader parses every type redis-server 7 sends in RESP3", async () => {
  await using server = await startRedisServer();
  const redis = await session(server.port);
  try {
    const [hello] = await redis.send([["HELLO", 3]]);
    assert.ok(hello instanceof Map);
    assert.equal(hello.get("proto"), 3);
    assert.equal(hello.get("server"), "redis");
    const types = [
      "string",
      "integer",
      "double",
      "bignum",
      "null",
      "array",
      "set",
      "map",
      "attrib",
      "push",
      "verbatim",
      "true",
      "false",
    ];
    redis.events.length = 0;
    const replies = await redis.send(types.map((type) => ["DEBUG", "PROTOCOL", type]));
    assert.deepEqual(replies.slice(0, 8), [
      "Hello World",
      12345,
      3.141,
      1234567999999999999999999999999999999n,
      null,
      [0, 1, 2],
      new Set([0, 1, 2]),
      new Map([[0, false], [1, true], [2, false]]),
    ]);
    assert.equal(replies[8], "Some real reply following the attribute");
    assert.equal(replies[9], "Some real reply following the push reply");
    assert.deepEqual(replies[10], new VerbatimString("txt", "This is a verbatim\nstring"));
    assert.deepEqual(replies.slice(11), [true, false]);
    // The attribute sits beside its reply; the push came before its reply, in stream order.
    assert.deepEqual(redis.events.slice(8, 11), [
      {
        reply: "Some real reply following the attribute",
        attributes: [{ path: [], attributes: new Map([["key-popularity", ["key:123", 90]]]) }],
      },
      { push: ["server-cpu-usage", 42] },
      { reply: "Some real reply following the push reply" },
    ]);
  } finally {
    redis.close();
  }
});

Deno.test("RespReader separates RESP3 pub/sub pushes from replies on one connection", async () => {
  await using server = await startRedisServer();
  const subscriber = await session(server.port);
  const publisher = await session(server.port);
  try {
    await subscriber.send([["HELLO", 3]]);
    subscriber.events.length = 0;
    // SUBSCRIBE answers with pushes only; the PING after it gets a reply of its own.
    const [pong] = await subscriber.send([["SUBSCRIBE", "news"], ["PING"]], 1);
    assert.equal(pong, "PONG");
    assert.deepEqual(subscriber.events, [
      { push: ["subscribe", "news", 1] },
      { reply: "PONG" },
    ]);
    assert.deepEqual(await publisher.send([["PUBLISH", "news", "héllo\r\nworld"]]), [1]);
    await subscriber.receive(0, 1);
    assert.deepEqual(subscriber.events.at(-1), { push: ["message", "news", "héllo\r\nworld"] });
  } finally {
    subscriber.close();
    publisher.close();
  }
});

Deno.test("RespWriter and RespReader round-trip binary values, errors and nulls in RESP2", async () => {
  await using server = await startRedisServer();
  const redis = await session(server.port, { returnBuffers: true });
  try {
    const every = new Uint8Array(256).map((_, i) => i);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const list = Array.from({ length: 5000 }, (_, i) => `item:${i}`);
    const replies = await redis.send([
      ["SET", "bytes", every],
      ["GET", "bytes"],
      ["SET", "big", big],
      ["STRLEN", "big"],
      ["GET", "big"],
      ["GET", "missing"],
      ["INCRBY", "counter", 9007199254740991],
      ["INCRBY", "counter", 1],
      ["RPUSH", "list", ...list],
      ["LRANGE", "list", 0, -1],
      ["LPUSH", "bytes", "x"],
      ["NOT-A-COMMAND"],
      ["ECHO", "ünïcødé ✓"],
    ]);
    const text = new TextDecoder();
    assert.equal(replies[0], "OK"); // simple strings stay strings
    assert.deepEqual(replies[1], every);
    assert.equal(replies[3], big.length);
    assert.deepEqual(replies[4], big);
    assert.equal(replies[5], null);
    assert.equal(replies[6], 9007199254740991);
    assert.equal(replies[7], 9007199254740992n);
    assert.equal(replies[8], list.length);
    assert.deepEqual((replies[9] as Uint8Array[]).map((item) => text.decode(item)), list);
    const wrongType = replies[10];
    assert.ok(wrongType instanceof ReplyError);
    assert.equal(wrongType.code, "WRONGTYPE");
    const unknown = replies[11];
    assert.ok(unknown instanceof ReplyError);
    assert.equal(unknown.code, "ERR");
    assert.match(unknown.message, /^ERR unknown command 'NOT-A-COMMAND'/);
    assert.equal(text.decode(replies[12] as Uint8Array), "ünïcødé ✓");
  } finally {
    redis.close();
  }
});
