import type { DmoverBackend } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import { bumpGeneration, ensureBuiltins, lookupBackend, registry } from "./_registry.ts";

function checkBackend(backend: DmoverBackend): void {
  if (typeof backend !== "object" || backend === null) {
    throw new TypeError("Cannot register a backend: expected an object");
  }
  if (typeof backend.name !== "string" || backend.name === "") {
    throw new TypeError(`Cannot register backend '${backend.name}': expected a non-empty name`);
  }
  if (typeof backend.speed !== "function" || typeof backend.kernel !== "function") {
    throw new TypeError(`Cannot register backend '${backend.name}': it needs speed and kernel`);
  }
}

/**
 * Adds a backend that `auto` sessions and one-shot helpers may choose. The built-ins are `ts`
 * (always) and `native` (when the shim is loaded).
 *
 * @param backend The backend.
 * @throws {DmoverError} `EBUSY` when a backend of that name is registered.
 * @throws {TypeError} When the backend lacks a name, `speed` or `kernel`.
 *
 * @example
 * ```ts
 * import { DmoverError } from "@dray/dray/dmover";
 * import { registerBackend, tsBackend } from "@dray/dray/dmover/backends";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => registerBackend({ ...tsBackend }),
 *   (error) => error instanceof DmoverError && error.code === "EBUSY",
 * );
 * ```
 */
export function registerBackend(backend: DmoverBackend): void {
  checkBackend(backend);
  ensureBuiltins();
  if (registry.some((b) => b.name === backend.name)) {
    throw new DmoverError("EBUSY", `Cannot register backend '${backend.name}': the name is taken`);
  }
  registry.push(backend);
  bumpGeneration();
}

/**
 * Removes a registered backend; sessions already open keep the one they chose. The built-in `ts`
 * backend cannot be removed.
 *
 * @param name The backend's name.
 * @returns Whether a backend was removed.
 * @throws {TypeError} When `name` is `ts`.
 *
 * @example
 * ```ts
 * import { unregisterBackend } from "@dray/dray/dmover/backends";
 * import assert from "node:assert/strict";
 *
 * assert.equal(unregisterBackend("no-such-backend"), false);
 * ```
 */
export function unregisterBackend(name: string): boolean {
  if (name === "ts") throw new TypeError("Cannot unregister backend 'ts': it is always present");
  ensureBuiltins();
  const index = registry.findIndex((b) => b.name === name);
  if (index < 0) return false;
  registry.splice(index, 1);
  bumpGeneration();
  return true;
}

/**
 * Every registered backend, `ts` first.
 *
 * @returns The backends.
 *
 * @example
 * ```ts
 * import { listBackends } from "@dray/dray/dmover/backends";
 * import assert from "node:assert/strict";
 *
 * assert.equal(listBackends()[0]!.name, "ts");
 * ```
 */
export function listBackends(): DmoverBackend[] {
  ensureBuiltins();
  return [...registry];
}

/**
 * Looks a registered backend up by name.
 *
 * @param name `ts`, `native`, or a registered name.
 * @returns The backend.
 * @throws {DmoverError} `ENXIO` when there is no such backend (for `native`: when the shim is not
 * loaded, with the reason).
 *
 * @example
 * ```ts
 * import { getBackend } from "@dray/dray/dmover/backends";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getBackend("ts").name, "ts");
 * ```
 */
export function getBackend(name: string): DmoverBackend {
  return lookupBackend(name);
}
