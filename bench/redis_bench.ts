/**
 * `deno task bench:redis`: dray's Redis client against `npm:ioredis` and `npm:redis`
 * (node-redis), the raw ceiling and `redis-benchmark`, on one connection each to a private
 * redis-server started for the run.
 *
 * Scenarios (the issue's):
 * - (a) 20,000 commands, SET then GET alternately, each awaited before the next (ops/s);
 * - (b) 200,000 SETs issued without awaiting, then awaited together (ops/s);
 * - (c) an explicit pipeline of 10,000 SETs, 20 times (ops/s);
 * - (d) SET then GET of a 1 MiB value, 200 times (MB/s of values moved, both directions);
 * - (e) LRANGE 0 -1 of a 10,000-element list of 10-byte items, 200 times (elements/s);
 * - (g) `pool`: 16 BLPOP consumers on dedicated connections (dray's `createPool`, ioredis with one
 *   connection per consumer, node-redis's `createClientPool`) while 50 concurrent loops run SET
 *   then GET on the shared connection, 200,000 commands per run; ops/s and the GET p99 in ms
 *   (`bench/_redis_pool_worker.ts`).
 * - (f) `pubsub`: messages per second delivered to one subscriber while a second connection
 *   pipelines PUBLISH of 16-byte payloads, 200,000 per run. The publisher is the same for every
 *   contender (a raw socket writing pre-encoded batches of 500 PUBLISH and checking each `:1`
 *   reply), in the contender's worker; it keeps at most 20,000 messages published and not yet
 *   delivered, so the figure is the subscriber's pace, not the server's buffer. Each contender
 *   subscribes on a connection of its own with a handler that checks every channel and payload.
 *
 * Contenders: dray over each transport (`deno`, `native`+`adopt`, `native`+`shim`), ioredis and
 * node-redis with their default options, and the raw ceiling: a hand-written `Deno.connect` loop
 * that writes pre-encoded commands and checks every reply byte (for the 1 MiB replies, header,
 * length, terminator and every 4096th byte). Each runs alone in its own worker (its own isolate:
 * node-redis declares a `String` subclass, which by itself slows string code in the whole
 * isolate). Every reply of every client is checked. Rounds are interleaved (the starting
 * contender rotates) and the figure is the median. `redis-benchmark -c 1` with `-P 1` and
 * `-P 100` gives the server-side limit, run between rounds.
 *
 * Writes `bench/out/redis.json` as `{ "<scenario>": { "<client>": value } }` and prints a table
 * with the ratios the issue targets.
 *
 * ```sh
 * deno task bench:redis            # full run
 * deno task bench:redis --quick    # a smaller run to check that it works
 * deno task bench:redis --rounds 9 # more rounds
 * deno task bench:redis --only f   # some scenarios only (merged into bench/out/redis.json)
 * ```
 *
 * @module
 */

import { connect } from "../redis/mod.ts";
import { nativeStatus } from "../native/mod.ts";
import { startRedisServer } from "../tests/_helpers/redis_server.ts";
import {
  BIG_ROUNDS,
  BIG_SIZE,
  LIST_KEY,
  LIST_LENGTH,
  listItem,
  LRANGE_ROUNDS,
  PIPELINE_BATCH,
  PIPELINE_BATCHES,
  PUBSUB_MESSAGES,
  type Scenario,
  SEQUENTIAL,
  UNAWAITED,
} from "./_redis_cases.ts";
import type { Contender, Round, Setup } from "./_redis_worker.ts";
import type { PoolContender, PoolSetup } from "./_redis_pool_worker.ts";

const args = [...Deno.args];
const quick = args.includes("--quick");
const roundsAt = args.indexOf("--rounds");
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 2 : 5;
const onlyAt = args.indexOf("--only");
const ONLY = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split("") : undefined;
const nativeLive = nativeStatus().available && Deno.build.os === "linux";

const CONTENDERS: Contender[] = [
  "dray_deno",
  ...(nativeLive ? ["dray_native_adopt", "dray_native_shim"] as const : []),
  "ioredis",
  "node_redis",
  "raw",
];

