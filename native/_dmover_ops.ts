// The table layout of the shim's generic dmover entry points (dray_op4, dray_op12): op codes,
// header words and the return codes of shim.c's dmover section. Private to dray: native/library.ts
// checks tables against these rules before a call, and dmover/ builds them.

/** Op codes (word 0 of a table), as DRAY_OP_* in shim.c. */
export const OP = {
  copy: 0,
  fill: 1,
  xor: 2,
  crc32c: 3,
  compare: 4,
  comparePattern: 5,
  copyCrc32c: 6,
  dualcast: 7,
  xorCheck: 8,
  pq: 9,
  pqRecover: 10,
} as const;

/** How many op codes there are. */
export const OP_COUNT = 11;

/** Words before the first side: op, outputs, inputs, four arguments, two results. */
export const OP_HEADER = 9;
/** Where the arguments start. */
export const OP_ARG = 3;
/** Where the results start: a CRC in [7], or a 64-bit offset in [7] (low) and [8] (high). */
export const OP_RESULT = 7;
/** The most inputs an op takes. */
export const OP_MAX_INPUTS = 32;
/** The most pairs a side may have. */
export const OP_IOV_MAX = 1024;

/** Return codes of the dmover entry points (DRAY_E* in shim.c). */
export const DRAY_EIOV = -3;
export const DRAY_EARG = -4;
/** No memory for the shim's private copy of a large table (more than 512 words). */
export const DRAY_ENOMEM = -5;

function popcount(x: number): number {
  let bits = 0;
  for (let v = x; v !== 0; v = Math.floor(v / 2)) bits += v % 2;
  return bits;
}

/**
 * Why an op header is refused (the C side's dray_op_shape), or undefined when it is valid: the
 * outputs and inputs an op takes, and its arguments' ranges.
 */
export function opShapeError(
  op: number,
  outputs: number,
  inputs: number,
  arg0: number,
  arg1: number,
): string | undefined {
  const many = inputs >= 2 && inputs <= OP_MAX_INPUTS;
  switch (op) {
    case OP.copy:
    case OP.copyCrc32c:
      return outputs === 1 && inputs === 1 ? undefined : "it takes 1 output and 1 input";
    case OP.fill:
      if (outputs !== 1 || inputs !== 0) return "it takes 1 output and no input";
      return arg0 <= 255 ? undefined : `its byte '${arg0}' is not 0 to 255`;
    case OP.xor:
      return outputs === 1 && many ? undefined : "it takes 1 output and 2 to 32 inputs";
    case OP.crc32c:
    case OP.comparePattern:
      return outputs === 0 && inputs === 1 ? undefined : "it takes no output and 1 input";
    case OP.compare:
      return outputs === 0 && inputs === 2 ? undefined : "it takes no output and 2 inputs";
    case OP.dualcast:
      return outputs === 2 && inputs === 1 ? undefined : "it takes 2 outputs and 1 input";
    case OP.xorCheck:
      return outputs === 0 && many ? undefined : "it takes no output and 2 to 32 inputs";
    case OP.pq:
      return outputs === 2 && many ? undefined : "it takes 2 outputs and 2 to 32 inputs";
    case OP.pqRecover: {
      if (outputs !== 2 || !many) return "it takes 2 outputs and 2 to 32 inputs";
      const mask = arg0 + arg1 * 2 ** 32;
      if (mask >= 2 ** (inputs + 2) || popcount(arg0) + popcount(arg1) !== 2) {
        return `its lost mask '${mask}' does not name exactly two of ${inputs + 2} positions`;
      }
      return undefined;
    }
    default:
      return `op '${op}' does not exist`;
  }
}
