// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) in TypeScript, slicing by 8: eight 256-entry
// tables let one step consume eight bytes with eight lookups. The seed convention is iSCSI's: the
// register is inverted on the way in and out, so a seed of 0 gives the standard CRC and an earlier
// result as the seed continues it.

const POLY = 0x82f63b78;

// TABLE[k * 256 + b]: the register after byte b followed by k zero bytes. Int32 entries keep the
// arithmetic in small integers.
const TABLE = new Int32Array(8 * 256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[b] = c;
}
for (let b = 0; b < 256; b++) {
  for (let k = 1; k < 8; k++) {
    const prev = TABLE[(k - 1) * 256 + b]!;
    TABLE[k * 256 + b] = (prev >>> 8) ^ TABLE[prev & 0xff]!;
  }
}

/** CRC-32C of bytes[start, end) continuing `seed` (0 for a new CRC); an unsigned 32-bit result. */
export function crc32cUpdate(seed: number, bytes: Uint8Array, start: number, end: number): number {
  const t = TABLE;
  let c = ~seed;
  let i = start;
  for (const last = end - 8; i <= last; i += 8) {
    const w = c ^
      (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c = t[1792 + (w & 0xff)]! ^ t[1536 + ((w >>> 8) & 0xff)]! ^ t[1280 + ((w >>> 16) & 0xff)]! ^
      t[1024 + (w >>> 24)]! ^ t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
