// The native fuzz suite: every row of fuzz_table.ts, first through the raw C symbol (the shim's own
// checks, with capacities C can trust), then through each checked wrapper (the TypeScript checks,
// with any JavaScript value). Each case asserts the documented error or exactly the expected bytes
// changed, the guard bytes around every view untouched, and the process still alive. Bounded: a
// fixed number of seeded cases per row (DRAY_FUZZ_SCALE multiplies it, DRAY_FUZZ_SEED repeats a run).
import assert from "node:assert/strict";
import { SYMBOLS } from "../../native/_symbols.ts";
import { nativeLibrary as lib } from "../_helpers/native.ts";
import {
  ALIGNED_KINDS,
  ALL_KINDS,
  assertEffect,
  cases,
  type Effect,
  hash,
  makeRegion,
  rawLength,
  rawOffset,
  type Region,
  RESIZABLE_KINDS,
  Rng,
  SEED,
  snapshot,
} from "./fuzz_engine.ts";
import {
  type Expect,
  type FuzzContext,
  makeTable,
  openContext,
  type RawCase,
  type Row,
  ROWS as BASE_ROWS,
  type WrapperSpec,
} from "./fuzz_table.ts";
import { OP_ROWS } from "./fuzz_op_rows.ts";
import { DOP_ROWS } from "./fuzz_dop_rows.ts";

/**
 * Every native entry point: the rows of fuzz_table.ts, those of the generic dmover ops and those
 * of the direct ones.
 */
const ROWS: readonly Row[] = [...BASE_ROWS, ...OP_ROWS, ...DOP_ROWS];

const ignore = lib === undefined || Deno.build.os !== "linux";

// The raw symbols, opened once for the whole process like the shared library itself.
const raw = lib === undefined ? undefined : Deno.dlopen(lib.path, SYMBOLS).symbols;

type RawFn = (...args: unknown[]) => number | Promise<number>;

function isNonblocking(row: Row): boolean {
  const symbol: Deno.ForeignFunction = SYMBOLS[row.symbol];
  return symbol.nonblocking === true;
}

function buildCase(row: Row, ctx: FuzzContext, i: number): RawCase {
  const r = new Rng(SEED, hash(row.symbol), i);
  const c: RawCase = { rng: r, ctx, spans: {}, scalars: {}, state: {} };
  for (const p of row.params) if (p.kind === "scalar") c.scalars[p.name] = p.pick(r, c);
  const groups = Object.entries(row.groups ?? {});
  const unitOf = (g: string): number => {
    const p = row.params.find((p) => p.kind === "cap" && p.group === g);
    return p?.kind === "cap" ? p.unit ?? 1 : 1;
  };
  const capOf = (region: Region, unit: number): number => {
    if (region.isNull) return r.chance(0.5) ? 0 : 1 + r.below(64); // C gets NULL: any capacity
    const held = Math.floor(region.view.length / unit);
    return r.chance(0.8) ? held : r.below(held + 1); // never more than the view holds
  };
  for (const [name, spec] of groups) {
    if (spec.table || spec.build) continue;
    const alias = spec.mayAlias === undefined ? undefined : c.spans[spec.mayAlias];
    const region = alias !== undefined && !alias.region.isNull && r.chance(0.2)
      ? alias.region
      : makeRegion(r, spec.size?.(r, c) ?? r.size(), {
        kinds: spec.kinds ?? (spec.words ? ALIGNED_KINDS : ALL_KINDS),
        misalign: spec.words === true,
        ...(spec.fill ? { fill: (view: Uint8Array) => spec.fill!(view, r, c) } : {}),
      });
    const cap = capOf(region, unitOf(name));
    const hasOffset = row.params.some((p) => p.kind === "offset" && p.group === name);
    c.spans[name] = { region, cap, off: hasOffset ? rawOffset(r, cap) : 0, len: cap };
  }
  for (const p of row.params) {
    if (p.kind !== "length") continue;
    const spans = p.groups.map((g) => c.spans[g]!);
    const room = Math.min(...spans.map((s) => Math.max(0, s.cap - s.off)));
    const len = p.pick
      ? p.pick(r, c, room)
      : rawLength(r, room, Math.max(...spans.map((s) => s.off)));
    for (const s of spans) s.len = len >>> 0;
  }
  for (const [name, spec] of groups) {
    if (!spec.table && !spec.build) continue;
    const words = spec.build
      ? spec.build(r, c)
      : makeTable(r, spec.table!.prefix, spec.table!.sides.map((s) => c.spans[s]!));
    const region = makeRegion(r, 4 * words.length + 4 * r.below(3), {
      kinds: spec.kinds ?? ALIGNED_KINDS,
      misalign: true,
      fill(view) {
        view.fill(0);
        const dv = new DataView(view.buffer, view.byteOffset, view.length);
        for (let k = 0; k < words.length && 4 * k + 4 <= view.length; k++) {
          dv.setUint32(4 * k, words[k]!, true);
        }
      },
    });
    const held = region.view.length >> 2;
    const cap = region.isNull ? capOf(region, 4) : Math.min(
      held,
      r.pick([words.length, words.length, words.length, held, r.below(words.length + 1)]),
    );
    c.spans[name] = { region, cap, off: 0, len: cap };
  }
  return c;
}

