// Keeping a known secret (the connection's password) out of error texts. A server that echoes
// arguments (`ERR unknown command 'AUTH', with args beginning with: 'default' '<password>'`)
// quotes them cut to 128 characters in all, so a long enough prefix of the password is hidden as
// well as the whole of it.

/** What a hidden secret, or a hidden piece of one, reads as. */
export const REDACTED = "***";

/** A secret at least this long is hidden wherever it appears; see {@linkcode redactSecret}. */
const MIN_PIECE = 6;

const WORD = /[\p{L}\p{N}_]/u;

/** Whether `text[at]` does not continue a word (or is outside the text). */
function edge(text: string, at: number): boolean {
  return at < 0 || at >= text.length || !WORD.test(text[at]!);
}

/**
 * `text` with the secret replaced by `***`: every occurrence of the whole secret when it is at
 * least six characters long; otherwise, and for a prefix of it at least six characters long (a
 * quote cut short), only an occurrence that stands apart from the words around it (`'x'` for the
 * password `x`, not the `x` of `max`).
 */
export function redactSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === "" || text === "") return text;
  const min = Math.min(secret.length, MIN_PIECE);
  let out = "";
  let from = 0;
  let i = 0;
  while (i <= text.length - min) {
    let k = 0;
    while (k < secret.length && i + k < text.length && text[i + k] === secret[k]) k++;
    const whole = k === secret.length && k >= MIN_PIECE;
    if (k >= min && (whole || (edge(text, i - 1) && edge(text, i + k)))) {
      out += text.slice(from, i) + REDACTED;
      i += k;
      from = i;
    } else {
      i++;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Replaces the secret in the `message` and `stack` of `error` and of every error in its `cause`
 * chain, in place (the same error object may already be in other hands: a command's rejection).
 */
export function scrubSecret(error: unknown, secret: string | undefined): void {
  if (secret === undefined || secret === "") return;
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    for (const key of ["message", "stack"] as const) {
      const value = current[key];
      if (typeof value !== "string") continue;
      const clean = redactSecret(value, secret);
      if (clean === value) continue;
      try {
        Object.defineProperty(current, key, {
          value: clean,
          writable: true,
          configurable: true,
          enumerable: false,
        });
      } catch {
        // A frozen error keeps its text; nothing else can be done about it.
      }
    }
    current = current.cause;
  }
}
