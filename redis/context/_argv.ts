// Checks a command before it is queued where it cannot be refused later (a batch, a transaction):
// the same rules, and the same messages, as RespWriter.append.
import { detachedArgument, isDetached } from "../resp/_bytes.ts";
import type { RedisArgument } from "../resp/types.ts";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value === "symbol" ? value.toString() : String(value);
}

/** Throws the TypeError RespWriter.append would throw for `argv`, if any. */
export function checkArgv(argv: readonly RedisArgument[]): void {
  if (!Array.isArray(argv)) {
    throw new TypeError(`Cannot encode a command from "${describe(argv)}": expected an array`);
  }
  if (argv.length === 0) throw new TypeError("Cannot encode an empty command");
  for (let i = 0; i < argv.length; i++) {
    const arg: unknown = argv[i];
    const type = typeof arg;
    if (type === "string" || type === "number" || type === "bigint") continue;
    if (arg instanceof Uint8Array) {
      if (arg.length === 0 && isDetached(arg)) throw detachedArgument(i);
      continue;
    }
    throw new TypeError(
      `Cannot encode argument ${i} of the command: expected a string, number, bigint or ` +
        `Uint8Array, got "${describe(arg)}"`,
    );
  }
}

/**
 * Byte arguments at least this long are sent as a chunk of their own, not through the writer's
 * buffer. The chunk is a copy taken when the command is encoded: the caller may shrink, transfer
 * or reuse its array afterwards without changing what goes on the wire, whose length the header
 * already gave.
 */
export const LARGE_ARGUMENT = 64 * 1024;

/** Whether `argv` has a byte argument of at least LARGE_ARGUMENT bytes. */
export function hasLargeArgument(argv: readonly RedisArgument[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (typeof arg === "object" && arg instanceof Uint8Array && arg.length >= LARGE_ARGUMENT) {
      return true;
    }
  }
  return false;
}

const utf8 = new TextEncoder();
const CRLF = [13, 10];

/**
 * Encodes a command with large byte arguments as chunks: each large argument is copied into an
 * array of its own (one copy, and the header and the bytes come from the same moment); everything
 * between them is encoded into small new arrays. Concatenated, the chunks are exactly what
 * RespWriter.append would write at this moment.
 */
export function encodeInChunks(argv: readonly RedisArgument[]): Uint8Array[] {
  checkArgv(argv);
  const chunks: Uint8Array[] = [];
  let text: number[] = [...utf8.encode(`*${argv.length}\r\n`)];
  for (const arg of argv) {
    let bytes: Uint8Array;
    if (typeof arg === "string") bytes = utf8.encode(arg);
    else if (arg instanceof Uint8Array) bytes = arg;
    else bytes = utf8.encode(String(arg));
    for (const byte of utf8.encode(`$${bytes.length}\r\n`)) text.push(byte);
    if (bytes === arg && bytes.length >= LARGE_ARGUMENT) {
      chunks.push(new Uint8Array(text), bytes.slice());
      text = [...CRLF];
    } else {
      for (const byte of bytes) text.push(byte);
      text.push(...CRLF);
    }
  }
  chunks.push(new Uint8Array(text));
  return chunks;
}
