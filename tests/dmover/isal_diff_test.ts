// Intel ISA-L as the reference in the repository: every backend at every kernel level of the shim
// against ISA-L (crc32c with seeds and chaining, copy-crc32c, xor of 2..32 inputs, xor-check,
// compare, pq of 2..32 data blocks, pq-recover of every lost pair of a 6+2 stripe and of narrower
// and wider ones) on random sizes, offsets and scatter/gather layouts with guard bytes. Each level
// runs in its own process (tests/dmover/_isal_diff.ts), since the shim reads DRAY_ISA when it is
// loaded. Without ISA-L (libisal-dev on Debian) the test says so in its output
// (`ISA-L reference: NOT exercised (...)`) and fails when DRAY_REQUIRE_ISAL is set, as .ci/run
// sets it.
import assert from "node:assert/strict";
import { native } from "../_helpers/native.ts";
import { openIsal } from "./_isal.ts";

const isal = openIsal();
const required = (() => {
  try {
    return Deno.env.get("DRAY_REQUIRE_ISAL") === "1";
  } catch {
    return false;
  }
})();
const seed = (() => {
  try {
    const text = Deno.env.get("DRAY_FUZZ_SEED");
    return text ? Number(text) >>> 0 : Math.floor(Math.random() * 2 ** 31);
  } catch {
    return 16;
  }
})();
if (isal.available) isal.reference.close();

Deno.test("openIsal finds ISA-L where the run requires it", () => {
  if (isal.available) {
    console.log(`ISA-L reference: exercised (${isal.reference.path})`);
  } else {
    console.log(`ISA-L reference: NOT exercised (${isal.reason})`);
  }
  if (required) {
    assert.ok(isal.available, `DRAY_REQUIRE_ISAL is set: ${isal.available ? "" : isal.reason}`);
  }
});

/**
 * The kernel levels, each with the instructions it adds on this machine class (the features the
 * CPU lacks are simply not used; the child reports the level it reached).
 */
const LEVELS: { isa: string; level: string; note: string }[] = [
  { isa: "avx512", level: "avx512", note: "VPCLMULQDQ CRC folding, GFNI products" },
  {
    isa: "avx512,nogfni,novpclmul",
    level: "avx512",
    note: "128-bit PCLMULQDQ folding, vpshufb nibble tables in 512-bit registers",
  },
  { isa: "avx2", level: "avx2", note: "PCLMULQDQ folding, GFNI products in 256-bit registers" },
  { isa: "avx2,nogfni", level: "avx2", note: "vpshufb nibble tables in 256-bit registers" },
  { isa: "baseline", level: "baseline", note: "the crc32 instruction, doubling kernels" },
  { isa: "scalar", level: "scalar", note: "CRC tables, 64-bit words" },
];
const ORDER = ["scalar", "baseline", "avx2", "avx512"];
const dmoverLevel = (name: string): string =>
  name === "sse2" || name === "neon" || name === "vector" ? "baseline" : name;
const cpuLevel = native.available ? dmoverLevel(native.library.dmoverIsa) : "scalar";
const child = decodeURIComponent(new URL("./_isal_diff.ts", import.meta.url).pathname);

for (const [index, { isa, level, note }] of LEVELS.entries()) {
  Deno.test({
    name:
      `crc32c, copyCrc32c, xor, xorCheck, compare, pq and pqRecover match ISA-L on every backend at DRAY_ISA=${isa} (${note})`,
    ignore: !isal.available || !native.available,
    async fn() {
      const args = ["run", "-A", child, String(seed)];
      if (index === 0) args.push("--all-backends");
      const out = await new Deno.Command(Deno.execPath(), {
        args,
        env: { DRAY_ISA: isa, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      const line = text.split("\n").find((l) => l.startsWith("isal-diff: "));
      assert.ok(line, `no report from the child: ${text}${new TextDecoder().decode(out.stderr)}`);
      const report = JSON.parse(line.slice("isal-diff: ".length));
      assert.equal(report.ok, true, `DRAY_ISA=${isa}, seed ${seed}: ${report.error}`);
      assert.ok(out.success);
      // The level asked for, or the CPU's best when it has less.
      const want = ORDER.indexOf(level) <= ORDER.indexOf(cpuLevel) ? level : cpuLevel;
      assert.equal(dmoverLevel(report.isa), want, `DRAY_ISA=${isa} ran at ${report.isa}`);
      assert.ok(report.checks > 1000, `only ${report.checks} checks`);
      // The one-shots over whole views ran through the direct entry points (xor 2..8, pq and
      // every lost pair of pq-recover, 2..7 data blocks, on native alone: 155 calls).
      assert.ok(report.direct >= 155, `only ${report.direct} direct calls`);
    },
  });
}
