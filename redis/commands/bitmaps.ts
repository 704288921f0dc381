import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, integer } from "./_replies.ts";
import { argumentField, blockOf, numberField, tokenOf } from "./_blocks.ts";

/**
 * Whether `start` and `end` count bytes (the default) or bits (any case).
 *
 * @example
 * ```ts
 * import type { BitUnit } from "@dray/dray/redis";
 * const unit: BitUnit = "BIT";
 * ```
 */
export type BitUnit = "BYTE" | "BIT" | "byte" | "bit";

/**
 * Options of `BITCOUNT`: the range `[start end [BYTE | BIT]]` (both ends or neither).
 *
 * @example The first two bytes
 * ```ts
 * import type { BitCountOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: BitCountOptions = { start: 0, end: 1 };
 * assert.equal(options.end, 1);
 * ```
 */
export interface BitCountOptions extends CommandOptions {
  /** The first byte (or bit) of the range; negative counts from the end. */
  start?: number;
  /** The last byte (or bit) of the range, inclusive; needs `start`. */
  end?: number;
  /** What `start` and `end` count; needs both. */
  unit?: BitUnit;
}

/**
 * Options of `BITPOS`: `[start [end [BYTE | BIT]]]` (`end` needs `start`, `unit` needs `end`).
 *
 * @example From the third byte on
 * ```ts
 * import type { BitPosOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: BitPosOptions = { start: 2 };
 * assert.equal(options.start, 2);
 * ```
 */
export interface BitPosOptions extends BitCountOptions {}

/**
 * A bitfield integer type: `i` (signed) or `u` (unsigned) and a width (`i1`–`i64`, `u1`–`u63`).
 *
 * @example
 * ```ts
 * import type { BitfieldEncoding } from "@dray/dray/redis";
 * const encoding: BitfieldEncoding = "u8";
 * ```
 */
export type BitfieldEncoding = `${"i" | "u"}${number}`;

/**
 * A bitfield offset: a bit offset, or `#n` for the n-th field of the encoding's width.
 *
 * @example
 * ```ts
 * import type { BitfieldOffset } from "@dray/dray/redis";
 * const offsets: BitfieldOffset[] = [0, "#2"];
 * ```
 */
export type BitfieldOffset = number | `#${number}`;

/**
 * One operation of `BITFIELD`: `GET`, `SET` (replies with the old value), `INCRBY` (replies with
 * the new value), or `OVERFLOW` (how the `SET`s and `INCRBY`s after it overflow; no reply of its
 * own).
 *
 * @example An increment that saturates
 * ```ts
 * import type { BitfieldOperation } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const ops: BitfieldOperation[] = [
 *   { operation: "OVERFLOW", behavior: "SAT" },
 *   { operation: "INCRBY", encoding: "u8", offset: 0, increment: 300 },
 * ];
 * assert.equal(ops.length, 2);
 * ```
 */
export type BitfieldOperation =
  | { operation: "GET"; encoding: BitfieldEncoding; offset: BitfieldOffset }
  | { operation: "SET"; encoding: BitfieldEncoding; offset: BitfieldOffset; value: number | bigint }
  | {
    operation: "INCRBY";
    encoding: BitfieldEncoding;
    offset: BitfieldOffset;
    increment: number | bigint;
  }
  | { operation: "OVERFLOW"; behavior: "WRAP" | "SAT" | "FAIL" };

/**
 * One read of `BITFIELD_RO`.
 *
 * @example
 * ```ts
 * import type { BitfieldGet } from "@dray/dray/redis";
 * const get: BitfieldGet = { encoding: "i16", offset: "#1" };
 * ```
 */
export interface BitfieldGet {
  /** The integer type. */
  encoding: BitfieldEncoding;
  /** Where it starts. */
  offset: BitfieldOffset;
}

const OPERATIONS = ["GET", "SET", "INCRBY", "OVERFLOW"] as const;
const OVERFLOWS = ["WRAP", "SAT", "FAIL"] as const;
const UNITS = ["BYTE", "BIT"] as const;

function pushRange(argv: RedisArgument[], options: BitCountOptions, method: string): void {
  const { start, end, unit } = options;
  if (end !== undefined && start === undefined) {
    throw new TypeError(`Option "end" of ${method}() needs "start"`);
  }
  if (unit !== undefined && end === undefined) {
    throw new TypeError(`Option "unit" of ${method}() needs "start" and "end"`);
  }
  if (start !== undefined) argv.push(start);
  if (end !== undefined) argv.push(end);
  if (unit !== undefined) argv.push(tokenOf(unit, UNITS, 'Option "unit"', method));
}

function pushGet(argv: RedisArgument[], value: unknown, method: string): void {
  const get = blockOf(value, "An operation", method);
  argv.push(
    "GET",
    argumentField(get, "encoding", method),
    argumentField(get, "offset", method),
  );
}

function integersOrNull(value: RespValue): (number | null)[] {
  return array(value).map((item) => item === null ? null : integer(item, false) as number);
}

/**
 * Typed methods for bitmaps whose grammar is more than a list of values: `BITCOUNT` and
 * `BITPOS` with their optional range, `BITFIELD` and `BITFIELD_RO` with a list of operations.
 * (`SETBIT`, `GETBIT` and `BITOP` are generated.)
 *
 * @example Counting and packing bits
 * ```ts ignore
 * await redis.set("b", "\xff\x00");
 * assert.equal(await redis.bitcount("b", { start: 0, end: 0 }), 8);
 * assert.deepEqual(
 *   await redis.bitfield("counters", [
 *     { operation: "INCRBY", encoding: "u8", offset: "#0", increment: 1 },
 *     { operation: "GET", encoding: "u8", offset: "#1" },
 *   ]),
 *   [1, 0],
 * );
 * ```
 */
