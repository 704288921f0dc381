// One contender of bench/redis_bench.ts, alone in its own worker (its own V8 isolate): node-redis
// declares a `String` subclass, which by itself slows `String.prototype.charCodeAt` in the whole
// isolate, so no contender may share an isolate with another.
//
// Protocol: the parent posts a Setup and gets { ready: true } once connected; then each Round
// message runs one timed run of a scenario and answers { seconds }. Every reply of every run is
// checked (outside the timed region when it is cheap to keep them, inside otherwise), so no
// contender is timed doing nothing.

/// <reference lib="deno.worker" />

import {
  BIG_KEY,
  BIG_ROUNDS,
  BIG_SIZE,
  bigValue,
  check,
  LIST_KEY,
  LIST_LENGTH,
  listItem,
  LRANGE_ROUNDS,
  PIPELINE_BATCH,
  PIPELINE_BATCHES,
  PUBSUB_BATCH,
  PUBSUB_CHANNEL,
  PUBSUB_MESSAGES,
  PUBSUB_PAYLOAD,
  PUBSUB_WINDOW,
  type Scenario,
  SEQUENTIAL,
  SMALL_VALUE,
  UNAWAITED,
} from "./_redis_cases.ts";

export type Contender =
  | "dray_deno"
  | "dray_native_adopt"
  | "dray_native_shim"
  | "ioredis"
  | "node_redis"
  | "raw";

export interface Setup {
  contender: Contender;
  port: number;
  /** The channel of scenario (f): one per contender, all of the same length. */
  channel: string;
}

export interface Round {
  scenario: Scenario;
}

/** Receives each pub/sub message of scenario (f). */
type OnMessage = (channel: string, message: string) => void;

let CHANNEL = PUBSUB_CHANNEL;

/** One client's way of running each scenario once. */
interface Runner {
  /** Runs scenario (a)–(e) once. */
  run(scenario: Scenario): Promise<void>;
  /**
   * Subscribes a connection of its own to CHANNEL, with `onMessage` as the handler, and
   * resolves once subscribed (scenario f).
   */
  subscribe(onMessage: OnMessage): Promise<void>;
  close(): Promise<void>;
}

const keys: string[] = [];
function key(i: number): string {
  for (let k = keys.length; k <= i; k++) keys.push(`key:${k}`);
  return keys[i]!;
}

// ---- dray ----

async function drayRunner(setup: Setup): Promise<Runner> {
  const { connect } = await import("../redis/mod.ts");
  const options = setup.contender === "dray_deno" ? { transport: "deno" as const } : {
    transport: "native" as const,
    nativeDriver: setup.contender === "dray_native_adopt" ? "adopt" as const : "shim" as const,
  };
  const client = await connect({ port: setup.port, ...options });
  let subscriber: Awaited<ReturnType<typeof connect>> | undefined;
  if (client.transport!.fallback !== undefined) {
    throw new Error(`dray fell back to deno: ${client.transport!.fallback.message}`);
  }
  const value = bigValue();
  for (let i = 0; i < UNAWAITED; i++) key(i);
  return {
    async run(scenario) {
      switch (scenario) {
        case "a": {
          for (let i = 0; i < SEQUENTIAL / 2; i++) {
            const k = key(i);
            check.ok(await client.sendCommand(["SET", k, SMALL_VALUE]));
            check.value(await client.sendCommand(["GET", k]), SMALL_VALUE);
          }
          return;
        }
        case "b": {
          const replies = new Array<Promise<unknown>>(UNAWAITED);
          for (let i = 0; i < UNAWAITED; i++) {
            replies[i] = client.sendCommand(["SET", keys[i]!, SMALL_VALUE]);
          }
          check.allOk(await Promise.all(replies));
          return;
        }
        case "c": {
          for (let batch = 0; batch < PIPELINE_BATCHES; batch++) {
            const pipeline = client.pipeline();
            for (let i = 0; i < PIPELINE_BATCH; i++) {
              void pipeline.sendCommand(["SET", keys[i]!, SMALL_VALUE]);
            }
            check.allOk(await pipeline.exec());
          }
          return;
        }
        case "d": {
          for (let i = 0; i < BIG_ROUNDS; i++) {
            check.ok(await client.sendCommand(["SET", BIG_KEY, value]));
            check.big(await client.sendCommand(["GET", BIG_KEY], { returnBuffers: true }));
          }
          return;
        }
        case "e": {
          for (let i = 0; i < LRANGE_ROUNDS; i++) {
            check.list(await client.sendCommand(["LRANGE", LIST_KEY, 0, -1]));
          }
          return;
        }
      }
    },
    async subscribe(onMessage) {
      subscriber = await connect({ port: setup.port, ...options });
      await subscriber.subscribe(CHANNEL, ({ channel, message }) => onMessage(channel, message));
    },
    async close() {
      await subscriber?.close();
      await client.close();
    },
  };
}

