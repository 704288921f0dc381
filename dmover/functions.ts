import { DmoverError } from "./errors.ts";

/**
 * Where a request's length comes from, and which totals must agree:
 * - `output`: no inputs; the length is the output's total (`zero`, `fill8`);
 * - `inputs-match-output`: every input's total equals the output's (`copy`, `xorN`);
 * - `inputs-match`: no output; every input's total equals the first input's (`iscsi-crc32c`).
 *
 * @example
 * ```ts
 * import type { DmoverLengthRule } from "@dray/dray/dmover";
 *
 * const rule: DmoverLengthRule = "inputs-match-output";
 * ```
 */
export type DmoverLengthRule = "output" | "inputs-match-output" | "inputs-match";

/**
 * The immediate a function takes in a request: an integer from 0 to `max`, required unless the
 * rule has a `default`.
 *
 * @example
 * ```ts
 * import type { DmoverImmediateRule } from "@dray/dray/dmover";
 *
 * const byte: DmoverImmediateRule = { max: 255 };
 * const seed: DmoverImmediateRule = { max: 0xffff_ffff, default: 0 };
 * ```
 */
export interface DmoverImmediateRule {
  /** The largest value accepted. */
  readonly max: number;
  /** The value used when a request gives none; without it the immediate is required. */
  readonly default?: number;
}

/**
 * What a data-mover function takes and gives. A session is bound to one function; validation and
 * backends read everything they need from here, so a new function joins by registering a
 * descriptor (and backends that implement it).
 *
 * @example The built-in `fill8`
 * ```ts
 * import { getFunction } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const fill8 = getFunction("fill8");
 * assert.equal(fill8.inputs, 0);
 * assert.equal(fill8.output, true);
 * assert.deepEqual(fill8.immediateIn, { max: 255 });
 * ```
 */
export interface DmoverFunction {
  /** The name sessions bind to, e.g. `xor4`. */
  readonly name: string;
  /** How many input buffers a request carries, 0 to 16. */
  readonly inputs: number;
  /** Whether a request carries an output buffer. */
  readonly output: boolean;
  /** The immediate a request carries, when the function takes one. */
  readonly immediateIn?: DmoverImmediateRule;
  /** Whether the completion carries an immediate result. */
  readonly immediateOut: boolean;
  /** Where the length comes from; must agree with `inputs` and `output`. */
  readonly length: DmoverLengthRule;
  /** Whether inputs may overlap the output (memmove semantics); only `copy` among built-ins. */
  readonly overlap: boolean;
}

/** The largest number of inputs a function may take. */
const MAX_INPUTS = 16;

const registry = new Map<string, DmoverFunction>();

function expectedRule(inputs: number, output: boolean): DmoverLengthRule | undefined {
  if (output) return inputs === 0 ? "output" : "inputs-match-output";
  return inputs === 0 ? undefined : "inputs-match";
}

function checkDescriptor(fn: DmoverFunction): void {
  if (typeof fn !== "object" || fn === null) {
    throw new TypeError("Cannot register a function: expected a descriptor object");
  }
  if (typeof fn.name !== "string" || fn.name === "") {
    throw new TypeError(`Cannot register function '${fn.name}': expected a non-empty name`);
  }
  if (!Number.isInteger(fn.inputs) || fn.inputs < 0 || fn.inputs > MAX_INPUTS) {
    throw new RangeError(
      `Cannot register function '${fn.name}': inputs '${fn.inputs}' is not an integer from 0 to ${MAX_INPUTS}`,
    );
  }
  const rule = expectedRule(fn.inputs, fn.output === true);
  if (rule === undefined || fn.length !== rule) {
    throw new TypeError(
      `Cannot register function '${fn.name}': length rule '${fn.length}' does not fit ${fn.inputs} inputs ${
        fn.output ? "and an output" : "and no output"
      }`,
    );
  }
  const imm = fn.immediateIn;
  if (imm !== undefined) {
    if (!Number.isSafeInteger(imm.max) || imm.max < 0) {
      throw new RangeError(
        `Cannot register function '${fn.name}': immediate max '${imm.max}' is not an integer >= 0`,
      );
    }
    const d = imm.default;
    if (d !== undefined && (!Number.isSafeInteger(d) || d < 0 || d > imm.max)) {
      throw new RangeError(
        `Cannot register function '${fn.name}': immediate default '${d}' is outside 0..${imm.max}`,
      );
    }
  }
}