function argsOf(row: Row, c: RawCase): unknown[] {
  return row.params.map((p) => {
    switch (p.kind) {
      case "buffer":
        return c.spans[p.group]!.region.view;
      case "cap":
        return c.spans[p.group]!.cap;
      case "offset":
        return c.spans[p.group]!.off;
      case "length":
        return c.spans[p.groups[0]!]!.len;
      case "scalar":
        return c.scalars[p.name]!;
    }
  });
}

function describeCase(row: Row, c: RawCase): string {
  const parts = Object.entries(c.spans).map(([name, s]) =>
    `${name}=${s.region.kind}${
      s.region.misaligned ? "/misaligned" : ""
    }(${s.region.length}) cap ${s.cap} off ${s.off} len ${s.len}`
  );
  const scalars = Object.entries(c.scalars).map(([k, v]) => `${k}=${v}`);
  return `${row.symbol}(${[...parts, ...scalars].join(", ")})`;
}

/** Checks every distinct region once: a region shared by two groups gets the writer's effect. */
function checkRegions(
  entries: [string, Region][],
  effects: Readonly<Record<string, Effect>>,
  where: string,
): void {
  const seen = new Map<Region, Effect>();
  for (const [name, region] of entries) {
    const effect = effects[name];
    if (!seen.has(region) || effect !== undefined) seen.set(region, effect);
  }
  for (const [region, effect] of seen) assertEffect(region, effect, where);
}

async function runRaw(row: Row, ctx: FuzzContext, i: number): Promise<void> {
  const c = buildCase(row, ctx, i);
  await row.prepare?.(c);
  for (const s of Object.values(c.spans)) snapshot(s.region);
  const expect: Expect = row.expect(c);
  const where = `case ${i} of seed ${SEED}: ${describeCase(row, c)}`;
  const fn = raw![row.symbol] as unknown as RawFn | null;
  assert.ok(fn !== null, `${row.symbol} is missing from the library`);
  const regions = Object.values(c.spans).map((s) => s.region);
  if (isNonblocking(row) && regions.some((region) => RESIZABLE_KINDS.has(region.kind))) {
    // Deno itself refuses resizable memory for a call that runs on another thread.
    await assert.rejects(async () => await fn(...argsOf(row, c)), TypeError, where);
    for (const region of regions) assertEffect(region, undefined, where);
    await row.cleanup?.(c, -1);
    return;
  }
  const rc = await fn(...argsOf(row, c));
  let effects: Readonly<Record<string, Effect>> = {};
  if ("codes" in expect) {
    assert.ok(
      expect.codes.includes(rc),
      `${where}: returned ${rc}, expected ${expect.codes.join(" or ")}`,
    );
  } else {
    try {
      effects = expect.ok(rc);
    } catch (error) {
      throw new Error(`${where}: ${error instanceof Error ? error.message : error}`, {
        cause: error,
      });
    }
  }
  checkRegions(Object.entries(c.spans).map(([k, s]) => [k, s.region]), effects, where);
  await row.cleanup?.(c, rc);
}

async function runWrapper(spec: WrapperSpec, ctx: FuzzContext, i: number): Promise<void> {
  const r = new Rng(SEED, hash(spec.name), i);
  const w = await spec.make(r, ctx);
  const entries = Object.entries(w.regions).filter((e): e is [string, Region] =>
    e[1] !== undefined
  );
  for (const [, region] of entries) snapshot(region);
  const where = `${spec.name} case ${i} of seed ${SEED}: ${w.what}`;
  let result: unknown;
  let thrown: unknown;
  let threw = false;
  try {
    result = await w.call(lib!);
  } catch (error) {
    thrown = error;
    threw = true;
  }
  let effects: Readonly<Record<string, Effect>> = {};
  if (w.errors.length > 0) {
    const names = [...new Set(w.errors.map((e) => e.name))].join(" or ");
    assert.ok(threw, `${where}: expected a ${names}, the call returned ${result}`);
    assert.ok(
      w.errors.some((E) => thrown instanceof E) &&
        (thrown as Error).constructor === (thrown instanceof RangeError ? RangeError : TypeError),
      `${where}: expected a ${names}, got ${thrown}`,
    );
  } else {
    if (threw) assert.fail(`${where}: threw ${thrown}`);
    try {
      effects = w.ok(result);
    } catch (error) {
      throw new Error(`${where}: ${error instanceof Error ? error.message : error}`, {
        cause: error,
      });
    }
  }
  checkRegions(entries, effects, where);
}

