// The native shim for a JSR user: the files `deno publish --dry-run` would upload are copied out of
// the repository and served over HTTP (as JSR serves them); a program importing them finds no
// library and names the build command, `deno run -A <served>/native/build.ts` builds the library
// into the per-user cache, and the same program then loads it from there.
import assert from "node:assert/strict";
import { findCompiler } from "../../native/build.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const decoder = new TextDecoder();
const compiler = await findCompiler();

/** The files `deno publish --dry-run` lists, relative to the repository root. */
async function publishedFiles(): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty", "--no-check"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  assert.ok(out.success, text);
  const files = [...text.matchAll(/file:\/\/(\S+) \(/g)].map((m) => m[1]!.slice(ROOT.length));
  assert.ok(files.length > 0, text);
  return files;
}

/** Runs deno outside the repository (its own dir, no config, no lock file), as a user would. */
async function run(args: string[], env: Record<string, string>, cwd: string): Promise<string> {
  const [command, ...rest] = args;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [command!, "--no-config", "--no-lock", ...rest],
    cwd,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(out.stdout);
  assert.ok(out.success, text + decoder.decode(out.stderr));
  return text;
}

Deno.test({
  name: "native/build builds the shim for a JSR user into the cache the loader searches",
  ignore: compiler === undefined || Deno.build.os === "windows",
  async fn() {
    const files = await publishedFiles();
    assert.ok(files.includes("native/shim.c"));
    assert.ok(files.includes("native/build.ts"));
    assert.ok(!files.some((f) => f.startsWith("native/build/")), "no built library is uploaded");
    const tmp = await Deno.makeTempDir({ prefix: "dray-jsr-" });
    const controller = new AbortController();
    let server: Deno.HttpServer<Deno.NetAddr> | undefined;
    try {
      for (const file of files) {
        const target = `${tmp}/pkg/${file}`;
        await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
        await Deno.copyFile(`${ROOT}${file}`, target);
      }
      server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
        async (request) => {
          const path = decodeURIComponent(new URL(request.url).pathname);
          try {
            return new Response(await Deno.readFile(`${tmp}/pkg${path}`));
          } catch {
            return new Response("not found", { status: 404 });
          }
        },
      );
      const base = `http://127.0.0.1:${server.addr.port}`;
      await Deno.mkdir(`${tmp}/home`);
      const env = {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: `${tmp}/home`,
        XDG_CACHE_HOME: `${tmp}/cache`,
        DENO_DIR: `${tmp}/deno`,
        ...(Deno.env.get("CC") ? { CC: Deno.env.get("CC")! } : {}),
      };
      const expected = `${tmp}/cache/dray/abi-`;
      const probe = `import { nativeStatus } from "${base}/native/mod.ts";
const s = nativeStatus();
console.log(JSON.stringify({ available: s.available, path: s.path, message: s.available ? "" : s.message }));`;
      const before = JSON.parse(await run(["eval", probe], env, `${tmp}/home`));
      assert.equal(before.available, false);
      assert.ok(before.path.startsWith(expected), before.path);
      assert.match(before.message, /build it with 'deno run -A jsr:@dray\/dray\/native\/build'/);
      assert.doesNotMatch(before.message, /deno task native/); // no tasks outside a clone

      const built = await run(["run", "-A", `${base}/native/build.ts`], env, `${tmp}/home`);
      assert.match(built, new RegExp(`^native: built ${expected}\\d+/libdray\\.so with `));

      const after = JSON.parse(await run(["eval", probe], env, `${tmp}/home`));
      assert.equal(after.available, true, after.message);
      assert.equal(after.path, before.path);
    } finally {
      controller.abort();
      await server?.finished;
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
