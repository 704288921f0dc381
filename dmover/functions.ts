import { DmoverError } from "./errors.ts";
import type { DmoverRequest } from "./types.ts";
import { lostPositions } from "./_gf.ts";

/**
 * Where a request's length comes from, and which totals must agree:
 * - `output`: no inputs; the length is the output's total (`zero`, `fill8`);
 * - `inputs-match-output`: every input's total equals the output's, and every output's the first
 *   output's (`copy`, `xorN`, `pq`);
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
 * rule has a `default`. A `max` beyond 2^53 - 1 is a `bigint`, and requests may then give the
 * immediate as a `bigint` (or as a number when it is a safe integer).
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
  readonly max: number | bigint;
  /** The value used when a request gives none; without it the immediate is required. */
  readonly default?: number | bigint;
  /**
   * Whether the immediate may also be given as a list of bit positions (the lost blocks of
   * `pq-recover`), each named once: validation turns it into the mask with those bits set.
   */
  readonly positions?: boolean;
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
  /** How many input buffers a request carries, 0 to 32 (the most, when `minInputs` is given). */
  readonly inputs: number;
  /** The fewest inputs, when the number varies (`xor`, `xor-check`, `pq`); default `inputs`. */
  readonly minInputs?: number;
  /** Whether a request carries an output buffer. */
  readonly output: boolean;
  /**
   * How many outputs, when there are several (`dualcast`, `pq`, `pq-recover`: 2, given in the
   * request's `outputs`); default 1 with `output`, 0 without.
   */
  readonly outputs?: number;
  /** The immediate a request carries, when the function takes one. */
  readonly immediateIn?: DmoverImmediateRule;
  /** Whether the completion carries an immediate result. */
  readonly immediateOut: boolean;
  /** Where the length comes from; must agree with `inputs` and `output`. */
  readonly length: DmoverLengthRule;
  /** Whether inputs may overlap the output (memmove semantics); only `copy` among built-ins. */
  readonly overlap: boolean;
  /**
   * A last check of a request that passed every generic rule, for what only the function knows
   * (the lost positions of `pq-recover`): a message saying what is wrong, or `undefined`.
   */
  check?(request: DmoverRequest, length: number): string | undefined;
}

/** The largest number of inputs a function may take. */
const MAX_INPUTS = 32;
/** The largest number of outputs. */
const MAX_OUTPUTS = 4;

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
  const lowest = fn.minInputs;
  if (
    lowest !== undefined && (!Number.isInteger(lowest) || lowest < 1 || lowest > fn.inputs)
  ) {
    throw new RangeError(
      `Cannot register function '${fn.name}': minInputs '${lowest}' is not an integer from 1 to ${fn.inputs}`,
    );
  }
  const outs = fn.outputs;
  if (
    outs !== undefined &&
    (!fn.output || !Number.isInteger(outs) || outs < 1 || outs > MAX_OUTPUTS)
  ) {
    throw new RangeError(
      `Cannot register function '${fn.name}': outputs '${outs}' is not an integer from 1 to ${MAX_OUTPUTS} with an output`,
    );
  }
  if (fn.check !== undefined && typeof fn.check !== "function") {
    throw new TypeError(`Cannot register function '${fn.name}': check is not a function`);
  }
  const imm = fn.immediateIn;
  if (imm !== undefined) {
    const max = imm.max;
    const bad = typeof max === "bigint"
      ? max < 0n || max >= 2n ** 64n
      : !Number.isSafeInteger(max) || max < 0;
    if (bad) {
      throw new RangeError(
        `Cannot register function '${fn.name}': immediate max '${max}' is not an integer from 0 to 2^64 - 1`,
      );
    }
    const d = imm.default;
    if (d !== undefined) {
      const outside = typeof d === "bigint"
        ? d < 0n || d > BigInt(max)
        : !Number.isSafeInteger(d) || d < 0 || d > max;
      if (outside) {
        throw new RangeError(
          `Cannot register function '${fn.name}': immediate default '${d}' is outside 0..${max}`,
        );
      }
    }
  }
}

function checkLost(request: DmoverRequest): string | undefined {
  const n = request.inputs?.length ?? 0;
  // Validation has turned a list of positions into its mask.
  const mask = (request.immediate ?? 0) as number | bigint;
  if (lostPositions(mask, n) !== undefined) return undefined;
  return `immediate '${mask}' must name exactly two lost positions of ${n + 2} (bits 0 to ${
    n - 1
  } the data blocks, ${n} P, ${n + 1} Q)`;
}

function freeze(fn: DmoverFunction): DmoverFunction {
  const imm = fn.immediateIn;
  const check = fn.check;
  return Object.freeze({
    name: fn.name,
    inputs: fn.inputs,
    ...(fn.minInputs === undefined || fn.minInputs === fn.inputs
      ? {}
      : { minInputs: fn.minInputs }),
    output: fn.output === true,
    ...(fn.outputs === undefined || fn.outputs === 1 ? {} : { outputs: fn.outputs }),
    ...(imm === undefined ? {} : {
      immediateIn: Object.freeze({
        max: imm.max,
        ...(imm.default === undefined ? {} : { default: imm.default }),
        ...(imm.positions === true ? { positions: true } : {}),
      }),
    }),
    immediateOut: fn.immediateOut === true,
    length: fn.length,
    overlap: fn.overlap === true,
    ...(check === undefined ? {} : { check: check.bind(fn) }),
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
registerFunction({
  name: "xor",
  inputs: 32,
  minInputs: 2,
  output: true,
  immediateOut: false,
  length: "inputs-match-output",
  overlap: false,
});
registerFunction({
  name: "compare",
  inputs: 2,
  output: false,
  immediateOut: true,
  length: "inputs-match",
  overlap: false,
});
registerFunction({
  name: "compare-pattern",
  inputs: 1,
  output: false,
  immediateIn: { max: 2n ** 64n - 1n },
  immediateOut: true,
  length: "inputs-match",
  overlap: false,
});
registerFunction({
  name: "copy-crc32c",
  inputs: 1,
  output: true,
  immediateIn: { max: 0xffff_ffff, default: 0 },
  immediateOut: true,
  length: "inputs-match-output",
  overlap: false,
});
registerFunction({
  name: "dualcast",
  inputs: 1,
  output: true,
  outputs: 2,
  immediateOut: false,
  length: "inputs-match-output",
  overlap: false,
});
registerFunction({
  name: "xor-check",
  inputs: 32,
  minInputs: 2,
  output: false,
  immediateOut: true,
  length: "inputs-match",
  overlap: false,
});
registerFunction({
  name: "pq",
  inputs: 32,
  minInputs: 2,
  output: true,
  outputs: 2,
  immediateOut: false,
  length: "inputs-match-output",
  overlap: false,
});
registerFunction({
  name: "pq-recover",
  inputs: 32,
  minInputs: 2,
  output: true,
  outputs: 2,
  immediateIn: { max: 2 ** 34 - 1, positions: true },
  immediateOut: false,
  length: "inputs-match-output",
  overlap: false,
  check: checkLost,
});

// The built-in functions, registered above: their own checks are dray's and trusted not to keep
// or re-check requests (see _validate.ts).
const builtins = new WeakSet<DmoverFunction>(registry.values());

/** Whether `fn` is one of the built-in functions (not one registered by a caller). */
export function isBuiltinFunction(fn: DmoverFunction): boolean {
  return builtins.has(fn);
}
