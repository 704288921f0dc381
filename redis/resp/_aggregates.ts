// The aggregates of a reply: opening one from its header (with every bound checked before
// anything is allocated), adding an element, closing it, and the two that never take a reply's
// place: pushes, handed to the reader's onPush, and attributes, kept for `attributes`.

import { AGGREGATE_COST } from "./_budget.ts";
import { ARRAY, article, ATTRIBUTE, JS_COLLECTION_LIMIT, MAP, PUSH, SET } from "./_protocol.ts";
import { quote } from "./_text.ts";
import type { RespValue } from "./types.ts";
import { fail, type ReadState } from "./_read_state.ts";
import { NEED, readLength, within } from "./_scalars.ts";

/** What a step returns when an aggregate opened or closed without a value to attach. */
export const CONTINUE: unique symbol = Symbol("continue");

/** Adds a value to open aggregate `i`; returns whether that completed it. */
export function add(st: ReadState, i: number, value: RespValue): boolean {
  const container = st.containers[i]!;
  const kind = st.kinds[i]!;
  const left = st.left[i]! - 1;
  st.left[i] = left;
  if (kind === ARRAY || kind === PUSH) {
    (container as RespValue[])[st.totals[i]! - left - 1] = value;
  } else if (kind === SET) {
    (container as Set<RespValue>).add(value);
  } else if ((left & 1) === 1) {
    st.keys[i] = value; // a key: its value comes next
  } else {
    (container as Map<RespValue, RespValue>).set(st.keys[i]!, value);
  }
  return left === 0;
}

/** Closes the full aggregate `i`: its value, or CONTINUE for a push or an attribute. */
export function close(st: ReadState, i: number): RespValue | typeof CONTINUE {
  const container = st.containers[i]!;
  const kind = st.kinds[i]!;
  st.depth = i;
  st.containers[i] = undefined;
  st.keys[i] = null;
  if (kind === PUSH) {
    deliver(st, container as RespValue[]);
    return CONTINUE;
  }
  if (kind === ATTRIBUTE) {
    annotate(st, container as Map<RespValue, RespValue>);
    return CONTINUE;
  }
  return container;
}

/** Opens an aggregate (or returns an empty or null one whole). */
export function openAggregate(
  st: ReadState,
  p: number,
  type: number,
): RespValue | undefined | typeof CONTINUE {
  const n = readLength(st, p, type === ARRAY);
  if (n === NEED) return undefined;
  if (n === -1) {
    st.pos = st.after;
    return null;
  }
  const keyed = type === MAP || type === ATTRIBUTE;
  const elements = keyed ? n * 2 : n;
  if (elements > st.maxElements) {
    const text = quote(st.buf, p + 1, st.after - 2);
    fail(
      st,
      `${article(type)} of ${text} ${keyed ? "entries" : "elements"} exceeds the limit of ` +
        `${st.maxElements} elements`,
      p,
    );
  }
  if ((keyed || type === SET) && n > JS_COLLECTION_LIMIT) {
    fail(
      st,
      `${article(type)} of ${n} entries exceeds the ${JS_COLLECTION_LIMIT} that a JavaScript ` +
        `${type === SET ? "Set" : "Map"} holds`,
      p,
    );
  }
  const depth = st.depth;
  const budget = st.budget;
  if (depth === 0) budget.open(st.base + p); // the reply, an attribute before it, a push
  if (!budget.add(elements + AGGREGATE_COST)) fail(st, budget.message("elements"), p);
  within(st, p, st.after);
  if (type === PUSH && depth > 0) fail(st, "A push inside an aggregate", p);
  if (depth >= st.maxDepth) {
    fail(st, `Aggregates nested deeper than the limit of ${st.maxDepth}`, p);
  }
  st.pos = st.after;
  if (n === 0) {
    switch (type) {
      case ARRAY:
        return [];
      case SET:
        return new Set();
      case MAP:
        return new Map();
      case PUSH:
        deliver(st, []);
        return CONTINUE;
      default:
        annotate(st, new Map());
        return CONTINUE;
    }
  }
  // An array is allocated at its full length only when the bytes that could fill it (3 at
  // least per element) are already here, so what is allocated stays proportional to what was
  // received; otherwise it grows as elements arrive.
  st.containers[depth] = type === ARRAY || type === PUSH
    ? (n * 3 <= st.end - st.pos ? new Array(n) : [])
    : type === SET
    ? new Set()
    : new Map();
  st.kinds[depth] = type;
  st.left[depth] = elements;
  st.totals[depth] = elements;
  st.depth = depth + 1;
  return CONTINUE;
}

export function deliver(st: ReadState, push: RespValue[]): void {
  const attributes = st.pendingAttributes;
  st.pendingAttributes = undefined;
  st.budget.close();
  st.texts.undecodable = undefined; // a push keeps it in the place of its string
  const handler = st.reader.onPush;
  if (handler === undefined) return;
  st.delivering = true;
  try {
    handler(push, attributes);
  } catch (error) {
    st.pushThrew = true;
    throw error;
  } finally {
    st.delivering = false;
  }
}

/** Records an attribute for the element that comes next at the current position. */
export function annotate(st: ReadState, attributes: Map<RespValue, RespValue>): void {
  const path: number[] = [];
  for (let j = 0; j < st.depth; j++) {
    // An attribute inside another attribute's map annotates nothing a caller can reach.
    if (st.kinds[j] === ATTRIBUTE) return;
    path.push(st.totals[j]! - st.left[j]!);
  }
  (st.pendingAttributes ??= []).push({ path, attributes });
}
