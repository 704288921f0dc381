// Requests of length 0 are valid on every backend (issue 16 item 4): the CRC of nothing is the
// seed, a comparison of nothing finds no difference, and no byte anywhere changes.
import assert from "node:assert/strict";
import {
  compare,
  copy,
  crc32c,
  crc32cAsync,
  type DmoverCompletion,
  type DmoverRequest,
  openSession,
  runOnce,
  xor,
  xorAsync,
} from "../../dmover/mod.ts";
import { ALL_BACKENDS, BACKENDS, within } from "./_support.ts";

const EMPTY = new Uint8Array(0);

/** Per function: an empty request and the immediate its completion must carry. */
type Case = [fn: string, request: Omit<DmoverRequest, "id">, immediate: unknown];

function emptyCases(sentinel: Uint8Array): Case[] {
  const gap = [{ buffer: sentinel, offset: 4, length: 0 }];
  const cases: Case[] = [
    ["copy", { output: EMPTY, inputs: [gap] }, undefined],
    ["zero", { output: gap }, undefined],
    ["fill8", { output: [], immediate: 9 }, undefined],
    ["xor2", { output: gap, inputs: [EMPTY, []] }, undefined],
    ["xor", { output: EMPTY, inputs: Array.from({ length: 32 }, () => EMPTY) }, undefined],
    ["iscsi-crc32c", { inputs: [EMPTY], immediate: 0xdeadbeef }, 0xdeadbeef],
    ["iscsi-crc32c", { inputs: [[]] }, 0],
    ["compare", { inputs: [EMPTY, gap] }, -1],
    ["compare-pattern", { inputs: [EMPTY], immediate: 5 }, -1],
    ["copy-crc32c", { output: gap, inputs: [EMPTY], immediate: 77 }, 77],
    ["dualcast", { outputs: [EMPTY, gap], inputs: [EMPTY] }, undefined],
    ["xor-check", { inputs: [EMPTY, EMPTY, gap] }, -1],
    ["pq", { outputs: [EMPTY, []], inputs: [EMPTY, EMPTY] }, undefined],
    ["pq-recover", { outputs: [EMPTY, EMPTY], inputs: [EMPTY, gap], immediate: [0, 3] }, undefined],
  ];
  return cases;
}

for (const factory of ALL_BACKENDS) {
  Deno.test({
    name: `Session (${factory.name}) completes requests of length 0 with the seed or -1`,
    ignore: factory.ignore,
    async fn() {
      using backend = factory.open();
      const sentinel = new Uint8Array(8).fill(0xee);
      for (const [fn, request, immediate] of emptyCases(sentinel)) {
        await using session = openSession(fn, { backend });
        await session.submit({ id: 3, ...request });
        const completion = await within(session.read() as Promise<DmoverCompletion>);
        assert.equal(completion.error, undefined, fn);
        assert.equal(completion.immediate, immediate, fn);
      }
      assert.deepEqual(sentinel, new Uint8Array(8).fill(0xee));
    },
  });

  Deno.test({
    name: `runOnce (${factory.name}) runs requests of length 0 without a session`,
    ignore: factory.ignore,
    async fn() {
      using backend = factory.open();
      const sentinel = new Uint8Array(8).fill(0xee);
      for (const [fn, request, immediate] of emptyCases(sentinel)) {
        assert.equal(await runOnce(fn, request, { backend }), immediate, fn);
      }
      assert.equal(await crc32cAsync(EMPTY, 12, { backend }), 12);
      await xorAsync(EMPTY, [EMPTY, EMPTY], { backend });
      assert.deepEqual(sentinel, new Uint8Array(8).fill(0xee));
    },
  });
}

for (const { name, backend, ignore } of BACKENDS) {
  Deno.test({
    name: `crc32c, xor, copy and compare (${name}) take empty buffers`,
    ignore,
    fn() {
      const options = { backend };
      assert.equal(crc32c(EMPTY, 0, options), 0);
      assert.equal(crc32c(EMPTY, 0xffff_ffff, options), 0xffff_ffff);
      assert.equal(crc32c([], 42, options), 42);
      xor(EMPTY, [EMPTY, EMPTY], options);
      copy(EMPTY, [], options);
      assert.equal(compare(EMPTY, EMPTY, options), -1);
    },
  });
}
