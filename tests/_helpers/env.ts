// Reads a number from the environment for the seeded fuzzers (`DRAY_FUZZ_SEED` and the like), so
// that a run can be repeated or scaled without editing the test.

/**
 * The number in the environment variable `name`: `undefined` when it is unset, empty, or the
 * test has no env permission.
 *
 * @throws {RangeError} When it is set to something that is not a finite number >= 0.
 */
export function envNumber(name: string): number | undefined {
  try {
    const text = Deno.env.get(name);
    if (text === undefined || text === "") return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`${name} '${text}' is not a number`);
    }
    return value;
  } catch (error) {
    if (error instanceof RangeError) throw error;
    return undefined; // no env permission
  }
}
