// One contender of bench/cluster_bench.ts, alone in its own worker (its own isolate, as in
// _redis_worker.ts). The parent posts a Setup, then Rounds of the throughput scenarios (a)–(d)
// (answered with { seconds }), and for the fault scenarios (e)/(f) starts and stops a
// sequence-number load (tests/_helpers/cluster_load.ts), arms a recovery watch, and posts the
// lists it read back so the worker can verify them. Every reply of every run is checked.

/// <reference lib="deno.worker" />

import { type Push, SequenceLoad } from "../tests/_helpers/cluster_load.ts";

export type ClusterContender = "dray" | "ioredis" | "ioredis_ap" | "node_redis";

export const SEQUENTIAL = 20_000; // (a) SET+GET pairs count as 2 ops each: 10k of each
export const CONCURRENT = 200_000; // (b)
export const CONCURRENT_BATCH = 10_000;
export const PIPELINE = 10_000; // (c)
export const PIPELINES = 20;
export const MGET_KEYS = 100; // (d)
export const MGETS = 2_000;
export const KEYSPACE = 10_000; // keys k:0 … k:9999, over all slots

export interface Setup {
  contender: ClusterContender;
  seeds: { host: string; port: number }[];
}

export type Message =
  | { setup: Setup }
  | { run: "a" | "b" | "c" | "d" }
  | { loadStart: { writers: number; wait: boolean; prefix: string } }
  | { arm: { since: number; writers: number[] } }
  | { loadStop: { after?: number } }
  | { verify: string[][] }
  | { close: true };

interface Runner {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  /** (c): one pipeline of SETs, each reply checked. */
  pipeline(keys: string[]): Promise<void>;
  /** (d): the values of `keys`, in order. */
  mget(keys: string[]): Promise<unknown[]>;
  push(wait: boolean): Push;
  /**
   * Where the runner reports the moment a write itself (the RPUSH, not the WAIT after it) was
   * answered, when it can tell them apart (dray); set by the worker.
   */
  written?: ((key: string) => void) | undefined;
  close(): Promise<void>;
}

const VALUE = "v".repeat(16);

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`Unexpected reply: ${what}`);
}

async function drayRunner(setup: Setup): Promise<Runner> {
  const { connectCluster } = await import("../redis/mod.ts");
  const client = await connectCluster({ nodes: setup.seeds });
  const runner: Runner = {
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    async pipeline(keys) {
      const batch = client.pipeline();
      for (const key of keys) void batch.set(key, VALUE);
      const replies = await batch.exec();
      for (const reply of replies) check(reply === "OK", String(reply));
    },
    mget: (keys) => client.mget(keys),
    push: (wait) =>
      wait
        ? async (key, value) => {
          const write = client.rpush(key, value);
          write.then(() => runner.written?.(key), () => {});
          const [pushed, replicas] = await Promise.all([
            write,
            client.sendCommand<number>(["WAIT", "1", "200"], { key }),
          ]);
          return pushed > 0 && replicas >= 1;
        }
        : async (key, value) => (await client.rpush(key, value)) > 0,
    close: () => client.close(),
  };
  return runner;
}

