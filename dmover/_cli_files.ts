// Files for the dmover CLI: inputs (a path, or `-` for standard input) read chunk by chunk, and
// outputs written to a temporary file beside the destination with the inputs' mode, renamed into
// place on commit and removed on failure or on SIGINT/SIGTERM.

/** A failure the CLI reports in one line and exits 1 for. */
export class CliFailure extends Error {
  /** @param message The line to print after `dmover: `. */
  constructor(message: string) {
    super(message);
    this.name = "CliFailure";
  }
}

/** Turns a file system error into a one-line failure naming the path. */
export function describeError(path: string, verb: string, error: unknown): CliFailure {
  if (error instanceof CliFailure) return error;
  const where = `cannot ${verb} '${path}'`;
  if (error instanceof Deno.errors.NotFound) {
    return new CliFailure(`${where}: no such file or directory`);
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new CliFailure(`${where}: permission denied`);
  }
  if (error instanceof Deno.errors.NotCapable) {
    return new CliFailure(
      `${where}: Deno did not grant it (run with --allow-read and --allow-write)`,
    );
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return new CliFailure(`${where}: it is a directory`);
  }
  const text = error instanceof Error ? error.message : String(error);
  return new CliFailure(`${where}: ${text}`);
}

interface Reader {
  read(p: Uint8Array): Promise<number | null>;
}

/** An opened input: a regular file (size and mode known) or standard input. */
export class Input {
  /** The name as given (`-` for standard input). */
  readonly path: string;
  /** The size in bytes, or undefined for standard input. */
  readonly size: number | undefined;
  /** The permission bits, or undefined for standard input. */
  readonly mode: number | undefined;
  #reader: Reader;
  #file: Deno.FsFile | undefined;

  private constructor(path: string, reader: Reader, file?: Deno.FsFile, info?: Deno.FileInfo) {
    this.path = path;
    this.#reader = reader;
    this.#file = file;
    this.size = info?.size;
    this.mode = info?.mode === null || info?.mode === undefined ? undefined : info.mode & 0o7777;
  }

  /** Opens `path` (`-`: standard input). */
  static async open(path: string): Promise<Input> {
    if (path === "-") return new Input(path, Deno.stdin);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      throw describeError(path, "read", error);
    }
    let info: Deno.FileInfo;
    try {
      info = await file.stat();
    } catch (error) {
      file.close();
      throw describeError(path, "read", error);
    }
    if (info.isDirectory) {
      file.close();
      throw new CliFailure(`cannot read '${path}': it is a directory`);
    }
    return new Input(path, file, file, info.isFile ? info : undefined);
  }

  /** Reads until `into` is full or the input ends; returns how many bytes were read. */
  async fill(into: Uint8Array): Promise<number> {
    let got = 0;
    while (got < into.length) {
      let n: number | null;
      try {
        n = await this.#reader.read(into.subarray(got));
      } catch (error) {
        throw describeError(this.path, "read", error);
      }
      if (n === null) break;
      got += n;
    }
    return got;
  }

  /** Closes the file (standard input stays open). */
  close(): void {
    try {
      this.#file?.close();
    } catch {
      // already closed
    }
    this.#file = undefined;
  }
}

/** Temporary files not yet committed, removed when a signal ends the program. */
const pending = new Set<string>();

/** Removes every temporary file still pending (synchronously: called from a signal handler). */
export function removePendingTemps(): void {
  for (const temp of pending) {
    try {
      Deno.removeSync(temp);
    } catch {
      // already gone
    }
  }
  pending.clear();
}

/** How many temporary files are pending (for tests and the signal handler). */
export function pendingTemps(): number {
  return pending.size;
}

/** An output: standard output for `-`, else a temporary file renamed into place on commit. */
export class Output {
  /** The destination as given. */
  readonly path: string;
  #temp: string | undefined;
  #file: Deno.FsFile | undefined;

  /** @param path The destination (`-`: standard output). */
  constructor(path: string) {
    this.path = path;
  }

  /** Creates the temporary file with `mode` (undefined: 0666 less the umask). */
  async open(mode: number | undefined): Promise<void> {
    if (this.path === "-") return;
    const slash = this.path.lastIndexOf("/");
    const dir = slash < 0 ? "." : this.path.slice(0, slash) || "/";
    const name = this.path.slice(slash + 1);
    const temp = `${dir}/.${name}.dmover-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      this.#file = await Deno.open(temp, { write: true, createNew: true, mode: mode ?? 0o666 });
    } catch (error) {
      throw describeError(this.path, "write", error);
    }
    this.#temp = temp;
    pending.add(temp);
    try {
      // Set again after creation: the mode given to open is reduced by the umask.
      if (mode !== undefined) await Deno.chmod(temp, mode);
    } catch (error) {
      await this.discard();
      throw describeError(this.path, "write", error);
    }
  }

  /** Writes all of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    const sink = this.path === "-" ? Deno.stdout : this.#file!;
    let done = 0;
    while (done < bytes.length) {
      try {
        done += await sink.write(bytes.subarray(done));
      } catch (error) {
        throw describeError(this.path, "write", error);
      }
    }
  }

  /** Closes the temporary file and renames it into place. */
  async commit(): Promise<void> {
    if (this.#temp === undefined) return;
    this.#file?.close();
    this.#file = undefined;
    try {
      await Deno.rename(this.#temp, this.path);
    } catch (error) {
      throw describeError(this.path, "write", error);
    }
    pending.delete(this.#temp);
    this.#temp = undefined;
  }

  /** Closes and removes the temporary file. */
  async discard(): Promise<void> {
    try {
      this.#file?.close();
    } catch {
      // already closed
    }
    this.#file = undefined;
    if (this.#temp === undefined) return;
    await Deno.remove(this.#temp).catch(() => {});
    pending.delete(this.#temp);
    this.#temp = undefined;
  }
}
