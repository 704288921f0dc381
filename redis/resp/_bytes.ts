// Byte arguments whose buffer may change under the encoder: a transferred (detached) buffer
// reads as length 0, which must not be sent as an empty argument.

/** Whether the buffer under `bytes` was detached (transferred): its length then reads 0. */
export function isDetached(bytes: Uint8Array): boolean {
  const buffer = bytes.buffer as ArrayBuffer & { readonly detached?: boolean };
  return buffer.detached === true;
}

/** The TypeError for byte argument `i`, whose buffer was detached before it was encoded. */
export function detachedArgument(i: number): TypeError {
  return new TypeError(
    `Cannot encode argument ${i} of the command: its buffer was detached (transferred)`,
  );
}
