// Sending many routed commands at once (the parts of a split MGET, a cluster pipeline): the
// commands of each node go to its connection as one block, with no promise per command. Each
// reply is handed to the command's sink at its index as it arrives; a command answered with an
// error reply, failed or lost leaves the block and continues on its own through the core's
// redirect loop (MOVED, ASK, TRYAGAIN, a lost connection…), then reaches its sink the same way.

import { blockingTimeoutMs, NOT_BLOCKING } from "../client/_blocking.ts";
import { Command, type LossHost, type Settle, settleLost } from "../client/_command.ts";
import { ENGINE } from "../client/_core.ts";
import type { RedisClient } from "../client/client.ts";
import type { CommandClass } from "../commands/classify.ts";
import type { CommandOptions } from "../commands/command_sender.ts";
import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { ClusterCore } from "./_core.ts";
import { SplitReply } from "./_reduce.ts";
import type { Route } from "./_route.ts";

/** Where the replies of some commands of a batch go, by the index each command was given. */
export interface ReplySink {
  /** Command `at` was answered with `value` (after its redirects, if any). */
  settled(at: number, value: unknown): void;
  /** Command `at` failed for good. */
  failed(at: number, error: unknown): void;
}

/** One command of a batch: what it is, where it goes, where its reply goes. */
export interface BatchItem {
  readonly argv: readonly RedisArgument[];
  readonly options: CommandOptions | undefined;
  readonly slot: number | undefined;
  readonly readonly: boolean;
  /** Its class in the catalog, found when it was routed. */
  readonly kind: CommandClass;
  readonly sink: ReplySink;
  readonly at: number;
}

/**
 * Appends to `items` the parts of a split command (`MGET` over several slots…), each answering
 * into one {@linkcode SplitReply} at its index, and returns that reply.
 */
export function splitItems(
  items: BatchItem[],
  route: Route & { kind: "split" },
  options: CommandOptions | undefined,
  kind: CommandClass,
): SplitReply {
  const parts = route.parts;
  let keys = 0;
  for (let p = 0; p < parts.length; p++) keys += parts[p]!.keyIndexes.length;
  const sink = new SplitReply(parts, route.response, keys);
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    items.push({
      argv: part.argv,
      options,
      slot: part.slot,
      readonly: route.readonly,
      kind,
      sink,
      at: p,
    });
  }
  return sink;
}

// The commands of one node's block: the settle strategy of each of their entries.
class NodeBlock implements Settle {
  readonly #core: ClusterCore;
  readonly #address: string;
  readonly items: BatchItem[] = [];

  constructor(core: ClusterCore, address: string) {
    this.#core = core;
    this.#address = address;
  }

  reply(entry: Command, value: RespValue): void {
    if (entry.abandoned) return;
    entry.abandoned = true;
    if (entry.extras !== undefined) entry.release();
    const item = this.items[entry.index]!;
    if (value instanceof ReplyError) this.#recover(item, value);
    else item.sink.settled(item.at, value);
  }

  fail(entry: Command, error: Error): void {
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.release();
    this.#recover(this.items[entry.index]!, error);
  }

  lost(entry: Command, error: Error, written: boolean, host: LossHost): void {
    // The node connections never requeue: this ends in `fail`, with OutcomeUnknownError when
    // the command was written.
    settleLost(entry, error, written, host);
  }

  /** A timeout or an abort: final, as for a command sent on its own. */
  giveUp(entry: Command, error: Error): void {
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.release();
    const item = this.items[entry.index]!;
    item.sink.failed(item.at, error);
  }

  #recover(item: BatchItem, error: unknown): void {
    this.#core.recover(
      error,
      item.argv,
      item.options,
      item.slot,
      item.readonly,
      this.#address,
      undefined,
    ).then(
      (value) => item.sink.settled(item.at, value),
      (reason) => item.sink.failed(item.at, reason),
    );
  }

  /** Queues the block on `client`'s connection (one write with the rest of the tick). */
  submit(client: RedisClient): void {
    const core = client[ENGINE].core;
    const items = this.items;
    const entries: Command[] = new Array(items.length);
    const argvs: (readonly RedisArgument[])[] = new Array(items.length);
    const giveUp = (entry: Command, error: Error) => this.giveUp(entry, error);
    const timeoutMs = core.commandTimeoutMs;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const options = item.options;
      const entry = new Command(options?.returnBuffers ?? core.returnBuffers, this);
      entry.kind = item.kind;
      entry.index = i;
      entries[i] = entry;
      argvs[i] = item.argv;
      // The command's own timeout or signal, else the connection's commandTimeoutMs (not for a
      // command that blocks on purpose), as for a command sent on its own.
      let own = options;
      if (own === undefined || (own.timeoutMs === undefined && own.signal === undefined)) {
        own = timeoutMs === undefined || blockingTimeoutMs(item.argv, item.kind) !== NOT_BLOCKING
          ? undefined
          : { timeoutMs };
      } else if (own.timeoutMs === undefined && timeoutMs !== undefined) {
        own = blockingTimeoutMs(item.argv, item.kind) !== NOT_BLOCKING
          ? own
          : { ...own, timeoutMs };
      }
      if (own !== undefined) {
        const aborted = core.arm(entry, own, giveUp);
        if (aborted !== undefined) giveUp(entry, aborted);
      }
    }
    try {
      core.submitBatch(entries, argvs, false);
    } catch (error) {
      for (const entry of entries) this.fail(entry, error as Error);
    }
  }
}

/**
 * Sends `items`, each to the node that serves its slot: the commands of one node leave as one
 * block on its connection, in the order of `items`. A command whose node has no ready connection
 * (or that `readFrom: "nearest"` must measure) goes on its own through the core.
 */
export function sendBatch(core: ClusterCore, items: readonly BatchItem[]): void {
  // Usually a handful of nodes: a short list beats a map.
  const blocks: NodeBlock[] = [];
  const clients: RedisClient[] = [];
  const alone = core.measuresReaders;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const node = core.nodeFor(item.slot, item.readonly);
    const client = node === undefined || (alone && item.readonly)
      ? undefined
      : core.pool.ready(node.address);
    if (client === undefined) {
      core.dispatch(item.argv, item.options, item.slot, item.readonly).then(
        (value) => item.sink.settled(item.at, value),
        (error) => item.sink.failed(item.at, error),
      );
      continue;
    }
    let k = clients.indexOf(client);
    if (k === -1) {
      k = clients.push(client) - 1;
      blocks.push(new NodeBlock(core, node!.address));
    }
    blocks[k]!.items.push(item);
  }
  for (let k = 0; k < blocks.length; k++) blocks[k]!.submit(clients[k]!);
}
