// Native sockets keep to Deno's sandbox and to their own descriptors (issue 14 item 12): a connect
// needs the permission Deno.connect needs, and the socket calls refuse every descriptor the shim
// did not create.
import assert from "node:assert/strict";
import { nativeLibrary as lib } from "../_helpers/native.ts";
import { SOCKET_READABLE, socketErrorCode } from "../../native/sockets.ts";

const ignore = lib === undefined || Deno.build.os !== "linux";

Deno.test({
  name: "NativeLibrary.socketConnect throws NotCapable without --allow-net for the host",
  ignore,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const dir = await Deno.makeTempDir({ prefix: "dray-denied-" });
    const unixPath = `${dir}/s.sock`;
    const unix = Deno.listen({ transport: "unix", path: unixPath });
    try {
      const script = new URL("./_denied_connect.ts", import.meta.url).pathname;
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-ffi",
          "--allow-env",
          `--allow-read=${new URL("../..", import.meta.url).pathname}`,
          "--allow-net=127.0.0.1:1",
          script,
          String(listener.addr.port),
          unixPath,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(stdout).trim();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      assert.deepEqual(out.split("\n"), ["NotCapable", "NotCapable"]);
    } finally {
      listener.close();
      unix.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

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

Deno.test({
  name: "NativeLibrary socket calls refuse descriptors the shim did not create",
  ignore,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const server = await accepted;
    // One socket of the shim's own, which keeps working throughout.
    const nativeAccepted = listener.accept();
    const own = await lib!.socketConnect({ hostname: "127.0.0.1", port: listener.addr.port });
    assert.ok(own.ok);
    const nativePeer = await nativeAccepted;
    try {
      const foreign = socketDescriptors().filter((fd) => fd !== own.fd);
      assert.ok(foreign.length >= 3, `found ${foreign.length} sockets`);
      const x = new Uint8Array([0x78]);
      for (const fd of foreign) {
        assert.equal(socketErrorCode(lib!.socketWrite(fd, x)), "EBADF", `write ${fd}`);
        assert.equal(socketErrorCode(lib!.socketRead(fd, new Uint8Array(8))), "EBADF");
        assert.equal(socketErrorCode(await lib!.socketWait(fd, SOCKET_READABLE, 0)), "EBADF");
        assert.equal(socketErrorCode(lib!.socketShutdown(fd)), "EBADF", `shutdown ${fd}`);
        assert.equal(socketErrorCode(lib!.socketClose(fd)), "EBADF", `close ${fd}`);
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
      assert.equal(lib!.socketWrite(own.fd, x), 1);
      const one = new Uint8Array(1);
      assert.equal(await nativePeer.read(one), 1);
    } finally {
      lib!.socketClose(own.fd);
      nativePeer.close();
      client.close();
      server.close();
      listener.close();
    }
  },
});
