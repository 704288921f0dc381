// Checks a command before it is queued where it cannot be refused later (a batch, a transaction):
// the same rules, and the same messages, as RespWriter.append.
import type { RedisArgument } from "../resp/types.ts";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value === "symbol" ? value.toString() : String(value);
}

/** Throws the TypeError RespWriter.append would throw for `argv`, if any. */
export function checkArgv(argv: readonly RedisArgument[]): void {
  if (!Array.isArray(argv)) {
    throw new TypeError(`Cannot encode a command from "${describe(argv)}": expected an array`);
  }
  if (argv.length === 0) throw new TypeError("Cannot encode an empty command");
  for (let i = 0; i < argv.length; i++) {
    const arg: unknown = argv[i];
    const type = typeof arg;
    if (type === "string" || type === "number" || type === "bigint" || arg instanceof Uint8Array) {
      continue;
    }
    throw new TypeError(
      `Cannot encode argument ${i} of the command: expected a string, number, bigint or ` +
        `Uint8Array, got "${describe(arg)}"`,
    );
  }
}
