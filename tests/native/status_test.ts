import assert from "node:assert/strict";
import { findCompiler } from "../../native/build.ts";
import { loadNative } from "../../native/mod.ts";

const script = new URL("./_print_status.ts", import.meta.url).pathname;
const compiler = await findCompiler();
const defaultLibrary = new URL("../../native/build/libdray.so", import.meta.url).pathname;
const built = (() => {
  try {
    return Deno.statSync(defaultLibrary).isFile;
  } catch {
    return false;
  }
})();

interface Printed {
  available: boolean;
  reason?: string;
  message?: string;
  path?: string;
  version?: string;
}

async function statusWith(flags: string[], env: Record<string, string> = {}): Promise<Printed> {
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", ...flags, script],
    env,
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout).trim();
  assert.ok(success, `status script failed: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(text);
}

async function compile(name: string, source: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "dray-native-" });
  await Deno.writeTextFile(`${dir}/${name}.c`, source);
  const out = `${dir}/${name}.so`;
  const { success, stderr } = await new Deno.Command(compiler!, {
    args: ["-shared", "-fPIC", "-o", out, `${dir}/${name}.c`],
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  return out;
}

Deno.test("nativeStatus reports no-permission without --allow-ffi", async () => {
  const status = await statusWith(["--allow-read", "--allow-env"]);
  assert.equal(status.available, false);
  assert.equal(status.reason, "no-permission");
  assert.match(status.message!, /--allow-ffi/);
});

Deno.test("nativeStatus reports file-missing for a DRAY_NATIVE that does not exist", async () => {
  const status = await statusWith(["--allow-ffi", "--allow-read", "--allow-env"], {
    DRAY_NATIVE: "/nonexistent/dir/libdray.so",
  });
  assert.deepEqual([status.available, status.reason], [false, "file-missing"]);
  assert.match(status.message!, /\/nonexistent\/dir\/libdray\.so/);
});

Deno.test("nativeStatus reports load-error for a DRAY_NATIVE that is not a library", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.so`, "this is not an ELF file");
    const status = await statusWith(["--allow-ffi", "--allow-read", "--allow-env"], {
      DRAY_NATIVE: `${dir}/bad.so`,
    });
    assert.deepEqual([status.available, status.reason], [false, "load-error"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "nativeStatus reports symbol-missing for a library without the shim's symbols",
  ignore: compiler === undefined,
  async fn() {
    const path = await compile("empty", "int unrelated(void) { return 1; }\n");
    try {
      const status = await statusWith(["--allow-ffi", "--allow-read", "--allow-env"], {
        DRAY_NATIVE: path,
      });
      assert.deepEqual([status.available, status.reason], [false, "symbol-missing"]);
    } finally {
      await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    }
  },
});

Deno.test({
  name: "nativeStatus reports abi-mismatch for a library built from another shim.c",
  ignore: compiler === undefined,
  async fn() {
    // A library from an older shim.c: its ABI differs and it lacks the newer symbols, which must
    // be reported as stale (abi-mismatch), not as a missing symbol.
    const path = await compile(
      "stale",
      [
        "#include <stdint.h>",
        "uint32_t dray_version(void) { return 1; }",
        "uint32_t dray_abi(void) { return 1; }",
        "int32_t dray_copy(void) { return 0; }",
        "int32_t dray_fill(void) { return 0; }",
      ].join("\n"),
    );
    try {
      const status = await statusWith(["--allow-ffi", "--allow-read", "--allow-env"], {
        DRAY_NATIVE: path,
      });
      assert.deepEqual([status.available, status.reason], [false, "abi-mismatch"]);
    } finally {
      await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    }
  },
});

Deno.test({
  name: "nativeStatus loads the built shim from DRAY_NATIVE and from the default path",
  ignore: !built,
  async fn() {
    const fromEnv = await statusWith(["--allow-ffi", "--allow-read", "--allow-env"], {
      DRAY_NATIVE: defaultLibrary,
    });
    assert.equal(fromEnv.available, true);
    assert.equal(fromEnv.path, defaultLibrary);
    // Without --allow-env the DRAY_NATIVE lookup is skipped, not fatal.
    const fromDefault = await statusWith(["--allow-ffi", "--allow-read"], {
      DRAY_NATIVE: "/nonexistent.so",
    });
    assert.equal(fromDefault.available, true);
    assert.equal(fromDefault.path, defaultLibrary);
    assert.match(fromDefault.version!, /^\d+\.\d+\.\d+$/);
  },
});

Deno.test("loadNative never throws for a path that is a directory", () => {
  const status = loadNative({ path: "/" });
  assert.equal(status.available, false);
});