// ---- ioredis ----

async function ioredisRunner(setup: Setup): Promise<Runner> {
  const { Redis } = await import("npm:ioredis@5.11.1");
  const client = new Redis({ port: setup.port, host: "127.0.0.1", lazyConnect: true });
  await client.connect();
  let subscriber: InstanceType<typeof Redis> | undefined;
  const value = (await import("node:buffer")).Buffer.from(bigValue());
  for (let i = 0; i < UNAWAITED; i++) key(i);
  return {
    async run(scenario) {
      switch (scenario) {
        case "a": {
          for (let i = 0; i < SEQUENTIAL / 2; i++) {
            const k = key(i);
            check.ok(await client.set(k, SMALL_VALUE));
            check.value(await client.get(k), SMALL_VALUE);
          }
          return;
        }
        case "b": {
          const replies = new Array<Promise<unknown>>(UNAWAITED);
          for (let i = 0; i < UNAWAITED; i++) replies[i] = client.set(keys[i]!, SMALL_VALUE);
          check.allOk(await Promise.all(replies));
          return;
        }
        case "c": {
          for (let batch = 0; batch < PIPELINE_BATCHES; batch++) {
            const pipeline = client.pipeline();
            for (let i = 0; i < PIPELINE_BATCH; i++) pipeline.set(keys[i]!, SMALL_VALUE);
            const results = (await pipeline.exec())!;
            check.allOk(results.map(([error, reply]: [Error | null, unknown]) => error ?? reply));
          }
          return;
        }
        case "d": {
          for (let i = 0; i < BIG_ROUNDS; i++) {
            check.ok(await client.set(BIG_KEY, value));
            check.big(await client.getBuffer(BIG_KEY));
          }
          return;
        }
        case "e": {
          for (let i = 0; i < LRANGE_ROUNDS; i++) check.list(await client.lrange(LIST_KEY, 0, -1));
          return;
        }
      }
    },
    async subscribe(onMessage) {
      subscriber = new Redis({ port: setup.port, host: "127.0.0.1", lazyConnect: true });
      await subscriber.connect();
      subscriber.on("message", onMessage);
      await subscriber.subscribe(CHANNEL);
    },
    async close() {
      await subscriber?.quit();
      await client.quit();
    },
  };
}

// ---- node-redis ----

