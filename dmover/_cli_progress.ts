// The dmover CLI's progress bar on standard error: drawn only when asked for (a terminal, or
// --progress), at most every 100 ms, with the rate and the time left; cleared before results
// print, so a result line never lands in the middle of a bar.

const MIB = 1 << 20;
const encoder = new TextEncoder();

/** Bytes for people: `B`, `KiB`, `MiB`, `GiB`. */
export function human(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function rate(bytes: number, ms: number): string {
  return `${human(ms > 0 ? (bytes * 1000) / ms : 0)}/s`;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`
    : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** A progress bar over `total` bytes (undefined when the total is unknown: standard input). */
export class Progress {
  #total: number | undefined;
  #done = 0;
  #draw: boolean;
  #drawn = false;
  #last: number;
  #start = performance.now();

  /**
   * @param total The work in bytes, when known.
   * @param draw Whether to draw the bar at all.
   */
  constructor(total: number | undefined, draw: boolean) {
    this.#total = total;
    this.#draw = draw;
    this.#last = this.#start - 100;
  }

  /** Counts `bytes` more done and redraws when 100 ms have passed (or at the end). */
  advance(bytes: number): void {
    this.#done += bytes;
    if (!this.#draw) return;
    const now = performance.now();
    const end = this.#total !== undefined && this.#done >= this.#total;
    if (now - this.#last < 100 && !end) return;
    this.#last = now;
    const ms = now - this.#start;
    let line: string;
    if (this.#total === undefined) {
      line = `${human(this.#done)} ${rate(this.#done, ms)}`;
    } else {
      const fraction = this.#total === 0 ? 1 : Math.min(1, this.#done / this.#total);
      const filled = Math.round(fraction * 30);
      const bytesPerMs = ms > 0 ? this.#done / ms : 0;
      const eta = bytesPerMs > 0 ? duration((this.#total - this.#done) / bytesPerMs / 1000) : "?";
      line = `[${"#".repeat(filled)}${"-".repeat(30 - filled)}] ${
        (fraction * 100).toFixed(0).padStart(3)
      }% ${human(this.#done)} / ${human(this.#total)} ${rate(this.#done, ms)} ETA ${eta}`;
    }
    Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line}`));
    this.#drawn = true;
  }

  /** Erases the bar (when drawn), so that the next line starts clean. */
  clear(): void {
    if (!this.#drawn) return;
    Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    this.#drawn = false;
  }

  /** Erases the bar and, when asked, prints `label: size in time (rate)` on standard error. */
  finish(label: string, summary: boolean): void {
    this.clear();
    if (!summary) return;
    const ms = performance.now() - this.#start;
    const line = `${label}: ${human(this.#done)} in ${(ms / 1000).toFixed(2)} s (${
      rate(this.#done, ms)
    })\n`;
    Deno.stderr.writeSync(encoder.encode(line));
  }
}
