// Intel ISA-L as an independent reference for the dmover functions, reached through Deno.dlopen of
// libisal.so.2 (Debian's libisal2, pulled in by libisal-dev). Its conventions (see
// /work/shared/FACTS.md): crc32_iscsi inverts neither on entry nor on exit, so dray's
// crc32c(data, seed) is ~crc32_iscsi(data, len, ~seed); xor_gen and pq_gen take the sources and
// then the outputs, and their SIMD versions want lengths that are multiples of 32, so every call
// here works on 64-byte-aligned, zero-padded copies; ISA-L has no RAID-6 recovery call, so
// recovery is built from gf_invert_matrix, ec_init_tables and ec_encode_data.

const SYMBOLS = {
  crc32_iscsi: { parameters: ["buffer", "i32", "u32"], result: "u32" },
  xor_gen: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  xor_check: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  pq_gen: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  gf_mul: { parameters: ["u8", "u8"], result: "u8" },
  gf_invert_matrix: { parameters: ["buffer", "buffer", "i32"], result: "i32" },
  ec_init_tables: { parameters: ["i32", "i32", "buffer", "buffer"], result: "void" },
  ec_encode_data: {
    parameters: ["i32", "i32", "i32", "buffer", "buffer", "buffer"],
    result: "void",
  },
} as const;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Where libisal may be: $DRAY_ISAL, then the names the dynamic linker resolves itself. */
const CANDIDATES = ["libisal.so.2", "libisal.so", "/usr/lib/x86_64-linux-gnu/libisal.so.2"];

/** A 64-byte-aligned, zero-padded scratch copy that ISA-L may read and write whole. */
class Aligned {
  readonly bytes: Uint8Array;
  readonly padded: number;
  readonly pointer: Deno.PointerValue;
  constructor(length: number, from?: Uint8Array) {
    this.padded = Math.max(64, Math.ceil(length / 64) * 64);
    const raw = new Uint8Array(this.padded + 64);
    const address = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(raw)));
    const skip = Number((64n - (address & 63n)) & 63n);
    this.bytes = raw.subarray(skip, skip + this.padded);
    this.pointer = Deno.UnsafePointer.of(this.bytes);
    if (from !== undefined) this.bytes.set(from);
  }
}

function pointerTable(blocks: readonly Aligned[]): BigUint64Array {
  return BigUint64Array.from(blocks, (b) => BigInt(Deno.UnsafePointer.value(b.pointer)));
}

function firstNonZero(bytes: Uint8Array, length: number): number {
  for (let i = 0; i < length; i++) if (bytes[i] !== 0) return i;
  return -1;
}

/** The functions of ISA-L a differential test needs, in dray's terms. */
export class IsalReference {
  readonly path: string;
  readonly #lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly #f: Symbols;

  constructor(path: string, lib: Deno.DynamicLibrary<typeof SYMBOLS>) {
    this.path = path;
    this.#lib = lib;
    this.#f = lib.symbols;
  }

  close(): void {
    this.#lib.close();
  }