async function nodeRedisRunner(setup: Setup): Promise<Runner> {
  const { createClient, RESP_TYPES } = await import("npm:redis@5.12.1");
  const client = createClient({ socket: { port: setup.port, host: "127.0.0.1" } });
  await client.connect();
  let subscriber: ReturnType<typeof client.duplicate> | undefined;
  const bytes = client.withTypeMapping({
    [RESP_TYPES.BLOB_STRING]: (await import("node:buffer")).Buffer,
  });
  const value = (await import("node:buffer")).Buffer.from(bigValue());
  for (let i = 0; i < UNAWAITED; i++) key(i);
  return {
    async run(scenario) {
      switch (scenario) {
        case "a": {
          for (let i = 0; i < SEQUENTIAL / 2; i++) {
            const k = key(i);
            check.ok(await client.set(k, SMALL_VALUE));
            check.value(await client.get(k), SMALL_VALUE);
          }
          return;
        }
        case "b": {
          const replies = new Array<Promise<unknown>>(UNAWAITED);
          for (let i = 0; i < UNAWAITED; i++) replies[i] = client.set(keys[i]!, SMALL_VALUE);
          check.allOk(await Promise.all(replies));
          return;
        }
        case "c": {
          for (let batch = 0; batch < PIPELINE_BATCHES; batch++) {
            const pipeline = client.multi();
            for (let i = 0; i < PIPELINE_BATCH; i++) pipeline.set(keys[i]!, SMALL_VALUE);
            check.allOk(await pipeline.execAsPipeline());
          }
          return;
        }
        case "d": {
          for (let i = 0; i < BIG_ROUNDS; i++) {
            check.ok(await client.set(BIG_KEY, value));
            check.big(await bytes.get(BIG_KEY));
          }
          return;
        }
        case "e": {
          for (let i = 0; i < LRANGE_ROUNDS; i++) check.list(await client.lRange(LIST_KEY, 0, -1));
          return;
        }
      }
    },
    async subscribe(onMessage) {
      subscriber = client.duplicate();
      await subscriber.connect();
      await subscriber.subscribe(CHANNEL, (message, channel) => onMessage(channel, message));
    },
    async close() {
      await subscriber?.close();
      await client.close();
    },
  };
}

// ---- the raw ceiling: Deno.connect, pre-encoded commands, replies counted and compared ----

