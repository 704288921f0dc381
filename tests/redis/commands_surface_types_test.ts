// One command surface: RedisClient, Pipeline, Transaction, ClusterClient, its ClusterPipeline and
// ClusterTransaction, and SentinelClient have exactly the methods of RedisCommands, with the same
// types. Checked at compile time (an equality over every command method, which `deno test`
// type-checks; a drifted surface fails to compile) and at run time (no surface replaces a command
// method with one of its own, except the cluster's scanIterator, which walks every shard).

import assert from "node:assert/strict";
import {
  ClusterClient,
  ClusterPipeline,
  ClusterTransaction,
  Pipeline,
  RedisClient,
  SentinelClient,
  Transaction,
} from "../../redis/mod.ts";
import { RedisCommands } from "../../redis/commands/mod.ts";

/** `true` exactly when `A` and `B` are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

/** The command methods: everything of the surface but the sender itself. */
type CommandKey = Exclude<keyof RedisCommands, "sendCommand" | "protocol" | "batched">;

/** Per command method, whether `C` has it with exactly the type `RedisCommands` gives it. */
type Sameness<C> = { [K in CommandKey]: Equal<K extends keyof C ? C[K] : never, RedisCommands[K]> };

/** The methods of `C` that drifted (`never` when none did). */
type Drifted<C> = { [K in CommandKey]: Sameness<C>[K] extends true ? never : K }[CommandKey];

// Each line fails to compile when one method of the surface drifts from RedisCommands: the error
// names the drifted methods.
const pipeline: Drifted<Pipeline> = undefined as never;
const transaction: Drifted<Transaction> = undefined as never;
const client: Drifted<RedisClient> = undefined as never;
const sentinel: Drifted<SentinelClient> = undefined as never;
const clusterPipeline: Drifted<ClusterPipeline> = undefined as never;
const clusterTransaction: Drifted<ClusterTransaction> = undefined as never;
const cluster: Drifted<ClusterClient> = undefined as never;

// The check can fail: a surface whose `get` resolves with a number is caught, by name.
interface Changed extends Omit<Pipeline, "get"> {
  get(key: string): Promise<number>;
}
const changed: Equal<Drifted<Changed>, "get"> = true;
// And a missing method too.
const missing: Equal<Drifted<Omit<Transaction, "hgetall">>, "hgetall"> = true;

Deno.test("RedisCommands surface has the same method types on every client, pipeline and transaction (compile time)", () => {
  // The assertions above are types: reaching here means the file type-checked.
  assert.deepEqual(
    [pipeline, transaction, client, sentinel, clusterPipeline, clusterTransaction, cluster],
    Array(7).fill(undefined),
  );
  assert.equal(changed && missing, true);
});

Deno.test("RedisCommands surface: no client, pipeline or transaction replaces a command method at run time", () => {
  const names = Object.getOwnPropertyNames(RedisCommands.prototype).filter((name) =>
    name !== "constructor" && typeof Object.getOwnPropertyDescriptor(
        RedisCommands.prototype,
        name,
      )!.value === "function"
  );
  assert.ok(names.length > 330, `only ${names.length} command methods`);
  const surfaces: [string, object, string[]][] = [
    ["Pipeline", Pipeline.prototype, []],
    ["Transaction", Transaction.prototype, []],
    ["RedisClient", RedisClient.prototype, []],
    ["SentinelClient", SentinelClient.prototype, []],
    ["ClusterPipeline", ClusterPipeline.prototype, []],
    ["ClusterTransaction", ClusterTransaction.prototype, []],
    // Walks every shard's keys: the same signature, a different implementation.
    ["ClusterClient", ClusterClient.prototype, ["scanIterator"]],
  ];
  const replaced: string[] = [];
  for (const [surface, proto, allowed] of surfaces) {
    for (const name of names) {
      const method = (proto as Record<string, unknown>)[name];
      if (
        method !== (RedisCommands.prototype as unknown as Record<string, unknown>)[name] &&
        !allowed.includes(name)
      ) {
        replaced.push(`${surface}.${name}`);
      }
    }
  }
  assert.deepEqual(replaced, []);
});