  /** dray's crc32c(bytes, seed): ISA-L's crc32_iscsi with the inversions outside. */
  crc32c(bytes: Uint8Array, seed = 0): number {
    const copy = new Aligned(bytes.length, bytes);
    return (~this.#f.crc32_iscsi(copy.bytes, bytes.length, ~seed >>> 0)) >>> 0;
  }

  /** The xor of the inputs (xor_gen). */
  xor(inputs: readonly Uint8Array[]): Uint8Array {
    const length = inputs[0]!.length;
    const blocks = [...inputs.map((b) => new Aligned(length, b)), new Aligned(length)];
    const rc = this.#f.xor_gen(blocks.length, blocks[0]!.padded, pointerTable(blocks));
    if (rc !== 0) throw new Error(`xor_gen failed with ${rc}`);
    return blocks.at(-1)!.bytes.slice(0, length);
  }

  /** xor_check's verdict (zero or not) and the first offset of ISA-L's xor that is not zero. */
  xorCheck(inputs: readonly Uint8Array[]): { consistent: boolean; first: number } {
    const length = inputs[0]!.length;
    const blocks = inputs.map((b) => new Aligned(length, b));
    const rc = this.#f.xor_check(blocks.length, blocks[0]!.padded, pointerTable(blocks));
    return { consistent: rc === 0, first: firstNonZero(this.xor(inputs), length) };
  }

  /** compare(a, b): the first offset where ISA-L's xor of the two is not zero, or -1. */
  compare(a: Uint8Array, b: Uint8Array): number {
    return firstNonZero(this.xor([a, b]), a.length);
  }

  /** P and Q of the data blocks (pq_gen). */
  pq(data: readonly Uint8Array[]): [Uint8Array, Uint8Array] {
    const length = data[0]!.length;
    const blocks = [
      ...data.map((b) => new Aligned(length, b)),
      new Aligned(length),
      new Aligned(length),
    ];
    const rc = this.#f.pq_gen(blocks.length, blocks[0]!.padded, pointerTable(blocks));
    if (rc !== 0) throw new Error(`pq_gen failed with ${rc}`);
    return [blocks.at(-2)!.bytes.slice(0, length), blocks.at(-1)!.bytes.slice(0, length)];
  }

  /**
   * The blocks at positions a < b of a stripe (n data blocks, P at n, Q at n + 1) from the n
   * survivors in stripe order: ISA-L inverts the survivors' rows of the RAID-6 generator matrix
   * and encodes the lost rows with ec_encode_data.
   */
  recover(
    n: number,
    a: number,
    b: number,
    survivors: readonly Uint8Array[],
  ): [Uint8Array, Uint8Array] {
    const gf = this.#f.gf_mul;
    const row = (pos: number): number[] => {
      if (pos < n) return Array.from({ length: n }, (_, k) => (k === pos ? 1 : 0));
      if (pos === n) return Array(n).fill(1);
      let g = 1;
      return Array.from({ length: n }, () => {
        const v = g;
        g = gf(g, 2);
        return v;
      });
    };
    const kept: number[] = [];
    for (let pos = 0; pos < n + 2; pos++) if (pos !== a && pos !== b) kept.push(pos);
    const matrix = new Uint8Array(n * n);
    kept.forEach((pos, r) => matrix.set(row(pos), r * n));
    const inverse = new Uint8Array(n * n);
    if (this.#f.gf_invert_matrix(matrix, inverse, n) !== 0) throw new Error("singular matrix");
    // Each lost block is its generator row times the data, and the data is inverse x survivors.
    const decode = new Uint8Array(2 * n);
    [a, b].forEach((pos, r) => {
      const g = row(pos);
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < n; k++) v ^= gf(g[k]!, inverse[k * n + j]!);
        decode[r * n + j] = v;
      }
    });
    const tables = new Uint8Array(32 * n * 2);
    this.#f.ec_init_tables(n, 2, decode, tables);
    const length = survivors[0]!.length;
    const sources = survivors.map((s) => new Aligned(length, s));
    const outputs = [new Aligned(length), new Aligned(length)];
    this.#f.ec_encode_data(
      sources[0]!.padded,
      n,
      2,
      tables,
      pointerTable(sources),
      pointerTable(outputs),
    );
    return [outputs[0]!.bytes.slice(0, length), outputs[1]!.bytes.slice(0, length)];
  }
}

/** ISA-L, or why it could not be opened. */
export type IsalStatus =
  | { available: true; reference: IsalReference }
  | { available: false; reason: string };

/** Opens libisal: $DRAY_ISAL when set, else the usual names. */
export function openIsal(): IsalStatus {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("DRAY_ISAL");
  } catch {
    fromEnv = undefined;
  }
  const reasons: string[] = [];
  for (const path of fromEnv ? [fromEnv] : CANDIDATES) {
    try {
      return { available: true, reference: new IsalReference(path, Deno.dlopen(path, SYMBOLS)) };
    } catch (error) {
      reasons.push(`${path}: ${error instanceof Error ? error.message : error}`);
    }
  }
  return { available: false, reason: reasons.join("; ") };
}
