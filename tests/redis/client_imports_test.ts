// redis/client/ has no import cycle (type-only imports included): the client, its pipelines and
// transactions, and the engine's parts depend on each other one way only.
import assert from "node:assert/strict";

interface InfoDependency {
  code?: { specifier?: string };
  type?: { specifier?: string };
}

interface InfoModule {
  specifier: string;
  dependencies?: InfoDependency[];
}

function importGraph(root: string): Map<string, string[]> {
  const output = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", root],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  assert.ok(output.success, "deno info failed");
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: InfoModule[] };
  const graph = new Map<string, string[]>();
  for (const module of info.modules) {
    const edges: string[] = [];
    for (const dependency of module.dependencies ?? []) {
      for (const resolved of [dependency.code?.specifier, dependency.type?.specifier]) {
        if (resolved !== undefined) edges.push(resolved);
      }
    }
    graph.set(module.specifier, edges);
  }
  return graph;
}

/** Every cycle found by a depth-first walk among the modules whose URL contains `within`. */
function cycles(graph: Map<string, string[]>, within: string): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!next.includes(within)) continue;
      const seen = state.get(next);
      if (seen === "open") found.push([...path.slice(path.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) {
    if (node.includes(within) && !state.has(node)) visit(node);
  }
  return found;
}

Deno.test("redis/client has no import cycle", () => {
  const root = new URL("../../redis/mod.ts", import.meta.url).href;
  const graph = importGraph(root);
  assert.ok([...graph.keys()].some((url) => url.endsWith("/redis/client/client.ts")));
  const names = cycles(graph, "/redis/client/").map((cycle) =>
    cycle.map((url) => url.split("/").pop()).join(" -> ")
  );
  assert.deepEqual(names, []);
});
