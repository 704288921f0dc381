// One contender of bench/resp_bench.ts, alone in its own worker (its own V8 isolate), so that
// what one library does to the process — node-redis declares `class VerbatimString extends
// String`, which by itself makes `String.prototype.charCodeAt` several times slower everywhere in
// the isolate — cannot slow another contender.
//
// Protocol: the parent posts a Setup and gets { batch } once warmed up and calibrated; then each
// "round" message runs one timed batch and answers { seconds } (per run). The result of every
// batch is checked outside the timed region.

/// <reference lib="deno.worker" />

import {
  type CaseName,
  checkEncoded,
  chunks,
  decodeCase,
  MIB,
  PER_TICK,
  setArgv,
  setBytes,
} from "./_resp_cases.ts";

export type Contender = "dray" | "redis_parser" | "node_redis" | "copy" | "fresh_copy";

export interface Setup {
  case: CaseName;
  contender: Contender;
  minBatchMs: number;
}

interface Runner {
  /** One timed run. */
  run: () => unknown;
  /** Checks a result of run() (or, for encoders, makes and checks one run that keeps bytes). */
  verify: (last: unknown) => void;
}

type BufferClass = typeof import("node:buffer").Buffer;

async function nodeBuffer(): Promise<BufferClass> {
  return (await import("node:buffer")).Buffer;
}

async function decodeRunner(setup: Setup): Promise<Runner> {
  const { stream, returnBuffers, check } = decodeCase(setup.case);
  const parts = chunks(stream);
  let replies: unknown[] = [];
  const verify = (result: unknown) => check(result as unknown[]);
  switch (setup.contender) {
    case "dray": {
      const { RespReader } = await import("../redis/mod.ts");
      const reader = new RespReader({ returnBuffers });
      return {
        run: () => {
          replies = [];
          for (const part of parts) {
            reader.feed(part);
            for (let reply = reader.next(); reply !== undefined; reply = reader.next()) {
              replies.push(reply);
            }
          }
          return replies;
        },
        verify,
      };
    }
    case "redis_parser": {
      const Buffer = await nodeBuffer();
      const { default: RedisParser } = await import("npm:redis-parser@3.0.0");
      const buffers = parts.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length));
      const parser = new RedisParser({
        returnBuffers,
        returnReply: (reply: unknown) => void replies.push(reply),
        returnError: (error: unknown) => void replies.push(error),
        returnFatalError: (error: unknown) => {
          throw error;
        },
      });
      return {
        run: () => {
          replies = [];
          for (const buffer of buffers) parser.execute(buffer);
          return replies;
        },
        verify,
      };
    }
    case "node_redis": {
      const Buffer = await nodeBuffer();
      const { Decoder } = await import("npm:@redis/client@5.12.1/dist/lib/RESP/decoder.js");
      const buffers = parts.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length));
      const typeMapping = returnBuffers ? { 36: Buffer } : {};
      const decoder = new Decoder({
        onReply: (reply: unknown) => void replies.push(reply),
        onErrorReply: (error: unknown) => void replies.push(error),
        onPush: () => {},
        getTypeMapping: () => typeMapping,
      });
      return {
        run: () => {
          replies = [];
          for (const buffer of buffers) decoder.write(buffer);
          return replies;
        },
        verify,
      };
    }
    case "copy": {
      const target = new Uint8Array(stream.length);
      return {
        run: () => {
          let at = 0;
          for (const part of parts) {
            target.set(part, at);
            at += part.length;
          }
          return at;
        },
        verify: (result) => {
          if (result !== stream.length || target[target.length - 1] !== stream.at(-1)) {
            throw new Error("benchmark result check failed: copy");
          }
        },
      };
    }
    case "fresh_copy": {
      // The least work that yields arrays the caller owns: each bulk string's bytes copied from
      // the chunks into a fresh array of its size (the layout of bulkStream() is known here).
      const head = `$${MIB}\r\n`.length;
      const record = head + MIB + 2;
      return {
        run: () => {
          const out: Uint8Array[] = [];
          let at = 0; // stream offset of the current chunk
          let bulk = new Uint8Array(0);
          for (const part of parts) {
            let i = 0;
            while (i < part.length) {
              const inRecord = (at + i) % record;
              if (inRecord < head || inRecord >= head + MIB) {
                i += Math.min(
                  inRecord < head ? head - inRecord : record - inRecord,
                  part.length - i,
                );
                continue;
              }
              if (inRecord === head) bulk = new Uint8Array(MIB);
              const take = Math.min(head + MIB - inRecord, part.length - i);
              bulk.set(part.subarray(i, i + take), inRecord - head);
              i += take;
              if (inRecord + take === head + MIB) out.push(bulk);
            }
            at += part.length;
          }
          return out;
        },
        verify,
      };
    }
  }
}

