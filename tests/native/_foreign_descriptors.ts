// Child process of socket_owned_test.ts. `deno test --parallel` runs test modules as isolates of
// one process and the shim's set of owned descriptors is process-wide, so in the test process a
// socket another module's native transport opened is the shim's own. Here, alone in a process,
// every socket this script did not open through the shim is foreign. Prints "ok" or the failure.
import assert from "node:assert/strict";
import { nativeStatus } from "../../native/mod.ts";
import { SOCKET_READABLE, socketErrorCode } from "../../native/sockets.ts";

const status = nativeStatus();
if (!status.available) {
  console.log("unavailable");
  Deno.exit(0);
}
const lib = status.library;

/** The descriptors of this process that are sockets, from /proc/self/fd. */
function socketDescriptors(): number[] {
  const fds: number[] = [];
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`).startsWith("socket:")) {
        fds.push(Number(entry.name));
      }
    } catch {
      // closed meanwhile
    }
  }
  return fds;
}

/** Reads from `conn`: whether nothing arrived within 200 ms, and the read still pending. */
async function quietRead(
  conn: Deno.Conn,
  into: Uint8Array,
): Promise<[boolean, Promise<number | null>]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<"quiet">((resolve) => timer = setTimeout(() => resolve("quiet"), 200));
  const read = conn.read(into);
  const outcome = await Promise.race([read, quiet]);
  clearTimeout(timer);
  return [outcome === "quiet", read];
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const accepted = listener.accept();
const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
const server = await accepted;
// One socket of the shim's own, which keeps working throughout.
const nativeAccepted = listener.accept();
const own = await lib.socketConnect({ hostname: "127.0.0.1", port: listener.addr.port });
assert.ok(own.ok);
const nativePeer = await nativeAccepted;
try {
  const foreign = socketDescriptors().filter((fd) => fd !== own.fd);
  assert.ok(foreign.length >= 3, `found ${foreign.length} sockets`);
  const x = new Uint8Array([0x78]);
  for (const fd of foreign) {
    assert.equal(socketErrorCode(lib.socketWrite(fd, x)), "EBADF", `write ${fd}`);
    assert.equal(socketErrorCode(lib.socketRead(fd, new Uint8Array(8))), "EBADF", `read ${fd}`);
    assert.equal(socketErrorCode(await lib.socketWait(fd, SOCKET_READABLE, 0)), "EBADF");
    assert.equal(socketErrorCode(lib.socketShutdown(fd)), "EBADF", `shutdown ${fd}`);
    assert.equal(socketErrorCode(lib.socketClose(fd)), "EBADF", `close ${fd}`);
  }
  // Deno's connection is untouched: nothing written, nothing shut down or closed.
  const atServer = new Uint8Array(8);
  const [serverQuiet, serverRead] = await quietRead(server, atServer);
  assert.ok(serverQuiet, "the server side received bytes");
  const [clientQuiet, clientRead] = await quietRead(client, new Uint8Array(8));
  assert.ok(clientQuiet, "the client side received bytes");
  await client.write(new TextEncoder().encode("ok"));
  assert.equal(await serverRead, 2);
  assert.equal(new TextDecoder().decode(atServer.subarray(0, 2)), "ok");
  await server.write(new TextEncoder().encode("ok"));
  assert.equal(await clientRead, 2);
  // The shim's own socket still works.
  assert.equal(lib.socketWrite(own.fd, x), 1);
  const one = new Uint8Array(1);
  assert.equal(await nativePeer.read(one), 1);
  console.log(`ok ${foreign.length}`);
} finally {
  lib.socketClose(own.fd);
  nativePeer.close();
  client.close();
  server.close();
  listener.close();
}