function freeze(fn: DmoverFunction): DmoverFunction {
  const imm = fn.immediateIn;
  return Object.freeze({
    name: fn.name,
    inputs: fn.inputs,
    output: fn.output === true,
    ...(imm === undefined ? {} : {
      immediateIn: Object.freeze(
        imm.default === undefined ? { max: imm.max } : { max: imm.max, default: imm.default },
      ),
    }),
    immediateOut: fn.immediateOut === true,
    length: fn.length,
    overlap: fn.overlap === true,
  });
}

/**
 * Adds a function to the registry so that sessions can bind to it. Backends decide for themselves
 * whether they implement it (see `DmoverBackend.kernel`); a session on a function that no backend
 * implements fails with `ENXIO`.
 *
 * @param fn The descriptor; a frozen copy is stored.
 * @returns The stored descriptor.
 * @throws {DmoverError} `EBUSY` when a function of that name exists.
 * @throws {TypeError} When the descriptor is malformed or its length rule does not fit.
 * @throws {RangeError} When a number in it is out of range.
 *
 * @example
 * ```ts
 * import { DmoverError, registerFunction } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () =>
 *     registerFunction({
 *       name: "copy",
 *       inputs: 1,
 *       output: true,
 *       immediateOut: false,
 *       length: "inputs-match-output",
 *       overlap: true,
 *     }),
 *   (error) => error instanceof DmoverError && error.code === "EBUSY",
 * );
 * ```
 */
export function registerFunction(fn: DmoverFunction): DmoverFunction {
  checkDescriptor(fn);
  if (registry.has(fn.name)) {
    throw new DmoverError("EBUSY", `Cannot register function '${fn.name}': the name is taken`);
  }
  const stored = freeze(fn);
  registry.set(stored.name, stored);
  return stored;
}

/**
 * Looks a function up by name.
 *
 * @param name The function's name, e.g. `iscsi-crc32c`.
 * @returns The descriptor.
 * @throws {DmoverError} `ENXIO` when there is no such function.
 *
 * @example
 * ```ts
 * import { getFunction } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getFunction("xor3").inputs, 3);
 * ```
 */
export function getFunction(name: string): DmoverFunction {
  const fn = registry.get(name);
  if (fn === undefined) {
    throw new DmoverError("ENXIO", `Cannot find function '${name}': no such function`);
  }
  return fn;
}

/**
 * Every registered function, built-ins first, in registration order.
 *
 * @returns The descriptors.
 *
 * @example
 * ```ts
 * import { listFunctions } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const names = listFunctions().map((fn) => fn.name);
 * assert.deepEqual(names.slice(0, 4), ["zero", "fill8", "copy", "xor2"]);
 * ```
 */
export function listFunctions(): DmoverFunction[] {
  return [...registry.values()];
}

registerFunction({
  name: "zero",
  inputs: 0,
  output: true,
  immediateOut: false,
  length: "output",
  overlap: false,
});
registerFunction({
  name: "fill8",
  inputs: 0,
  output: true,
  immediateIn: { max: 255 },
  immediateOut: false,
  length: "output",
  overlap: false,
});
registerFunction({
  name: "copy",
  inputs: 1,
  output: true,
  immediateOut: false,
  length: "inputs-match-output",
  overlap: true,
});
for (let n = 2; n <= 8; n++) {
  registerFunction({
    name: `xor${n}`,
    inputs: n,
    output: true,
    immediateOut: false,
    length: "inputs-match-output",
    overlap: false,
  });
}
registerFunction({
  name: "iscsi-crc32c",
  inputs: 1,
  output: false,
  immediateIn: { max: 0xffff_ffff, default: 0 },
  immediateOut: true,
  length: "inputs-match",
  overlap: false,
});
