// Native connects hold no thread of Deno's blocking pool while they are pending (issue 14 item
// 12): with 64 connects stuck on a listener that drops SYNs, an unrelated Deno.readTextFile still
// completes while every one of them is pending.
import assert from "node:assert/strict";
import { nativeLibrary as lib } from "../_helpers/native.ts";

const ignore = lib === undefined || Deno.build.os !== "linux";

/** Starts the silent listener (compiled with cc into a temp dir); its port and a stop function. */
async function silentListener(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "dray-listener-" });
  const binary = `${dir}/listener`;
  const source = new URL("./_silent_listener.c", import.meta.url).pathname;
  const build = await new Deno.Command("cc", { args: ["-O1", "-o", binary, source] }).output();
  assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
  const child = new Deno.Command(binary, { stdin: "piped", stdout: "piped" }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    assert.ok(!done, "the listener exited");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return {
    port: Number(text.trim()),
    async stop() {
      await child.stdin.close();
      await child.stdout.cancel();
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test({
  name:
    "NativeLibrary.socketConnect leaves Deno's blocking pool free while 64 connects are pending",
  ignore,
  async fn() {
    const listener = await silentListener();
    const controller = new AbortController();
    let settled = 0;
    const connects = Array.from(
      { length: 64 },
      () =>
        lib!.socketConnect({ hostname: "127.0.0.1", port: listener.port }, {
          timeoutMs: 20_000,
          signal: controller.signal,
        }).then((result) => {
          settled++;
          return result;
        }),
    );
    try {
      // Let the SYNs go out; the first connect or two fill the accept queue, the rest are dropped.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const settledBefore = settled;
      assert.ok(
        settledBefore <= 4,
        `${settledBefore} connects completed: the backlog did not fill`,
      );
      const text = await Deno.readTextFile(new URL(import.meta.url));
      assert.ok(text.includes("blocking pool"));
      assert.equal(settled, settledBefore, "a connect settled before the file read finished");
    } finally {
      controller.abort();
      const results = await Promise.all(connects);
      for (const result of results) if (result.ok) lib!.socketClose(result.fd);
      await listener.stop();
    }
  },
});
