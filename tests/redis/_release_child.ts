// Run by outcomes_release_test.ts with --v8-flags=--expose-gc: a command that times out while it
// waits for a connection (the server never answers the handshake) must let its arguments go.
// Prints {"released": boolean}.
import { RedisClient, TimeoutError } from "../../redis/mod.ts";

const gc = (globalThis as unknown as { gc: () => void }).gc;
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const conns: Deno.Conn[] = [];
const accepting = (async () => {
  for await (const conn of listener) conns.push(conn); // never reads, never answers
})();
const client = new RedisClient({
  url: `redis://127.0.0.1:${listener.addr.port}`,
  connectTimeoutMs: 0,
});
const connecting = client.connect().catch(() => {});
let ref: WeakRef<Uint8Array> | undefined;
await (async () => {
  const big = new Uint8Array(8 * 1024 * 1024);
  ref = new WeakRef(big);
  await client.sendCommand(["SET", "k", big], { timeoutMs: 20 }).then(
    () => {
      throw new Error("resolved");
    },
    (error) => {
      if (!(error instanceof TimeoutError)) throw error;
    },
  );
})();
for (let i = 0; i < 5; i++) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
}
const released = ref!.deref() === undefined;
client.destroy();
await connecting;
await client.finished;
listener.close();
for (const conn of conns) conn.close();
await accepting.catch(() => {});
console.log(JSON.stringify({ released }));
