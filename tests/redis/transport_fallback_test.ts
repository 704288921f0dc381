// The native transport falls back to Deno.connect, and says why, when it cannot be used: checked in
// subprocesses whose permissions or environment make it unavailable.
import assert from "node:assert/strict";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { nativeLibrary } from "../_helpers/native.ts";

const script = new URL("./_print_transport.ts", import.meta.url).pathname;
const root = new URL("../../", import.meta.url).pathname;

interface Printed {
  kind?: string;
  driver?: string;
  fallback?: { reason: string; message: string } | null;
  reply?: string;
  error?: string;
  message?: string;
}

async function run(
  flags: string[],
  options: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<Printed> {
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", ...flags, script, JSON.stringify(options)],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout).trim();
  assert.ok(success, `script failed: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(text);
}

Deno.test("connectTransport falls back to Deno.connect without --allow-ffi and says why", async () => {
  await using server = await startRedisServer();
  const net = `--allow-net=127.0.0.1:${server.port}`;
  const native = await run([net, `--allow-read=${root}`], {
    port: server.port,
    transport: "native",
  });
  assert.equal(native.kind, "deno");
  assert.equal(native.driver, "deno");
  assert.equal(native.fallback?.reason, "no-permission");
  assert.match(native.fallback!.message, /--allow-ffi/);
  assert.equal(native.reply, "+PONG\r\n");

  const auto = await run([net, `--allow-read=${root}`], { port: server.port, transport: "auto" });
  assert.equal(auto.kind, "deno");
  assert.equal(auto.fallback, null);
  assert.equal(auto.reply, "+PONG\r\n");
});

Deno.test("connectTransport falls back when the shim library is missing", async () => {
  await using server = await startRedisServer();
  const printed = await run(
    [`--allow-net=127.0.0.1:${server.port}`, "--allow-read", "--allow-ffi", "--allow-env"],
    { port: server.port, transport: "native" },
    { DRAY_NATIVE: "/nonexistent/libdray.so" },
  );
  assert.equal(printed.kind, "deno");
  assert.equal(printed.fallback?.reason, "file-missing");
  assert.equal(printed.reply, "+PONG\r\n");
});

Deno.test({
  name: "connectTransport never lets the native connect go around --allow-net",
  ignore: nativeLibrary === undefined || Deno.build.os === "windows",
  async fn() {
    await using server = await startRedisServer();
    // FFI is allowed, the network only to another port: the native path is refused and the
    // Deno fallback is stopped by the sandbox.
    const printed = await run(["--allow-net=127.0.0.1:1", "--allow-read", "--allow-ffi"], {
      port: server.port,
      transport: "native",
    });
    assert.equal(printed.error, "ENOTCAPABLE");
    const allowed = await run(
      [`--allow-net=127.0.0.1:${server.port}`, "--allow-read", "--allow-ffi"],
      { port: server.port, transport: "native" },
    );
    assert.equal(allowed.kind, "native");
    assert.equal(allowed.fallback, null);
    assert.equal(allowed.reply, "+PONG\r\n");
  },
});
