import { detachedArgument, isDetached } from "./_bytes.ts";
import type { RedisArgument } from "./types.ts";

const CR = 13;
const LF = 10;
const DEFAULT_CAPACITY = 16 * 1024;
const RETAINED_CAPACITY = 256 * 1024;
// Strings up to this length are written char by char while they are ASCII; longer ones (and
// non-ASCII ones) go through TextEncoder.encodeInto.
const SHORT_STRING = 64;

const utf8 = new TextEncoder();

/** Decimal digits of a non-negative safe integer. */
function digitCount(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

/** Writes a non-negative safe integer at `at`; returns the position after it. */
function writeDigits(buf: Uint8Array, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  if (n < 100) {
    buf[at] = 48 + Math.floor(n / 10);
    buf[at + 1] = 48 + (n % 10);
    return at + 2;
  }
  const end = at + digitCount(n);
  let i = end;
  while (n >= 10) {
    const q = Math.floor(n / 10);
    buf[--i] = 48 + (n - q * 10);
    n = q;
  }
  buf[--i] = 48 + n;
  return end;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value === "symbol" ? value.toString() : String(value);
}

/**
 * Encodes commands as RESP arrays of bulk strings into one growable buffer — the unit that
 * auto-pipelining writes. Append every command issued in a tick, then hand the bytes to the
 * socket with {@linkcode RespWriter.take}.
 *
 * Arguments: strings are sent as UTF-8 with their exact byte length (lone surrogates become
 * U+FFFD, as `TextEncoder` writes them), `Uint8Array`s byte for byte, numbers and bigints as their
 * decimal text (`String(n)`). Any byte, `\r\n` included, is safe inside an argument.
 *
 * Two buffers take turns so that the bytes `take()` returns stay unchanged until the next `take()`
 * — the contract of the loop's `onWritable`, which calls again only once the previous bytes were
 * handed to the stream. A buffer that grew past 256 KiB for a large command is dropped when it
 * comes back, so memory returns to a small default.
 *
 * @example Auto-pipelining: many commands, one write
 * ```ts
 * import { RespWriter } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const writer = new RespWriter();
 * writer.append(["SET", "greeting", "héllo"]);
 * writer.append(["INCRBY", "counter", 5]);
 * assert.equal(writer.bufferedBytes, 75);
 * const bytes = writer.take()!; // what onWritable() returns
 * assert.equal(
 *   new TextDecoder().decode(bytes),
 *   "*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$6\r\nhéllo\r\n*3\r\n$6\r\nINCRBY\r\n$7\r\ncounter\r\n$1\r\n5\r\n",
 * );
 * assert.equal(writer.take(), undefined); // nothing more to write
 * ```
 */
export class RespWriter {
  #buf: Uint8Array;
  #len = 0;
  // The buffer last returned by take(): untouched until the next take() hands it back.
  #other: Uint8Array | undefined = undefined;

  /**
   * Makes an empty writer.
   *
   * @example An empty writer
   * ```ts
   * import { RespWriter } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RespWriter().bufferedBytes, 0);
   * ```
   */
  constructor() {
    this.#buf = new Uint8Array(DEFAULT_CAPACITY);
  }

  /**
   * The number of bytes appended since the last {@linkcode RespWriter.take}: what a client
   * compares with its write-buffer bound.
   *
   * @returns A byte count.
   *
   * @example Counting buffered bytes
   * ```ts
   * import { RespWriter } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const writer = new RespWriter();
   * writer.append(["PING"]);
   * assert.equal(writer.bufferedBytes, 14); // *1\r\n$4\r\nPING\r\n
   * ```
   */
  get bufferedBytes(): number {
    return this.#len;
  }

  /**
   * Appends one command. Nothing is appended when an argument is invalid.
   *
   * @param argv The command name and its arguments.
   * @throws {TypeError} When `argv` is empty or not an array, or holds something other than a
   * string, number, bigint or `Uint8Array`, or a `Uint8Array` whose buffer was detached (the
   * message names its position). A byte argument is read once, when it is appended: its length
   * then is the length on the wire.
   *
   * @example Nothing appended on a bad argument
   * ```ts
   * import { RespWriter } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const writer = new RespWriter();
   * assert.throws(() => writer.append(["SET", "key", undefined as never]), TypeError);
   * assert.equal(writer.bufferedBytes, 0);
   * ```
   */
  append(argv: readonly RedisArgument[]): void {
    if (!Array.isArray(argv)) {
      throw new TypeError(`Cannot encode a command from "${describe(argv)}": expected an array`);
    }
    const count = argv.length;
    if (count === 0) throw new TypeError("Cannot encode an empty command");
    const start = this.#len;
    this.#reserve(1 + 20 + 2);
    const buf = this.#buf;
    buf[start] = 42; // *
    let at = writeDigits(buf, start + 1, count);
    buf[at++] = CR;
    buf[at++] = LF;
    this.#len = at;
    for (let i = 0; i < count; i++) {
      const arg = argv[i];
      if (typeof arg === "string") {
        this.#string(arg);
      } else if (arg instanceof Uint8Array) {
        if (arg.length === 0 && isDetached(arg)) {
          this.#len = start;
          throw detachedArgument(i);
        }
        this.#bytes(arg);
      } else if (typeof arg === "number") {
        if (Number.isSafeInteger(arg) && arg >= 0) this.#integer(arg);
        else this.#ascii(String(arg));
      } else if (typeof arg === "bigint") {
        this.#ascii(String(arg));
      } else {
        this.#len = start;
        throw new TypeError(
          `Cannot encode argument ${i} of the command: expected a string, number, bigint or ` +
            `Uint8Array, got "${describe(arg)}"`,
        );
      }
    }
  }

  /**
   * Hands over everything appended since the last call. The returned bytes stay unchanged until
   * the next `take()`; meanwhile new commands go to the other buffer.
   *
   * @returns The encoded commands, or `undefined` when nothing was appended.
   *
   * @example Feeding the loop's onWritable
   * ```ts
   * import { RespWriter } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const writer = new RespWriter();
   * writer.append(["PING"]);
   * const first = writer.take()!;
   * writer.append(["ECHO", "x"]); // does not disturb `first`
   * assert.equal(new TextDecoder().decode(first), "*1\r\n$4\r\nPING\r\n");
   * assert.equal(writer.take()!.length, 21);
   * ```
   */
  take(): Uint8Array | undefined {
    const length = this.#len;
    if (length === 0) return undefined;
    const taken = this.#buf;
    const other = this.#other;
    this.#buf = other === undefined || other.length > RETAINED_CAPACITY
      ? new Uint8Array(DEFAULT_CAPACITY)
      : other;
    this.#other = taken;
    this.#len = 0;
    return taken.subarray(0, length);
  }

  /**
   * Drops everything appended since the last {@linkcode RespWriter.take}.
   *
   * @example Dropping what is buffered
   * ```ts
   * import { RespWriter } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const writer = new RespWriter();
   * writer.append(["PING"]);
   * writer.clear();
   * assert.equal(writer.take(), undefined);
   * ```
   */
  clear(): void {
    this.#len = 0;
    if (this.#buf.length > RETAINED_CAPACITY) this.#buf = new Uint8Array(DEFAULT_CAPACITY);
  }

  #reserve(extra: number): void {
    const need = this.#len + extra;
    const buf = this.#buf;
    if (need <= buf.length) return;
    let capacity = buf.length * 2;
    while (capacity < need) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** Writes `$<n>\r\n` at the end; returns the position after it. */
  #header(n: number): number {
    const buf = this.#buf;
    const at = this.#len;
    buf[at] = 36; // $
    const end = writeDigits(buf, at + 1, n);
    buf[end] = CR;
    buf[end + 1] = LF;
    return end + 2;
  }

  #string(s: string): void {
    const n = s.length;
    // Worst case: 3 bytes per UTF-16 unit, a header with the digits of that, and CRLF.
    this.#reserve(3 * n + 25);
    const buf = this.#buf;
    if (n <= SHORT_STRING) {
      let at = this.#header(n);
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at++] = c;
      }
      if (i === n) {
        buf[at] = CR;
        buf[at + 1] = LF;
        this.#len = at + 2;
        return;
      }
    }
    // Encode after a header sized for an all-ASCII string, then widen the header if the UTF-8
    // length needs more digits.
    const guess = digitCount(n);
    const contentAt = this.#len + 1 + guess + 2;
    const written = utf8.encodeInto(s, buf.subarray(contentAt)).written;
    const digits = digitCount(written);
    let from = contentAt;
    if (digits !== guess) {
      buf.copyWithin(contentAt + digits - guess, contentAt, contentAt + written);
      from += digits - guess;
    }
    this.#header(written);
    buf[from + written] = CR;
    buf[from + written + 1] = LF;
    this.#len = from + written + 2;
  }

  #bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    this.#reserve(n + 25);
    const at = this.#header(n);
    this.#buf.set(bytes, at);
    this.#buf[at + n] = CR;
    this.#buf[at + n + 1] = LF;
    this.#len = at + n + 2;
  }

  #integer(n: number): void {
    this.#reserve(1 + 2 + 2 + 16 + 2);
    const buf = this.#buf;
    let at = this.#header(digitCount(n));
    at = writeDigits(buf, at, n);
    buf[at] = CR;
    buf[at + 1] = LF;
    this.#len = at + 2;
  }

  /** Writes a string known to be ASCII (a number's or bigint's text). */
  #ascii(s: string): void {
    const n = s.length;
    this.#reserve(n + 25);
    const buf = this.#buf;
    let at = this.#header(n);
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    buf[at] = CR;
    buf[at + 1] = LF;
    this.#len = at + 2;
  }
}

/**
 * Encodes one command as a RESP array of bulk strings. For many commands, append them to one
 * {@linkcode RespWriter} instead.
 *
 * @param argv The command name and its arguments (strings, numbers, bigints or `Uint8Array`s).
 * @returns The command's bytes, in a fresh array of exactly that length.
 * @throws {TypeError} When `argv` is empty or holds an argument of another type (the message
 * names its position).
 *
 * @example One command
 * ```ts
 * import { encodeCommand } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeCommand(["SET", "k", "a\r\nb"]);
 * assert.equal(new TextDecoder().decode(bytes), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n");
 * ```
 */
export function encodeCommand(argv: readonly RedisArgument[]): Uint8Array {
  shared.append(argv);
  return shared.take()!.slice();
}

const shared = new RespWriter();