async function rawRunner(setup: Setup): Promise<Runner> {
  const { encodeCommand } = await import("../redis/mod.ts");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: setup.port });
  conn.setNoDelay(true);
  let subscriber: Deno.TcpConn | undefined;
  const buffer = new Uint8Array(1 << 20);
  const OK = encoder.encode("+OK\r\n");
  const SMALL_REPLY = encoder.encode(`$${SMALL_VALUE.length}\r\n${SMALL_VALUE}\r\n`);

  async function writeAll(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await conn.write(at === 0 ? bytes : bytes.subarray(at));
  }
  /** Reads exactly `expected.length` bytes and checks they equal `expected` (repeated). */
  async function readExpect(expected: Uint8Array, times = 1): Promise<void> {
    const total = expected.length * times;
    let seen = 0;
    while (seen < total) {
      const n = await conn.read(buffer.subarray(0, Math.min(buffer.length, total - seen)));
      if (n === null) throw new Error("EOF");
      for (let i = 0; i < n; i++) {
        if (buffer[i] !== expected[(seen + i) % expected.length]) {
          throw new Error(`Unexpected reply byte at ${seen + i}`);
        }
      }
      seen += n;
    }
  }
  /**
   * Reads a bulk reply of known length, checking the header, every 4096th byte of the body (as
   * the clients' checks do) and the terminator.
   */
  async function readBulk(header: Uint8Array, body: Uint8Array): Promise<void> {
    const total = header.length + body.length + 2;
    let seen = 0;
    while (seen < total) {
      const n = await conn.read(buffer.subarray(0, Math.min(buffer.length, total - seen)));
      if (n === null) throw new Error("EOF");
      const end = seen + n;
      for (let at = seen; at < Math.min(end, header.length); at++) {
        if (buffer[at - seen] !== header[at]) throw new Error(`Unexpected header byte at ${at}`);
      }
      const first = Math.max(seen, header.length) - header.length;
      const last = Math.min(end, header.length + body.length) - header.length;
      for (let i = Math.ceil(first / 4096) * 4096; i < last; i += 4096) {
        if (buffer[i + header.length - seen] !== body[i]) throw new Error(`Bad body byte ${i}`);
      }
      if (end === total && (buffer[n - 2] !== 13 || buffer[n - 1] !== 10)) {
        throw new Error("Bad terminator");
      }
      seen = end;
    }
  }
  const sets: Uint8Array[] = [];
  const gets: Uint8Array[] = [];
  for (let i = 0; i < SEQUENTIAL / 2; i++) {
    sets.push(encodeCommand(["SET", key(i), SMALL_VALUE]));
    gets.push(encodeCommand(["GET", key(i)]));
  }
  const concat = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  const unawaited = concat(
    Array.from({ length: UNAWAITED }, (_, i) => encodeCommand(["SET", key(i), SMALL_VALUE])),
  );
  const batch = concat(
    Array.from({ length: PIPELINE_BATCH }, (_, i) => encodeCommand(["SET", key(i), SMALL_VALUE])),
  );
  const value = bigValue();
  const bigSet = encodeCommand(["SET", BIG_KEY, value]);
  const bigGet = encodeCommand(["GET", BIG_KEY]);
  const bigHeader = encoder.encode(`$${BIG_SIZE}\r\n`);
  const lrange = encodeCommand(["LRANGE", LIST_KEY, 0, -1]);
  let listReply = `*${LIST_LENGTH}\r\n`;
  for (let i = 0; i < LIST_LENGTH; i++) listReply += `$${listItem(i).length}\r\n${listItem(i)}\r\n`;
  const listBytes = encoder.encode(listReply);

  return {
    async run(scenario) {
      switch (scenario) {
        case "a": {
          for (let i = 0; i < SEQUENTIAL / 2; i++) {
            await writeAll(sets[i]!);
            await readExpect(OK);
            await writeAll(gets[i]!);
            await readExpect(SMALL_REPLY);
          }
          return;
        }
        case "b": {
          const writing = writeAll(unawaited);
          await readExpect(OK, UNAWAITED);
          await writing;
          return;
        }
        case "c": {
          for (let i = 0; i < PIPELINE_BATCHES; i++) {
            const writing = writeAll(batch);
            await readExpect(OK, PIPELINE_BATCH);
            await writing;
          }
          return;
        }
        case "d": {
          for (let i = 0; i < BIG_ROUNDS; i++) {
            await writeAll(bigSet);
            await readExpect(OK);
            await writeAll(bigGet);
            await readBulk(bigHeader, value);
          }
          return;
        }
        case "e": {
          for (let i = 0; i < LRANGE_ROUNDS; i++) {
            await writeAll(lrange);
            await readExpect(listBytes);
          }
          return;
        }
      }
    },
    async subscribe(onMessage) {
      // The ceiling: a socket whose bytes are compared with the known message frame, and the
      // handler called with the known strings (nothing decoded).
      const sub = await Deno.connect({ hostname: "127.0.0.1", port: setup.port });
      subscriber = sub;
      const command = encodeCommand(["SUBSCRIBE", CHANNEL]);
      let at = 0;
      while (at < command.length) at += await sub.write(command.subarray(at));
      const confirmation = encoder.encode(
        `*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`,
      );
      const frame = encoder.encode(
        `*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n` +
          `$${PUBSUB_PAYLOAD.length}\r\n${PUBSUB_PAYLOAD}\r\n`,
      );
      const buffer = new Uint8Array(1 << 16);
      let seen = 0;
      while (seen < confirmation.length) {
        const n = await sub.read(buffer.subarray(0, confirmation.length - seen));
        if (n === null) throw new Error("EOF");
        for (let i = 0; i < n; i++) {
          if (buffer[i] !== confirmation[seen + i]) throw new Error("Bad confirmation");
        }
        seen += n;
      }
      (async () => {
        let offset = 0; // position within the current frame
        for (;;) {
          const n = await sub.read(buffer).catch(() => null);
          if (n === null) return;
          for (let i = 0; i < n; i++) {
            if (buffer[i] !== frame[offset]) throw new Error("Unexpected message byte");
            if (++offset === frame.length) {
              offset = 0;
              onMessage(CHANNEL, PUBSUB_PAYLOAD);
            }
          }
        }
      })();
    },
    close() {
      conn.close();
      subscriber?.close();
      return Promise.resolve();
    },
  };
}

const encoder = new TextEncoder();

/**
 * Scenario (f), the same for every contender: the contender's subscriber counts and checks the
 * messages; a raw connection (pre-encoded commands, every reply byte checked) pipelines PUBLISH
 * in batches, keeping at most PUBSUB_WINDOW messages published and not yet delivered.
 */
