// A job queue with reliable hand-off: a worker moves a job from the queue to a processing list in
// one atomic step (BLMOVE), so a worker that dies mid-job loses nothing; acknowledging removes it
// from the processing list; a reaper puts back jobs that stayed there too long.
//
//   REDIS_URL=redis://localhost:6379 deno run -A examples/job_queue.ts
import { connect, type RedisClient } from "@dray/dray/redis";

/** The lists and the hash the queue uses. */
export const QUEUE = "jobs:queue";
export const PROCESSING = "jobs:processing";
export const STARTED = "jobs:started"; // job -> when a worker took it (ms since the epoch)

/** Adds jobs at the head of the queue; workers take from the tail (first in, first out). */
export function enqueue(redis: RedisClient, ...jobs: string[]): Promise<number> {
  return redis.lpush(QUEUE, jobs);
}

/**
 * Takes the next job, waiting up to `timeoutSeconds`: it moves to the processing list atomically.
 * BLMOVE holds its connection while it waits, so give a worker a client of its own.
 */
export async function take(worker: RedisClient, timeoutSeconds: number): Promise<string | null> {
  const job = await worker.blmove(QUEUE, PROCESSING, ["RIGHT", "LEFT"], timeoutSeconds);
  if (job !== null) await worker.hset(STARTED, { [job]: Date.now() });
  return job;
}

/** Acknowledges a finished job: it leaves the processing list for good. */
export async function acknowledge(redis: RedisClient, job: string): Promise<void> {
  const transaction = redis.multi();
  transaction.lrem(PROCESSING, 1, job);
  transaction.hdel(STARTED, job);
  await transaction.exec();
}

/** Puts back at the tail of the queue (next in line) every job processing for over `staleMs`. */
export async function requeueStuck(redis: RedisClient, staleMs: number): Promise<string[]> {
  const requeued: string[] = [];
  const now = Date.now();
  for (const job of await redis.lrange(PROCESSING, 0, -1)) {
    const started = Number(await redis.hget(STARTED, job) ?? 0);
    if (now - started < staleMs) continue;
    const transaction = redis.multi();
    transaction.lrem(PROCESSING, 1, job);
    transaction.rpush(QUEUE, job);
    transaction.hdel(STARTED, job);
    const [removed] = (await transaction.exec()) ?? [];
    if (removed === 1) requeued.push(job);
  }
  return requeued;
}

if (import.meta.main) {
  const url = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
  await using redis = await connect(url);
  await using worker = await connect(url);
  await enqueue(redis, "resize:1.png", "resize:2.png");
  for (let job = await take(worker, 1); job !== null; job = await take(worker, 1)) {
    console.log(`worker: done ${job}`);
    await acknowledge(redis, job);
  }
  console.log(`reaper: requeued ${(await requeueStuck(redis, 30_000)).length} stuck job(s)`);
}
