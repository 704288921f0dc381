// One test per defect of NetBSD's dmover_io.c (seed 004) that dray fixes. Each test first shows,
// with a small model of the seed's own logic, that the seed gets the case wrong, then that the
// session gets it right, on every backend.
import assert from "node:assert/strict";
import {
  type DmoverCompletion,
  DmoverError,
  type DmoverIovec,
  openSession,
} from "../../dmover/mod.ts";
import { ManualLoop } from "../../loop/mod.ts";
import { BACKENDS, isPending, randomBytes, within } from "./_support.ts";

function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof DmoverError && error.code === code;
}

// dmio_usrreq_init sums each input's iovec lengths with `j < req_outbuf.dmbuf_iovcnt`: the
// output's count, not the input's own. (Out-of-range entries would be read past the input's list;
// the model returns NaN for them.)
function seedInputLength(outputCount: number, input: readonly DmoverIovec[]): number {
  let len = 0;
  for (let j = 0; j < outputCount; j++) len += input[j]?.length ?? NaN;
  return len;
}

// dmio_usrreq_init adds lengths in a size_t and checks `len > SSIZE_MAX` only after each addition,
// so a sum can wrap past 2^64 and pass. The model does the same arithmetic with BigInt.
function seedAccepts(lengths: readonly bigint[]): { accepted: boolean; total: bigint } {
  const SIZE = 1n << 64n;
  const SSIZE_MAX = (1n << 63n) - 1n;
  let len = 0n;
  for (const l of lengths) {
    len = (len + l) % SIZE;
    if (len > SSIZE_MAX) return { accepted: false, total: len };
  }
  return { accepted: true, total: len };
}

for (const { name, backend, ignore } of BACKENDS) {
  Deno.test({
    name: `Session (${name}) validates each input over its own iovec list, not the output's count`,
    ignore,
    fn() {
      using session = openSession("copy", { backend, nonBlocking: true });
      const src = randomBytes(12, 1);
      // One output iovec, three input iovecs of the same total.
      const input: DmoverIovec[] = [
        { buffer: src, offset: 0, length: 4 },
        { buffer: src, offset: 4, length: 4 },
        { buffer: src, offset: 8, length: 4 },
      ];
      const out = new Uint8Array(12);
      assert.notEqual(seedInputLength(1, input), 12, "the seed sums only the first input iovec");
      session.submit({ id: 1, output: [{ buffer: out, offset: 0, length: 12 }], inputs: [input] });
      assert.equal((session.read() as DmoverCompletion).error, undefined);
      assert.deepEqual(out, src);

      // Three output iovecs, one shorter input iovec: the seed reads past the input's list.
      const output: DmoverIovec[] = [0, 4, 8].map((offset) => ({ buffer: out, offset, length: 4 }));
      const short = [{ buffer: src, offset: 0, length: 4 }];
      assert.ok(Number.isNaN(seedInputLength(3, short)));
      assert.throws(() => session.submit({ id: 2, output, inputs: [short] }), isCode("EINVAL"));
    },
  });

  Deno.test({
    name: `Session (${name}) rejects lengths whose sum would wrap or exceed 2^53 - 1`,
    ignore,
    fn() {
      using session = openSession("zero", { backend, nonBlocking: true });
      const b = new Uint8Array(16);
      // The seed accepts a list whose size_t sum wraps to a small total.
      const wrap = seedAccepts([8n, (1n << 64n) - 8n + 16n]);
      assert.deepEqual(wrap, { accepted: true, total: 16n });
      for (
        const lengths of [
          [8, 2 ** 64 - 8 + 16], // the same list in JavaScript numbers: not a safe integer
          [24, -8], // a negative length is not a "large unsigned" one that wraps the sum back
          [2 ** 53 - 1, 1], // each length fine, the sum not
          [1, 2 ** 53 - 1],
        ]
      ) {
        const output = lengths.map((length) => ({ buffer: b, offset: 0, length }));
        assert.throws(() => session.submit({ id: 1, output }), isCode("EINVAL"), String(lengths));
      }
      assert.equal(session.inFlight, 0);
    },
  });

  Deno.test({
    name: `Session (${name}) gives a rejected request no slot`,
    ignore,
    async fn() {
      // In the seed, dmio_write counts the request in ds_nreqs before dmio_usrreq_init fails and
      // never takes it back: with 64 bad writes the descriptor is full forever.
      using session = openSession("zero", { backend, maxInFlight: 1, nonBlocking: true });
      for (let i = 0; i < 100; i++) {
        assert.throws(
          () => session.submit({ id: i, output: "bytes" as unknown as Uint8Array }),
          isCode("EINVAL"),
        );
      }
      assert.equal(session.inFlight, 0);
      assert.equal(session.writable, true);
      session.submit({ id: 100, output: new Uint8Array(4) });
      assert.equal(session.read().id, 100);

      // The same in blocking mode, and for a batch.
      using blocking = openSession("zero", { backend, maxInFlight: 1 });
      assert.throws(
        () => blocking.submitMany([{ id: 1, output: "bytes" as unknown as Uint8Array }]),
        isCode("EINVAL"),
      );
      await blocking.submit({ id: 2, output: new Uint8Array(4) });
      assert.equal((await blocking.read()).id, 2);
    },
  });

  Deno.test({
    name: `Session (${name}) wakes a writer blocked on a full session when a completion is read`,
    ignore,
    async fn() {
      for (const how of ["read", "readMany", "for await"] as const) {
        const loop = new ManualLoop();
        using session = openSession("zero", { backend, maxInFlight: 1, loop });
        session.submit({ id: 1, output: new Uint8Array(4) });
        const blocked = session.submit({ id: 2, output: new Uint8Array(4) });
        loop.tick();
        assert.equal(await isPending(blocked), true, how);
        if (how === "read") session.read();
        else if (how === "readMany") session.readMany();
        else for await (const _ of session) break;
        loop.tick();
        await within(blocked, 1000);
        assert.equal(session.inFlight, 1);
        assert.equal((await session.read()).id, 2);
      }
    },
  });
}