interface ScenarioInfo {
  key: string;
  label: string;
  unit: string;
  /** Converts seconds per run into the scenario's figure. */
  figure(seconds: number): number;
  /** redis-benchmark runs giving the server-side limit, figure per run. */
  benchmarks: { name: string; args: string[]; figure(rps: number): number }[];
}

const smallSet = ["-t", "set", "-d", "16"];
const SCENARIOS: Record<Scenario, ScenarioInfo> = {
  a: {
    key: "a_sequential_set_get",
    label: `(a) ${SEQUENTIAL.toLocaleString("en")} sequential SET/GET`,
    unit: "ops/s",
    figure: (s) => SEQUENTIAL / s,
    benchmarks: [{
      name: "redis_benchmark_p1",
      args: ["-P", "1", "-n", String(SEQUENTIAL), "-t", "set,get", "-d", "16"],
      figure: (rps) => rps,
    }],
  },
  b: {
    key: "b_unawaited_set",
    label: `(b) ${UNAWAITED.toLocaleString("en")} un-awaited SETs`,
    unit: "ops/s",
    figure: (s) => UNAWAITED / s,
    benchmarks: [
      {
        name: "redis_benchmark_p1",
        args: ["-P", "1", "-n", "20000", ...smallSet],
        figure: (r) => r,
      },
      {
        name: "redis_benchmark_p100",
        args: ["-P", "100", "-n", String(UNAWAITED), ...smallSet],
        figure: (rps) => rps,
      },
    ],
  },
  c: {
    key: "c_pipeline_set",
    label: `(c) pipelines of ${PIPELINE_BATCH.toLocaleString("en")} SETs × ${PIPELINE_BATCHES}`,
    unit: "ops/s",
    figure: (s) => (PIPELINE_BATCH * PIPELINE_BATCHES) / s,
    benchmarks: [{
      name: "redis_benchmark_p100",
      args: ["-P", "100", "-n", String(PIPELINE_BATCH * PIPELINE_BATCHES), ...smallSet],
      figure: (rps) => rps,
    }],
  },
  d: {
    key: "d_1mib_set_get",
    label: `(d) SET+GET of 1 MiB × ${BIG_ROUNDS}`,
    unit: "MB/s",
    figure: (s) => (2 * BIG_ROUNDS * BIG_SIZE) / s / 1e6,
    benchmarks: [{
      name: "redis_benchmark_p1",
      args: ["-P", "1", "-n", String(BIG_ROUNDS), "-t", "set,get", "-d", String(BIG_SIZE)],
      figure: (rps) => (rps * BIG_SIZE) / 1e6,
    }],
  },
  e: {
    key: "e_lrange_10k",
    label: `(e) LRANGE of ${LIST_LENGTH.toLocaleString("en")} items × ${LRANGE_ROUNDS}`,
    unit: "elements/s",
    figure: (s) => (LRANGE_ROUNDS * LIST_LENGTH) / s,
    benchmarks: [{
      name: "redis_benchmark_p1",
      args: ["-P", "1", "-n", String(LRANGE_ROUNDS), "LRANGE", LIST_KEY, "0", "-1"],
      figure: (rps) => rps * LIST_LENGTH,
    }],
  },
  f: {
    key: "pubsub",
    label: `(f) pub/sub: ${
      PUBSUB_MESSAGES.toLocaleString("en")
    } 16-byte messages to one subscriber`,
    unit: "messages/s",
    figure: (s) => PUBSUB_MESSAGES / s,
    benchmarks: [],
  },
};

const RUN: Scenario[] = (Object.keys(SCENARIOS) as Scenario[]).filter((scenario) =>
  ONLY === undefined || ONLY.includes(scenario)
);

type Reply = { ready: true } | { seconds: number } | { closed: true } | { error: string };

