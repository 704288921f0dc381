// The scenarios of bench/redis_bench.ts, their sizes, and the checks every contender's replies
// go through.

/**
 * (a) sequential SET/GET, (b) un-awaited SETs, (c) explicit pipelines, (d) 1 MiB, (e) LRANGE,
 * (f) pub/sub messages delivered to one subscriber.
 */
export type Scenario = "a" | "b" | "c" | "d" | "e" | "f";

const quick = Deno.args.includes("--quick") ||
  (typeof self !== "undefined" && (self as { name?: string }).name === "quick");

/** (a): commands, half SET and half GET, each awaited before the next. */
export const SEQUENTIAL: number = quick ? 2_000 : 20_000;
/** (b): SETs issued without awaiting, then awaited together. */
export const UNAWAITED: number = quick ? 20_000 : 200_000;
/** (c): commands per explicit pipeline, and pipelines per run. */
export const PIPELINE_BATCH = 10_000;
export const PIPELINE_BATCHES: number = quick ? 2 : 20;
/** (d): SET then GET of a 1 MiB value, this many times. */
export const BIG_ROUNDS: number = quick ? 20 : 200;
export const BIG_SIZE: number = 1 << 20;
export const BIG_KEY = "bench:big";
/** (e): LRANGE 0 -1 of a list of 10,000 ten-byte items, this many times. */
export const LRANGE_ROUNDS: number = quick ? 20 : 200;
export const LIST_LENGTH = 10_000;
export const LIST_KEY = "bench:list";

export const SMALL_VALUE = "value-0123456789";

/** (f): messages per run, published in pipelined batches by a raw connection. */
export const PUBSUB_MESSAGES: number = quick ? 20_000 : 200_000;
/** (f): PUBLISH commands per write. */
export const PUBSUB_BATCH = 500;
/**
 * (f): at most this many messages published and not yet delivered (so a slow subscriber is
 * measured, not dropped by the server's client-output-buffer-limit).
 */
export const PUBSUB_WINDOW = 20_000;
export const PUBSUB_CHANNEL = "bench:channel";
/** (f): the 16-byte payload. */
export const PUBSUB_PAYLOAD = "payload-01234567";

/** The i-th item of the LRANGE list: 10 bytes. */
export function listItem(i: number): string {
  return `item:${String(i).padStart(5, "0")}`;
}

let big: Uint8Array | undefined;

/** The 1 MiB value: a pattern whose every 4096th byte is checked. */
export function bigValue(): Uint8Array {
  if (big === undefined) {
    big = new Uint8Array(BIG_SIZE);
    for (let i = 0; i < BIG_SIZE; i++) big[i] = (i * 131 + (i >> 12)) & 0xff;
  }
  return big;
}

function fail(what: string, got: unknown): never {
  const text = typeof got === "string" ? got : Object.prototype.toString.call(got);
  throw new Error(`Bad reply for ${what}: ${text.slice(0, 80)}`);
}

/** Checks of replies, the same for every contender. */
export const check = {
  ok(reply: unknown): void {
    if (reply !== "OK") fail("SET", reply);
  },
  value(reply: unknown, expected: string): void {
    if (reply !== expected) fail("GET", reply);
  },
  allOk(replies: readonly unknown[]): void {
    for (const reply of replies) if (reply !== "OK") fail("SET", reply);
  },
  big(reply: unknown): void {
    if (!(reply instanceof Uint8Array) || reply.length !== BIG_SIZE) fail("GET 1 MiB", reply);
    const value = bigValue();
    for (let i = 0; i < BIG_SIZE; i += 4096) if (reply[i] !== value[i]) fail("GET 1 MiB", "bytes");
  },
  list(reply: unknown): void {
    if (!Array.isArray(reply) || reply.length !== LIST_LENGTH) fail("LRANGE", reply);
    for (let i = 0; i < LIST_LENGTH; i += 997) {
      if (reply[i] !== listItem(i)) fail("LRANGE", reply[i]);
    }
    if (reply[LIST_LENGTH - 1] !== listItem(LIST_LENGTH - 1)) fail("LRANGE", "last item");
  },
};
