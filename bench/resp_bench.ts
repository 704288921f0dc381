// The RESP codec against the JavaScript codecs people use, measured in one run:
// npm:redis-parser (ioredis's parser; RESP2 only, no encoder) and the Decoder and encodeCommand
// inside npm:@redis/client (node-redis). `deno task bench:resp`; `--quick` for a fast pass,
// `--case=<name>` for one case (no JSON is written then).
//
// - Every decoder gets the same stream cut into the same 64 KiB chunks (the loop's default read
//   size). The references keep views of the chunks they are given, as they may with Node's
//   sockets, so each chunk is a fresh array; dray copies what it keeps.
// - Each contender runs alone in its own worker (bench/_resp_worker.ts), so that one library's
//   effect on the process cannot slow another: node-redis declares a `String` subclass, which
//   alone makes `String.prototype.charCodeAt` several times slower in the whole isolate.
// - Contenders take turns round by round (the starting one rotates); each round times a batch
//   of at least ~100 ms and checks its last result outside the timed region, so nothing is timed
//   doing nothing. The figure is the median over the rounds.
// - Throughput is stream bytes (decoding) or encoded bytes (encoding) per second, in MB/s.
//
// Writes bench/out/resp.json: { "<case>": { "dray", "redis_parser", "node_redis", "unit" } }
// (null where a reference cannot run the case) and prints a table. The bulk case also has "copy",
// a plain Uint8Array.prototype.set of the same chunks into one preallocated array, and
// "fresh_copy", the same bytes copied into a fresh array per bulk string: the least work that
// gives the caller arrays of its own, which every decoder has to do.

import type { CaseName } from "./_resp_cases.ts";
import type { Contender, Setup } from "./_resp_worker.ts";
import { bulkStream, lrangeStream, nestedStream, okStream, setBytes } from "./_resp_cases.ts";

const quick = Deno.args.includes("--quick");
const only = Deno.args.find((arg) => arg.startsWith("--case="))?.slice("--case=".length);

interface Case {
  key: CaseName;
  label: string;
  contenders: Contender[];
  bytes: () => number;
}

const CASES: Case[] = [
  {
    key: "ok_10k",
    label: "(a) 10,000 `+OK`",
    contenders: ["dray", "redis_parser", "node_redis"],
    bytes: () => okStream().length,
  },
  {
    key: "lrange_10k",
    label: "(b) LRANGE reply, 10,000 × 10-byte bulk strings",
    contenders: ["dray", "redis_parser", "node_redis"],
    bytes: () => lrangeStream().length,
  },
  {
    key: "bulk_1mib_x100",
    label: "(c) 100 × 1 MiB bulk strings, as bytes",
    contenders: ["dray", "redis_parser", "node_redis", "copy", "fresh_copy"],
    bytes: () => bulkStream().length,
  },
  {
    key: "resp3_nested_map",
    label: "(d) RESP3 map of maps: doubles, booleans, big numbers",
    contenders: ["dray", "node_redis"],
    bytes: () => nestedStream().length,
  },
  {
    key: "encode_set_100k",
    label: "(e) encode 100,000 `SET key:<n> <16-byte value>`",
    contenders: ["dray", "node_redis"],
    bytes: () => setBytes().length,
  },
];

type Reply = { batch: number } | { seconds: number } | { error: string };

function ask(worker: Worker, message: Setup | "round"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      if ("error" in reply) reject(new Error(reply.error));
      else resolve(reply);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage(message);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median seconds per run for each contender of a case. */
async function measure(c: Case): Promise<Map<Contender, number>> {
  const large = c.key === "bulk_1mib_x100";
  const rounds = quick ? 3 : large ? 9 : 15;
  const minBatchMs = quick ? 20 : large ? 200 : 100;
  const workers = new Map<Contender, Worker>();
  try {
    for (const contender of c.contenders) {
      const worker = new Worker(new URL("./_resp_worker.ts", import.meta.url), { type: "module" });
      workers.set(contender, worker);
      await ask(worker, { case: c.key, contender, minBatchMs });
    }
    const samples = new Map<Contender, number[]>(c.contenders.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < c.contenders.length; k++) {
        const contender = c.contenders[(round + k) % c.contenders.length]!;
        const reply = await ask(workers.get(contender)!, "round");
        if ("seconds" in reply) samples.get(contender)!.push(reply.seconds);
      }
    }
    return new Map([...samples].map(([name, values]) => [name, median(values)]));
  } finally {
    for (const worker of workers.values()) worker.terminate();
  }
}

interface Row {
  dray: number;
  redis_parser: number | null;
  node_redis: number | null;
  copy?: number;
  fresh_copy?: number;
  unit: "MB/s";
}

function mbps(bytes: number, seconds: number | undefined): number | null {
  return seconds === undefined ? null : Math.round(bytes / seconds / 1e5) / 10;
}

function cell(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(1);
}

const results: Record<string, Row> = {};
const lines = [
  `RESP codec, ${new Date().toISOString().slice(0, 10)}, Deno ${Deno.version.deno}, ` +
  `${navigator.hardwareConcurrency} CPUs, MB/s (higher is better)`,
  "",
  "| case | dray | redis-parser | node-redis | dray ÷ best reference | copy | fresh copy |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
];
for (const c of CASES) {
  if (only !== undefined && c.key !== only) continue;
  const bytes = c.bytes();
  const times = await measure(c);
  const row: Row = {
    dray: mbps(bytes, times.get("dray"))!,
    redis_parser: mbps(bytes, times.get("redis_parser")),
    node_redis: mbps(bytes, times.get("node_redis")),
    unit: "MB/s",
  };
  if (times.has("copy")) row.copy = mbps(bytes, times.get("copy"))!;
  if (times.has("fresh_copy")) row.fresh_copy = mbps(bytes, times.get("fresh_copy"))!;
  results[c.key] = row;
  const best = Math.max(row.redis_parser ?? 0, row.node_redis ?? 0);
  lines.push(
    `| ${c.label} | ${cell(row.dray)} | ${cell(row.redis_parser)} | ${cell(row.node_redis)} | ` +
      `${(row.dray / best).toFixed(2)}× | ${cell(row.copy)} | ${cell(row.fresh_copy)} |`,
  );
  console.error(`done: ${c.key}`);
}
console.log(lines.join("\n"));

if (only === undefined) {
  const out = new URL("./out/", import.meta.url);
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(new URL("resp.json", out), JSON.stringify(results, null, 2) + "\n");
  console.log(`\nwrote ${new URL("resp.json", out).pathname}`);
}
