// A test-only CommandSender over a real connection: Deno.connect, encodeCommand, RespReader, one
// command at a time (commands issued together are written in order, each after the previous
// reply). It talks to a real redis-server; it exists until RedisClient lands, and the tests reach
// it only through `openSender`, so switching them to RedisClient is a one-line change here.

import {
  type CommandOptions,
  encodeCommand,
  type RedisArgument,
  RedisCommands,
  ReplyError,
  RespReader,
  type RespValue,
} from "../../redis/mod.ts";

/** A `RedisCommands` over one sequential connection; close it with `await using`. */
export class TestSender extends RedisCommands implements AsyncDisposable {
  #conn: Deno.Conn;
  #reader = new RespReader();
  #buffer = new Uint8Array(65536);
  #chain: Promise<unknown> = Promise.resolve();
  #protocol: 2 | 3 = 2;
  /** Every argv sent, in order. */
  readonly sent: RedisArgument[][] = [];

  constructor(conn: Deno.Conn) {
    super();
    this.#conn = conn;
  }

  get protocol(): 2 | 3 {
    return this.#protocol;
  }

  async hello(protocol: 2 | 3): Promise<void> {
    await this.sendCommand(["HELLO", protocol]);
    this.#protocol = protocol;
  }

  sendCommand<T = RespValue>(argv: readonly RedisArgument[], options?: CommandOptions): Promise<T> {
    if (options?.timeoutMs !== undefined || options?.signal !== undefined) {
      return Promise.reject(new RangeError("The test sender supports only returnBuffers"));
    }
    this.sent.push([...argv]);
    const next = this.#chain.then(() => this.#exchange(argv, options?.returnBuffers ?? false));
    this.#chain = next.catch(() => {});
    return next as Promise<T>;
  }

  async #exchange(argv: readonly RedisArgument[], returnBuffers: boolean): Promise<RespValue> {
    await this.#conn.write(encodeCommand(argv));
    for (;;) {
      const reply = this.#reader.next({ returnBuffers });
      if (reply !== undefined) {
        if (reply instanceof ReplyError) throw reply;
        return reply;
      }
      const n = await this.#conn.read(this.#buffer);
      if (n === null) throw new Error("The server closed the connection");
      this.#reader.feed(this.#buffer.subarray(0, n));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#chain;
    this.#conn.close();
  }
}

/** The one factory the command tests use: a connection to `port` speaking `protocol`. */
export async function openSender(port: number, protocol: 2 | 3): Promise<TestSender> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const sender = new TestSender(conn);
  await sender.hello(protocol);
  return sender;
}
