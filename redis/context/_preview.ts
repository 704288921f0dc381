// A short, printable view of a reply for an error message.

import type { RespValue } from "../resp/types.ts";

/** At most 64 characters of `value`, bigints and maps spelled out, bytes as their length. */
export function preview(value: RespValue): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value, (_key, v) => {
      if (typeof v === "bigint") return `${v}`;
      if (v instanceof Uint8Array) return `<${v.length} bytes>`;
      if (v instanceof Map) return Object.fromEntries([...v].map(([k, e]) => [String(k), e]));
      if (v instanceof Set) return [...v];
      return v;
    });
  } catch {
    text = String(value);
  }
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
