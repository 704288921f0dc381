// An in-memory Transport for client tests without sockets: a MemorySource (the loop's test
// double) dressed as a Transport, with a scripted peer that parses each command the client
// writes and answers it (or holds it, to lose it with the connection).
import { MemorySource } from "../../loop/testing/mod.ts";
import {
  type Connector,
  RespReader,
  type Transport,
  type TransportOptions,
} from "../../redis/mod.ts";

const encoder = new TextEncoder();

/** What the peer answers to a command: RESP bytes, or `undefined` to leave it unanswered. */
export type Responder = (argv: string[]) => string | undefined;

/** The usual answers of a Redis server in RESP2, enough for the handshake and plain commands. */
export function plainServer(store: Map<string, string> = new Map()): Responder {
  return (argv) => {
    const name = argv[0]!.toUpperCase();
    if (name === "PING") return "+PONG\r\n";
    if (name === "SET") {
      store.set(argv[1]!, argv[2]!);
      return "+OK\r\n";
    }
    if (name === "GET") {
      const value = store.get(argv[1]!);
      return value === undefined ? "$-1\r\n" : `$${value.length}\r\n${value}\r\n`;
    }
    return `-ERR unknown command '${argv[0]}'\r\n`;
  };
}

/** A memory stream with a peer behind it. */
export class MemoryTransport extends MemorySource implements Transport {
  readonly kind = "deno" as const;
  readonly driver = "deno" as const;
  readonly remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 6379 };
  readonly tls = false;
  readonly fallback = undefined;
  /** Every command the peer received, in order. */
  readonly commands: string[][] = [];
  #reader = new RespReader();
  #responder: Responder;

  constructor(responder: Responder) {
    super();
    this.#responder = responder;
  }

  override async write(bytes: Uint8Array): Promise<number> {
    const n = await super.write(bytes);
    this.#reader.feed(bytes.subarray(0, n));
    for (;;) {
      const argv = this.#reader.next() as string[] | undefined;
      if (argv === undefined) break;
      this.commands.push(argv);
      const reply = this.#responder(argv);
      if (reply !== undefined && !this.closed) this.push(encoder.encode(reply));
    }
    return n;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A connector that opens memory transports: each call takes the next responder (the last one
 * again when they run out), or rejects with the error given in its place.
 */
export class MemoryConnector {
  readonly calls: TransportOptions[] = [];
  readonly transports: MemoryTransport[] = [];
  #plan: (Responder | Error)[];

  constructor(...plan: (Responder | Error)[]) {
    this.#plan = plan;
  }

  readonly connect: Connector = (options) => {
    this.calls.push(options);
    const step = this.#plan.length > 1 ? this.#plan.shift()! : this.#plan[0]!;
    if (step instanceof Error) return Promise.reject(step);
    const transport = new MemoryTransport(step);
    this.transports.push(transport);
    return Promise.resolve(transport);
  };

  /** The transport opened last. */
  get last(): MemoryTransport {
    return this.transports[this.transports.length - 1]!;
  }
}
