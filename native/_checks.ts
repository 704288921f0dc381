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

//
// A view's `length`, `byteOffset` and `buffer` are read through the intrinsic getters of
// %TypedArray%.prototype, captured when this module loads, never through the object: a subclass,
// or an own property defined on the view, can return anything, and the capacity handed to C must
// be the memory's real size. The same getters are the brand check: `Symbol.toStringTag`'s is
// "Uint8Array" only for a real Uint8Array (a plain object with Uint8Array.prototype is not one).

/** The largest value a uint32_t parameter takes. */
export const U32_MAX = 0xffff_ffff;

const TYPED_ARRAY_PROTOTYPE = Object.getPrototypeOf(Uint8Array.prototype) as object;

function intrinsicGetter(owner: object, key: string | symbol): (this: unknown) => unknown {
  const get = Object.getOwnPropertyDescriptor(owner, key)?.get;
  if (get === undefined) throw new TypeError(`Cannot find the intrinsic getter '${String(key)}'`);
  return get as (this: unknown) => unknown;
}

const LENGTH = intrinsicGetter(TYPED_ARRAY_PROTOTYPE, "length") as (this: unknown) => number;
const BYTE_OFFSET = intrinsicGetter(TYPED_ARRAY_PROTOTYPE, "byteOffset") as (
  this: unknown,
) => number;
const BUFFER = intrinsicGetter(TYPED_ARRAY_PROTOTYPE, "buffer") as (
  this: unknown,
) => ArrayBufferLike;
const TAG = intrinsicGetter(TYPED_ARRAY_PROTOTYPE, Symbol.toStringTag) as (
  this: unknown,
) => string | undefined;
const DETACHED = intrinsicGetter(ArrayBuffer.prototype, "detached") as (this: unknown) => boolean;
const GROWABLE = intrinsicGetter(SharedArrayBuffer.prototype, "growable") as (
  this: unknown,
) => boolean;
const SAB_BYTE_LENGTH = intrinsicGetter(SharedArrayBuffer.prototype, "byteLength") as (
  this: unknown,
) => number;

/** Whether `value` is a real Uint8Array (or a subclass instance), by its internal slots. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return TAG.call(value) === "Uint8Array";
}

/** Whether `value` is a real Uint32Array, by its internal slots. */
export function isUint32Array(value: unknown): value is Uint32Array {
  return TAG.call(value) === "Uint32Array";
}

/** The view's element count, from its internal slots (0 once detached). */
export function lengthOf(view: ArrayBufferView): number {
  return LENGTH.call(view);
}

/** Where the view starts in its buffer, from its internal slots. */
export function byteOffsetOf(view: ArrayBufferView): number {
  return BYTE_OFFSET.call(view);
}

/** The view's ArrayBuffer or SharedArrayBuffer, from its internal slots. */
export function bufferOf(view: ArrayBufferView): ArrayBufferLike {
  return BUFFER.call(view);
}

/** Whether `memory` is a SharedArrayBuffer (by its internal slots, not its prototype). */
export function isSharedMemory(memory: ArrayBufferLike): memory is SharedArrayBuffer {
  try {
    SAB_BYTE_LENGTH.call(memory);
    return true;
  } catch {
    return false;
  }
}

/** Whether `memory` is a growable SharedArrayBuffer. */
export function isGrowable(memory: SharedArrayBuffer): boolean {
  return GROWABLE.call(memory);
}

/** Whether the view's memory is gone (its ArrayBuffer was transferred or detached). */
export function isDetached(view: ArrayBufferView): boolean {
  const buffer = BUFFER.call(view);
  return !isSharedMemory(buffer) && DETACHED.call(buffer);
}

/** Throws unless `view` is a live Uint8Array. */
export function checkView(name: string, view: Uint8Array): void {
  if (!isUint8Array(view)) {
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
  const size = lengthOf(view);
  if (offset > size || length > size - offset) {
    throw new RangeError(
      `Cannot use '${name}' bytes ${offset}..${offset + length}: the buffer holds ${size}`,
    );
  }
}
