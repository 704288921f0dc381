// Numbers read straight from bytes, without building a string on the common paths.

// Powers of ten that a double holds exactly.
const EXACT_POWERS = [
  1,
  1e1,
  1e2,
  1e3,
  1e4,
  1e5,
  1e6,
  1e7,
  1e8,
  1e9,
  1e10,
  1e11,
  1e12,
  1e13,
  1e14,
  1e15,
  1e16,
  1e17,
  1e18,
  1e19,
  1e20,
  1e21,
  1e22,
];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function lower(c: number): number {
  return c | 0x20;
}

/**
 * Reads a RESP3 double from `b[s, e)`: `[+-]digits[.digits][(e|E)[+-]digits]` (digits on at least
 * one side of the point), or `inf` / `nan` with an optional sign, in any case. Returns `undefined`
 * when the text is not one of those.
 *
 * With at most 15 significant digits and a decimal exponent within ±22, both the digits and the
 * power of ten are exact doubles, so one multiplication or division gives the correctly rounded
 * result (Clinger's fast path). For other valid forms it returns `null`: the caller converts the
 * text with `Number()`, which accepts every form allowed here.
 */
export function parseDouble(b: Uint8Array, s: number, e: number): number | null | undefined {
  let i = s;
  let negative = false;
  if (i < e && (b[i] === 45 || b[i] === 43)) {
    negative = b[i] === 45;
    i++;
  }
  if (e - i === 3) {
    const c0 = lower(b[i]!), c1 = lower(b[i + 1]!), c2 = lower(b[i + 2]!);
    if (c0 === 105 && c1 === 110 && c2 === 102) return negative ? -Infinity : Infinity;
    if (c0 === 110 && c1 === 97 && c2 === 110) return NaN;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  while (i < e && isDigit(b[i]!)) {
    mantissa = mantissa * 10 + b[i]! - 48;
    digits++;
    i++;
  }
  if (i < e && b[i] === 46) {
    i++;
    while (i < e && isDigit(b[i]!)) {
      mantissa = mantissa * 10 + b[i]! - 48;
      digits++;
      scale--;
      i++;
    }
  }
  if (digits === 0) return undefined;
  let exponent = 0;
  if (i < e && lower(b[i]!) === 101) {
    i++;
    let negativeExponent = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      negativeExponent = b[i] === 45;
      i++;
    }
    if (i === e) return undefined;
    while (i < e && isDigit(b[i]!)) {
      if (exponent < 100_000) exponent = exponent * 10 + b[i]! - 48;
      i++;
    }
    if (negativeExponent) exponent = -exponent;
  }
  if (i !== e) return undefined;
  const power = scale + exponent;
  if (digits <= 15 && power >= -22 && power <= 22) {
    const value = power >= 0 ? mantissa * EXACT_POWERS[power]! : mantissa / EXACT_POWERS[-power]!;
    return negative ? -value : value;
  }
  return null;
}

/** Whether `b[s, e)` is `-?(0|[1-9][0-9]*)`: an integer written the one way Redis writes it. */
export function isCanonicalInteger(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  if (i < e && b[i] === 45) i++;
  if (i === e) return false;
  if (b[i] === 48) return e - i === 1 && i === s; // "0" alone; "-0" and "01" are not canonical
  for (; i < e; i++) if (!isDigit(b[i]!)) return false;
  return true;
}
