// Shared by the Sentinel failover tests: writers that push unique ids and count one as
// acknowledged only when WAIT confirmed enough replicas have it, and the check of the log.

import assert from "node:assert/strict";
import { connect, type RedisClient } from "../../redis/mod.ts";
import type { RedisSentinelSet } from "../../redis/testing/mod.ts";

/** A raw subscriber on one sentinel that notes when it sees `+switch-master`. */
export async function watchSwitch(
  set: RedisSentinelSet,
  index: number,
): Promise<{ client: RedisClient; switchedAt: () => number | undefined }> {
  const sentinel = set.sentinels[index]!;
  const client = await connect({ hostname: sentinel.host, port: sentinel.port });
  let at: number | undefined;
  await client.subscribe("+switch-master", () => void (at ??= performance.now()));
  return { client, switchedAt: () => at };
}

/**
 * Writers pushing `w:i` ids to the list `log` with `RPUSH` + `WAIT n 200` in one pipeline. A WAIT
 * holds its connection until it returns, so the writers' WAITs run one after another on the
 * shared connection: a short WAIT timeout and few writers keep that queue short while the new
 * master has fewer replicas than asked for.
 */
export class AckedWriters {
  readonly acked = new Set<string>();
  /** Milliseconds from the switch to the first acknowledged write issued after it. */
  firstAckAfter: number | undefined;
  /** Milliseconds from the switch to the first write (RPUSH reply) issued after it. */
  firstWriteAfter: number | undefined;
  #stop = false;
  #running: Promise<void>[] = [];

  constructor(
    client: RedisClient,
    writers: number,
    replicasToWaitFor: () => number,
    switchedAt: () => number | undefined,
  ) {
    for (let w = 0; w < writers; w++) {
      this.#running.push((async () => {
        for (let i = 0; !this.#stop; i++) {
          const id = `${w}:${i}`;
          const need = replicasToWaitFor();
          const pipeline = client.pipeline();
          const issuedAfter = switchedAt() !== undefined;
          pipeline.rpush("log", id).then(() => {
            const switched = switchedAt();
            if (issuedAfter && switched !== undefined && this.firstWriteAfter === undefined) {
              this.firstWriteAfter = performance.now() - switched;
            }
          }, () => {});
          pipeline.wait(need, 200);
          try {
            const [pushed, waited] = await pipeline.exec();
            if (!(pushed instanceof Error) && typeof waited === "number" && waited >= need) {
              this.acked.add(id);
              const switched = switchedAt();
              if (issuedAfter && switched !== undefined && this.firstAckAfter === undefined) {
                this.firstAckAfter = performance.now() - switched;
              }
            }
          } catch {
            // not acknowledged
          }
          if (need === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })());
    }
  }

  /** Stops the writers and waits for them. */
  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#running);
  }
}

/** Every acknowledged id is in `log` exactly once, and no id is there twice. */
export async function checkLog(client: RedisClient, acked: Set<string>): Promise<number> {
  const log = await client.lrange("log", 0, -1) as string[];
  const seen = new Set<string>();
  const duplicated = log.filter((id) => seen.has(id) || !seen.add(id));
  assert.deepEqual(duplicated, [], "no id may be in the log twice");
  const lost = [...acked].filter((id) => !seen.has(id));
  assert.deepEqual(lost, [], "every acknowledged id must be in the log");
  return log.length;
}

/** Polls `check` every 50 ms until it is true; throws after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A second, unloaded client writing `SET probe i` in a loop: the time from the switch to its
 * first write issued after it measures the client's switch, not the WAIT queue of the loaded one.
 */
export class Prober {
  firstWriteAfter: number | undefined;
  #stop = false;
  #running: Promise<void>;

  constructor(client: RedisClient, switchedAt: () => number | undefined) {
    this.#running = (async () => {
      for (let i = 0; !this.#stop; i++) {
        const issuedAfter = switchedAt() !== undefined;
        try {
          await client.set("probe", i, { timeoutMs: 1000 });
          const switched = switchedAt();
          if (issuedAfter && switched !== undefined && this.firstWriteAfter === undefined) {
            this.firstWriteAfter = performance.now() - switched;
          }
        } catch {
          // not yet
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
  }

  /** Stops the loop. */
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#running;
  }
}
