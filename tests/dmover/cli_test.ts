// The dmover CLI, run as a subprocess on generated files: CRC-32C against the bitwise CRC,
// parity and P+Q against references, recovery of one and two missing files in every case, the
// progress bar and the summary, clear errors, and nothing left behind when a command fails.
import assert from "node:assert/strict";
import { dmover, entries, withDir, xorOf } from "./_cli_support.ts";
import { bitwiseCrc32c, pqRef, randomBytes } from "./_support.ts";

Deno.test("dmover crc32c prints the CRC-32C of each file, streamed in chunks", async () => {
  await withDir(async (dir) => {
    const files: [string, Uint8Array][] = [
      ["check", new TextEncoder().encode("123456789")],
      ["empty", new Uint8Array(0)],
      ["odd", randomBytes(5_000_001, 1)], // more than one 4 MiB chunk, not a multiple of 8
    ];
    for (const [name, bytes] of files) await Deno.writeFile(`${dir}/${name}`, bytes);
    const run = await dmover(["crc32c", ...files.map(([name]) => `${dir}/${name}`)]);
    assert.equal(run.code, 0, run.stderr);
    const expected = files.map(([name, bytes]) =>
      `${bitwiseCrc32c(bytes).toString(16).padStart(8, "0")}  ${dir}/${name}`
    );
    assert.deepEqual(run.stdout.trimEnd().split("\n"), expected);
    assert.equal(expected[0]!.slice(0, 8), "e3069283");
    assert.equal(run.stderr, ""); // not a terminal: no bar, no summary
  });
});

