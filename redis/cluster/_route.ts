// Where a command goes in a cluster: one slot (from its keys, or an explicit routing key), every
// shard or node (from the catalog's request_policy tip), split by slot (multi_shard commands whose
// keys span slots), or any master (keyless, no tip). Pure: argv in, a route out.

import { classify, type CommandClass } from "../commands/classify.ts";
import { keyPositions } from "../commands/command_keys.ts";
import type { RedisArgument } from "../resp/types.ts";
import { CrossSlotError } from "./errors.ts";
import { keySlot } from "./slot.ts";

/** How a reply of a fanned-out command is reduced (the catalog's response_policy tip). */
export type ResponsePolicy =
  | "agg_sum"
  | "agg_min"
  | "agg_max"
  | "all_succeeded"
  | "one_succeeded"
  | "agg_logical_and"
  | "agg_logical_or"
  | "special"
  | undefined;

/** One part of a split command: the argv for one slot and where its keys were. */
export interface SplitPart {
  readonly slot: number;
  readonly argv: RedisArgument[];
  /** For each key of this part, its index among the original command's keys. */
  readonly keyIndexes: number[];
}

/** Where a command goes. */
export type Route =
  | { readonly kind: "slot"; readonly slot: number; readonly readonly: boolean }
  | { readonly kind: "any"; readonly readonly: boolean }
  | {
    readonly kind: "all";
    readonly nodes: "shards" | "nodes";
    readonly response: ResponsePolicy;
  }
  | {
    readonly kind: "split";
    readonly parts: readonly SplitPart[];
    readonly response: ResponsePolicy;
    readonly readonly: boolean;
  };

/** What to do with multi-key commands whose keys span slots. */
export type CrossSlotMode = "split" | "split-all" | "error";

const SPLITTABLE = new Set(["mget", "del", "unlink", "exists", "touch"]);

interface Policies {
  readonly request: string | undefined;
  readonly response: ResponsePolicy;
}

// The tips of a catalog row, read once.
const policies = new WeakMap<CommandClass, Policies>();

function policiesOf(kind: CommandClass): Policies {
  let found = policies.get(kind);
  if (found === undefined) {
    const tips = kind.command?.tips ?? [];
    found = {
      request: tip(tips, "request_policy:"),
      response: tip(tips, "response_policy:") as ResponsePolicy,
    };
    policies.set(kind, found);
  }
  return found;
}

function tip(tips: readonly string[], prefix: string): string | undefined {
  for (const t of tips) if (t.startsWith(prefix)) return t.slice(prefix.length);
  return undefined;
}

function describe(key: RedisArgument): string | Uint8Array {
  return typeof key === "string" || key instanceof Uint8Array ? key : String(key);
}

const encoder = new TextEncoder();

// The slot of a key as the server sees it: after the client's keyPrefix, if any.
function slotOf(key: RedisArgument, prefix: string): number {
  const own = typeof key === "string" || key instanceof Uint8Array ? key : String(key);
  if (prefix === "") return keySlot(own);
  if (typeof own === "string") return keySlot(prefix + own);
  const head = encoder.encode(prefix);
  const bytes = new Uint8Array(head.length + own.length);
  bytes.set(head);
  bytes.set(own, head.length);
  return keySlot(bytes);
}

/**
 * The route of one command.
 *
 * @param argv The command.
 * @param routingKey A key whose slot a keyless command goes to.
 * @param crossSlot The cross-slot mode.
 * @throws {CrossSlotError} Keys in more than one slot, and the command cannot be split.
 */
