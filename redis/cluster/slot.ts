/**
 * Hash slots of Redis Cluster keys: CRC16 (XMODEM) of the key's hash tag, modulo 16,384, computed
 * on the key's bytes exactly as the server's `CLUSTER KEYSLOT` does.
 *
 * @module
 */

/**
 * How many hash slots a Redis Cluster has.
 *
 * @example
 * ```ts
 * import { SLOT_COUNT } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(SLOT_COUNT, 16384);
 * ```
 */
export const SLOT_COUNT = 16384;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const TABLE: Uint16Array = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
}

/**
 * CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection, no final xor) of
 * `bytes[start..end)`: the checksum Redis Cluster hashes keys with.
 *
 * @param bytes The bytes to checksum.
 * @param start The first byte to include (default 0).
 * @param end One past the last byte to include (default `bytes.length`).
 * @returns The checksum, 0..65535.
 * @throws {RangeError} When the range is not within `bytes`.
 *
 * @example The check value of the CRC catalogue
 * ```ts
 * import { crc16 } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(crc16(new TextEncoder().encode("123456789")), 0x31c3);
 * ```
 */
export function crc16(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  if (
    !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end &&
      end <= bytes.length)
  ) {
    throw new RangeError(`Cannot checksum bytes [${start}, ${end}) of ${bytes.length}`);
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc;
}

// The range of the key that is hashed: the bytes between the first `{` and the first `}` after
// it when there is at least one byte between them, otherwise the whole key.
function tagRange(bytes: Uint8Array): [number, number] {
  const open = bytes.indexOf(OPEN_BRACE);
  if (open === -1) return [0, bytes.length];
  const close = bytes.indexOf(CLOSE_BRACE, open + 1);
  if (close === -1 || close === open + 1) return [0, bytes.length];
  return [open + 1, close];
}

const encoder = new TextEncoder();

/**
 * The part of a key that decides its slot: the hash tag (the bytes between the first `{` and the
 * first `}` after it, when that is not empty), otherwise the whole key. Strings are taken as
 * UTF-8.
 *
 * @param key The key, as bytes or as a string.
 * @returns The hashed bytes (a view into `key` when `key` is a `Uint8Array`).
 *
 * @example Keys that share a tag share a slot
 * ```ts
 * import { hashTag } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
 * assert.equal(text(hashTag("{user1000}.following")), "user1000");
 * assert.equal(text(hashTag("foo{}{bar}")), "foo{}{bar}"); // the first tag is empty
 * assert.equal(text(hashTag("foo{{bar}}zap")), "{bar");
 * ```
 */
export function hashTag(key: string | Uint8Array): Uint8Array {
  const bytes = typeof key === "string" ? encoder.encode(key) : key;
  const [start, end] = tagRange(bytes);
  return bytes.subarray(start, end);
}

/**
 * The hash slot (0..16383) of a key, as `CLUSTER KEYSLOT` computes it: CRC16 of the key's hash
 * tag (see {@linkcode hashTag}) modulo 16,384. The slot is computed on bytes; a string key is
 * taken as UTF-8, as it is sent.
 *
 * @param key The key, as bytes or as a string.
 * @returns The slot, 0..16383.
 *
 * @example Slots of keys with and without tags
 * ```ts
 * import { keySlot } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(keySlot("foo"), 12182);
 * assert.equal(keySlot("{user1000}.following"), keySlot("{user1000}.followers"));
 * assert.equal(keySlot(new Uint8Array([0xff, 0x00])), keySlot(new Uint8Array([0xff, 0x00])));
 * ```
 */
export function keySlot(key: string | Uint8Array): number {
  if (typeof key === "string") {
    if (isAscii(key)) return asciiSlot(key);
    key = encoder.encode(key);
  }
  const [start, end] = tagRange(key);
  return crc16(key, start, end) & (SLOT_COUNT - 1);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

// The same as the byte path for a string whose UTF-8 bytes are its char codes.
function asciiSlot(key: string): number {
  let start = 0;
  let end = key.length;
  const open = key.indexOf("{");
  if (open !== -1) {
    const close = key.indexOf("}", open + 1);
    if (close !== -1 && close !== open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ key.charCodeAt(i)) & 0xff]!;
  }
  return crc & (SLOT_COUNT - 1);
}
