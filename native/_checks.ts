// Argument checks every native wrapper runs before it calls into C. A failure throws the error the
// pure-TypeScript equivalent would (TypeError for a wrong or detached buffer, RangeError for a span
// outside it) and no call is made.

/** The largest value a uint32_t parameter takes. */
export const U32_MAX = 0xffff_ffff;

/** Whether the view's memory is gone (its ArrayBuffer was transferred or detached). */
export function isDetached(view: ArrayBufferView): boolean {
  const buffer = view.buffer;
  return buffer instanceof ArrayBuffer && buffer.detached;
}

/** Throws unless `view` is a live Uint8Array. */
export function checkView(name: string, view: Uint8Array): void {
  if (!(view instanceof Uint8Array)) {
    throw new TypeError(`Cannot use '${name}': expected a Uint8Array`);
  }
  if (isDetached(view)) {
    throw new TypeError(`Cannot use '${name}': its buffer is detached or was transferred`);
  }
}

/** Throws unless `value` is an integer in [0, 2^53 - 1]. */
export function checkIndex(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot use ${name} '${value}': expected an integer from 0 to 2^53 - 1`);
  }
}

/** Throws unless [offset, offset + length) lies inside `view` (a live Uint8Array). */
export function checkSpan(name: string, view: Uint8Array, offset: number, length: number): void {
  checkView(name, view);
  checkIndex(`${name} offset`, offset);
  checkIndex(`${name} length`, length);
  if (offset > view.length || length > view.length - offset) {
    throw new RangeError(
      `Cannot use '${name}' bytes ${offset}..${offset + length}: the buffer holds ${view.length}`,
    );
  }
}
