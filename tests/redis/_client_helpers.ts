// Helpers for the client tests: the transport variants every suite runs over, and a scripted
// peer — a TCP server that speaks bytes a test writes, to play a malformed or rude server.

import { connect, type RedisClient, type RedisClientOptions } from "../../redis/mod.ts";
import { nativeLibrary } from "../_helpers/native.ts";
import type { RedisServer } from "../_helpers/redis_server.ts";

const nativeLive = nativeLibrary !== undefined && Deno.build.os !== "windows";

/** One way of reaching a server: a transport and TCP or the unix socket. */
export interface Variant {
  name: string;
  ignore: boolean;
  /** The options that reach `server` this way. */
  options(server: RedisServer): RedisClientOptions;
}

function variant(
  transport: "deno" | "adopt" | "shim",
  socket: "tcp" | "unix",
): Variant {
  const base: RedisClientOptions = transport === "deno"
    ? { transport: "deno" }
    : { transport: "native", nativeDriver: transport };
  return {
    name: `${transport === "deno" ? "deno" : `native+${transport}`} ${socket}`,
    ignore: transport !== "deno" && !nativeLive,
    options: (server) =>
      socket === "tcp" ? { ...base, url: server.url } : { ...base, path: server.socketPath },
  };
}

/** Every transport, over TCP and over the unix socket. */
export const VARIANTS: readonly Variant[] = [
  variant("deno", "tcp"),
  variant("deno", "unix"),
  variant("adopt", "tcp"),
  variant("adopt", "unix"),
  variant("shim", "tcp"),
  variant("shim", "unix"),
];

/** Connects to `server` the way `variant` says, with more options on top. */
export function connectVia(
  variant: Variant,
  server: RedisServer,
  options: RedisClientOptions = {},
): Promise<RedisClient> {
  return connect({ ...variant.options(server), ...options });
}

/** A TCP server on 127.0.0.1 whose connections a test scripts byte by byte. */
export interface ScriptedPeer extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Everything the peer received, per connection, as text. */
  readonly received: string[];
}

/** What a script gets for one accepted connection. */
export interface PeerConnection {
  /** Waits until the client has sent at least `count` complete commands (RESP arrays). */
  commands(count: number): Promise<string[][]>;
  write(text: string): Promise<void>;
  close(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Parses complete RESP command arrays out of `text`; returns them and the rest. */
function parseCommands(text: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let at = 0;
  for (;;) {
    if (text[at] !== "*") break;
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const count = Number(text.slice(at + 1, lineEnd));
    let p = lineEnd + 2;
    const argv: string[] = [];
    let complete = true;
    for (let i = 0; i < count; i++) {
      const end = text.indexOf("\r\n", p);
      if (end < 0) {
        complete = false;
        break;
      }
      const length = Number(text.slice(p + 1, end));
      if (text.length < end + 2 + length + 2) {
        complete = false;
        break;
      }
      argv.push(text.slice(end + 2, end + 2 + length));
      p = end + 2 + length + 2;
    }
    if (!complete) break;
    commands.push(argv);
    at = p;
  }
  return { commands, rest: text.slice(at) };
}

/**
 * Starts a scripted peer: `script` runs for each accepted connection; an error it throws (a
 * failed assertion) is thrown again when the peer is disposed. (Only ASCII payloads: the parser
 * counts characters as bytes.)
 */
export function startScriptedPeer(
  script: (peer: PeerConnection, index: number) => Promise<void>,
): ScriptedPeer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  const running: Promise<void>[] = [];
  const failures: unknown[] = [];
  const conns = new Set<Deno.Conn>();
  const accepting = (async () => {
    let index = 0;
    for await (const conn of listener) {
      conns.add(conn);
      const slot = received.push("") - 1;
      let pending = "";
      const parsed: string[][] = [];
      let closed = false;
      let readError: unknown;
      const reading = (async () => {
        const buffer = new Uint8Array(65536);
        try {
          for (;;) {
            const n = await conn.read(buffer);
            if (n === null) break;
            const text = decoder.decode(buffer.subarray(0, n));
            received[slot] += text;
            const { commands, rest } = parseCommands(pending + text);
            parsed.push(...commands);
            pending = rest;
          }
        } catch (error) {
          readError = error;
        }
        closed = true;
      })();
      const peer: PeerConnection = {
        async commands(count) {
          const deadline = Date.now() + 5000;
          while (parsed.length < count) {
            if (closed) {
              throw new Error(`Peer closed after ${parsed.length} commands (${readError})`);
            }
            if (Date.now() > deadline) throw new Error(`Only ${parsed.length} commands arrived`);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          return parsed.slice(0, count);
        },
        async write(text) {
          const bytes = encoder.encode(text);
          let at = 0;
          while (at < bytes.length) at += await conn.write(bytes.subarray(at));
        },
        close() {
          if (!conns.delete(conn)) return;
          try {
            conn.close();
          } catch {
            // closed by the client already
          }
        },
      };
      running.push(
        script(peer, index++).catch((error) => void failures.push(error)).finally(async () => {
          peer.close();
          await reading;
        }),
      );
    }
  })();
  return {
    port: listener.addr.port,
    url: `redis://127.0.0.1:${listener.addr.port}`,
    received,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting.catch(() => {});
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      conns.clear();
      await Promise.all(running);
      if (failures.length > 0) throw failures[0];
    },
  };
}

/** The RESP3 HELLO reply a scripted peer sends. */
export const HELLO3 = "%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n";

/** The RESP text of a command, as the client sends it. */
export function resp(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
}

/** Sends one raw command over a fresh unix-socket connection and returns the reply text. */
export async function rawCommand(server: RedisServer, ...argv: string[]): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path: server.socketPath });
  try {
    const bytes = encoder.encode(resp(...argv));
    let at = 0;
    while (at < bytes.length) at += await conn.write(bytes.subarray(at));
    const buffer = new Uint8Array(65536);
    const n = await conn.read(buffer);
    return decoder.decode(buffer.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

/** Waits until `promise` settles; returns `"pending"` if it has not after `ms` (a deadline). */
export async function settledWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ value: T } | { error: unknown } | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  try {
    return await Promise.race([
      promise.then((value) => ({ value }), (error) => ({ error })),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Answers the PING that ends a reconnect's opening (the client waits out a loading server): waits
 * for the `count`th command and replies PONG.
 */
export async function answerProbe(conn: PeerConnection, count: number): Promise<void> {
  await conn.commands(count);
  await conn.write("+PONG\r\n");
}