// The module is CommonJS with `exports.default`: depending on the interop, the function is the
// default export or the default export's `default`.
type EncodeCommand = (args: string[]) => (string | Uint8Array)[];

async function encodeRunner(setup: Setup): Promise<Runner> {
  const argvs = setArgv();
  const expected = setBytes();
  // encode(keep) returns the encoded bytes per tick when keep is set (copies, for the check),
  // else their total length.
  let encode: (keep: boolean) => Uint8Array[] | number;
  switch (setup.contender) {
    case "dray": {
      const { RespWriter } = await import("../redis/mod.ts");
      const writer = new RespWriter();
      encode = (keep) => {
        const parts: Uint8Array[] = [];
        let total = 0;
        for (let i = 0; i < argvs.length; i++) {
          writer.append(argvs[i]!);
          if ((i + 1) % PER_TICK === 0) {
            const bytes = writer.take()!; // what onWritable() hands to the socket
            total += bytes.length;
            if (keep) parts.push(bytes.slice());
          }
        }
        return keep ? parts : total;
      };
      break;
    }
    case "node_redis": {
      const Buffer = await nodeBuffer();
      const module = await import("npm:@redis/client@5.12.1/dist/lib/RESP/encoder.js");
      const exported = module.default as unknown as EncodeCommand | { default: EncodeCommand };
      const encodeCommand = typeof exported === "function" ? exported : exported.default;
      // node-redis returns strings per command and its socket layer converts them to bytes as it
      // writes; here one conversion per tick, the cheapest way to get the bytes.
      encode = (keep) => {
        const parts: Uint8Array[] = [];
        let total = 0;
        let pending = "";
        for (let i = 0; i < argvs.length; i++) {
          for (const part of encodeCommand(argvs[i]!)) pending += part as string;
          if ((i + 1) % PER_TICK === 0) {
            const bytes = Buffer.from(pending);
            pending = "";
            total += bytes.length;
            if (keep) parts.push(bytes);
          }
        }
        return keep ? parts : total;
      };
      break;
    }
    default:
      throw new Error(`${setup.contender} does not encode`);
  }
  return {
    run: () => encode(false),
    verify: (last) => {
      if (last !== expected.length) throw new Error("benchmark result check failed: encode length");
      checkEncoded(encode(true) as Uint8Array[], expected);
    },
  };
}

let runner: Runner | undefined;
let batch = 1;

function runBatch(n: number): { seconds: number; last: unknown } {
  let last: unknown;
  const start = performance.now();
  for (let i = 0; i < n; i++) last = runner!.run();
  return { seconds: (performance.now() - start) / 1000, last };
}

self.onmessage = onMessage;

async function onMessage(event: MessageEvent<Setup | "round">): Promise<void> {
  try {
    if (event.data === "round") {
      const { seconds, last } = runBatch(batch);
      runner!.verify(last);
      self.postMessage({ seconds: seconds / batch });
      return;
    }
    const setup = event.data;
    runner = setup.case === "encode_set_100k"
      ? await encodeRunner(setup)
      : await decodeRunner(setup);
    for (let i = 0; i < 3; i++) runner.verify(runner.run());
    while (batch < 1 << 16 && runBatch(batch).seconds * 1000 < setup.minBatchMs) batch *= 2;
    self.postMessage({ batch });
  } catch (error) {
    self.postMessage({
      error: error instanceof Error ? error.stack ?? error.message : String(error),
    });
  }
}
