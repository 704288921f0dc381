// The dmover CLI's engine: equal-size inputs streamed chunk by chunk (the next chunk is read while
// this one is computed and written) into outputs that are committed only when every chunk is done.
import { CliFailure, Input, Output } from "./_cli_files.ts";
import { Progress } from "./_cli_progress.ts";

const MIB = 1 << 20;
/** The most bytes of buffers the CLI holds (two sets of chunks: one read while one computes). */
const BUFFER_BUDGET = 128 * MIB;

/** How the CLI shows its work. */
export interface Display {
  /** Draw the progress bar. */
  bar: boolean;
  /** Print the `label: size in time (rate)` summary at the end. */
  summary: boolean;
}

/** A chunk size for `sides` buffers of files of `size` bytes (undefined: unknown). */
export function chunkFor(sides: number, size: number | undefined): number {
  const per = Math.floor(BUFFER_BUDGET / 2 / Math.max(1, sides));
  const chunk = Math.max(64 << 10, Math.min(4 * MIB, per));
  return size === undefined ? chunk : Math.max(1, Math.min(chunk, size));
}

/** What {@linkcode streamSet} calls for each chunk: the inputs' bytes, the outputs to fill. */
export type ChunkFn = (outs: Uint8Array[], ins: Uint8Array[], offset: number) => void;

/**
 * Streams `inputPaths` (equal sizes; `-` is standard input) through `compute` into `outputPaths`
 * (`-` is standard output), each written to a temporary file with the first input's mode and
 * renamed into place at the end; nothing is left behind on failure.
 *
 * @returns The size of each input in bytes.
 */
export async function streamSet(
  display: Display,
  label: string,
  inputPaths: readonly string[],
  outputPaths: readonly string[],
  compute: ChunkFn,
): Promise<number> {
  for (const path of outputPaths) {
    if (path !== "-" && inputPaths.includes(path)) {
      throw new CliFailure(`cannot write '${path}': it is also an input`);
    }
  }
  const inputs: Input[] = [];
  const outputs = outputPaths.map((path) => new Output(path));
  try {
    for (const path of inputPaths) inputs.push(await Input.open(path));
    const known = inputs.filter((input) => input.size !== undefined);
    const odd = known.findIndex((input) => input.size !== known[0]!.size);
    if (odd >= 0) {
      throw new CliFailure(
        `the files differ in size: '${known[0]!.path}' has ${known[0]!.size} bytes, '${
          known[odd]!.path
        }' has ${known[odd]!.size}`,
      );
    }
    const size = known.length === inputs.length ? known[0]!.size : undefined;
    if (size === 0) throw new CliFailure("the files are empty: nothing to compute");
    const mode = inputs.find((input) => input.mode !== undefined)?.mode;
    for (const output of outputs) await output.open(mode);
    const chunk = chunkFor(inputs.length + outputs.length, size);
    const sets = [0, 1].map(() => ({
      ins: inputs.map(() => new Uint8Array(chunk)),
      outs: outputs.map(() => new Uint8Array(chunk)),
    }));
    const progress = new Progress(
      size === undefined ? undefined : size * inputs.length,
      display.bar,
    );
    const read = async (k: number): Promise<Uint8Array[]> => {
      const buffers = sets[k % 2]!.ins;
      const counts = await Promise.all(inputs.map((input, i) => input.fill(buffers[i]!)));
      inputs.forEach((input, i) => {
        const at = k * chunk + counts[i]!;
        if (input.size !== undefined && counts[i]! < chunk && at < input.size) {
          throw new CliFailure(`cannot read '${input.path}': it shrank while being read`);
        }
      });
      const least = Math.min(...counts);
      const most = Math.max(...counts);
      if (least !== most) {
        const short = inputs[counts.indexOf(least)]!.path;
        const long = inputs[counts.indexOf(most)]!.path;
        throw new CliFailure(
          `the files differ in size: '${short}' ended at byte ${
            k * chunk + least
          }, '${long}' is longer`,
        );
      }
      return buffers.map((b) => b.subarray(0, least));
    };
    let offset = 0;
    let pending: Promise<Uint8Array[]> | undefined = read(0);
    for (let k = 0; pending !== undefined; k++) {
      const ins: Uint8Array[] = await pending;
      const length = ins[0]!.length;
      if (length === 0) {
        if (k === 0) throw new CliFailure("the files are empty: nothing to compute");
        break;
      }
      // Read the next chunk into the other set while this one is computed and written.
      pending = length === chunk ? read(k + 1) : undefined;
      pending?.catch(() => {}); // a failure surfaces when awaited
      const outs = sets[k % 2]!.outs.map((b) => b.subarray(0, length));
      compute(outs, ins, offset);
      await Promise.all(outs.map((bytes, i) => outputs[i]!.write(bytes)));
      offset += length;
      progress.advance(length * inputs.length);
    }
    for (const output of outputs) await output.commit();
    progress.finish(label, display.summary);
    return offset;
  } catch (error) {
    for (const output of outputs) await output.discard();
    throw error;
  } finally {
    for (const input of inputs) input.close();
  }
}
