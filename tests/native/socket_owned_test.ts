// Native sockets keep to Deno's sandbox and to their own descriptors (issue 14 item 12): a connect
// needs the permission Deno.connect needs, and the socket calls refuse every descriptor the shim
// did not create.
import assert from "node:assert/strict";
import { nativeLibrary as lib } from "../_helpers/native.ts";

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

Deno.test({
  name: "NativeLibrary socket calls refuse descriptors the shim did not create",
  ignore,
  async fn() {
    // In a process of its own: test modules share this one, and their native sockets are the
    // shim's own here (see _foreign_descriptors.ts).
    const script = new URL("./_foreign_descriptors.ts", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A", // reading /proc/self/fd needs all permissions
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout).trim();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(out, /^ok \d+$/);
  },
});
