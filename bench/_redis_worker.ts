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
}

export interface Round {
  scenario: Scenario;
}

/** One client's way of running each scenario once. */
interface Runner {
  run(scenario: Scenario): Promise<void>;
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
    close: () => client.close(),
  };
}

// ---- ioredis ----

async function ioredisRunner(setup: Setup): Promise<Runner> {
  const { Redis } = await import("npm:ioredis@5.11.1");
  const client = new Redis({ port: setup.port, host: "127.0.0.1", lazyConnect: true });
  await client.connect();
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
    async close() {
      await client.quit();
    },
  };
}

// ---- node-redis ----

async function nodeRedisRunner(setup: Setup): Promise<Runner> {
  const { createClient, RESP_TYPES } = await import("npm:redis@5.12.1");
  const client = createClient({ socket: { port: setup.port, host: "127.0.0.1" } });
  await client.connect();
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
    async close() {
      await client.close();
    },
  };
}

// ---- the raw ceiling: Deno.connect, pre-encoded commands, replies counted and compared ----

async function rawRunner(setup: Setup): Promise<Runner> {
  const { encodeCommand } = await import("../redis/mod.ts");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: setup.port });
  conn.setNoDelay(true);
  const encoder = new TextEncoder();
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
    close() {
      conn.close();
      return Promise.resolve();
    },
  };
}

let runner: Runner | undefined;

self.onmessage = async (event: MessageEvent<Setup | Round | "close">) => {
  try {
    const message = event.data;
    if (message === "close") {
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
      runner = await make(message);
      self.postMessage({ ready: true });
      return;
    }
    const start = performance.now();
    await runner!.run(message.scenario);
    self.postMessage({ seconds: (performance.now() - start) / 1000 });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? `${error.stack}` : String(error) });
  }
};
