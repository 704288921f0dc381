// Strings out of the reader's buffer. Both paths exist because, for short values, allocation
// costs more than parsing on these machines (measured with bench/resp_bench.ts):
//
// - Short text is cut with `substring` out of one decoded window of the buffer (a few ns each)
//   instead of being decoded one by one (`TextDecoder` costs ~120 ns whatever the length). Only
//   strings of at most 12 UTF-16 units: V8 copies those, while a longer substring would be a
//   slice that keeps the whole window alive.
// - Short byte strings are views into a shared pool, as with Node's Buffer: a small standalone
//   Uint8Array costs about 1 µs to create and collect here, a view into an existing buffer ~50 ns.

import { ascii, decodeText, utf8 } from "./_text.ts";

const WINDOW = 16 * 1024;
const WINDOW_MIN = 256; // open a window only when at least this much is buffered
const WINDOW_STRING = 12;

const POOL_SIZE = 16 * 1024;
const POOL_MAX = 512;

const EMPTY = new Uint8Array(0);

/** Makes strings and byte strings out of a buffer whose bytes stay put until forget(). */
export class StringMaker {
  // The window: #text holds buf[#textStart, #textEnd), one char per byte when #textMapped; when
  // not (some bytes were not ASCII), strings in that range are decoded one by one.
  #text = "";
  #textStart = 0;
  #textEnd = 0;
  #textMapped = false;
  // The pool that small byte strings are cut from; a full pool is left to its views.
  #pool: Uint8Array = EMPTY;
  #poolUsed = 0;

  /** The buffer's bytes moved: drop the window. */
  forget(): void {
    this.#text = "";
    this.#textStart = 0;
    this.#textEnd = 0;
  }

  /** Decodes buf[start, stop) as UTF-8; buffered bytes end at `end`. */
  text(buf: Uint8Array, start: number, stop: number, end: number): string {
    if (stop - start > WINDOW_STRING) return decodeText(buf, start, stop);
    if (start < this.#textStart || stop > this.#textEnd) {
      if (end - start < WINDOW_MIN) return decodeText(buf, start, stop);
      const windowEnd = Math.min(end, start + WINDOW);
      const text = utf8.decode(buf.subarray(start, windowEnd));
      this.#text = text;
      this.#textStart = start;
      this.#textEnd = windowEnd;
      // The same length means one char per byte: every byte is ASCII or a lone invalid byte
      // (U+FFFD either way), so offsets map one to one and any substring decodes alike.
      this.#textMapped = text.length === windowEnd - start;
    }
    if (!this.#textMapped) return decodeText(buf, start, stop);
    const at = this.#textStart;
    return this.#text.substring(start - at, stop - at);
  }

  /**
   * The text of ASCII bytes buf[start, stop) for immediate use (BigInt, Number): a substring of
   * the window when it covers them, which may keep the window alive, so never return it.
   */
  transient(buf: Uint8Array, start: number, stop: number): string {
    if (this.#textMapped && start >= this.#textStart && stop <= this.#textEnd) {
      const at = this.#textStart;
      return this.#text.substring(start - at, stop - at);
    }
    return ascii(buf, start, stop);
  }

  /** Copies buf[start, stop) out: into the pool when short, else into an array of its own. */
  bytes(buf: Uint8Array, start: number, stop: number): Uint8Array {
    const n = stop - start;
    if (n > POOL_MAX) return buf.slice(start, stop);
    let at = this.#poolUsed;
    if (at + n > this.#pool.length) {
      this.#pool = new Uint8Array(POOL_SIZE);
      at = 0;
    }
    const pool = this.#pool;
    if (n <= 16) {
      for (let i = 0; i < n; i++) pool[at + i] = buf[start + i]!;
    } else {
      pool.set(buf.subarray(start, stop), at);
    }
    this.#poolUsed = (at + n + 7) & ~7; // keep views 8-byte aligned
    return new Uint8Array(pool.buffer, at, n);
  }
}
