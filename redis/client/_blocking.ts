// The server-side timeout of a blocking command, read from its arguments: how long the server
// may hold the reply back on purpose. Past it (plus a grace for the round trip), a missing reply
// means a dead connection.

import { ruleTimeoutMs } from "../commands/_blocking_rule.ts";
import { classify, type CommandClass } from "../commands/classify.ts";
import type { RedisArgument } from "../resp/types.ts";

export { FOREVER, NOT_BLOCKING } from "../commands/_blocking_rule.ts";

/**
 * How long the server may keep `argv` waiting on purpose, in milliseconds: `FOREVER` when it
 * may block without end, `NOT_BLOCKING` when it does not block. Read from the catalog (the
 * commands flagged `blocking`, and `WAIT`) through the command's class, found once.
 */
export function blockingTimeoutMs(
  argv: readonly RedisArgument[],
  kind: CommandClass = classify(argv),
): number {
  return ruleTimeoutMs(kind.blocking, argv);
}
