// Run-time checks of every typed command method's arguments, from the table generated from the
// methods' own signatures (_method_checks.ts): too many or too few arguments, an options object
// that is not one, an unknown option key, and a value of the wrong kind throw a TypeError before
// anything is sent — never a silent drop. A one-or-many parameter also takes its values spread
// (`del("a", "b")` is `del(["a", "b"])`).

import { METHOD_CHECKS } from "./_method_checks.ts";

type Row = readonly [readonly string[], number, boolean, Readonly<Record<string, string>> | null];

function isArgument(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "bigint" ||
    value instanceof Uint8Array;
}

function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !ArrayBuffer.isView(value) && !(value instanceof Map) && !(value instanceof Date) &&
    !(Symbol.iterator in value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "a Uint8Array";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function fits(kind: string, value: unknown): boolean {
  switch (kind) {
    case "arg":
      return isArgument(value);
    case "num":
      return typeof value === "number" || typeof value === "bigint";
    case "bool":
      return typeof value === "boolean";
    case "many":
      return isArgument(value) || (Array.isArray(value) && value.every(isArgument));
    default:
      return value !== undefined && typeof value !== "function" && typeof value !== "symbol";
  }
}

const KIND_NAMES: Record<string, string> = {
  arg: "a string, number, bigint or Uint8Array",
  num: "a number",
  bool: "a boolean",
  many: "a Redis argument or an array of them",
  any: "a value",
};

function checkOptions(
  name: string,
  keys: Readonly<Record<string, string>>,
  options: Record<string, unknown>,
): void {
  for (const key of Object.keys(options)) {
    const kind = keys[key];
    if (kind === undefined || !Object.hasOwn(keys, key)) {
      throw new TypeError(
        `Unknown option "${key}" for ${name}(): expected one of ${Object.keys(keys).join(", ")}`,
      );
    }
    const value = options[key];
    if (value !== undefined && kind !== "any" && !fits(kind, value)) {
      throw new TypeError(
        `Option "${key}" of ${name}() must be ${KIND_NAMES[kind]}, got ${describe(value)}`,
      );
    }
  }
}

/** A generated method: typed leading parameters, then values or arrays, then maybe options. */
function checkRest(name: string, row: Row, args: unknown[]): void {
  const kinds = row[0];
  const n = kinds.length;
  if (args.length < n) {
    throw new TypeError(`${name}() takes at least ${n} arguments, got ${args.length}`);
  }
  let end = args.length;
  const last = args[end - 1];
  if (end > n && isOptionsObject(last)) {
    checkOptions(name, row[3]!, last);
    end--;
  }
  for (let i = 0; i < end; i++) {
    // The rest is a run of one value: values, or arrays of values.
    const kind = i < n ? kinds[i]! : "many";
    if (!fits(kind === "any" ? "arg" : kind, args[i])) {
      throw new TypeError(
        `Argument ${i + 1} of ${name}() must be ${KIND_NAMES[kind === "any" ? "arg" : kind]}, ` +
          `got ${describe(args[i])}`,
      );
    }
  }
}

/**
 * Checks a call of method `name` and returns the arguments to call it with (a spread
 * one-or-many parameter gathered into an array). Throws TypeError.
 */
export function checkCall(name: string, row: Row, args: unknown[]): unknown[] {
  if (row[2]) {
    checkRest(name, row, args);
    return args;
  }
  const [kinds, required, , keys] = row;
  const n = kinds.length;
  const room = keys === null ? n : n + 1;
  let call = args;
  const slot = args[n];
  const onlyOptions = args.length === n + 1 && keys !== null &&
    (slot === undefined || isOptionsObject(slot));
  if (n > 0 && kinds[n - 1] === "many" && args.length > n && !onlyOptions) {
    // Spread values of the last parameter: `del("a", "b", options?)`.
    const last = args[args.length - 1];
    const hasOptions = keys !== null && isOptionsObject(last);
    const items = args.slice(n - 1, hasOptions ? -1 : undefined);
    call = args.slice(0, n - 1);
    call.push(items);
    if (hasOptions) call.push(last);
  }
  if (call.length > room) {
    throw new TypeError(
      `${name}() takes at most ${n} argument${n === 1 ? "" : "s"}` +
        `${keys === null ? "" : " and an options object"}, got ${args.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const value = call[i];
    if (value === undefined) {
      if (i < required) {
        throw new TypeError(
          `${name}() needs ${required} argument${required === 1 ? "" : "s"}, got ${args.length}`,
        );
      }
      continue;
    }
    const kind = kinds[i]!;
    if (!fits(kind, value)) {
      throw new TypeError(
        `Argument ${i + 1} of ${name}() must be ${KIND_NAMES[kind]}, got ${describe(value)}`,
      );
    }
  }
  const options = call[n];
  if (keys !== null && options !== undefined) {
    if (!isOptionsObject(options)) {
      throw new TypeError(
        `The last argument of ${name}() must be an options object, got ${describe(options)}`,
      );
    }
    checkOptions(name, keys, options);
  }
  return call;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The hook a sender may have to hear of a call the checks (or the method itself) refused before
 * anything was queued: a transaction then fails as a whole, as the server aborts EXEC when a
 * command fails to queue.
 */
export const REFUSED: unique symbol = Symbol("dray.refused");

/** A sender with the {@linkcode REFUSED} hook. */
interface RefusalListener {
  [REFUSED]?: (error: unknown) => void;
}

/** Tells the sender of a refused call, and returns the rejection. */
function refuse(sender: unknown, error: unknown): Promise<never> {
  (sender as RefusalListener | undefined)?.[REFUSED]?.(error);
  return Promise.reject(error);
}

function ignore(): void {}

function lookup(proto: object, name: string): Method | undefined {
  for (let at: object | null = proto; at !== null; at = Object.getPrototypeOf(at)) {
    const descriptor = Object.getOwnPropertyDescriptor(at, name);
    if (descriptor !== undefined) {
      return typeof descriptor.value === "function" ? descriptor.value : undefined;
    }
  }
  return undefined;
}

/**
 * Puts a checked version of every method of the table on `proto`: it checks the call, then runs
 * the method. A method that returns a promise rejects with the TypeError; an iterator method
 * throws it.
 */
export function installChecks(proto: object): void {
  for (const name of Object.keys(METHOD_CHECKS)) {
    const row = METHOD_CHECKS[name]!;
    const method = lookup(proto, name);
    if (method === undefined) throw new Error(`Cannot check ${name}: no such method`);
    const iterator = method.constructor.name === "AsyncGeneratorFunction" ||
      name.endsWith("Iterator");
    const checked = iterator
      ? function (this: unknown, ...args: unknown[]): unknown {
        return method.apply(this, checkCall(name, row, args));
      }
      : function (this: unknown, ...args: unknown[]): unknown {
        let call: unknown[];
        try {
          call = checkCall(name, row, args);
        } catch (error) {
          return refuse(this, error);
        }
        let result: unknown;
        try {
          result = method.apply(this, call);
        } catch (error) {
          // A value the method itself refuses (an option outside its tokens): a rejection too.
          return refuse(this, error);
        }
        // In a pipeline or transaction an error reply is delivered as an element of exec()'s
        // result: the method's own promise (derived from the queued one) must not also surface
        // as an unhandled rejection when nobody awaits it.
        if ((this as { batched?: boolean }).batched === true && result instanceof Promise) {
          result.catch(ignore);
        }
        return result;
      };
    Object.defineProperty(checked, "name", { value: name });
    Object.defineProperty(proto, name, {
      value: checked,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