export function routeCommand(
  argv: readonly RedisArgument[],
  routingKey: RedisArgument | undefined,
  crossSlot: CrossSlotMode,
  prefix = "",
): Route {
  const kind = classify(argv);
  const readonly = kind.readonly;
  if (routingKey !== undefined) return { kind: "slot", slot: slotOf(routingKey, prefix), readonly };
  const positions = keyPositions(argv);
  const command = kind.command;
  if (positions.length === 0) {
    const { request, response } = policiesOf(kind);
    if (response === "special") return { kind: "any", readonly };
    if (request === "all_shards") return { kind: "all", nodes: "shards", response };
    if (request === "all_nodes") return { kind: "all", nodes: "nodes", response };
    return { kind: "any", readonly };
  }
  if (positions.length === 1) {
    return { kind: "slot", slot: slotOf(argv[positions[0]!]!, prefix), readonly };
  }
  const slots = new Array<number>(positions.length);
  const first = slots[0] = slotOf(argv[positions[0]!]!, prefix);
  let same = true;
  for (let i = 1; i < positions.length; i++) {
    const slot = slots[i] = slotOf(argv[positions[i]!]!, prefix);
    if (slot !== first) same = false;
  }
  if (same) return { kind: "slot", slot: first, readonly };
  const name = command?.name ?? "";
  const splittable = crossSlot !== "error" &&
    (SPLITTABLE.has(name) || (name === "mset" && crossSlot === "split-all"));
  if (!splittable) {
    const keys = positions.map((i) => describe(argv[i]!));
    throw new CrossSlotError(
      `Keys of ${String(argv[0]).toUpperCase()} hash to different slots: ` +
        keys.map((key, i) => `${String(key)} (${slots[i]})`).join(", "),
      { keys, slots },
    );
  }
  return {
    kind: "split",
    parts: splitBySlot(argv, positions, slots),
    response: policiesOf(kind).response,
    readonly,
  };
}

// Which part of the split under way holds each slot: valid where `stamps` has the split's
// number (no map to make or clear per split).
const partOfSlot = new Int32Array(16384);
const stamps = new Uint32Array(16384);
let stamp = 0;

/**
 * Splits a multi-key command by slot: each key takes the arguments after it up to the next key
 * (`MSET k v`), and what comes before the first key starts every part.
 */
function splitBySlot(
  argv: readonly RedisArgument[],
  positions: readonly number[],
  slots: readonly number[],
): SplitPart[] {
  const head = argv.slice(0, positions[0]);
  const parts: SplitPart[] = [];
  if (++stamp === 0x100000000) {
    stamps.fill(0);
    stamp = 1;
  }
  for (let k = 0; k < positions.length; k++) {
    const start = positions[k]!;
    const end = positions[k + 1] ?? argv.length;
    const slot = slots[k]!;
    let part: SplitPart;
    if (stamps[slot] === stamp) {
      part = parts[partOfSlot[slot]!]!;
    } else {
      stamps[slot] = stamp;
      partOfSlot[slot] = parts.length;
      part = { slot, argv: head.slice(), keyIndexes: [] };
      parts.push(part);
    }
    for (let i = start; i < end; i++) part.argv.push(argv[i]!);
    part.keyIndexes.push(k);
  }
  return parts;
}

/** The slot shared by every key of `argvs`, `undefined` without keys. */
export function commonSlot(
  argvs: readonly (readonly RedisArgument[])[],
  prefix = "",
): number | undefined {
  let slot: number | undefined;
  const keys: (string | Uint8Array)[] = [];
  const slots: number[] = [];
  let crossed = false;
  for (const argv of argvs) {
    for (const i of keyPositions(argv)) {
      const s = slotOf(argv[i]!, prefix);
      keys.push(describe(argv[i]!));
      slots.push(s);
      if (slot === undefined) slot = s;
      else if (s !== slot) crossed = true;
    }
  }
  if (crossed) {
    throw new CrossSlotError(
      `The keys of a transaction hash to different slots: ` +
        keys.map((key, i) => `${String(key)} (${slots[i]})`).join(", "),
      { keys, slots },
    );
  }
  return slot;
}

/** The slot of a key. */
export function slotOfKey(key: RedisArgument, prefix = ""): number {
  return slotOf(key, prefix);
}