async function ioredisRunner(setup: Setup, autoPipelining: boolean): Promise<Runner> {
  const { Cluster } = await import("npm:ioredis@5.11.1");
  const client = new Cluster(setup.seeds, { enableAutoPipelining: autoPipelining });
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
  });
  return {
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    async pipeline(keys) {
      // Its pipeline cannot span nodes: the idiomatic way is concurrent commands.
      const replies = await Promise.all(keys.map((key) => client.set(key, VALUE)));
      for (const reply of replies) check(reply === "OK", String(reply));
    },
    // MGET needs one slot: users issue the GETs concurrently.
    mget: (keys) => Promise.all(keys.map((key) => client.get(key))),
    push: (wait) =>
      wait
        ? async (key, value) => {
          const replies = await client.pipeline().rpush(key, value).call("WAIT", "1", "200")
            .exec();
          if (replies === null) throw new Error("The pipeline was aborted");
          for (const [error] of replies) if (error) throw error;
          return (replies[0]![1] as number) > 0 && (replies[1]![1] as number) >= 1;
        }
        : async (key, value) => (await client.rpush(key, value)) > 0,
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

async function nodeRedisRunner(setup: Setup): Promise<Runner> {
  const { createCluster } = await import("npm:redis@5.12.1");
  const client = createCluster({
    rootNodes: setup.seeds.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
  });
  client.on("error", () => {});
  await client.connect();
  return {
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    async pipeline(keys) {
      // Its multi()/execAsPipeline routes everything by the first key: concurrent commands.
      const replies = await Promise.all(keys.map((key) => client.set(key, VALUE)));
      for (const reply of replies) check(reply === "OK", String(reply));
    },
    mget: (keys) => Promise.all(keys.map((key) => client.get(key))),
    push: (wait) =>
      wait
        ? async (key, value) => {
          const replies = await client.multi()
            .addCommand(key, false, ["RPUSH", key, value])
            .addCommand(key, false, ["WAIT", "1", "200"])
            .execAsPipeline();
          return Number(replies[0]) > 0 && Number(replies[1]) >= 1;
        }
        : async (key, value) => (await client.rPush(key, value)) > 0,
    async close() {
      await client.close().catch(() => client.destroy());
    },
  };
}

const keys = Array.from({ length: KEYSPACE }, (_, i) => `k:${i}`);

// xorshift32 for (d)'s random keys: the same sequence for every contender.
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

async function run(runner: Runner, scenario: "a" | "b" | "c" | "d"): Promise<number> {
  const start = performance.now();
  switch (scenario) {
    case "a":
      for (let i = 0; i < SEQUENTIAL / 2; i++) {
        const key = keys[i % KEYSPACE]!;
        check(await runner.set(key, VALUE) === "OK", "SET");
        check(await runner.get(key) === VALUE, "GET");
      }
      break;
    case "b":
      for (let done = 0; done < CONCURRENT; done += CONCURRENT_BATCH) {
        const replies = await Promise.all(
          Array.from(
            { length: CONCURRENT_BATCH },
            (_, i) => runner.set(keys[(done + i) % KEYSPACE]!, VALUE),
          ),
        );
        for (const reply of replies) check(reply === "OK", String(reply));
      }
      break;
    case "c":
      for (let p = 0; p < PIPELINES; p++) {
        await runner.pipeline(Array.from({ length: PIPELINE }, (_, i) => keys[i % KEYSPACE]!));
      }
      break;
    case "d": {
      const next = random(42);
      for (let m = 0; m < MGETS; m++) {
        const batch = Array.from({ length: MGET_KEYS }, () => keys[(next() * KEYSPACE) | 0]!);
        const values = await runner.mget(batch);
        check(values.length === MGET_KEYS && values.every((v) => v === VALUE), "MGET");
      }
      break;
    }
  }
  return (performance.now() - start) / 1000;
}

let runner: Runner | undefined;
let load: SequenceLoad | undefined;
let loadStarted = 0;
// When (epoch ms) the server answered the armed writers' writes since the kill; `armedWrites`:
// the writes themselves (the RPUSH without its WAIT), where the runner can tell.
let armed: number[] | undefined;
let armedWrites: number[] | undefined;

self.onmessage = async (event: MessageEvent<Message>) => {
  const message = event.data;
  try {
    if ("setup" in message) {
      const { contender } = message.setup;
      runner = contender === "dray"
        ? await drayRunner(message.setup)
        : contender === "node_redis"
        ? await nodeRedisRunner(message.setup)
        : await ioredisRunner(message.setup, contender === "ioredis_ap");
      self.postMessage({ ready: true });
    } else if ("run" in message) {
      self.postMessage({ seconds: await run(runner!, message.run) });
    } else if ("loadStart" in message) {
      const { writers, wait, prefix } = message.loadStart;
      load = new SequenceLoad(writers, runner!.push(wait), prefix);
      loadStarted = performance.now();
      armed = undefined;
      armedWrites = undefined;
      load.start();
      self.postMessage({ ok: true });
    } else if ("arm" in message) {
      const { since, writers } = message.arm;
      const times: number[] = [];
      const watched = new Set(writers);
      armed = times;
      load!.onReply = (writer, at) => {
        if (at > since && watched.has(writer) && times.length < 1_000_000) times.push(at);
      };
      const writes: number[] = [];
      armedWrites = writes;
      runner!.written = (key) => {
        const at = performance.timeOrigin + performance.now();
        const writer = Number(/\{(\d+)\}$/.exec(key)?.[1]);
        if (at > since && watched.has(writer) && writes.length < 1_000_000) writes.push(at);
      };
      self.postMessage({ ok: true });
    } else if ("loadStop" in message) {
      // The first write answered in the armed shard after `after` (the promotion; the old master
      // may have answered some in the moment before it died). Give it up to 10 s more.
      const after = message.loadStop.after ?? -Infinity;
      const first = (): number | undefined => armed?.find((at) => at > after);
      for (let waited = 0; armed !== undefined && first() === undefined && waited < 10_000;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        waited += 20;
      }
      const recovered = first();
      const written = armedWrites?.find((at) => at > after);
      load!.onReply = undefined;
      runner!.written = undefined;
      armedWrites = undefined;
      const seconds = (performance.now() - loadStarted) / 1000;
      // A client whose writes never settle is reported (hung writers), not waited for.
      const hung = await load!.stop(15_000);
      self.postMessage({
        seconds,
        acks: load!.ackCount,
        recoveredAt: recovered ?? null,
        writtenAt: written ?? null,
        hung,
      });
    } else if ("verify" in message) {
      const samples = [...new Set(load!.errorSamples.map((e) => `${e.name}: ${e.message}`))];
      self.postMessage({
        report: load!.verify(message.verify),
        samples: samples.slice(0, 3).map((text) => text.slice(0, 160)),
      });
    } else if ("close" in message) {
      await runner?.close();
      self.postMessage({ closed: true });
    }
  } catch (error) {
    self.postMessage({
      error: error instanceof Error ? `${error.name}: ${error.message}` : `${error}`,
    });
  }
};
