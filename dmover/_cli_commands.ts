// The dmover CLI's commands over the streaming engine: crc32c (cksum-like), parity, pq, recover
// and verify.
import { LOG } from "./_gf.ts";
import type { CliArgs } from "./_cli_args.ts";
import { UsageError } from "./_cli_args.ts";
import { CliFailure, describeError, Input } from "./_cli_files.ts";
import { human, Progress } from "./_cli_progress.ts";
import { chunkFor, type Display, streamSet } from "./_cli_stream.ts";
import { crc32c, type OneShotOptions, pq, pqRecover, xor } from "./oneshot.ts";

/** A parsed `run` command line. */
export type RunArgs = Extract<CliArgs, { kind: "run" }>;

/** Where a command writes its lines. */
export interface Io {
  /** Writes a line of results to standard output. */
  out(line: string): Promise<void>;
  /** Writes a line to standard error. */
  err(line: string): void;
}

/** xor of any number of inputs (2 or more), 32 at a time through `scratch`. */
function xorAll(out: Uint8Array, ins: Uint8Array[], scratch: Uint8Array, oneShot: OneShotOptions) {
  if (ins.length <= 32) return xor(out, ins, oneShot);
  xor(out, ins.slice(0, 32), oneShot);
  for (let at = 32; at < ins.length; at += 31) {
    const temp = scratch.subarray(0, out.length);
    temp.set(out);
    xor(out, [temp, ...ins.slice(at, at + 31)], oneShot);
  }
}

/**
 * `crc32c [FILE...]`: one line per file as it finishes; a file that cannot be read gets a message
 * on standard error and the others are still checked.
 *
 * @returns The exit status: 0, or 1 when any file failed.
 */
export async function crc32cCommand(
  args: RunArgs,
  display: Display,
  oneShot: OneShotOptions,
  io: Io,
): Promise<number> {
  let total: number | undefined = 0;
  for (const path of args.files) {
    if (path === "-") total = undefined;
    else if (total !== undefined) total += await Deno.stat(path).then((i) => i.size, () => 0);
  }
  const progress = new Progress(total, display.bar);
  const chunk = 4 << 20;
  const buffers = [new Uint8Array(chunk), new Uint8Array(chunk)];
  let failed = 0;
  for (const path of args.files) {
    let input: Input | undefined;
    try {
      input = await Input.open(path);
      const source = input;
      let crc = 0;
      let pending: Promise<number> | undefined = source.fill(buffers[0]!);
      for (let k = 0; pending !== undefined; k++) {
        const n: number = await pending;
        const view = buffers[k % 2]!.subarray(0, n);
        pending = n === chunk ? source.fill(buffers[(k + 1) % 2]!) : undefined;
        pending?.catch(() => {});
        if (n > 0) crc = crc32c(view, crc, oneShot);
        progress.advance(n);
      }
      progress.clear();
      await io.out(`${crc.toString(16).padStart(8, "0")}  ${path}`);
    } catch (error) {
      progress.clear();
      io.err(`dmover: ${describeError(path, "read", error).message}`);
      failed++;
    } finally {
      input?.close();
    }
  }
  progress.finish("crc32c", display.summary);
  return failed === 0 ? 0 : 1;
}

/** `parity -o P FILE...`. */
export async function parityCommand(
  args: RunArgs,
  display: Display,
  oneShot: OneShotOptions,
): Promise<number> {
  const scratch = new Uint8Array(chunkFor(args.files.length + 1, undefined));
  await streamSet(display, "parity", args.files, args.outputs, (outs, ins) => {
    xorAll(outs[0]!, ins, scratch, oneShot);
  });
  return 0;
}