Deno.test("dmover parity and pq write what the references compute, and recover rebuilds from them", async () => {
  await withDir(async (dir) => {
    const size = 3_000_003;
    const data = [1, 2, 3, 4].map((seed) => randomBytes(size, seed));
    const names = data.map((_, k) => `${dir}/d${k}`);
    for (let k = 0; k < 4; k++) await Deno.writeFile(names[k]!, data[k]!);
    let run = await dmover(["parity", "-o", `${dir}/P`, ...names, "--quiet"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    assert.deepEqual(await Deno.readFile(`${dir}/P`), xorOf(data));
    run = await dmover(["pq", "-P", `${dir}/P`, "-Q", `${dir}/Q`, ...names, "--quiet"]);
    assert.equal(run.code, 0, run.stderr);
    const [p, q] = pqRef(data);
    assert.deepEqual(await Deno.readFile(`${dir}/P`), p);
    assert.deepEqual(await Deno.readFile(`${dir}/Q`), q);
    const stripe = [...data, p, q];
    const paths = [...names, `${dir}/P`, `${dir}/Q`];
    // Every pair of lost positions (two data, data and P, data and Q, P and Q), then one alone.
    const losses: number[][] = [[0, 1], [2, 3], [1, 4], [3, 5], [4, 5], [0], [4], [5]];
    for (const lost of losses) {
      for (const k of lost) await Deno.remove(paths[k]!);
      run = await dmover(["recover", "-P", paths[4]!, "-Q", paths[5]!, ...names, "--quiet"]);
      assert.equal(run.code, 0, `${lost}: ${run.stderr}`);
      for (const k of lost) assert.deepEqual(await Deno.readFile(paths[k]!), stripe[k], `${lost}`);
    }
    // P alone rebuilds one data file, or P itself; Q alone one data file.
    for (
      const [flags, lost] of [[["-P", paths[4]!], 2], [["-P", paths[4]!], 4], [
        ["-Q", paths[5]!],
        1,
      ]] as const
    ) {
      await Deno.remove(paths[lost]!);
      run = await dmover(["recover", ...flags, ...names, "--quiet"]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await Deno.readFile(paths[lost]!), stripe[lost]);
    }
    assert.deepEqual(await entries(dir), ["P", "Q", "d0", "d1", "d2", "d3"]);
  });
});

Deno.test("dmover parity folds more than 32 files", async () => {
  await withDir(async (dir) => {
    const data = Array.from({ length: 40 }, (_, k) => randomBytes(10_000, k + 1));
    const names = data.map((_, k) => `${dir}/d${k}`);
    for (let k = 0; k < data.length; k++) await Deno.writeFile(names[k]!, data[k]!);
    const run = await dmover(["parity", "-o", `${dir}/P`, "--quiet", ...names]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/P`), xorOf(data));
  });
});

Deno.test("dmover --progress draws a bar with rate and ETA on a pipe, cleared before the summary", async () => {
  await withDir(async (dir) => {
    const block = randomBytes(36 << 20, 9);
    await Deno.writeFile(`${dir}/a`, block);
    await Deno.writeFile(`${dir}/b`, block.reverse());
    const run = await dmover(["parity", "--progress", "-o", `${dir}/P`, `${dir}/a`, `${dir}/b`]);
    assert.equal(run.code, 0, run.stderr);
    const shown = run.stderr.replaceAll("\x1b[2K", "<clear>");
    assert.match(shown, /\r<clear>\[#*-*\] +\d+% /);
    assert.match(
      shown,
      /\r<clear>\[#{30}\] 100% 72\.0 MiB \/ 72\.0 MiB [\d.]+ [KMG]?i?B\/s ETA 0:00/,
    );
    assert.match(
      shown,
      /\r<clear>parity: 72\.0 MiB in \d+\.\d\d s \([\d.]+ [KMG]iB\/s\)\n$/,
    );
    // Not a terminal, no --progress: nothing on stderr.
    const plain = await dmover(["crc32c", `${dir}/a`]);
    assert.equal(plain.stderr, "");
  });
});

Deno.test("dmover reports unequal sizes, missing files and denied permissions clearly", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/a`, randomBytes(1000, 1));
    await Deno.writeFile(`${dir}/b`, randomBytes(999, 2));
    await Deno.writeFile(`${dir}/c`, randomBytes(1000, 3));
    let run = await dmover(["parity", "-o", `${dir}/P`, `${dir}/a`, `${dir}/b`]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `dmover: the files differ in size: '${dir}/a' has 1000 bytes, '${dir}/b' has 999\n`,
    );
    run = await dmover(["pq", "-P", `${dir}/P`, "-Q", `${dir}/Q`, `${dir}/a`, `${dir}/nope`]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `dmover: cannot read '${dir}/nope': no such file or directory\n`);
    run = await dmover(["crc32c", `${dir}/a`, `${dir}/nope`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot read '.*\/nope': no such file or directory/);
    run = await dmover(["parity", "-o", `${dir}/no/such/dir/P`, `${dir}/a`, `${dir}/c`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot write '.*\/no\/such\/dir\/P': no such file or directory/);
    // Deno's own permissions: reading granted, writing not.
    run = await dmover(["parity", "-o", `${dir}/P`, `${dir}/a`, `${dir}/c`], {
      permissions: ["--allow-read"],
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot write '.*\/P': Deno did not grant it/);
    run = await dmover(["recover", "-P", `${dir}/a`, `${dir}/x`, `${dir}/y`, `${dir}/c`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot recover 2 missing files from P alone/);
    run = await dmover(["recover", "-P", `${dir}/a`, `${dir}/c`, `${dir}/b`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nothing to recover/);
    for (
      const args of [[], ["frobnicate"], ["parity", `${dir}/a`], ["pq", "-P", "P", `${dir}/a`], [
        "crc32c",
        "--bogus",
        `${dir}/a`,
      ]]
    ) {
      run = await dmover(args);
      assert.equal(run.code, 2, `${args}`);
      assert.match(run.stderr, /^dmover: .*\nusage: dmover crc32c \[FILE\.\.\.\]/);
    }
    assert.deepEqual(await entries(dir), ["a", "b", "c"]); // nothing left behind
  });
});

Deno.test({
  name: "dmover reports a permission the system denies",
  ignore: Deno.build.os === "windows" || Deno.uid() === 0, // root reads anything
  async fn() {
    await withDir(async (dir) => {
      await Deno.writeFile(`${dir}/a`, randomBytes(100, 1));
      await Deno.chmod(`${dir}/a`, 0o000);
      const run = await dmover(["crc32c", `${dir}/a`]);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `dmover: cannot read '${dir}/a': permission denied\n`);
    });
  },
});

// sysfs files claim 4096 bytes and hold fewer: reading one fails after the outputs were opened.
const SHORT = "/sys/kernel/mm/transparent_hugepage/enabled";
let shortFile = false;
try {
  shortFile = Deno.statSync(SHORT).size === 4096 && Deno.readFileSync(SHORT).length < 4096;
} catch {
  shortFile = false;
}

Deno.test({
  name: "dmover leaves nothing behind when a command fails half-way",
  ignore: !shortFile,
  async fn() {
    await withDir(async (dir) => {
      await Deno.writeFile(`${dir}/a`, randomBytes(4096, 1));
      // Deno grants sysfs reads with -A only.
      const run = await dmover(["pq", "-P", `${dir}/P`, "-Q", `${dir}/Q`, `${dir}/a`, SHORT], {
        permissions: ["-A"],
      });
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `dmover: cannot read '${SHORT}': it shrank while being read\n`);
      assert.deepEqual(await entries(dir), ["a"]); // no P, no Q, no temporary file
    });
  },
});
