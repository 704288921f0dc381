import assert from "node:assert/strict";
import {
  type DmoverBackend,
  DmoverError,
  getFunction,
  listFunctions,
  openSession,
  registerFunction,
} from "../../dmover/mod.ts";

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof DmoverError && error.code === code;
}

Deno.test("listFunctions holds the built-ins with their descriptors", () => {
  const byName = new Map(listFunctions().map((fn) => [fn.name, fn]));
  const expect = [
    ["zero", 0, true, undefined, false, "output", false],
    ["fill8", 0, true, { max: 255 }, false, "output", false],
    ["copy", 1, true, undefined, false, "inputs-match-output", true],
    ["iscsi-crc32c", 1, false, { max: 0xffff_ffff, default: 0 }, true, "inputs-match", false],
  ] as const;
  for (const [name, inputs, output, immediateIn, immediateOut, length, overlap] of expect) {
    const fn = byName.get(name);
    assert.ok(fn, name);
    assert.equal(fn.inputs, inputs, name);
    assert.equal(fn.output, output, name);
    assert.deepEqual(fn.immediateIn, immediateIn, name);
    assert.equal(fn.immediateOut, immediateOut, name);
    assert.equal(fn.length, length, name);
    assert.equal(fn.overlap, overlap, name);
  }
  for (let n = 2; n <= 8; n++) {
    const fn = byName.get(`xor${n}`);
    assert.ok(fn);
    assert.equal(fn.inputs, n);
    assert.equal(fn.overlap, false);
    assert.equal(fn.immediateIn, undefined);
  }
});

Deno.test("getFunction fails with ENXIO for an unknown name", () => {
  assert.throws(() => getFunction("xor9"), isCode("ENXIO"));
  assert.throws(() => openSession("memcpy"), isCode("ENXIO"));
});

Deno.test("registerFunction refuses a taken name with EBUSY and malformed descriptors", () => {
  const base = {
    name: "zero",
    inputs: 0,
    output: true,
    immediateOut: false,
    length: "output",
    overlap: false,
  } as const;
  assert.throws(() => registerFunction(base), isCode("EBUSY"));
  assert.throws(() => registerFunction({ ...base, name: "" }), TypeError);
  assert.throws(
    () => registerFunction({ ...base, name: "t-bad-rule", length: "inputs-match" }),
    TypeError,
  );
  assert.throws(() => registerFunction({ ...base, name: "t-bad-inputs", inputs: 33 }), RangeError);
  assert.throws(
    () =>
      registerFunction({
        ...base,
        name: "t-bad-min",
        inputs: 4,
        minInputs: 5,
        length: "inputs-match-output",
      }),
    RangeError,
  );
  assert.throws(() => registerFunction({ ...base, name: "t-bad-outs", outputs: 5 }), RangeError);
  assert.throws(
    () => registerFunction({ ...base, name: "t-bad-big", immediateIn: { max: 2n ** 64n } }),
    RangeError,
  );
  assert.throws(
    () => registerFunction({ ...base, name: "t-bad-imm", immediateIn: { max: 10, default: 11 } }),
    RangeError,
  );
  assert.throws(
    () => registerFunction({ ...base, name: "t-no-output", output: false }),
    TypeError,
  );
});

Deno.test("registerFunction adds a function that a backend implementing it can run", () => {
  const fn = registerFunction({
    name: "t-invert",
    inputs: 1,
    output: true,
    immediateOut: false,
    length: "inputs-match-output",
    overlap: true,
  });
  assert.ok(Object.isFrozen(fn));
  assert.equal(getFunction("t-invert"), fn);
  // No registered backend implements it.
  assert.throws(() => openSession("t-invert"), isCode("ENXIO"));
  const invert: DmoverBackend = {
    name: "t-invert-backend",
    synchronous: true,
    speed: (f) => (f.name === "t-invert" ? 1 : 0),
    kernel: (f) =>
      f.name === "t-invert"
        ? (request) => {
          const out = request.output as Uint8Array;
          const input = request.inputs![0] as Uint8Array;
          for (let i = 0; i < out.length; i++) out[i] = ~input[i]! & 0xff;
          return undefined;
        }
        : undefined,
  };
  using session = openSession("t-invert", { backend: invert });
  const out = new Uint8Array(2);
  session.submit({ id: 1, output: out, inputs: [new Uint8Array([0, 0x0f])] });
  // The validation of the descriptor applies: the lengths must match.
  assert.throws(
    () => session.submit({ id: 2, output: out, inputs: [new Uint8Array(3)] }),
    isCode("EINVAL"),
  );
  assert.deepEqual(out, new Uint8Array([0xff, 0xf0]));
});