function ask(worker: Worker, message: Setup | Round | "close"): Promise<Reply> {
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

/** Runs redis-benchmark with one client; returns the mean requests per second of its tests. */
async function redisBenchmark(port: number, extra: string[]): Promise<number> {
  const { success, stdout, stderr } = await new Deno.Command("redis-benchmark", {
    args: ["-h", "127.0.0.1", "-p", String(port), "-c", "1", "--csv", ...extra],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (!success) throw new Error(`redis-benchmark failed: ${new TextDecoder().decode(stderr)}`);
  const rates = text.split("\n").slice(1).filter((line) => line.trim() !== "").map((line) =>
    Number(JSON.parse(`[${line}]`)[1])
  );
  if (rates.length === 0 || rates.some((rate) => !(rate > 0))) {
    throw new Error(`Cannot read redis-benchmark's output: ${text}`);
  }
  return rates.reduce((a, b) => a + b, 0) / rates.length;
}

function hasRedisBenchmark(): boolean {
  try {
    return new Deno.Command("redis-benchmark", { args: ["--version"], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

await using server = await startRedisServer();
{
  // The data the GET and LRANGE scenarios read.
  await using client = await connect(server.url);
  const items = Array.from({ length: LIST_LENGTH }, (_, i) => listItem(i));
  await client.sendCommand(["DEL", LIST_KEY]);
  await client.sendCommand(["RPUSH", LIST_KEY, ...items]);
}

const workers = new Map<Contender, Worker>();
const results: Record<string, Record<string, number>> = {};
const withBenchmark = hasRedisBenchmark();
try {
  for (const contender of CONTENDERS) {
    const worker = new Worker(new URL("./_redis_worker.ts", import.meta.url), {
      type: "module",
      name: quick ? "quick" : "full",
    });
    workers.set(contender, worker);
    const channel = `bench:channel:${CONTENDERS.indexOf(contender)}`;
    await ask(worker, { contender, port: server.port, channel });
  }
  for (const scenario of RUN) {
    const info = SCENARIOS[scenario];
    const samples = new Map<string, number[]>();
    const add = (name: string, value: number) => {
      const list = samples.get(name) ?? [];
      list.push(value);
      samples.set(name, list);
    };
    // Warm up every contender once, untimed.
    for (const contender of CONTENDERS) await ask(workers.get(contender)!, { scenario });
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < CONTENDERS.length; k++) {
        const contender = CONTENDERS[(round + k) % CONTENDERS.length]!;
        const reply = await ask(workers.get(contender)!, { scenario });
        if ("seconds" in reply) add(contender, info.figure(reply.seconds));
      }
      if (withBenchmark) {
        for (const benchmark of info.benchmarks) {
          add(benchmark.name, benchmark.figure(await redisBenchmark(server.port, benchmark.args)));
        }
      }
    }
    const row: Record<string, number> = {};
    for (const [name, values] of samples) row[name] = Math.round(median(values) * 10) / 10;
    results[info.key] = row;
    console.error(`${info.label}: done`);
  }
} finally {
  for (const worker of workers.values()) {
    await ask(worker, "close").catch(() => {});
    worker.terminate();
  }
}

// Scenario (g): a worker per contender, rounds interleaved, medians of ops/s and of GET p99.
const POOL_CONTENDERS: PoolContender[] = ["dray", "ioredis", "node_redis"];
const POOL_LABEL = `(g) 16 BLPOP consumers on a pool + ${
  (quick ? 20_000 : 200_000).toLocaleString("en")
} SET/GET`;
if (ONLY === undefined || ONLY.includes("g")) {
  type PoolReply = { ready: true } | { seconds: number; getP99Ms: number } | { error: string };
  const askPool = (worker: Worker, message: PoolSetup | "round" | "close") =>
    new Promise<PoolReply>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<PoolReply>) => {
        if ("error" in event.data) reject(new Error(event.data.error));
        else resolve(event.data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
      worker.postMessage(message);
    });
  const poolWorkers = new Map<PoolContender, Worker>();
  const ops = new Map<string, number[]>();
  const p99 = new Map<string, number[]>();
  try {
    for (const contender of POOL_CONTENDERS) {
      const worker = new Worker(new URL("./_redis_pool_worker.ts", import.meta.url), {
        type: "module",
      });
      poolWorkers.set(contender, worker);
      await askPool(worker, { contender, port: server.port, quick });
      await askPool(worker, "round"); // warm-up, untimed
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < POOL_CONTENDERS.length; k++) {
        const contender = POOL_CONTENDERS[(round + k) % POOL_CONTENDERS.length]!;
        const reply = await askPool(poolWorkers.get(contender)!, "round");
        if (!("seconds" in reply)) continue;
        ops.set(contender, [
          ...(ops.get(contender) ?? []),
          (quick ? 20_000 : 200_000) / reply.seconds,
        ]);
        p99.set(contender, [...(p99.get(contender) ?? []), reply.getP99Ms]);
      }
    }
  } finally {
    for (const worker of poolWorkers.values()) {
      await askPool(worker, "close").catch(() => {});
      worker.terminate();
    }
  }
  const row: Record<string, number> = {};
  for (const contender of POOL_CONTENDERS) {
    row[`${contender}_ops`] = Math.round(median(ops.get(contender) ?? [NaN]));
    row[`${contender}_get_p99_ms`] = Math.round(median(p99.get(contender) ?? [NaN]) * 100) / 100;
  }
  results["g_pool_blpop"] = row;
  console.error(`${POOL_LABEL}: done`);
}

const COLUMNS = [
  ...CONTENDERS,
  "redis_benchmark_p1",
  "redis_benchmark_p100",
];

function cell(value: number | undefined): string {
  if (value === undefined) return "—";
  return value >= 100 ? Math.round(value).toLocaleString("en") : value.toFixed(1);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? "—" : `${(a / b).toFixed(2)}×`;
}

const TARGETS: Record<Scenario, { raw: number; ioredis: number }> = {
  a: { raw: 0.95, ioredis: 1.1 },
  b: { raw: 0.8, ioredis: 3 },
  c: { raw: 0.85, ioredis: 3 },
  d: { raw: 0, ioredis: 3 },
  e: { raw: 0, ioredis: 3 },
  f: { raw: 0, ioredis: 3 }, // against the faster of ioredis and node-redis
};

const lines = [
  `Redis client, ${new Date().toISOString().slice(0, 10)}, Deno ${Deno.version.deno}, ` +
  `${navigator.hardwareConcurrency} CPUs, ${ROUNDS} rounds, medians (higher is better)`,
  "",
  `| scenario | unit | ${COLUMNS.join(" | ")} | dray ÷ raw (target) | dray ÷ ioredis (target) |`,
  // (f)'s last column is dray ÷ the faster of ioredis and node-redis.
  `| --- | --- | ${COLUMNS.map(() => "---:").join(" | ")} | ---: | ---: |`,
];
for (const scenario of RUN) {
  const info = SCENARIOS[scenario];
  const row = results[info.key] ?? {};
  const target = TARGETS[scenario];
  const versus = scenario === "f"
    ? Math.max(row.ioredis ?? 0, row.node_redis ?? 0) || undefined
    : row.ioredis;
  lines.push(
    `| ${info.label} | ${info.unit} | ${COLUMNS.map((c) => cell(row[c])).join(" | ")} | ` +
      `${ratio(row.dray_deno, row.raw)}${target.raw ? ` (≥ ${target.raw})` : ""} | ` +
      `${ratio(row.dray_deno, versus)} (≥ ${target.ioredis}) |`,
  );
}
const pool = results["g_pool_blpop"];
if (pool !== undefined) {
  lines.push(
    "",
    `| ${POOL_LABEL} | dray (createPool) | ioredis (a connection per consumer) | node-redis (createClientPool) |`,
    "| --- | ---: | ---: | ---: |",
    `| ops/s | ${POOL_CONTENDERS.map((c) => cell(pool[`${c}_ops`])).join(" | ")} |`,
    `| GET p99, ms | ${POOL_CONTENDERS.map((c) => cell(pool[`${c}_get_p99_ms`])).join(" | ")} |`,
  );
}
console.log(lines.join("\n"));

if (!quick) {
  const out = new URL("./out/redis.json", import.meta.url);
  await Deno.mkdir(new URL("./out/", import.meta.url), { recursive: true });
  // With --only, the other scenarios keep the figures of their last run.
  let merged: Record<string, Record<string, number>> = results;
  if (ONLY !== undefined) {
    try {
      merged = { ...JSON.parse(await Deno.readTextFile(out)), ...results };
    } catch {
      // no earlier results
    }
  }
  await Deno.writeTextFile(out, JSON.stringify(merged, null, 2) + "\n");
}
