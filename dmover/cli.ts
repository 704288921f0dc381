/**
 * `dmover`: checksums, parity and RAID-6 recovery over files, on the data mover.
 *
 * ```sh
 * deno run -A jsr:@dray/dray/dmover/cli crc32c FILE...
 * deno run -A jsr:@dray/dray/dmover/cli parity -o P FILE...
 * deno run -A jsr:@dray/dray/dmover/cli pq -o P -o Q FILE...
 * deno run -A jsr:@dray/dray/dmover/cli recover [-p P] [-q Q] FILE...
 * deno task dmover crc32c FILE...        # from a checkout
 * ```
 *
 * - `crc32c FILE...` prints the CRC-32C (iSCSI, Castagnoli) of each file as 8 hex digits and the
 *   name, streaming each file in chunks.
 * - `parity -o P FILE...` writes the xor of 2 or more files of equal size to P (RAID-5 parity).
 * - `pq -o P -o Q FILE...` writes RAID-6 P and Q of 2 to 32 data files of equal size.
 * - `recover [-p P] [-q Q] FILE...` rebuilds what is missing in a stripe: FILE... are the data
 *   files in their stripe order, and any of them that does not exist, as well as a missing P or
 *   Q, is rebuilt at its path. With P alone one file can be missing; with P and Q, two (with Q
 *   alone, one data file).
 *
 * Options: `--backend NAME` (`auto`, `ts`, `native`; default `auto`), `--progress` (draw the
 * progress bar even when stderr is not a terminal or the work is small), `--quiet` (no progress
 * and no summary). Files are read chunk by chunk while the previous chunk is computed; outputs
 * are written to a temporary file next to their destination and renamed into place at the end,
 * so that a failure leaves nothing behind. A progress bar is drawn on stderr when the work
 * exceeds 64 MiB and stderr is a terminal; the throughput is printed at the end. Exit status: 0,
 * 1 for a failure (missing file, permission denied, unequal sizes), 2 for a usage error.
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

import { crc32c, type OneShotOptions, pq, pqRecover, xor } from "./oneshot.ts";

const MIB = 1 << 20;
/** Work above which a progress bar is drawn (on a terminal). */
const PROGRESS_FROM = 64 * MIB;
/** The most bytes of buffers the CLI holds (two sets of chunks: one read while one computes). */
const BUFFER_BUDGET = 128 * MIB;

/** A failure the CLI reports in one line and exits 1 for. */
class CliFailure extends Error {}

/** A usage error: the CLI prints it with the usage and exits 2. */
class UsageError extends Error {}

const USAGE = `usage: dmover crc32c FILE...
       dmover parity -o P FILE...
       dmover pq -o P -o Q FILE...
       dmover recover [-p P] [-q Q] FILE...
options: --backend auto|ts|native  --progress  --quiet`;

interface Options {
  command: string;
  files: string[];
  outputs: string[];
  p: string | undefined;
  q: string | undefined;
  backend: string;
  progress: boolean;
  quiet: boolean;
}