/** `pq -P P -Q Q FILE...`. */
export async function pqCommand(
  args: RunArgs,
  display: Display,
  oneShot: OneShotOptions,
): Promise<number> {
  await streamSet(display, "pq", args.files, [args.p!, args.q!], (outs, ins) => {
    pq([outs[0]!, outs[1]!], ins, oneShot);
  });
  return 0;
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

/** `recover [-P P] [-Q Q] FILE...`: rebuilds the files of the stripe that do not exist. */
export async function recoverCommand(
  args: RunArgs,
  display: Display,
  oneShot: OneShotOptions,
): Promise<number> {
  const data = args.files;
  const n = data.length;
  const missing: number[] = []; // stripe positions: data 0..n-1, P at n, Q at n + 1
  for (let k = 0; k < n; k++) if (!await exists(data[k]!)) missing.push(k);
  if (args.p !== undefined && !await exists(args.p)) missing.push(n);
  if (args.q !== undefined && !await exists(args.q)) missing.push(n + 1);
  if (missing.length === 0) throw new CliFailure("nothing to recover: every file exists");
  if (args.q === undefined) {
    if (args.p === undefined) throw new UsageError("'recover' needs '-P P', '-Q Q' or both");
    if (missing.length > 1) {
      throw new CliFailure(
        `cannot recover ${missing.length} missing files from P alone: ${
          missing.map((k) => `'${k === n ? args.p : data[k]}'`).join(", ")
        } (one can be rebuilt; two need Q as well)`,
      );
    }
    const lost = missing[0]!;
    const target = lost === n ? args.p : data[lost]!;
    const inputs = [...data.filter((_, k) => k !== lost), ...(lost === n ? [] : [args.p])];
    const scratch = new Uint8Array(chunkFor(inputs.length + 1, undefined));
    await streamSet(display, "recover", inputs, [target], (outs, ins) => {
      xorAll(outs[0]!, ins, scratch, oneShot);
    });
    return 0;
  }
  // With Q, pq-recover rebuilds two positions; P absent from the command is lost too, and a
  // single missing file is paired with P or Q, rebuilt into scratch and dropped.
  const lost = [...missing];
  if (args.p === undefined) lost.push(n);
  if (lost.length > 2) {
    const names = missing.map((k) => `'${k < n ? data[k] : k === n ? args.p : args.q}'`);
    throw new CliFailure(
      `cannot recover ${missing.length} missing files (${names.join(", ")}) ${
        args.p === undefined
          ? "from Q alone: one can be rebuilt"
          : "from P and Q: two can be rebuilt"
      }`,
    );
  }
  if (lost.length === 1) lost.push(lost[0] === n + 1 ? n : n + 1);
  lost.sort((a, b) => a - b);
  const paths = [...data, args.p ?? "", args.q];
  const survivors = paths.filter((_, k) => !lost.includes(k));
  const written = lost.filter((k) => missing.includes(k));
  const spare = new Uint8Array(chunkFor(n + 2, undefined));
  await streamSet(display, "recover", survivors, written.map((k) => paths[k]!), (outs, ins) => {
    const length = ins[0]!.length;
    const rebuilt = lost.map((k) => {
      const i = written.indexOf(k);
      return i >= 0 ? outs[i]! : spare.subarray(0, length);
    }) as [Uint8Array, Uint8Array];
    const stripe: (Uint8Array | undefined)[] = [];
    let j = 0;
    for (let k = 0; k < n + 2; k++) stripe.push(lost.includes(k) ? undefined : ins[j++]);
    pqRecover(rebuilt, stripe, oneShot);
  });
  return 0;
}

/** Damage found in one place of the set: the bytes that differ and the first of them. */
interface Damage {
  bytes: number;
  first: number;
}

/** Keys of damage not pinned to one file: P differs without Q to tell; no one file explains it. */
const ONLY_P = "\u0000only-p";
const UNEXPLAINED = "\u0000unexplained";

/** Calls `visit(i)` for each index where `a` and `b` differ, comparing 4 bytes at a time. */
function differences(a: Uint8Array, b: Uint8Array, visit: (i: number) => void): void {
  const words = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 ? a.length >>> 2 : 0;
  if (words > 0) {
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) {
      if (wa[w] === wb[w]) continue;
      for (let i = w * 4; i < w * 4 + 4; i++) if (a[i] !== b[i]) visit(i);
    }
  }
  for (let i = words * 4; i < a.length; i++) if (a[i] !== b[i]) visit(i);
}

/**
 * `verify -P P [-Q Q] FILE...`: recomputes P (and Q) from the data and compares. With Q, a byte
 * where P and Q both differ names the one data file that explains both (Q's difference is 2^k
 * times P's for data file k); P alone or Q alone differing names P or Q.
 *
 * @returns 0 when the set matches, 1 when it does not.
 */
export async function verifyCommand(
  args: RunArgs,
  display: Display,
  oneShot: OneShotOptions,
  io: Io,
): Promise<number> {
  const n = args.files.length;
  const withQ = args.q !== undefined;
  const names = [...args.files, args.p!, ...(withQ ? [args.q!] : [])];
  const damage = new Map<string, Damage>(); // by file name, or one of the two keys below
  const note = (key: string, at: number): void => {
    const seen = damage.get(key);
    if (seen === undefined) damage.set(key, { bytes: 1, first: at });
    else seen.bytes++;
  };
  const chunk = chunkFor(names.length + 2, undefined);
  const scratch = new Uint8Array(chunk);
  const [p, q] = [new Uint8Array(chunk), new Uint8Array(chunk)];
  const size = await streamSet(display, "verify", names, [], (_, ins, offset) => {
    const length = ins[0]!.length;
    const data = ins.slice(0, n);
    const [wantP, wantQ] = [p.subarray(0, length), q.subarray(0, length)];
    if (withQ) pq([wantP, wantQ], data, oneShot);
    else xorAll(wantP, data, scratch, oneShot);
    const gotP = ins[n]!;
    const gotQ = withQ ? ins[n + 1]! : undefined;
    const bad = new Set<number>();
    differences(gotP, wantP, (i) => bad.add(i));
    if (gotQ !== undefined) differences(gotQ, wantQ, (i) => bad.add(i));
    for (const i of [...bad].sort((a, b) => a - b)) {
      const dp = gotP[i]! ^ wantP[i]!;
      if (gotQ === undefined) {
        note(ONLY_P, offset + i);
        continue;
      }
      const dq = gotQ[i]! ^ wantQ[i]!;
      if (dq === 0) note(args.p!, offset + i);
      else if (dp === 0) note(args.q!, offset + i);
      else {
        const k = (LOG[dq]! - LOG[dp]! + 255) % 255;
        note(k < n ? args.files[k]! : UNEXPLAINED, offset + i);
      }
    }
  });
  if (damage.size === 0) {
    await io.out(
      `ok: ${n} data files match P${withQ ? " and Q" : ""} (${human(size)} each)`,
    );
    return 0;
  }
  for (const [key, { bytes, first }] of damage) {
    const where = `${
      bytes === 1 ? "1 byte differs" : `${bytes} bytes differ`
    }, the first at byte ${first}`;
    if (key === ONLY_P) {
      await io.out(`damaged: P does not match the data: ${where} (add -Q to tell which file)`);
    } else if (key === UNEXPLAINED) {
      await io.out(`damaged: more than one file at the same bytes: ${where}`);
    } else await io.out(`damaged: '${key}': ${where}`);
  }
  return 1;
}
