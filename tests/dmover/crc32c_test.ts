// CRC-32C against the iSCSI test vectors of RFC 3720 (appendix B.4) and against a bitwise
// implementation written from the polynomial, on each backend, through sessions and one-shots.
import assert from "node:assert/strict";
import { crc32c, type DmoverIovec, openSession } from "../../dmover/mod.ts";
import { BACKENDS, bitwiseCrc32c, randomBytes, rng } from "./_support.ts";

// RFC 3720 B.4: each vector and the CRC it gives (the RFC prints the CRC's bytes as sent, least
// significant first: "aa 36 91 8a" is 0x8a9136aa).
const SCSI_READ_PDU = [
  0x01,
  0xc0,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x14,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x04,
  0x00,
  0x00,
  0x00,
  0x00,
  0x14,
  0x00,
  0x00,
  0x00,
  0x18,
  0x28,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x02,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
];
const VECTORS: [string, Uint8Array, number][] = [
  ["32 bytes of zeros", new Uint8Array(32), 0x8a9136aa],
  ["32 bytes of ones", new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ["32 incrementing bytes", Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  ["32 decrementing bytes", Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ["an iSCSI SCSI Read (10) command PDU", Uint8Array.from(SCSI_READ_PDU), 0xd9963a56],
];

Deno.test("bitwiseCrc32c, the tests' reference, gives the RFC 3720 vectors", () => {
  for (const [what, bytes, crc] of VECTORS) assert.equal(bitwiseCrc32c(bytes), crc, what);
  assert.equal(bitwiseCrc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});

for (const { name, backend, ignore } of BACKENDS) {
  Deno.test({
    name: `crc32c (${name}) gives the RFC 3720 B.4 vectors`,
    ignore,
    async fn() {
      for (const [what, bytes, crc] of VECTORS) {
        assert.equal(crc32c(bytes, 0, { backend }), crc, what);
      }
      using session = openSession("iscsi-crc32c", { backend });
      VECTORS.forEach(([, bytes], id) => session.submit({ id, inputs: [bytes] }));
      const completions = await session.readMany();
      assert.deepEqual(completions.map((c) => c.immediate), VECTORS.map(([, , crc]) => crc));
    },
  });

  Deno.test({
    name: `crc32c (${name}) matches a bitwise CRC on random data, lengths and offsets`,
    ignore,
    fn() {
      const next = rng(7);
      const data = randomBytes(300_000, 11);
      for (let trial = 0; trial < 200; trial++) {
        const length = trial < 100 ? 1 + next(300) : 1 + next(data.length - 16);
        const offset = next(16);
        const bytes = data.subarray(offset, offset + length);
        const seed = trial % 3 === 0 ? 0 : next(0x7fff_ffff) * 2 + (trial & 1);
        assert.equal(
          crc32c(bytes, seed, { backend }),
          bitwiseCrc32c(bytes, seed),
          `length ${length}`,
        );
      }
    },
  });

  Deno.test({
    name: `crc32c (${name}) continues from a previous result and over iovecs`,
    ignore,
    fn() {
      const data = randomBytes(100_003, 5);
      const whole = bitwiseCrc32c(data);
      for (const cut of [1, 7, 8, 64, 768, 24_576, 50_001, 100_002]) {
        const first = crc32c(data.subarray(0, cut), 0, { backend });
        assert.equal(crc32c(data.subarray(cut), first, { backend }), whole, `cut at ${cut}`);
      }
      // The same bytes scattered over iovecs, some empty, in one buffer and across buffers.
      const next = rng(3);
      const pieces: DmoverIovec[] = [];
      const copies: DmoverIovec[] = [];
      for (let at = 0; at < data.length;) {
        const length = Math.min(data.length - at, next(4) === 0 ? 0 : 1 + next(3000));
        pieces.push({ buffer: data, offset: at, length });
        const own = new Uint8Array(length + 5);
        own.set(data.subarray(at, at + length), 3);
        copies.push({ buffer: own, offset: 3, length });
        at += length;
      }
      assert.ok(pieces.length <= 1024);
      assert.equal(crc32c(pieces, 0, { backend }), whole);
      assert.equal(crc32c(copies, 0, { backend }), whole);
    },
  });
}
