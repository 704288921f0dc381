// The SCAN family's pages and the loop that runs an iteration to its end.

import type { RespValue } from "../resp/types.ts";
import { array, text } from "./_replies.ts";
import type { ScanPage } from "./types.ts";

/** `[cursor, [items]]` as a page, the items passed through `item`. */
export function scanPage<T>(reply: RespValue, items: (list: RespValue[]) => T[]): ScanPage<T> {
  const [cursor, list] = array(reply);
  return { cursor: text(cursor!), items: items(array(list!)) };
}

/**
 * Calls `page` from cursor 0 until the server returns cursor 0 again, yielding every item of
 * every page (an empty page with a non-zero cursor does not end the iteration).
 */
export async function* scanAll<T>(
  page: (cursor: string) => Promise<ScanPage<T>>,
): AsyncGenerator<T, void, undefined> {
  let cursor = "0";
  do {
    const result = await page(cursor);
    cursor = result.cursor;
    yield* result.items;
  } while (cursor !== "0");
}
