// bench:dmover's CLI section: `dmover crc32c` and `dmover parity` on a 1 GiB file set against the
// checksum tools of the machine (cksum, md5sum, ...). Used by bench/dmover_bench.ts.

import { MIB } from "./_dmover_offthread.ts";
import { commandRuns } from "../tests/_helpers/command_runs.ts";

// ---- the CLI on a 1 GiB file set -----------------------------------------------------------------

async function timed(
  command: string,
  args: string[],
  stdout: "null" | "piped" = "null",
): Promise<number> {
  const t0 = performance.now();
  const result = await new Deno.Command(command, { args, stdout, stderr: "piped" }).output();
  const ms = performance.now() - t0;
  if (!result.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return ms;
}

/** The CLI section: GB/s of dmover and of each tool present, per task. */
export async function cliSection(
  { quick, root }: { quick: boolean; root: string },
): Promise<Record<string, Record<string, number>>> {
  const dir = await Deno.makeTempDir({ prefix: "dray-cli-bench-" });
  try {
    const GIB = 1 << 30;
    // One file of 1 GiB for the checksums; four of 256 MiB for parity, pq and recover.
    const chunk = new Uint8Array(16 * MIB);
    let x = 7;
    for (let i = 0; i < chunk.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk[i] = x & 0xff;
      chunk[i + 1] = (x >>> 8) & 0xff;
      chunk[i + 2] = (x >>> 16) & 0xff;
      chunk[i + 3] = x >>> 24;
    }
    const write = async (path: string, bytes: number, salt: number): Promise<void> => {
      const file = await Deno.open(path, { write: true, create: true, truncate: true });
      for (let at = 0; at < bytes; at += chunk.length) {
        chunk[0] = salt;
        chunk[1] = at >>> 24;
        await file.write(chunk); // a whole chunk is written to a regular file
      }
      file.close();
    };
    await write(`${dir}/big`, GIB, 1);
    const data = [0, 1, 2, 3].map((k) => `${dir}/d${k}`);
    for (let k = 0; k < 4; k++) await write(data[k]!, GIB / 4, 10 + k);
    const deno = Deno.execPath();
    const cli = `${root}dmover/cli.ts`;
    const env = ["--allow-read", "--allow-write", "--allow-ffi", "--allow-env"];
    const rounds = quick ? 1 : 3;
    const best = async (command: string, args: string[]): Promise<number> => {
      let ms = Infinity;
      for (let i = 0; i < rounds; i++) ms = Math.min(ms, await timed(command, args));
      return (GIB / ms) / 1e6; // GB/s of input bytes, the whole process included
    };
    // Warm the page cache (and check the CLI runs).
    await timed("cat", [`${dir}/big`, ...data]);
    const out: Record<string, Record<string, number>> = {};
    out["crc32c, 1 file of 1 GiB"] = {
      dmover: await best(deno, ["run", ...env, cli, "crc32c", "--quiet", `${dir}/big`]),
    };
    for (
      const [tool, args] of [
        ["cksum", []],
        ["cksum", ["-a", "crc"]],
        ["md5sum", []],
        ["sha1sum", []],
        ["b2sum", []],
        ["cat", []],
      ] as const
    ) {
      if (!await commandRuns(tool)) continue;
      const name = [tool, ...args].join(" ");
      try {
        out["crc32c, 1 file of 1 GiB"]![name] = await best(tool, [...args, `${dir}/big`]);
      } catch {
        // an option this version of the tool does not have
      }
    }
    out["parity -o P, 4 files of 256 MiB"] = {
      dmover: await best(deno, [
        "run",
        ...env,
        cli,
        "parity",
        "--quiet",
        "-o",
        `${dir}/P`,
        ...data,
      ]),
    };
    out["pq -o P -o Q, 4 files of 256 MiB"] = {
      dmover: await best(deno, [
        "run",
        ...env,
        cli,
        "pq",
        "--quiet",
        "-o",
        `${dir}/P`,
        "-o",
        `${dir}/Q`,
        ...data,
      ]),
    };
    const recover = async (): Promise<number> => {
      let ms = Infinity;
      for (let i = 0; i < rounds; i++) {
        await Deno.remove(data[0]!);
        await Deno.remove(data[2]!);
        ms = Math.min(
          ms,
          await timed(deno, [
            "run",
            ...env,
            cli,
            "recover",
            "--quiet",
            "-P",
            `${dir}/P`,
            "-Q",
            `${dir}/Q`,
            ...data,
          ]),
        );
      }
      return (GIB / ms) / 1e6;
    };
    out["recover 2 of 4 files of 256 MiB from P and Q"] = { dmover: await recover() };
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