class PubSubRound {
  received = 0;
  bad = 0;
  #wake: (() => void) | undefined = undefined;
  #threshold = 0;
  #publisher: Deno.TcpConn;
  #batch: Uint8Array;
  #reply = encoder.encode(":1\r\n"); // one subscriber received it
  #buffer = new Uint8Array(1 << 16);

  private constructor(publisher: Deno.TcpConn) {
    this.#publisher = publisher;
    // Encoded here (ASCII): this worker may not load dray's code for another contender.
    const one = encoder.encode(
      `*3\r\n$7\r\nPUBLISH\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n` +
        `$${PUBSUB_PAYLOAD.length}\r\n${PUBSUB_PAYLOAD}\r\n`,
    );
    this.#batch = new Uint8Array(one.length * PUBSUB_BATCH);
    for (let i = 0; i < PUBSUB_BATCH; i++) this.#batch.set(one, i * one.length);
  }

  static async open(port: number, runner: Runner): Promise<PubSubRound> {
    const publisher = await Deno.connect({ hostname: "127.0.0.1", port });
    publisher.setNoDelay(true);
    const round = new PubSubRound(publisher);
    await runner.subscribe((channel, message) => round.#onMessage(channel, message));
    return round;
  }

  #onMessage(channel: string, message: string): void {
    if (channel !== CHANNEL || message !== PUBSUB_PAYLOAD) this.bad++;
    if (++this.received >= this.#threshold && this.#wake !== undefined) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
  }

  /** Resolves once `count` messages have been received. */
  #until(count: number): Promise<void> {
    if (this.received >= count) return Promise.resolve();
    this.#threshold = count;
    return new Promise((resolve) => this.#wake = resolve);
  }

  async run(): Promise<void> {
    this.received = 0;
    this.bad = 0;
    const replies = this.#readReplies(PUBSUB_MESSAGES);
    let sent = 0;
    while (sent < PUBSUB_MESSAGES) {
      if (sent - this.received > PUBSUB_WINDOW - PUBSUB_BATCH) {
        await this.#until(sent - PUBSUB_WINDOW / 2);
      }
      let at = 0;
      while (at < this.#batch.length) at += await this.#publisher.write(this.#batch.subarray(at));
      sent += PUBSUB_BATCH;
    }
    await replies;
    await this.#until(PUBSUB_MESSAGES);
    if (this.bad > 0 || this.received !== PUBSUB_MESSAGES) {
      throw new Error(`Bad pub/sub run: ${this.received} received, ${this.bad} wrong`);
    }
  }

  async #readReplies(count: number): Promise<void> {
    const expected = this.#reply;
    const total = expected.length * count;
    let seen = 0;
    while (seen < total) {
      const n = await this.#publisher.read(this.#buffer);
      if (n === null) throw new Error("EOF");
      for (let i = 0; i < n; i++) {
        if (this.#buffer[i] !== expected[(seen + i) % expected.length]) {
          throw new Error(`Unexpected PUBLISH reply byte at ${seen + i}`);
        }
      }
      seen += n;
    }
  }

  close(): void {
    this.#publisher.close();
  }
}

let runner: Runner | undefined;
let pubsub: PubSubRound | undefined;
let port = 0;

self.onmessage = async (event: MessageEvent<Setup | Round | "close">) => {
  try {
    const message = event.data;
    if (message === "close") {
      pubsub?.close();
      await runner?.close();
      self.postMessage({ closed: true });
      return;
    }
    if ("contender" in message) {
      const make = message.contender.startsWith("dray")
        ? drayRunner
        : message.contender === "ioredis"
        ? ioredisRunner
        : message.contender === "node_redis"
        ? nodeRedisRunner
        : rawRunner;
      CHANNEL = message.channel;
      runner = await make(message);
      port = message.port;
      self.postMessage({ ready: true });
      return;
    }
    if (message.scenario === "f") pubsub ??= await PubSubRound.open(port, runner!);
    const start = performance.now();
    if (message.scenario === "f") await pubsub!.run();
    else await runner!.run(message.scenario);
    self.postMessage({ seconds: (performance.now() - start) / 1000 });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? `${error.stack}` : String(error) });
  }
};
