// The inputs of bench/resp_bench.ts and the checks of every result. No parser is imported here:
// each contender runs in its own worker and loads only its own code.

const encoder = new TextEncoder();
export const CHUNK = 64 * 1024; // the loop's default read size
export const MIB = 1024 * 1024;

export type CaseName =
  | "ok_10k"
  | "lrange_10k"
  | "bulk_1mib_x100"
  | "resp3_nested_map"
  | "encode_set_100k";

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The stream cut into fresh arrays of at most CHUNK bytes (a reference may keep views). */
export function chunks(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += CHUNK) out.push(stream.slice(at, at + CHUNK));
  return out;
}

export function okStream(): Uint8Array {
  return encoder.encode("+OK\r\n".repeat(10_000));
}

function lrangeValue(i: number): string {
  return `item:${String(i).padStart(5, "0")}`; // 10 bytes
}

export function lrangeStream(): Uint8Array {
  let text = "*10000\r\n";
  for (let i = 0; i < 10_000; i++) text += `$10\r\n${lrangeValue(i)}\r\n`;
  return encoder.encode(text);
}

export function bulkStream(): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const body = new Uint8Array(MIB);
    for (let j = 0; j < MIB; j += 4096) body[j] = (i + j / 4096) & 0xff;
    body[MIB - 1] = i;
    parts.push(encoder.encode(`$${MIB}\r\n`), body, encoder.encode("\r\n"));
  }
  return concat(parts);
}

// 20 replies, each a map of 500 entries whose values are maps of doubles, booleans and big numbers.
const NESTED_REPLIES = 20;
const NESTED_ENTRIES = 500;
export function nestedStream(): Uint8Array {
  let text = "";
  for (let r = 0; r < NESTED_REPLIES; r++) {
    text += `%${NESTED_ENTRIES}\r\n`;
    for (let i = 0; i < NESTED_ENTRIES; i++) {
      text += `$${`sensor:${i}`.length}\r\nsensor:${i}\r\n%6\r\n`;
      text += `+temperature\r\n,${(20 + i / 8).toFixed(3)}\r\n`;
      text += `+ratio\r\n,${(i + 1) / 7}\r\n`;
      text += `+online\r\n#${i % 2 === 0 ? "t" : "f"}\r\n`;
      text += `+calibrated\r\n#t\r\n`;
      text += `+serial\r\n(${10n ** 20n + BigInt(i)}\r\n`;
      text += `+events\r\n(-${9n ** 25n + BigInt(r)}\r\n`;
    }
  }
  return encoder.encode(text);
}

export const SETS = 100_000;
export const PER_TICK = 1_000; // commands written together, as auto-pipelining would in one tick

export function setArgv(): string[][] {
  const argv: string[][] = [];
  for (let n = 0; n < SETS; n++) {
    argv.push(["SET", `key:${n}`, `value-${String(n).padStart(10, "0")}`]); // 16-byte value
  }
  return argv;
}

/** The bytes every encoder must produce for setArgv(), and their length. */
export function setBytes(): Uint8Array {
  let text = "";
  for (const [name, key, value] of setArgv()) {
    text += `*3\r\n$${name!.length}\r\n${name}\r\n$${key!.length}\r\n${key}\r\n`;
    text += `$${value!.length}\r\n${value}\r\n`;
  }
  return encoder.encode(text);
}

// ---------------------------------------------------------------- checks

function fail(what: string): never {
  throw new Error(`benchmark result check failed: ${what}`);
}

function checkOk(replies: unknown[]): void {
  if (replies.length !== 10_000) fail(`ok: ${replies.length} replies`);
  for (const reply of replies) if (reply !== "OK") fail(`ok: got ${String(reply)}`);
}

function checkLrange(replies: unknown[]): void {
  if (replies.length !== 1) fail(`lrange: ${replies.length} replies`);
  const list = replies[0] as unknown[];
  if (list.length !== 10_000) fail(`lrange: ${list.length} items`);
  for (let i = 0; i < 10_000; i += 97) {
    if (list[i] !== lrangeValue(i)) fail(`lrange: item ${i} is ${String(list[i])}`);
  }
  if (list[9_999] !== lrangeValue(9_999)) fail("lrange: last item");
}

function checkBulk(replies: unknown[]): void {
  if (replies.length !== 100) fail(`bulk: ${replies.length} replies`);
  for (let i = 0; i < 100; i++) {
    const bytes = replies[i];
    if (
      !(bytes instanceof Uint8Array) || bytes.length !== MIB || bytes[0] !== (i & 0xff) ||
      bytes[4096] !== ((i + 1) & 0xff) || bytes[MIB - 1] !== i
    ) {
      fail(`bulk: reply ${i}`);
    }
  }
}

function field(map: unknown, key: string): unknown {
  return map instanceof Map ? map.get(key) : (map as Record<string, unknown>)[key];
}

// node-redis accumulates decimal digits in floating point, so its doubles can be off in the last
// bit (0.1428571428571429 for 1/7); dray's are correctly rounded. The check accepts either.
function near(value: unknown, expected: number): boolean {
  return typeof value === "number" && Math.abs(value - expected) <= Math.abs(expected) * 1e-14;
}

function checkNested(replies: unknown[]): void {
  if (replies.length !== NESTED_REPLIES) fail(`nested: ${replies.length} replies`);
  for (let r = 0; r < NESTED_REPLIES; r += 7) {
    const reply = replies[r];
    const size = reply instanceof Map ? reply.size : Object.keys(reply as object).length;
    if (size !== NESTED_ENTRIES) fail(`nested: reply ${r} has ${size} entries`);
    for (let i = 0; i < NESTED_ENTRIES; i += 101) {
      const entry = field(reply, `sensor:${i}`);
      if (
        !near(field(entry, "temperature"), Number((20 + i / 8).toFixed(3))) ||
        !near(field(entry, "ratio"), (i + 1) / 7) ||
        field(entry, "online") !== (i % 2 === 0) ||
        field(entry, "calibrated") !== true ||
        field(entry, "serial") !== 10n ** 20n + BigInt(i) ||
        field(entry, "events") !== -(9n ** 25n + BigInt(r))
      ) fail(`nested: reply ${r} entry ${i}`);
    }
  }
}

/** What a decode case feeds, and how its replies are checked. */
export interface DecodeCase {
  stream: Uint8Array;
  returnBuffers: boolean;
  check: (replies: unknown[]) => void;
}

export function decodeCase(name: CaseName): DecodeCase {
  switch (name) {
    case "ok_10k":
      return { stream: okStream(), returnBuffers: false, check: checkOk };
    case "lrange_10k":
      return { stream: lrangeStream(), returnBuffers: false, check: checkLrange };
    case "bulk_1mib_x100":
      return { stream: bulkStream(), returnBuffers: true, check: checkBulk };
    case "resp3_nested_map":
      return { stream: nestedStream(), returnBuffers: false, check: checkNested };
    default:
      throw new Error(`not a decode case: ${name}`);
  }
}

/** Checks encoded bytes against setBytes(). */
export function checkEncoded(parts: Uint8Array[], expected: Uint8Array): void {
  let at = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 61) {
      if (part[i] !== expected[at + i]) fail(`encode: byte ${at + i}`);
    }
    if (part[part.length - 1] !== expected[at + part.length - 1]) fail("encode: tail");
    at += part.length;
  }
  if (at !== expected.length) fail(`encode: ${at} bytes instead of ${expected.length}`);
}