export abstract class BitmapCommands extends CommandSender {
  /**
   * `BITCOUNT key [start end [BYTE | BIT]]`: counts the set bits.
   *
   * @param key The key.
   * @param options The range (`start` and `end`, and their `unit`), and the command options.
   * @returns How many bits are set.
   *
   * @example In the first byte
   * ```ts ignore
   * assert.equal(await redis.bitcount("b", { start: 0, end: 0 }), 8);
   * ```
   */
  bitcount(key: RedisArgument, options?: BitCountOptions): Promise<number> {
    const argv: RedisArgument[] = ["BITCOUNT", key];
    if (options !== undefined) {
      if (options.start !== undefined && options.end === undefined) {
        throw new TypeError('Option "start" of bitcount() needs "end"');
      }
      pushRange(argv, options, "bitcount");
    }
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      integer(reply, false) as number
    );
  }

  /**
   * `BITPOS key bit [start [end [BYTE | BIT]]]`: finds the first bit set to `bit`.
   *
   * @param key The key.
   * @param bit `0` or `1`.
   * @param options Where to look (`start`, then `end`, then their `unit`), and the command
   * options.
   * @returns The bit's position, or `-1`.
   *
   * @example The first clear bit
   * ```ts ignore
   * assert.equal(await redis.bitpos("b", 0), 8);
   * ```
   */
  bitpos(key: RedisArgument, bit: 0 | 1, options?: BitPosOptions): Promise<number> {
    if (bit !== 0 && bit !== 1) {
      throw new TypeError(`Argument 2 of bitpos() must be 0 or 1, got ${String(bit)}`);
    }
    const argv: RedisArgument[] = ["BITPOS", key, bit];
    if (options !== undefined) pushRange(argv, options, "bitpos");
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      integer(reply, false) as number
    );
  }

  /**
   * `BITFIELD key [GET … | SET … | INCRBY … | OVERFLOW …] ...`: reads and writes integers of any
   * width at any offset, in one atomic command.
   *
   * @param key The key.
   * @param operations The operations, in order (at least one).
   * @param options Buffers, timeout, abort signal.
   * @returns One integer per `GET`, `SET` and `INCRBY`; `null` where `OVERFLOW FAIL` refused.
   *
   * @example Set, read, and a refused increment
   * ```ts ignore
   * const replies = await redis.bitfield("bf", [
   *   { operation: "SET", encoding: "u8", offset: 0, value: 200 },
   *   { operation: "GET", encoding: "u8", offset: 0 },
   *   { operation: "OVERFLOW", behavior: "FAIL" },
   *   { operation: "INCRBY", encoding: "u8", offset: 0, increment: 100 },
   * ]);
   * assert.deepEqual(replies, [0, 200, null]);
   * ```
   */
  bitfield(
    key: RedisArgument,
    operations: readonly BitfieldOperation[],
    options?: CommandOptions,
  ): Promise<(number | null)[]> {
    const argv: RedisArgument[] = ["BITFIELD", key];
    if (!Array.isArray(operations) || operations.length === 0) {
      throw new TypeError("Argument 2 of bitfield() must be a non-empty array of operations");
    }
    for (const value of operations) {
      const op = blockOf(value, "An operation", "bitfield");
      const name = tokenOf(op.operation, OPERATIONS, 'Field "operation"', "bitfield");
      if (name === "GET") {
        pushGet(argv, op, "bitfield");
      } else if (name === "OVERFLOW") {
        argv.push("OVERFLOW", tokenOf(op.behavior, OVERFLOWS, 'Field "behavior"', "bitfield"));
      } else {
        argv.push(
          name,
          argumentField(op, "encoding", "bitfield"),
          argumentField(op, "offset", "bitfield"),
          numberField(op, name === "SET" ? "value" : "increment", "bitfield"),
        );
      }
    }
    return this.sendCommand<RespValue>(argv, options).then(integersOrNull);
  }

  /**
   * `BITFIELD_RO key GET encoding offset [GET encoding offset ...]`: reads integers (runs on
   * read-only replicas).
   *
   * @param key The key.
   * @param gets The reads, in order (at least one).
   * @param options Buffers, timeout, abort signal.
   * @returns One integer per read.
   *
   * @example Two fields
   * ```ts ignore
   * assert.deepEqual(
   *   await redis.bitfieldRo("bf", [{ encoding: "u8", offset: 0 }, { encoding: "u4", offset: 8 }]),
   *   [200, 0],
   * );
   * ```
   */
  bitfieldRo(
    key: RedisArgument,
    gets: readonly BitfieldGet[],
    options?: CommandOptions,
  ): Promise<number[]> {
    const argv: RedisArgument[] = ["BITFIELD_RO", key];
    if (!Array.isArray(gets) || gets.length === 0) {
      throw new TypeError("Argument 2 of bitfieldRo() must be a non-empty array of reads");
    }
    for (const get of gets) pushGet(argv, get, "bitfieldRo");
    return this.sendCommand<RespValue>(argv, options).then(integersOrNull) as Promise<number[]>;
  }
}
