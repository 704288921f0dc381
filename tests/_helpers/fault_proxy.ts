// A TCP proxy for fault injection: it sits between a client and a real redis-server and can cut
// the stream after a given number of server bytes (e.g. in the middle of a reply), stall both
// directions without sending FIN (a silent network death), or resume. Closing it closes every
// connection it made and waits for its pumps, so nothing leaks under the sanitizers.

/** Options for {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where to forward to. */
  target: { hostname: string; port: number };
}

/** A running proxy. */
export interface FaultProxy extends AsyncDisposable {
  readonly hostname: string;
  readonly port: number;
  /** `redis://<hostname>:<port>` */
  readonly url: string;
  /** Client connections accepted so far. */
  readonly accepted: number;
  /** Bytes forwarded from the server to clients so far. */
  readonly downstreamBytes: number;
  /**
   * Forwards at most `bytes` more server bytes to clients, then closes every open connection
   * (both sides), as a network that drops in the middle of a reply. Later connections pass.
   */
  cutAfter(bytes: number): void;
  /** Closes every open connection now (both sides). Later connections pass. */
  cutAll(): void;
  /** Stops forwarding in both directions without closing anything (no FIN, no RST). */
  stall(): void;
  /** Forwards again after `stall`. */
  resume(): void;
  /** Stops listening, closes every connection, waits for the pumps. Idempotent. */
  close(): Promise<void>;
}

interface Pair {
  client: Deno.TcpConn;
  server: Deno.TcpConn;
  closed: boolean;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** Starts a proxy on a free loopback port. */
export function startFaultProxy(options: FaultProxyOptions): FaultProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const pairs = new Set<Pair>();
  const tasks = new Set<Promise<void>>();
  let accepted = 0;
  let downstream = 0;
  let budget = Infinity;
  let gate: { promise: Promise<void>; resolve: () => void } | undefined;
  let closing = false;

  const track = (task: Promise<void>) => {
    tasks.add(task);
    task.finally(() => tasks.delete(task));
  };

  const shut = (pair: Pair) => {
    if (pair.closed) return;
    pair.closed = true;
    pairs.delete(pair);
    closeQuietly(pair.client);
    closeQuietly(pair.server);
  };

  const pump = async (pair: Pair, from: Deno.Conn, to: Deno.Conn, toClient: boolean) => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        let chunk = buffer.subarray(0, n);
        while (gate !== undefined) await gate.promise;
        if (pair.closed) break;
        let cut = false;
        if (toClient) {
          if (chunk.length >= budget) {
            chunk = chunk.subarray(0, budget);
            cut = true;
          }
          budget -= chunk.length;
          downstream += chunk.length;
        }
        let offset = 0;
        while (offset < chunk.length) offset += await to.write(chunk.subarray(offset));
        if (cut) {
          budget = Infinity;
          for (const open of [...pairs]) shut(open);
          break;
        }
      }
    } catch {
      // a side closed: tear the pair down below
    }
    shut(pair);
  };

  const acceptLoop = async () => {
    for (;;) {
      let client: Deno.TcpConn;
      try {
        client = await listener.accept();
      } catch {
        return; // listener closed
      }
      if (closing) {
        closeQuietly(client);
        continue;
      }
      accepted++;
      let server: Deno.TcpConn;
      try {
        server = await Deno.connect(options.target);
      } catch {
        closeQuietly(client);
        continue;
      }
      if (closing) {
        closeQuietly(client);
        closeQuietly(server);
        continue;
      }
      const pair: Pair = { client, server, closed: false };
      pairs.add(pair);
      track(pump(pair, client, server, false));
      track(pump(pair, server, client, true));
    }
  };
  const accepting = acceptLoop();

  const proxy: FaultProxy = {
    hostname: "127.0.0.1",
    port,
    url: `redis://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get downstreamBytes() {
      return downstream;
    },
    cutAfter(bytes: number) {
      budget = bytes;
      if (bytes === 0) proxy.cutAll();
    },
    cutAll() {
      budget = Infinity;
      for (const pair of [...pairs]) shut(pair);
    },
    stall() {
      if (gate !== undefined) return;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => resolve = r);
      gate = { promise, resolve };
    },
    resume() {
      const open = gate;
      gate = undefined;
      open?.resolve();
    },
    async close() {
      if (closing) return;
      closing = true;
      listener.close();
      proxy.resume();
      for (const pair of [...pairs]) shut(pair);
      await accepting;
      for (const pair of [...pairs]) shut(pair); // any accepted while closing
      while (tasks.size > 0) await Promise.all([...tasks]);
    },
    [Symbol.asyncDispose]() {
      return proxy.close();
    },
  };
  return proxy;
}
