/**
 * `dmover`: checksums, parity, verification and RAID-6 recovery over files, on the data mover.
 *
 * ```sh
 * deno run -A jsr:@dray/dray/dmover/cli --help
 * deno run -A jsr:@dray/dray/dmover/cli crc32c FILE...         # or from standard input
 * deno run -A jsr:@dray/dray/dmover/cli parity -o P FILE...    # -o - writes to standard output
 * deno run -A jsr:@dray/dray/dmover/cli pq -P P -Q Q FILE...
 * deno run -A jsr:@dray/dray/dmover/cli verify -P P -Q Q FILE...
 * deno run -A jsr:@dray/dray/dmover/cli recover -P P -Q Q FILE...
 * deno task dmover crc32c FILE...                               # from a checkout
 * ```
 *
 * - `crc32c [FILE...]` prints each file's CRC-32C (iSCSI, Castagnoli) as 8 hex digits and the
 *   name, like `cksum`: no FILE, or `-`, reads standard input; a file that cannot be read gets a
 *   message on standard error, the others are still checked, and the exit status is 1.
 * - `parity -o P FILE...` writes the xor of 2 or more equal-size files to P (RAID-5 parity).
 * - `pq -P P -Q Q FILE...` writes RAID-6 P and Q of 2 to 32 equal-size data files.
 * - `verify -P P [-Q Q] FILE...` recomputes P (and Q) and compares: with Q it names the damaged
 *   file (a data file, P or Q) and how many bytes differ from which offset; exit 1 on damage.
 * - `recover [-P P] [-Q Q] FILE...` rebuilds the files of a stripe that do not exist: with P one
 *   file, with Q one data file, with both two.
 *
 * Options (parsed by `node:util`'s `parseArgs`: anywhere on the line, `--opt=value`, `--` ends
 * them): `-o`/`--output`, `-P`/`--p`, `-Q`/`--q`, `-b`/`--backend auto|ts|native`, `--progress`
 * (draw the bar even when standard error is not a terminal), `-q`/`--quiet`, `-h`/`--help`,
 * `-V`/`--version`. On a terminal a progress bar with the rate and the time left is drawn on
 * standard error and cleared before results print. Outputs are written to a temporary file beside
 * the destination with the mode of the first input and renamed into place at the end; a failure,
 * SIGINT or SIGTERM removes them. When the native path is unavailable the CLI says so (and why) on
 * standard error and runs on the slower pure-TypeScript path. Exit status: 0; 1 for a failure or a
 * set that does not verify; 2 for a usage error; 130/143 after SIGINT/SIGTERM.
 *
 * @example Running the CLI in-process
 * ```ts
 * import { main } from "@dray/dray/dmover/cli";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * try {
 *   await Deno.writeTextFile(`${dir}/check`, "123456789");
 *   assert.equal(await main(["crc32c", "--quiet", `${dir}/check`]), 0); // prints e3069283
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import { nativeStatus } from "../native/mod.ts";
import { HELP, parseCliArgs, USAGE, UsageError } from "./_cli_args.ts";
import {
  crc32cCommand,
  type Io,
  parityCommand,
  pqCommand,
  recoverCommand,
  verifyCommand,
} from "./_cli_commands.ts";
import { CliFailure, removePendingTemps } from "./_cli_files.ts";
import type { OneShotOptions } from "./oneshot.ts";

const encoder = new TextEncoder();

const io: Io = {
  async out(line: string): Promise<void> {
    const bytes = encoder.encode(`${line}\n`);
    for (let done = 0; done < bytes.length;) done += await Deno.stdout.write(bytes.subarray(done));
  },
  err(line: string): void {
    Deno.stderr.writeSync(encoder.encode(`${line}\n`));
  },
};

function onSignal(signal: "SIGINT" | "SIGTERM"): () => void {
  return () => {
    removePendingTemps();
    Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    Deno.exit(signal === "SIGINT" ? 130 : 143);
  };
}

function listen(): () => void {
  if (Deno.build.os === "windows") return () => {};
  const handlers = [["SIGINT", onSignal("SIGINT")], ["SIGTERM", onSignal("SIGTERM")]] as const;
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  };
}

/**
 * Runs the CLI with `args` (the command and its arguments), as `deno run jsr:@dray/dray/dmover/cli`
 * does with `Deno.args`. Results go to standard output; the progress bar, warnings and errors to
 * standard error. While it runs, SIGINT and SIGTERM remove its temporary files and exit.
 *
 * @param args The command line, without the program.
 * @returns The exit status: 0, 1 for a failure or a set that does not verify, 2 for a usage error.
 *
 * @example
 * ```ts
 * import { main } from "@dray/dray/dmover/cli";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await main(["no-such-command"]), 2);
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCliArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`dmover: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.kind === "help") {
    await io.out(HELP);
    return 0;
  }
  if (parsed.kind === "version") {
    await io.out(`dmover (${denoJson.name}) ${denoJson.version}`);
    return 0;
  }
  const terminal = Deno.stderr.isTerminal();
  const display = {
    bar: !parsed.quiet && (parsed.progress || terminal),
    summary: !parsed.quiet && (parsed.progress || terminal),
  };
  if (!parsed.quiet && parsed.backend === "auto") {
    const status = nativeStatus();
    if (!status.available) {
      io.err(
        `dmover: warning: the native path is unavailable (${status.reason}: ${status.message}); ` +
          "running on the slower pure-TypeScript path",
      );
    }
  }
  const oneShot: OneShotOptions = { backend: parsed.backend };
  const stopListening = listen();
  try {
    switch (parsed.command) {
      case "crc32c":
        return await crc32cCommand(parsed, display, oneShot, io);
      case "parity":
        return await parityCommand(parsed, display, oneShot);
      case "pq":
        return await pqCommand(parsed, display, oneShot);
      case "verify":
        return await verifyCommand(parsed, display, oneShot, io);
      default:
        return await recoverCommand(parsed, display, oneShot);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`dmover: ${error.message}\n${USAGE}`);
      return 2;
    }
    const text = error instanceof CliFailure
      ? error.message
      : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
    io.err(`dmover: ${text}`);
    return 1;
  } finally {
    stopListening();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
