// The dmover CLI as a Unix tool, run as a subprocess: help and version, parseArgs spellings,
// standard input and output, cksum-like failures, verify, file modes, signals, the progress bar
// on a real pseudo-terminal, and the warning when the pure-TypeScript path runs.
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { nativeLibrary } from "../_helpers/native.ts";
import { CLI, cliSetup, dmover, entries, withDir, xorOf } from "./_cli_support.ts";
import { bitwiseCrc32c, pqRef, randomBytes } from "./_support.ts";

const hex = (n: number): string => n.toString(16).padStart(8, "0");

Deno.test("dmover --help and -h print the help on stdout and exit 0; --version prints the version", async () => {
  for (const flag of ["--help", "-h"]) {
    const run = await dmover([flag]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^dmover: checksums/);
    assert.match(run.stdout, /dmover verify -P P \[-Q Q\] FILE\.\.\./);
    assert.equal(run.stderr, "");
  }
  const run = await dmover(["--version"]);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, `dmover (@dray/dray) ${denoJson.version}\n`);
});

Deno.test("dmover crc32c reads standard input with no file or '-', like cksum", async () => {
  const bytes = randomBytes(5_000_001, 3);
  const want = hex(bitwiseCrc32c(bytes));
  let run = await dmover(["crc32c"], { stdin: bytes });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `${want}  -\n`);
  run = await dmover(["crc32c", "-"], { stdin: new TextEncoder().encode("123456789") });
  assert.equal(run.stdout, "e3069283  -\n");
});

Deno.test("dmover crc32c prints every readable file and exits 1 when any failed", async () => {
  await withDir(async (dir) => {
    const a = randomBytes(1000, 1);
    const c = randomBytes(2000, 2);
    await Deno.writeFile(`${dir}/a`, a);
    await Deno.writeFile(`${dir}/c`, c);
    await Deno.mkdir(`${dir}/sub`);
    const run = await dmover(["crc32c", `${dir}/a`, `${dir}/nope`, `${dir}/sub`, `${dir}/c`]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stdout,
      `${hex(bitwiseCrc32c(a))}  ${dir}/a\n${hex(bitwiseCrc32c(c))}  ${dir}/c\n`,
    );
    assert.equal(
      run.stderr,
      `dmover: cannot read '${dir}/nope': no such file or directory\n` +
        `dmover: cannot read '${dir}/sub': it is a directory\n`,
    );
  });
});

