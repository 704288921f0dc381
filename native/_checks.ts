// Argument checks every native wrapper runs before it calls into C. A failure throws the error the
// pure-TypeScript equivalent would and no call is made:
// - at NativeLibrary (`@dray/dray/native`), as Uint8Array methods and DataView accessors do: a
//   TypeError for something that is not the expected typed array or whose buffer is detached or
//   was transferred, a RangeError for an offset or length that is not an integer from 0 to
//   2^53 - 1, a span that does not lie inside its view, or a value outside its C parameter's type;
// - at the dmover API, a DmoverError with code EINVAL, raised by dmover's own validation before a
//   backend runs (the native backend only ever sees requests that passed it).
//
// Numbers handed to a u32 (or i32) parameter must be checked here, never left to FFI: Deno 2.9
// throws "Invalid FFI u32 type" for a number outside 0..2^32 - 1 on its slow path, but once the
// call site is optimised (V8's fast API call) the same number is converted silently, modulo 2^32:
// 2^32 + 8 arrives as 8, -1 as 4294967295, 1.5 as 1, NaN as 0. And -0, which passes every integer
// check, is refused by the slow path: values are normalised with `>>> 0` (or `| 0`) after the
// checks. A capacity is always the view's own length (a subarray's, never its ArrayBuffer's).

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

/** Throws unless `value` is an integer in [0, 2^32 - 1], what a uint32_t parameter holds. */
export function checkU32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new RangeError(`Cannot use ${name} '${value}': expected an integer from 0 to 2^32 - 1`);
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
