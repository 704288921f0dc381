// The command tests' client: a real RedisClient that also records every argv it sends, so that a
// test can check which commands a helper issued (e.g. EVALSHA falling back to EVAL).

import {
  type CommandOptions,
  type RedisArgument,
  RedisClient,
  type RespValue,
} from "../../redis/mod.ts";

/** A `RedisClient` that records the argv of every command; close it with `await using`. */
export class TestSender extends RedisClient {
  /** Every argv sent, in order. */
  readonly sent: RedisArgument[][] = [];

  override sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    this.sent.push([...argv]);
    return super.sendCommand<T>(argv, options);
  }
}

/** The one factory the command tests use: a client of `port` speaking `protocol`. */
export async function openSender(port: number, protocol: 2 | 3): Promise<TestSender> {
  const client = new TestSender({ hostname: "127.0.0.1", port, protocol });
  await client.connect();
  return client;
}
