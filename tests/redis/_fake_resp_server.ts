// A scripted RESP server on a free port, for Sentinel tests: each request (an array of bulk
// strings, parsed with dray's RespReader) goes to a handler that returns the raw reply bytes.

import { RespReader } from "../../redis/mod.ts";

const encoder = new TextEncoder();

/** RESP2 encoders for the handlers. */
export const resp = {
  simple: (text: string): string => `+${text}\r\n`,
  error: (text: string): string => `-${text}\r\n`,
  int: (n: number): string => `:${n}\r\n`,
  bulk: (text: string): string => `$${encoder.encode(text).length}\r\n${text}\r\n`,
  array: (items: string[]): string => `*${items.length}\r\n${items.join("")}`,
  /** A flat `[k, v, …]` array of bulk strings. */
  fields: (record: Record<string, string | number>): string =>
    resp.array(Object.entries(record).flatMap(([k, v]) => [resp.bulk(k), resp.bulk(String(v))])),
};

/** A running fake server. */
export interface FakeServer extends AsyncDisposable {
  port: number;
  /** Every request received, as upper-cased command name plus arguments. */
  requests: string[][];
}

/** Starts a fake server; `handle` returns the reply for one request. */
export function startFakeServer(handle: (argv: string[]) => string): FakeServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: string[][] = [];
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const serve = async (conn: Deno.Conn): Promise<void> => {
    const reader = new RespReader();
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        reader.feed(buffer.subarray(0, n));
        let out = "";
        for (let value = reader.next(); value !== undefined; value = reader.next()) {
          const argv = (value as unknown[]).map(String);
          argv[0] = argv[0]!.toUpperCase();
          requests.push(argv);
          out += handle(argv);
        }
        if (out !== "") await conn.write(encoder.encode(out));
      }
    } catch {
      // the client went away
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // closed already
      }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      const task = serve(conn);
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();
  return {
    port: listener.addr.port,
    requests,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting.catch(() => {});
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed already
        }
      }
      await Promise.all([...tasks]);
    },
  };
}

/** The reply of a Sentinel's `SENTINEL MASTER` naming `port` on 127.0.0.1 at `epoch`. */
export function masterReply(name: string, port: number, epoch: number): string {
  return resp.fields({
    name,
    ip: "127.0.0.1",
    port,
    flags: "master",
    "config-epoch": epoch,
  });
}

/** A minimal sentinel: names whatever `master()` says, knows no other sentinel or replica. */
export function sentinelHandler(name: string, master: () => { port: number; epoch: number }) {
  return (argv: string[]): string => {
    const [command, sub, asked] = argv;
    if (command === "HELLO") return resp.error("ERR unknown command 'HELLO'");
    if (command === "PING") return resp.simple("PONG");
    if (command !== "SENTINEL") return resp.error(`ERR unknown command '${command}'`);
    if (asked !== name) return resp.error("ERR No such master with that name");
    const up = sub!.toUpperCase();
    if (up === "MASTER") {
      const { port, epoch } = master();
      return masterReply(name, port, epoch);
    }
    if (up === "SENTINELS" || up === "REPLICAS") return resp.array([]);
    return resp.error(`ERR unknown sentinel subcommand '${sub}'`);
  };
}