Deno.test("dmover accepts --opt=value, options after files, and '--' before a file named like an option", async () => {
  await withDir(async (dir) => {
    const data = [randomBytes(70_000, 1), randomBytes(70_000, 2)];
    await Deno.writeFile(`${dir}/-a`, data[0]!);
    await Deno.writeFile(`${dir}/b`, data[1]!);
    const run = await dmover([
      "parity",
      `${dir}/b`,
      `--output=${dir}/P`,
      "--backend=ts",
      "-q",
      "--",
      `${dir}/-a`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/P`), xorOf(data));
    const bad = await dmover(["crc32c", "--backend"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^dmover: Option '-b, --backend <value>' argument missing\n/);
  });
});

Deno.test("dmover parity -o - writes to standard output and takes '-' as an input", async () => {
  await withDir(async (dir) => {
    const data = [randomBytes(300_000, 1), randomBytes(300_000, 2), randomBytes(300_000, 3)];
    for (let k = 0; k < 3; k++) await Deno.writeFile(`${dir}/d${k}`, data[k]!);
    const run = await dmover(["parity", "-o", "-", `${dir}/d0`, "-", `${dir}/d2`], {
      stdin: data[1]!,
    });
    assert.equal(run.code, 0, run.stderr);
    const bytes = new TextEncoder().encode(run.stdout); // compare as bytes below
    assert.ok(bytes.length > 0);
    assert.deepEqual(await entries(dir), ["d0", "d1", "d2"]); // no file named '-'
    // stdout is text-decoded by the helper: check through a file instead for exact bytes.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...cliSetup(["--allow-read"]).flags,
        CLI,
        "parity",
        "-o",
        "-",
        ...[
          0,
          1,
          2,
        ].map((k) => `${dir}/d${k}`),
      ],
      env: cliSetup([]).env,
      stdout: "piped",
      stderr: "null",
    });
    const out = await child.output();
    assert.deepEqual(out.stdout, xorOf(data));
    const short = await dmover(["parity", "-o", "-", `${dir}/d0`, "-"], {
      stdin: data[1]!.subarray(1000),
    });
    assert.equal(short.code, 1);
    assert.match(short.stderr, /the files differ in size: '-' ended at byte 299000/);
  });
});

Deno.test("dmover verify accepts a good set and names the damaged file, P or Q", async () => {
  await withDir(async (dir) => {
    const size = 1_000_003;
    const data = [1, 2, 3, 4].map((seed) => randomBytes(size, seed));
    const names = data.map((_, k) => `${dir}/d${k}`);
    for (let k = 0; k < 4; k++) await Deno.writeFile(names[k]!, data[k]!);
    const [p, q] = pqRef(data);
    await Deno.writeFile(`${dir}/P`, p);
    await Deno.writeFile(`${dir}/Q`, q);
    const pq = ["-P", `${dir}/P`, "-Q", `${dir}/Q`];
    let run = await dmover(["verify", ...pq, ...names]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "ok: 4 data files match P and Q (976.6 KiB each)\n");
    const damage = async (path: string, at: number[], fn: () => Promise<void>, flip = 0x5a) => {
      const original = await Deno.readFile(path);
      const broken = original.slice();
      for (const i of at) broken[i] = broken[i]! ^ flip;
      await Deno.writeFile(path, broken);
      await fn();
      await Deno.writeFile(path, original);
    };
    // A data file, P and Q, each in turn; bytes in different chunks.
    for (
      const [path, label] of [[names[2]!, `'${names[2]}'`], [`${dir}/P`, `'${dir}/P'`], [
        `${dir}/Q`,
        `'${dir}/Q'`,
      ]]
    ) {
      await damage(path!, [7, 999_999], async () => {
        run = await dmover(["verify", ...pq, ...names]);
        assert.equal(run.code, 1, path);
        assert.equal(run.stdout, `damaged: ${label}: 2 bytes differ, the first at byte 7\n`);
      });
    }
    // P alone detects, but cannot tell which file.
    await damage(names[0]!, [12], async () => {
      run = await dmover(["verify", "-P", `${dir}/P`, ...names]);
      assert.equal(run.code, 1);
      assert.match(
        run.stdout,
        /^damaged: P does not match the data: 1 byte differs, the first at byte 12/,
      );
    });
    // Two data files damaged at the same byte (d0 by 0x5a, d1 by 0x33: Q's difference is 2^19
    // times P's, and there is no data file 19): no single file explains it.
    await damage(names[0]!, [40], () =>
      damage(names[1]!, [40], async () => {
        run = await dmover(["verify", ...pq, ...names]);
        assert.equal(run.code, 1);
        assert.match(run.stdout, /^damaged: more than one file at the same bytes: 1 byte differs/);
      }, 0x33));
    run = await dmover(["verify", "-P", `${dir}/P`, ...names]);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, "ok: 4 data files match P (976.6 KiB each)\n");
  });
});

Deno.test("dmover gives what it writes the mode of the first input", async () => {
  await withDir(async (dir) => {
    const data = [randomBytes(10_000, 1), randomBytes(10_000, 2)];
    await Deno.writeFile(`${dir}/a`, data[0]!, { mode: 0o600 });
    await Deno.writeFile(`${dir}/b`, data[1]!, { mode: 0o600 });
    await Deno.chmod(`${dir}/a`, 0o640);
    let run = await dmover(["pq", "-P", `${dir}/P`, "-Q", `${dir}/Q`, `${dir}/a`, `${dir}/b`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await Deno.stat(`${dir}/P`)).mode! & 0o7777, 0o640);
    assert.equal((await Deno.stat(`${dir}/Q`)).mode! & 0o7777, 0o640);
    await Deno.remove(`${dir}/b`);
    run = await dmover(["recover", "-P", `${dir}/P`, "-Q", `${dir}/Q`, `${dir}/a`, `${dir}/b`]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/b`), data[1]);
    assert.equal((await Deno.stat(`${dir}/b`)).mode! & 0o7777, 0o640);
  });
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`dmover removes its temporary files on ${signal} mid-run`, async () => {
    await withDir(async (dir) => {
      const size = 64 << 20;
      await Deno.writeFile(`${dir}/a`, randomBytes(size, 1));
      const { flags, env } = cliSetup(["--allow-read", "--allow-write"]);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", ...flags, CLI, "parity", "-o", `${dir}/P`, `${dir}/a`, "-"],
        env,
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      // Feed half of the second input through a pipe and hold the rest: the run is mid-way.
      const writer = child.stdin.getWriter();
      await writer.write(randomBytes(size / 2, 2));
      const deadline = Date.now() + 20_000;
      let temps: string[] = [];
      while (Date.now() < deadline) {
        temps = (await entries(dir)).filter((name) => name.endsWith(".tmp"));
        if (temps.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(temps.length, 1, "the temporary output exists mid-run");
      await new Promise((resolve) => setTimeout(resolve, 200)); // let it write some chunks
      child.kill(signal);
      const status = await child.status;
      await writer.close().catch(() => {});
      await child.stderr.cancel();
      assert.equal(status.code, signal === "SIGINT" ? 130 : 143);
      assert.deepEqual(await entries(dir), ["a"]); // no P, no temporary file
    });
  });
}

Deno.test({
  name: "dmover draws the progress bar on a terminal and clears it before each result line",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withDir(async (dir) => {
      const bytes = randomBytes(9 << 20, 5);
      await Deno.writeFile(`${dir}/a`, bytes);
      await Deno.writeFile(`${dir}/b`, bytes.subarray(1));
      const { flags, env } = cliSetup(["--allow-read"]);
      const command = [Deno.execPath(), "run", ...flags, CLI, "crc32c", `${dir}/a`, `${dir}/b`]
        .map((word) => `'${word}'`).join(" ");
      // util-linux script gives the command a pseudo-terminal for stdin, stdout and stderr.
      const out = await new Deno.Command("script", {
        args: ["-qfec", command, "/dev/null"],
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).replaceAll("\r\n", "\n")
        .replaceAll("\x1b[2K", "<clear>");
      assert.equal(out.code, 0, text);
      const clear = "\r<clear>";
      assert.match(
        text,
        /\r<clear>\[#*-*\] +\d+% [\d.]+ [KM]?i?B \/ 18\.0 MiB [\d.]+ [KMG]?i?B\/s ETA \d+:\d\d/,
      );
      // Each result line starts right after a clear, never after a bar.
      const a = `${hex(bitwiseCrc32c(bytes))}  ${dir}/a\n`;
      const b = `${hex(bitwiseCrc32c(bytes.subarray(1)))}  ${dir}/b\n`;
      assert.ok(text.includes(clear + a), JSON.stringify(text));
      assert.ok(text.includes(clear + b), JSON.stringify(text));
      assert.match(text, /\ncrc32c: 18\.0 MiB in \d+\.\d\d s/); // the summary, on a TTY
      // Nothing remains of a bar after the last clear but the summary.
      assert.doesNotMatch(text.slice(text.lastIndexOf(clear)), /\[#/);
    });
  },
});

Deno.test("dmover warns on stderr, with the reason, when the pure-TypeScript path runs", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a`, "123456789");
    const env = { DRAY_NATIVE: `${dir}/no-such-libdray.so` };
    let run = await dmover(["crc32c", `${dir}/a`], { env, keepWarning: true });
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `e3069283  ${dir}/a\n`);
    assert.match(
      run.stderr,
      /^dmover: warning: the native path is unavailable \(file-missing: Cannot load .*no-such-libdray\.so: no such file.*\); running on the slower pure-TypeScript path\n$/,
    );
    run = await dmover(["crc32c", "-q", `${dir}/a`], { env, keepWarning: true });
    assert.equal(run.stderr, "");
    run = await dmover(["crc32c", "--backend", "ts", `${dir}/a`], { env, keepWarning: true });
    assert.equal(run.stderr, "");
    if (nativeLibrary !== undefined) {
      run = await dmover(["crc32c", `${dir}/a`], { keepWarning: true });
      assert.equal(run.stderr, "");
    }
  });
});
