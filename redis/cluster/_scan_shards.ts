// SCAN over every shard: each master with its own cursor, one after the other. A shard whose
// connection is lost starts over from cursor 0 on the slot's master after a refresh.

import type { KeyScanOptions } from "../commands/types.ts";
import type { ScanPage } from "../commands/types.ts";
import { ConnectionClosedError } from "../errors.ts";
import { type ClusterCore, targetOf } from "./_core.ts";
import { NodeUnreachableError } from "./errors.ts";

/** Yields the keys of every shard, page by page. */
export async function* scanShards<K>(
  core: ClusterCore,
  options: KeyScanOptions | undefined,
): AsyncGenerator<K, void, undefined> {
  const firstSlots = core.topology().shards.flatMap((shard) =>
    shard.slots.length > 0 && shard.master !== undefined ? [shard.slots[0]![0]] : []
  );
  for (const slot of firstSlots) {
    let restarts = 0;
    let cursor = "0";
    for (;;) {
      const master = core.nodeFor(slot, false);
      if (master === undefined) throw new ConnectionClosedError(`No master serves slot ${slot}`);
      let page: ScanPage<K>;
      try {
        const client = await core.pool.get(targetOf(master));
        page = await client.scan(cursor, options) as ScanPage<K>;
      } catch (error) {
        const lost = error instanceof ConnectionClosedError ||
          error instanceof NodeUnreachableError;
        if (!lost || ++restarts > 3) throw error;
        await core.refresh();
        cursor = "0";
        continue;
      }
      yield* page.items;
      cursor = page.cursor;
      if (cursor === "0") break;
    }
  }
}