Deno.test("the fuzz table and the C driver have a row for every symbol of the shim, and only those", () => {
  const rows = ROWS.map((r) => r.symbol);
  assert.deepEqual(new Set(rows).size, rows.length, "a symbol has two rows");
  assert.deepEqual([...rows].sort(), Object.keys(SYMBOLS).sort());
  const source = Deno.readTextFileSync(new URL("../../native/shim.c", import.meta.url));
  const exported = new Set(
    [...source.matchAll(/DRAY_EXPORT [a-z0-9_]+ (dray_[a-z0-9_]+)\(/g)].map((m) => m[1]!),
  );
  // A key may declare another C function again (`name`), e.g. a nonblocking `_async` twin.
  const declared = new Set(
    Object.entries(SYMBOLS).map(([key, symbol]) => "name" in symbol ? symbol.name : key),
  );
  assert.deepEqual([...exported].sort(), [...declared].sort(), "shim.c exports and SYMBOLS differ");
  // The C driver that runs under the sanitizers has a row for each of them too.
  const driver = Deno.readTextFileSync(new URL("./shim_driver.c", import.meta.url));
  const table = driver.slice(driver.indexOf("ENTRIES[] = {"));
  const driven = [...table.matchAll(/\{"(dray_[a-z0-9_]+)", run_/g)].map((m) => m[1]!);
  assert.deepEqual(driven.sort(), Object.keys(SYMBOLS).sort(), "shim_driver.c ENTRIES differ");
});

Deno.test({
  name: "native entry points keep to their memory under random and adversarial arguments (raw C)",
  ignore,
  async fn(t) {
    const ctx = await openContext(lib!, raw!);
    try {
      for (const row of ROWS) {
        await t.step(row.symbol, async () => {
          for (let i = 0; i < cases(row.cases); i++) await runRaw(row, ctx, i);
        });
      }
    } finally {
      await ctx.close();
    }
  },
});

Deno.test({
  name:
    "NativeLibrary wrappers refuse bad arguments with TypeError or RangeError and otherwise keep to their spans",
  ignore,
  async fn(t) {
    const ctx = await openContext(lib!, raw!);
    try {
      for (const row of ROWS) {
        for (const spec of row.wrappers ?? []) {
          await t.step(spec.name, async () => {
            for (let i = 0; i < cases(spec.cases); i++) await runWrapper(spec, ctx, i);
          });
        }
      }
    } finally {
      await ctx.close();
    }
  },
});

Deno.test({
  name:
    "NativeLibrary wrappers refuse numbers FFI would wrap around 2^32, also once their calls are optimised",
  ignore,
  fn() {
    // Deno's slow path throws for a number outside a u32, but an optimised (fast API) call converts
    // it modulo 2^32; the wrappers must refuse it either way, before the call.
    const memory = new Uint8Array(64);
    const view = memory.subarray(16, 32);
    const table = new Uint32Array([1, 0, 8, 1, 0, 8, 1, 8, 8]);
    for (let i = 0; i < 50_000; i++) {
      lib!.fill(view, i & 7, i & 0xff, 8);
      lib!.copy(view, 0, view, 1, 4);
      lib!.crc32c(view, i & 7, 8, i);
      lib!.xor(view, 0, [view, view], [0, 8], 8);
      lib!.xorv(view, [view, view], table, 9);
    }
    const before = memory.slice();
    for (const bad of [2 ** 32, 2 ** 32 + 4, 2 ** 53, 2 ** 53 + 2, -1, 1.5, NaN, Infinity]) {
      assert.throws(() => lib!.fill(view, bad, 1, 1), RangeError, `fill offset ${bad}`);
      assert.throws(() => lib!.fill(view, 0, 1, bad), RangeError, `fill length ${bad}`);
      assert.throws(() => lib!.copy(view, bad, view, 0, 1), RangeError, `copy offset ${bad}`);
      assert.throws(() => lib!.copy(view, 0, view, 0, bad), RangeError, `copy length ${bad}`);
      assert.throws(() => lib!.crc32c(view, 0, 1, bad), RangeError, `crc32c seed ${bad}`);
      assert.throws(() => lib!.crc32c(view, bad, 1), RangeError, `crc32c offset ${bad}`);
      assert.throws(() => lib!.xor(view, 0, [view, view], [bad, 0], 1), RangeError, `xor ${bad}`);
      assert.throws(() => lib!.xorv(view, [view, view], table, bad), RangeError, `xorv ${bad}`);
    }
    assert.deepEqual(memory, before);
  },
});
