// The dmover CLI's command line, parsed with node:util's parseArgs: options anywhere, `--opt=value`,
// `--` ends options, `-` is a positional (standard input or output).
import { parseArgs } from "node:util";

/** A usage error: the CLI prints it with the usage line and exits 2. */
export class UsageError extends Error {
  /** @param message What is wrong with the command line. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The commands, in the order the help lists them. */
export const COMMANDS = ["crc32c", "parity", "pq", "recover", "verify"] as const;

/** One of {@linkcode COMMANDS}. */
export type Command = typeof COMMANDS[number];

/** A parsed command line. */
export type CliArgs =
  | { kind: "help" }
  | { kind: "version" }
  | {
    kind: "run";
    command: Command;
    files: string[];
    outputs: string[];
    p: string | undefined;
    q: string | undefined;
    backend: string;
    progress: boolean;
    quiet: boolean;
  };

/** The short usage printed with a usage error. */
export const USAGE = `usage: dmover crc32c [FILE...]
       dmover parity -o P FILE...
       dmover pq -P P -Q Q FILE...
       dmover recover [-P P] [-Q Q] FILE...
       dmover verify -P P [-Q Q] FILE...
       dmover --help | --version`;

/** The full help for `--help`. */
export const HELP = `dmover: checksums, parity, verification and RAID-6 recovery over files

${USAGE}

commands:
  crc32c [FILE...]       print each file's CRC-32C (Castagnoli) and name, like cksum;
                         no FILE, or '-', reads standard input
  parity -o P FILE...    write the xor of 2 or more equal-size files to P ('-o -': stdout)
  pq -P P -Q Q FILE...   write RAID-6 P and Q of 2 to 32 equal-size data files
  recover FILE...        rebuild the files of a stripe that do not exist: data files in
                         stripe order, with -P (one lost), -Q (one lost) or both (two lost)
  verify FILE...         check the data files against -P (and -Q); with both, name the
                         damaged file; exit 1 when the set does not match

options:
  -o, --output FILE      the output of 'parity' ('-' for standard output)
  -P, --p FILE           the P (xor parity) file
  -Q, --q FILE           the Q (RAID-6) parity file
  -b, --backend NAME     auto (default), ts or native
      --progress         draw the progress bar even when stderr is not a terminal
  -q, --quiet            no progress bar, no summary, no warnings
  -h, --help             this help
  -V, --version          the version
  --                     the end of options

Outputs are written to a temporary file beside the destination, given the mode of the first
input, and renamed into place at the end; a failure or Ctrl-C removes them. Exit status: 0,
1 for a failure (a file that cannot be read, unequal sizes, a set that does not verify),
2 for a usage error.`;

/**
 * Parses the command line (without the program name).
 *
 * @throws {UsageError} For an unknown command or option, a missing value or a wrong number of
 * files or outputs.
 */
export function parseCliArgs(args: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: "string", short: "o", multiple: true },
        p: { type: "string", short: "P" },
        q: { type: "string", short: "Q" },
        backend: { type: "string", short: "b" },
        progress: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new UsageError(text.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [command, ...files] = positionals;
  if (command === undefined) throw new UsageError("a command is needed");
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command '${command}'`);
  }
  const run = {
    kind: "run" as const,
    command: command as Command,
    files,
    outputs: values.output ?? [],
    p: values.p,
    q: values.q,
    backend: values.backend ?? "auto",
    progress: values.progress ?? false,
    quiet: values.quiet ?? false,
  };
  check(run);
  return run;
}

function check(run: Extract<CliArgs, { kind: "run" }>): void {
  const { command, files, outputs } = run;
  if (command === "pq" && outputs.length > 0) {
    // `pq -o P -o Q` is the older spelling of `-P P -Q Q`.
    if (outputs.length !== 2 || run.p !== undefined || run.q !== undefined) {
      throw new UsageError("'pq' writes to '-P P -Q Q' (or '-o P -o Q')");
    }
    [run.p, run.q] = outputs;
    run.outputs = [];
  }
  if (command === "parity" && outputs.length === 0 && run.p !== undefined) {
    run.outputs = [run.p];
    run.p = undefined;
  }
  const wanted = command === "parity" ? 1 : 0;
  if (run.outputs.length !== wanted) {
    throw new UsageError(
      wanted === 1
        ? `'parity' takes one '-o' output, got ${run.outputs.length}`
        : `'${command}' takes no '-o' output`,
    );
  }
  if (command === "crc32c") {
    if (run.p !== undefined || run.q !== undefined) {
      throw new UsageError("'-P' and '-Q' are not for 'crc32c'");
    }
    if (files.length === 0) files.push("-");
    return;
  }
  if (command === "parity" && (run.p !== undefined || run.q !== undefined)) {
    throw new UsageError("'parity' writes to '-o P' and takes no '-Q'");
  }
  if (command === "pq" && (run.p === undefined || run.q === undefined)) {
    throw new UsageError("'pq' needs '-P P' and '-Q Q'");
  }
  if (
    (command === "recover" || command === "verify") && run.p === undefined && run.q === undefined
  ) {
    throw new UsageError(`'${command}' needs '-P P', '-Q Q' or both`);
  }
  if (command === "verify" && run.p === undefined) throw new UsageError("'verify' needs '-P P'");
  if (files.length === 0) throw new UsageError(`'${command}' needs files`);
  if (files.length < 2) throw new UsageError(`'${command}' needs at least 2 files`);
  if (command !== "parity" && files.length > 32) {
    throw new UsageError(`'${command}' takes 2 to 32 data files, got ${files.length}`);
  }
  if (files.filter((f) => f === "-").length > 1) {
    throw new UsageError("standard input ('-') can be one input only");
  }
  if (command === "recover" && files.includes("-")) {
    throw new UsageError("'recover' works on files: standard input ('-') cannot be rebuilt");
  }
  for (const path of [run.p, run.q]) {
    if (path === "-" && command !== "verify") {
      throw new UsageError(`'${command}' writes P and Q to files, not to standard output`);
    }
  }
}