function parse(args: readonly string[]): Options {
  const [command, ...rest] = args;
  if (command === undefined || command === "-h" || command === "--help") {
    throw new UsageError("a command is needed");
  }
  if (!["crc32c", "parity", "pq", "recover"].includes(command)) {
    throw new UsageError(`unknown command '${command}'`);
  }
  const options: Options = {
    command,
    files: [],
    outputs: [],
    p: undefined,
    q: undefined,
    backend: "auto",
    progress: false,
    quiet: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`'${arg}' needs a value`);
      return v;
    };
    if (arg === "-o" || arg === "--output") options.outputs.push(value());
    else if (arg === "-p") options.p = value();
    else if (arg === "-q") options.q = value();
    else if (arg === "--backend") options.backend = value();
    else if (arg === "--progress") options.progress = true;
    else if (arg === "--quiet") options.quiet = true;
    else if (arg === "--") options.files.push(...rest.slice(i + 1)), i = rest.length;
    else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option '${arg}'`);
    else options.files.push(arg);
  }
  const wanted: Record<string, number> = { crc32c: 0, parity: 1, pq: 2, recover: 0 };
  if (options.outputs.length !== wanted[command]) {
    throw new UsageError(
      `'${command}' takes ${wanted[command]} '-o' output${
        wanted[command] === 1 ? "" : "s"
      }, got ${options.outputs.length}`,
    );
  }
  if (command !== "recover" && (options.p !== undefined || options.q !== undefined)) {
    throw new UsageError(`'-p' and '-q' are for 'recover'; '${command}' writes with '-o'`);
  }
  if (options.files.length === 0) throw new UsageError(`'${command}' needs files`);
  if (command === "parity" && options.files.length < 2) {
    throw new UsageError("'parity' needs at least 2 files");
  }
  if (command === "pq" && (options.files.length < 2 || options.files.length > 32)) {
    throw new UsageError(`'pq' takes 2 to 32 data files, got ${options.files.length}`);
  }
  return options;
}

// ---- files ----------------------------------------------------------------------------------

function describeError(path: string, verb: string, error: unknown): CliFailure {
  if (error instanceof Deno.errors.NotFound) {
    return new CliFailure(`cannot ${verb} '${path}': no such file or directory`);
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new CliFailure(`cannot ${verb} '${path}': permission denied`);
  }
  if (error instanceof Deno.errors.NotCapable) {
    return new CliFailure(
      `cannot ${verb} '${path}': Deno did not grant it (run with --allow-read and --allow-write)`,
    );
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return new CliFailure(`cannot ${verb} '${path}': it is a directory`);
  }
  const text = error instanceof Error ? error.message : String(error);
  return new CliFailure(`cannot ${verb} '${path}': ${text}`);
}

async function sizeOf(path: string): Promise<number> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw describeError(path, "read", error);
  }
  if (!info.isFile) throw new CliFailure(`cannot read '${path}': it is not a regular file`);
  return info.size;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw describeError(path, "read", error);
  }
}

/** Reads exactly `into.length` bytes (the file must not shrink meanwhile). */
async function readFull(file: Deno.FsFile, into: Uint8Array, path: string): Promise<void> {
  let got = 0;
  while (got < into.length) {
    let n: number | null;
    try {
      n = await file.read(into.subarray(got));
    } catch (error) {
      throw describeError(path, "read", error);
    }
    if (n === null) throw new CliFailure(`cannot read '${path}': it shrank while being read`);
    got += n;
  }
}

async function writeFull(file: Deno.FsFile, bytes: Uint8Array, path: string): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += await file.write(bytes.subarray(done));
    } catch (error) {
      throw describeError(path, "write", error);
    }
  }
}

/** An output written to a temporary file beside its destination, renamed there on commit. */
class Output {
  readonly path: string;
  readonly temp: string;
  file: Deno.FsFile | undefined;

  constructor(path: string) {
    this.path = path;
    const slash = path.lastIndexOf("/");
    const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
    const name = path.slice(slash + 1);
    this.temp = `${dir}/.${name}.dmover-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.tmp`;
  }

  async open(): Promise<void> {
    try {
      this.file = await Deno.open(this.temp, { write: true, createNew: true, mode: 0o644 });
    } catch (error) {
      throw describeError(this.path, "write", error);
    }
  }

  async commit(): Promise<void> {
    this.file?.close();
    this.file = undefined;
    try {
      await Deno.rename(this.temp, this.path);
    } catch (error) {
      throw describeError(this.path, "write", error);
    }
  }

  async discard(): Promise<void> {
    try {
      this.file?.close();
    } catch {
      // already closed
    }
    this.file = undefined;
    await Deno.remove(this.temp).catch(() => {});
  }
}

// ---- progress -------------------------------------------------------------------------------

function human(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function rate(bytes: number, ms: number): string {
  return `${human(ms > 0 ? (bytes * 1000) / ms : 0)}/s`;
}

class Progress {
  #total: number;
  #done = 0;
  #shown: boolean;
  #last = 0;
  #start = performance.now();
  #encoder = new TextEncoder();

  constructor(total: number, show: boolean) {
    this.#total = total;
    this.#shown = show;
  }

  advance(bytes: number): void {
    this.#done += bytes;
    if (!this.#shown) return;
    const now = performance.now();
    if (now - this.#last < 100 && this.#done < this.#total) return;
    this.#last = now;
    const fraction = this.#total === 0 ? 1 : this.#done / this.#total;
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const line = `\r[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${human(this.#done)} / ${
      human(this.#total)
    } ${rate(this.#done, now - this.#start)}   `;
    Deno.stderr.writeSync(this.#encoder.encode(line));
  }

  finish(label: string, quiet: boolean): void {
    const ms = performance.now() - this.#start;
    if (this.#shown) Deno.stderr.writeSync(this.#encoder.encode("\n"));
    if (quiet) return;
    const line = `${label}: ${human(this.#done)} in ${(ms / 1000).toFixed(2)} s (${
      rate(this.#done, ms)
    })\n`;
    Deno.stderr.writeSync(this.#encoder.encode(line));
  }
}

function showProgress(options: Options, total: number): boolean {
  if (options.quiet) return false;
  if (options.progress) return true;
  return total > PROGRESS_FROM && Deno.stderr.isTerminal();
}

// ---- the commands ---------------------------------------------------------------------------

function chunkFor(sides: number, size: number): number {
  const per = Math.floor(BUFFER_BUDGET / 2 / Math.max(1, sides));
  const chunk = Math.max(64 << 10, Math.min(4 * MIB, per));
  return Math.max(1, Math.min(chunk, size));
}

async function crc32cCommand(options: Options, oneShot: OneShotOptions): Promise<void> {
  const sizes: number[] = [];
  for (const path of options.files) sizes.push(await sizeOf(path));
  const total = sizes.reduce((a, b) => a + b, 0);
  const progress = new Progress(total, showProgress(options, total));
  const chunk = 4 * MIB;
  const buffers = [new Uint8Array(chunk), new Uint8Array(chunk)];
  const lines: string[] = [];
  for (let f = 0; f < options.files.length; f++) {
    const path = options.files[f]!;
    const size = sizes[f]!;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      throw describeError(path, "read", error);
    }
    try {
      let crc = 0;
      let at = 0;
      const read = (k: number): Promise<Uint8Array> => {
        const view = buffers[k % 2]!.subarray(0, Math.min(chunk, size - at - 0));
        return readFull(file, view, path).then(() => view);
      };
      let pending = size > 0 ? read(0) : undefined;
      for (let k = 0; pending !== undefined; k++) {
        const view = await pending;
        at += view.length;
        pending = at < size ? read(k + 1) : undefined;
        crc = crc32c(view, crc, oneShot);
        progress.advance(view.length);
      }
      lines.push(`${crc.toString(16).padStart(8, "0")}  ${path}\n`);
    } finally {
      file.close();
    }
  }
  await Deno.stdout.write(new TextEncoder().encode(lines.join("")));
  progress.finish("crc32c", options.quiet);
}

/**
 * Streams equal-size inputs through `compute` chunk by chunk into outputs written beside their
 * destinations and renamed into place at the end; nothing is left behind on failure.
 */
async function stream(
  options: Options,
  label: string,
  inputs: readonly string[],
  outputPaths: readonly string[],
  compute: (outs: Uint8Array[], ins: Uint8Array[]) => void,
): Promise<void> {
  for (const path of outputPaths) {
    if (inputs.includes(path)) throw new CliFailure(`cannot write '${path}': it is also an input`);
  }
  const sizes: number[] = [];
  for (const path of inputs) sizes.push(await sizeOf(path));
  const size = sizes[0]!;
  const odd = sizes.findIndex((s) => s !== size);
  if (odd >= 0) {
    throw new CliFailure(
      `the files differ in size: '${inputs[0]}' has ${size} bytes, '${inputs[odd]}' has ${
        sizes[odd]
      }`,
    );
  }
  if (size === 0) throw new CliFailure(`the files are empty: nothing to compute`);
  const chunk = chunkFor(inputs.length + outputPaths.length, size);
  const sets = [0, 1].map(() => ({
    ins: inputs.map(() => new Uint8Array(chunk)),
    outs: outputPaths.map(() => new Uint8Array(chunk)),
  }));
  const files: Deno.FsFile[] = [];
  const outputs = outputPaths.map((path) => new Output(path));
  try {
    for (const path of inputs) {
      try {
        files.push(await Deno.open(path, { read: true }));
      } catch (error) {
        throw describeError(path, "read", error);
      }
    }
    for (const output of outputs) await output.open();
    const total = size * inputs.length;
    const progress = new Progress(total, showProgress(options, total));
    const read = (k: number): Promise<Uint8Array[]> => {
      const length = Math.min(chunk, size - k * chunk);
      const views = sets[k % 2]!.ins.map((b) => b.subarray(0, length));
      return Promise.all(views.map((v, i) => readFull(files[i]!, v, inputs[i]!))).then(() => views);
    };
    const chunks = Math.ceil(size / chunk);
    let pending: Promise<Uint8Array[]> | undefined = read(0);
    for (let k = 0; k < chunks; k++) {
      const ins = await pending!;
      // Read the next chunk into the other set while this one is computed and written.
      pending = k + 1 < chunks ? read(k + 1) : undefined;
      pending?.catch(() => {}); // a failure surfaces when awaited
      const outs = sets[k % 2]!.outs.map((b) => b.subarray(0, ins[0]!.length));
      compute(outs, ins);
      await Promise.all(outs.map((o, i) => writeFull(outputs[i]!.file!, o, outputPaths[i]!)));
      progress.advance(ins[0]!.length * inputs.length);
    }
    for (const output of outputs) await output.commit();
    progress.finish(label, options.quiet);
  } catch (error) {
    for (const output of outputs) await output.discard();
    throw error;
  } finally {
    for (const file of files) file.close();
  }
}

/** xor of any number of inputs (2 or more), 32 at a time. */
function xorAll(
  out: Uint8Array,
  ins: Uint8Array[],
  scratch: Uint8Array[],
  oneShot: OneShotOptions,
): void {
  if (ins.length <= 32) {
    xor(out, ins, oneShot);
    return;
  }
  // Fold: out = xor of the first 32, then out = xor(out, next 31), through a scratch buffer.
  xor(out, ins.slice(0, 32), oneShot);
  for (let at = 32; at < ins.length; at += 31) {
    const more = ins.slice(at, at + 31);
    const temp = scratch[0]!.subarray(0, out.length);
    temp.set(out);
    xor(out, [temp, ...more], oneShot);
  }
}

async function recoverCommand(options: Options, oneShot: OneShotOptions): Promise<void> {
  const data = options.files;
  const n = data.length;
  const missing: number[] = []; // stripe positions: data 0..n-1, P at n, Q at n + 1
  for (let k = 0; k < n; k++) if (!await exists(data[k]!)) missing.push(k);
  const haveP = options.p !== undefined && await exists(options.p);
  const haveQ = options.q !== undefined && await exists(options.q);
  if (options.p !== undefined && !haveP) missing.push(n);
  if (options.q !== undefined && !haveQ) missing.push(n + 1);
  if (missing.length === 0) throw new CliFailure("nothing to recover: every file exists");
  if (options.q === undefined) {
    // xor only: the missing file is the xor of the others.
    if (options.p === undefined) throw new UsageError("'recover' needs '-p P', '-q Q' or both");
    if (missing.length > 1) {
      throw new CliFailure(
        `cannot recover ${missing.length} missing files from P alone: ${
          missing.map((k) => `'${k === n ? options.p : data[k]}'`).join(", ")
        } (one can be rebuilt; two need Q as well)`,
      );
    }
    const lost = missing[0]!;
    const target = lost === n ? options.p! : data[lost]!;
    const inputs = [...data.filter((_, k) => k !== lost), ...(lost === n ? [] : [options.p!])];
    if (inputs.length < 2) {
      throw new CliFailure(`cannot recover '${target}': the stripe needs at least 2 other files`);
    }
    const scratch = [new Uint8Array(chunkFor(inputs.length + 1, 1 << 30))];
    await stream(options, "recover", inputs, [target], (outs, ins) => {
      xorAll(outs[0]!, ins, scratch, oneShot);
    });
    return;
  }
  if (n < 2 || n > 32) throw new CliFailure(`a RAID-6 stripe has 2 to 32 data files, got ${n}`);
  // With Q, pq-recover rebuilds two positions; P absent from the command is lost too, and a
  // single missing file is paired with P or Q, rebuilt into scratch and dropped.
  const lost = [...missing];
  if (options.p === undefined) lost.push(n);
  if (lost.length > 2) {
    const names = missing.map((k) => `'${k < n ? data[k] : k === n ? options.p : options.q}'`);
    throw new CliFailure(
      `cannot recover ${missing.length} missing files (${names.join(", ")}) ${
        options.p === undefined
          ? "from Q alone: one can be rebuilt"
          : "from P and Q: two can be rebuilt"
      }`,
    );
  }
  if (lost.length === 1) lost.push(lost[0] === n + 1 ? n : n + 1);
  lost.sort((a, b) => a - b);
  const paths = [...data, options.p ?? "", options.q];
  const survivors = paths.filter((_, k) => !lost.includes(k)) as string[];
  const written = lost.filter((k) => missing.includes(k));
  const targets = written.map((k) => paths[k]!);
  const stripeOf = (ins: Uint8Array[]): (Uint8Array | undefined)[] => {
    const stripe: (Uint8Array | undefined)[] = [];
    let j = 0;
    for (let k = 0; k < n + 2; k++) stripe.push(lost.includes(k) ? undefined : ins[j++]);
    return stripe;
  };
  const spare = new Uint8Array(chunkFor(n + 2, 1 << 30));
  await stream(options, "recover", survivors, targets, (outs, ins) => {
    const length = ins[0]!.length;
    const rebuilt = lost.map((k) => {
      const i = written.indexOf(k);
      return i >= 0 ? outs[i]! : spare.subarray(0, length);
    }) as [Uint8Array, Uint8Array];
    pqRecover(rebuilt, stripeOf(ins), oneShot);
  });
}

/**
 * Runs the CLI with `args` (the command and its arguments), as `deno run jsr:@dray/dray/dmover/cli`
 * does with `Deno.args`. Results go to stdout, progress, the summary and errors to stderr.
 *
 * @param args The command line, without the program.
 * @returns The exit status: 0, 1 for a failure, 2 for a usage error.
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
  const encoder = new TextEncoder();
  let options: Options;
  try {
    options = parse(args);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    Deno.stderr.writeSync(encoder.encode(`dmover: ${text}\n${USAGE}\n`));
    return 2;
  }
  const oneShot: OneShotOptions = { backend: options.backend };
  try {
    switch (options.command) {
      case "crc32c":
        await crc32cCommand(options, oneShot);
        break;
      case "parity": {
        const scratch = [new Uint8Array(chunkFor(options.files.length + 1, 1 << 30))];
        await stream(options, "parity", options.files, options.outputs, (outs, ins) => {
          xorAll(outs[0]!, ins, scratch, oneShot);
        });
        break;
      }
      case "pq":
        await stream(options, "pq", options.files, options.outputs, (outs, ins) => {
          pq([outs[0]!, outs[1]!], ins, oneShot);
        });
        break;
      default:
        await recoverCommand(options, oneShot);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      Deno.stderr.writeSync(encoder.encode(`dmover: ${error.message}\n${USAGE}\n`));
      return 2;
    }
    const text = error instanceof CliFailure
      ? error.message
      : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
    Deno.stderr.writeSync(encoder.encode(`dmover: ${text}\n`));
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
