// Turning bytes into strings. `TextDecoder.decode` costs about 120 ns whatever the length on these
// machines, while building a short ASCII string with `String.fromCharCode` costs a few ns per
// byte, so short ASCII runs take the second path (crossover measured in bench/resp_bench.ts).

/** The UTF-8 decoder: replacement characters for invalid bytes, and a leading BOM is kept. */
export const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Runs at most this long are tried as ASCII first. */
export const SHORT_TEXT = 32;

/** Decodes `bytes[start, end)` as UTF-8 (invalid sequences become U+FFFD; a BOM is kept). */
export function decodeText(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > SHORT_TEXT) return utf8.decode(bytes.subarray(start, end));
  let bits = 0;
  for (let i = start; i < end; i++) bits |= bytes[i]!;
  if (bits > 0x7f) return utf8.decode(bytes.subarray(start, end));
  return ascii(bytes, start, end);
}

/** Builds a string from bytes known to be ASCII. */
export function ascii(b: Uint8Array, s: number, e: number): string {
  switch (e - s) {
    case 0:
      return "";
    case 1:
      return String.fromCharCode(b[s]!);
    case 2:
      return String.fromCharCode(b[s]!, b[s + 1]!);
    case 3:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return String.fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    default: {
      let text = "";
      let i = s;
      for (; i + 8 <= e; i += 8) {
        text += String.fromCharCode(
          b[i]!,
          b[i + 1]!,
          b[i + 2]!,
          b[i + 3]!,
          b[i + 4]!,
          b[i + 5]!,
          b[i + 6]!,
          b[i + 7]!,
        );
      }
      for (; i + 4 <= e; i += 4) {
        text += String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);
      }
      for (; i < e; i++) text += String.fromCharCode(b[i]!);
      return text;
    }
  }
}

/** Decodes bytes for an error message: at most `limit` bytes, JSON-quoted. */
export function quote(bytes: Uint8Array, start: number, end: number, limit = 40): string {
  const cut = end - start > limit;
  const text = utf8.decode(bytes.subarray(start, cut ? start + limit : end));
  return JSON.stringify(cut ? `${text}…` : text);
}
