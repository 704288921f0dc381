// Numbers read straight from bytes, without building a string on the common paths.

import { ascii } from "./_text.ts";

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

/** Whether `b[s, e)` is `(n-char-sequence)`: C's payload of a NaN, letters, digits and `_`. */
function isNanPayload(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 2 || b[s] !== 40 || b[e - 1] !== 41) return false;
  for (let i = s + 1; i < e - 1; i++) {
    const c = b[i]!;
    const letter = lower(c) >= 97 && lower(c) <= 122;
    if (!letter && !isDigit(c) && c !== 95) return false;
  }
  return true;
}

/**
 * Reads a RESP3 double from `b[s, e)`: `[+-]digits[.digits][(e|E)[+-]digits]` (digits on at least
 * one side of the point), or `inf` / `nan` with an optional sign, in any case; `nan` may carry a
 * C payload, `nan(char-sequence)`, as libc prints it (the RESP3 spec asks clients to accept every
 * NaN that Redis before 7.2 may send). Returns `undefined` when the text is not one of those.
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
  if (e - i >= 3 && !isDigit(b[i]!)) {
    const c0 = lower(b[i]!), c1 = lower(b[i + 1]!), c2 = lower(b[i + 2]!);
    if (e - i === 3 && c0 === 105 && c1 === 110 && c2 === 102) {
      return negative ? -Infinity : Infinity;
    }
    if (c0 === 110 && c1 === 97 && c2 === 110 && (e - i === 3 || isNanPayload(b, i + 3, e))) {
      return NaN;
    }
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

/**
 * Whether `b[s, e)` is `[+-]?(0|[1-9][0-9]*)`: an integer without leading zeros, with the optional
 * sign the protocol's grammar allows (`-0` is refused: it is not an integer Redis can send).
 */
export function isCanonicalInteger(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  if (i < e && (b[i] === 45 || b[i] === 43)) i++;
  if (i === e) return false;
  if (b[i] === 48) return e - i === 1 && b[s] !== 45; // "0" and "+0" alone; not "-0" nor "01"
  for (; i < e; i++) if (!isDigit(b[i]!)) return false;
  return true;
}

/**
 * The value of integer text `b[s, e)` of 16 to 19 digits (with an optional sign): a number up to
 * ±(2^53 − 1), a bigint beyond, `undefined` beyond 64 bits.
 */
export function bigInteger(b: Uint8Array, s: number, e: number): number | bigint | undefined {
  const big = BigInt(ascii(b, s, e));
  if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined;
  return big <= 9007199254740991n && big >= -9007199254740991n ? Number(big) : big;
}
