import { CATALOG, CATALOG_VERSION } from "./_catalog.ts";
import type { CatalogCommand } from "./catalog_types.ts";

const byName = new Map<string, CatalogCommand>();
for (const command of CATALOG) byName.set(command.name, command);

function normalise(name: string): string {
  return name.trim().toLowerCase().split(/\s+/).join("|");
}

/**
 * The command catalog: every command and subcommand of the Redis version it was generated from
 * (by `scripts/generate_commands.ts`, from the server's own `COMMAND DOCS` and `COMMAND INFO`),
 * sorted by name.
 *
 * @returns The catalog's rows.
 *
 * @example Counting the commands that can block
 * ```ts
 * import { catalogCommands } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * const blocking = catalogCommands().filter((c) => c.flags.includes("blocking"));
 * assert.ok(blocking.some((c) => c.name === "blpop"));
 * ```
 */
export function catalogCommands(): readonly CatalogCommand[] {
  return CATALOG;
}

/**
 * The Redis version the catalog was generated from.
 *
 * @returns A version such as `7.0.15`.
 *
 * @example
 * ```ts
 * import { catalogVersion } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.match(catalogVersion(), /^\d+\.\d+\.\d+$/);
 * ```
 */
export function catalogVersion(): string {
  return CATALOG_VERSION;
}

/**
 * One command or subcommand of the catalog, by name.
 *
 * @param name `get`, `GET`, `config|get` or `CONFIG GET`.
 * @returns Its row, or `undefined` when the catalog has no such command.
 *
 * @example Key specs and tips
 * ```ts
 * import { catalogEntry } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.equal(catalogEntry("GET")?.keySpecs[0]?.beginSearch.type, "index");
 * assert.ok(catalogEntry("keys")?.tips.includes("request_policy:all_shards"));
 * assert.equal(catalogEntry("CONFIG GET")?.container, "config");
 * ```
 */
export function catalogEntry(name: string): CatalogCommand | undefined {
  return byName.get(normalise(name));
}
