// docs/commands.md is generated from the catalog and the methods' signatures: it must be what
// scripts/generate_commands_doc.ts makes today.

import assert from "node:assert/strict";
import { format } from "../../scripts/generate_commands.ts";
import { renderDoc } from "../../scripts/generate_commands_doc.ts";

Deno.test("renderDoc matches the committed docs/commands.md", async () => {
  const committed = await Deno.readTextFile(new URL("../../docs/commands.md", import.meta.url));
  const made = await format(await renderDoc(), "md");
  assert.ok(
    committed === made,
    "docs/commands.md is stale: run deno run -A scripts/generate_commands_doc.ts",
  );
});
