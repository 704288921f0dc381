import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, pushAll, pushEntries, text } from "./_replies.ts";
import { aclLog, keysWithFlags } from "./_reply_documents.ts";
import type { AclLogEntry, KeyWithFlags } from "./reply_documents.ts";
import type { Entries, NoOptions, OneOrMany } from "./types.ts";
import { argumentField, blockOf, numberField, oneKeyOf, tokenOf } from "./_blocks.ts";

/**
 * Options of `ACL LOG`: how many entries, or `reset` to clear the log.
 *
 * @example The last five
 * ```ts
 * import type { AclLogOptions } from "@dray/dray/redis";
 * const options: AclLogOptions = { count: 5 };
 * ```
 */
export interface AclLogOptions extends CommandOptions {
  /** At most this many entries (the server's default is 10). */
  count?: number;
  /** `RESET`: clear the log; the reply is then `"OK"`. */
  reset?: boolean;
}

/**
 * What `aclLog` resolves to: the entries, or `"OK"` with `reset: true`.
 *
 * @typeParam O The options type of the call.
 *
 * @example
 * ```ts
 * import type { AclLogReply } from "@dray/dray/redis";
 * const cleared: AclLogReply<{ reset: true }> = "OK";
 * ```
 */
export type AclLogReply<O> = "reset" extends keyof O
  ? O[Extract<"reset", keyof O>] extends true ? "OK"
  : O[Extract<"reset", keyof O>] extends false | undefined ? AclLogEntry[]
  : AclLogEntry[] | "OK"
  : AclLogEntry[];

/**
 * Filters of `CLIENT LIST`: `type` or `id` (the server takes one of them, not both).
 *
 * @example Only pub/sub clients
 * ```ts
 * import type { ClientListOptions } from "@dray/dray/redis";
 * const options: ClientListOptions = { type: "PUBSUB" };
 * ```
 */
export interface ClientListOptions extends CommandOptions {
  /** `TYPE`: only clients of this kind. */
  type?: "NORMAL" | "MASTER" | "REPLICA" | "PUBSUB";
  /** `ID`: only these clients. */
  id?: OneOrMany<number | bigint>;
}

/**
 * Options of `CLIENT TRACKING`.
 *
 * @example Broadcast mode for two prefixes
 * ```ts
 * import type { ClientTrackingOptions } from "@dray/dray/redis";
 * const options: ClientTrackingOptions = { bcast: true, prefix: ["user:", "session:"] };
 * ```
 */
export interface ClientTrackingOptions extends CommandOptions {
  /** `REDIRECT client-id`: send invalidations to that connection. */
  redirect?: number | bigint;
  /** `PREFIX prefix [PREFIX prefix ...]`: in broadcast mode, only keys with these prefixes. */
  prefix?: OneOrMany<RedisArgument>;
  /** `BCAST`: broadcast mode. */
  bcast?: boolean;
  /** `OPTIN`: track only keys read right after `CLIENT CACHING yes`. */
  optin?: boolean;
  /** `OPTOUT`: track all keys except those read right after `CLIENT CACHING no`. */
  optout?: boolean;
  /** `NOLOOP`: no invalidations for the connection's own writes. */
  noloop?: boolean;
}

/**
 * A range of slots, both ends included.
 *
 * @example
 * ```ts
 * import type { SlotRange } from "@dray/dray/redis";
 * const range: SlotRange = [0, 5460];
 * ```
 */
export type SlotRange = readonly [start: number, end: number];

/**
 * The new state of a slot in `CLUSTER SETSLOT`.
 *
 * @example
 * ```ts
 * import type { SlotState } from "@dray/dray/redis";
 * const states: SlotState[] = [{ importing: "node-a" }, { stable: true }];
 * ```
 */
export type SlotState =
  | { importing: RedisArgument }
  | { migrating: RedisArgument }
  | { node: RedisArgument }
  | { stable: true };

/**
 * Options of `COMMAND LIST`: at most one filter.
 *
 * @example Commands in an ACL category
 * ```ts
 * import type { CommandListOptions } from "@dray/dray/redis";
 * const options: CommandListOptions = { filterBy: { aclcat: "geo" } };
 * ```
 */
export interface CommandListOptions extends CommandOptions {
  /** `FILTERBY MODULE name | ACLCAT category | PATTERN pattern`. */
  filterBy?: { module: RedisArgument } | { aclcat: RedisArgument } | { pattern: RedisArgument };
}

/**
 * Options of `FAILOVER`.
 *
 * @example To a given replica, waiting at most 5 s
 * ```ts
 * import type { FailoverOptions } from "@dray/dray/redis";
 * const options: FailoverOptions = { to: { host: "10.0.0.2", port: 6380 }, timeout: 5000 };
 * ```
 */
export interface FailoverOptions extends CommandOptions {
  /** `TO host port [FORCE]`: the replica to promote; `force` without waiting for it to catch up. */
  to?: { host: RedisArgument; port: number; force?: boolean };
  /** `ABORT`: stop a failover in progress. */
  abort?: boolean;
  /** `TIMEOUT milliseconds`: give up after this long. */
  timeout?: number;
}

/**
 * Options of `MIGRATE`.
 *
 * @example Copy, replacing what is there, with a password
 * ```ts
 * import type { MigrateOptions } from "@dray/dray/redis";
 * const options: MigrateOptions = { copy: true, replace: true, auth: "secret" };
 * ```
 */
export interface MigrateOptions extends CommandOptions {
  /** `COPY`: keep the keys here too. */
  copy?: boolean;
  /** `REPLACE`: replace keys that exist on the target. */
  replace?: boolean;
  /** `AUTH password`: the target's `default` user's password. */
  auth?: RedisArgument;
  /** `AUTH2 username password`: the target's ACL user. */
  auth2?: { username: RedisArgument; password: RedisArgument };
}

/**
 * Options of `MODULE LOADEX`.
 *
 * @example A configuration and arguments
 * ```ts
 * import type { ModuleLoadexOptions } from "@dray/dray/redis";
 * const options: ModuleLoadexOptions = { config: { "mod.size": "10" }, args: ["verbose"] };
 * ```
 */
export interface ModuleLoadexOptions extends CommandOptions {
  /** `CONFIG name value [...]`: the module's configuration. */
  config?: Entries;
  /** `ARGS arg [...]`: the module's arguments. */
  args?: readonly RedisArgument[];
}

const CLIENT_TYPES = ["NORMAL", "MASTER", "REPLICA", "PUBSUB"] as const;
const SLOT_STATES = ["importing", "migrating", "node", "stable"] as const;
const FILTERS = ["module", "aclcat", "pattern"] as const;

function slotRanges(ranges: OneOrMany<SlotRange>, method: string): RedisArgument[] {
  const list = Array.isArray(ranges) && Array.isArray(ranges[0])
    ? ranges as readonly SlotRange[]
    : [ranges as SlotRange];
  const out: RedisArgument[] = [];
  for (const range of list) {
    if (
      !Array.isArray(range) || range.length !== 2 ||
      !range.every((slot) => typeof slot === "number")
    ) {
      throw new TypeError(`A range of ${method}() must be [start, end], two numbers`);
    }
    out.push(range[0]!, range[1]!);
  }
  if (out.length === 0) throw new TypeError(`${method}() needs at least one range`);
  return out;
}

function ok(value: RespValue): "OK" {
  if (value === "OK") return value;
  throw new TypeError(`Expected "OK" in the reply, got ${String(value)}`);
}

function replicaOf(
  sender: CommandSender,
  name: "REPLICAOF" | "SLAVEOF",
  host: RedisArgument,
  port: number | "ONE",
  options: CommandOptions | undefined,
): Promise<string> {
  const none = typeof host === "string" && host.toUpperCase() === "NO";
  const one = typeof port === "string" && (port as string).toUpperCase() === "ONE";
  if (none !== one || (!one && typeof port !== "number")) {
    throw new TypeError(
      `${name.toLowerCase()}() takes a host and a port number, or "NO", "ONE"; got ${
        String(host)
      } ${String(port)}`,
    );
  }
  return sender.sendCommand<RespValue>([name, host, port], options).then(text);
}

/**
 * Typed methods for the server and the cluster whose grammar has blocks or filters: `ACL LOG`,
 * `CLIENT LIST`, `CLIENT TRACKING`, `CLUSTER ADDSLOTSRANGE`/`DELSLOTSRANGE`/`SETSLOT`, `COMMAND
 * GETKEYS`/`GETKEYSANDFLAGS`/`LIST`, `FAILOVER`, `MIGRATE`, `MODULE LOADEX`, `REPLICAOF` and
 * `SLAVEOF`.
 *
 * @example Asking the server which arguments are keys
 * ```ts ignore
 * assert.deepEqual(await redis.commandGetkeys(["MSET", "a", "1", "b", "2"]), ["a", "b"]);
 * assert.ok((await redis.commandList({ filterBy: { aclcat: "geo" } })).includes("geoadd"));
 * ```
 */
export abstract class AdminCommands extends CommandSender {
  /**
   * `ACL LOG [count | RESET]`: the recent ACL failures, newest first, or clears them.
   *
   * @typeParam O The options type of the call, which decides the reply.
   * @param options `count` or `reset`, and the command options.
   * @returns The entries, or `"OK"` with `reset`.
   *
   * @example The last failure
   * ```ts ignore
   * const [last] = await redis.aclLog({ count: 1 });
   * ```
   */
  aclLog<O extends AclLogOptions = NoOptions>(options?: O): Promise<AclLogReply<O>> {
    const argv: RedisArgument[] = ["ACL", "LOG"];
    if (options?.reset && options.count !== undefined) {
      throw new TypeError('aclLog() takes "count" or "reset", not both');
    }
    if (options?.reset) argv.push("RESET");
    else if (options?.count !== undefined) argv.push(options.count);
    return this.sendCommand<RespValue>(argv, options).then(aclLog) as Promise<AclLogReply<O>>;
  }

  /**
   * `CLIENT LIST [TYPE type | ID client-id ...]`: the connections, one line of fields each.
   *
   * @param options `type` or `id`, and the command options.
   * @returns The server's text, one line per connection.
   *
   * @example This connection
   * ```ts ignore
   * const line = await redis.clientList({ id: await redis.clientId() });
   * ```
   */
  clientList(options?: ClientListOptions): Promise<string> {
    const argv: RedisArgument[] = ["CLIENT", "LIST"];
    if (options?.type !== undefined && options.id !== undefined) {
      // The grammar lists both, but redis-server reads one or the other (a syntax error).
      throw new TypeError('clientList() takes "type" or "id", not both');
    }
    if (options?.type !== undefined) {
      argv.push("TYPE", tokenOf(options.type, CLIENT_TYPES, 'Option "type"', "clientList"));
    }
    if (options?.id !== undefined) {
      const ids = Array.isArray(options.id) ? options.id : [options.id];
      for (const id of ids) {
        if (typeof id !== "number" && typeof id !== "bigint") {
          throw new TypeError(`Option "id" of clientList() takes numbers, got ${String(id)}`);
        }
      }
      argv.push("ID", ...ids);
    }
    return this.sendCommand<RespValue>(argv, options).then(text);
  }

  /**
   * `CLIENT TRACKING ON | OFF [REDIRECT id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT]
   * [NOLOOP]`: server-assisted client-side caching for this connection.
   *
   * @param status `"ON"` or `"OFF"`.
   * @param options The tracking mode, and the command options.
   * @returns `"OK"`.
   *
   * @example Broadcast mode
   * ```ts ignore
   * await redis.clientTracking("ON", { bcast: true, prefix: "user:" });
   * ```
   */
  clientTracking(status: "ON" | "OFF", options?: ClientTrackingOptions): Promise<"OK"> {
    const argv: RedisArgument[] = [
      "CLIENT",
      "TRACKING",
      tokenOf(status, ["ON", "OFF"], "The status", "clientTracking"),
    ];
    if (options?.redirect !== undefined) argv.push("REDIRECT", options.redirect);
    if (options?.prefix !== undefined) {
      const prefixes = Array.isArray(options.prefix) ? options.prefix : [options.prefix];
      for (const prefix of prefixes) argv.push("PREFIX", prefix);
    }
    if (options?.bcast) argv.push("BCAST");
    if (options?.optin) argv.push("OPTIN");
    if (options?.optout) argv.push("OPTOUT");
    if (options?.noloop) argv.push("NOLOOP");
    return this.sendCommand<RespValue>(argv, options).then(ok);
  }

  /**
   * `CLUSTER ADDSLOTSRANGE start end [start end ...]`: assigns ranges of slots to this node.
   *
   * @param ranges One `[start, end]` range or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`.
   *
   * @example Two ranges
   * ```ts ignore
   * await redis.clusterAddslotsrange([[0, 100], [200, 300]]);
   * ```
   */
  clusterAddslotsrange(ranges: OneOrMany<SlotRange>, options?: CommandOptions): Promise<"OK"> {
    const argv = ["CLUSTER", "ADDSLOTSRANGE", ...slotRanges(ranges, "clusterAddslotsrange")];
    return this.sendCommand<RespValue>(argv, options).then(ok);
  }

  /**
   * `CLUSTER DELSLOTSRANGE start end [start end ...]`: unassigns ranges of slots from this node.
   *
   * @param ranges One `[start, end]` range or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`.
   *
   * @example
   * ```ts ignore
   * await redis.clusterDelslotsrange([0, 100]);
   * ```
   */
  clusterDelslotsrange(ranges: OneOrMany<SlotRange>, options?: CommandOptions): Promise<"OK"> {
    const argv = ["CLUSTER", "DELSLOTSRANGE", ...slotRanges(ranges, "clusterDelslotsrange")];
    return this.sendCommand<RespValue>(argv, options).then(ok);
  }

  /**
   * `CLUSTER SETSLOT slot IMPORTING id | MIGRATING id | NODE id | STABLE`: changes a slot's
   * state on this node (resharding).
   *
   * @param slot The slot.
   * @param state `{ importing: id }`, `{ migrating: id }`, `{ node: id }` or `{ stable: true }`.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`.
   *
   * @example Giving a slot to a node
   * ```ts ignore
   * await redis.clusterSetslot(42, { node: await redis.clusterMyid() });
   * ```
   */
  clusterSetslot(slot: number, state: SlotState, options?: CommandOptions): Promise<"OK"> {
    const block = blockOf(state, "The state", "clusterSetslot");
    const which = oneKeyOf(block, SLOT_STATES, "The state", "clusterSetslot");
    const argv: RedisArgument[] = ["CLUSTER", "SETSLOT", slot, which.toUpperCase()];
    if (which === "stable") {
      if (block.stable !== true) {
        throw new TypeError('Field "stable" of clusterSetslot() must be true');
      }
    } else {
      argv.push(argumentField(block, which, "clusterSetslot"));
    }
    return this.sendCommand<RespValue>(argv, options).then(ok);
  }

  /**
   * `COMMAND GETKEYS command [arg ...]`: which arguments of a command are keys, as the server
   * sees them.
   *
   * @param command The whole command: its name, then its arguments.
   * @param options Buffers, timeout, abort signal.
   * @returns The keys.
   *
   * @example
   * ```ts ignore
   * assert.deepEqual(await redis.commandGetkeys(["MSET", "a", "1", "b", "2"]), ["a", "b"]);
   * ```
   */
  commandGetkeys(
    command: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<string[]> {
    const argv = pushAll(["COMMAND", "GETKEYS"], command);
    return this.sendCommand<RespValue>(argv, options).then((reply) => array(reply).map(text));
  }

  /**
   * `COMMAND GETKEYSANDFLAGS command [arg ...]`: the keys of a command with their access flags.
   *
   * @param command The whole command: its name, then its arguments.
   * @param options Buffers, timeout, abort signal.
   * @returns The keys with their flags.
   *
   * @example
   * ```ts ignore
   * const [a] = await redis.commandGetkeysandflags(["SET", "a", "1"]);
   * assert.deepEqual(a, { key: "a", flags: ["OW", "update"] });
   * ```
   */
  commandGetkeysandflags(
    command: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<KeyWithFlags[]> {
    const argv = pushAll(["COMMAND", "GETKEYSANDFLAGS"], command);
    return this.sendCommand<RespValue>(argv, options).then(keysWithFlags);
  }

  /**
   * `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`: command names.
   *
   * @param options `filterBy`, and the command options.
   * @returns The names.
   *
   * @example The geo commands
   * ```ts ignore
   * const geo = await redis.commandList({ filterBy: { aclcat: "geo" } });
   * ```
   */
  commandList(options?: CommandListOptions): Promise<string[]> {
    const argv: RedisArgument[] = ["COMMAND", "LIST"];
    if (options?.filterBy !== undefined) {
      const block = blockOf(options.filterBy, 'Option "filterBy"', "commandList");
      const which = oneKeyOf(block, FILTERS, 'Option "filterBy"', "commandList");
      argv.push("FILTERBY", which.toUpperCase(), argumentField(block, which, "commandList"));
    }
    return this.sendCommand<RespValue>(argv, options).then((reply) => array(reply).map(text));
  }

  /**
   * `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]`: hands the master role to a replica,
   * without losing writes.
   *
   * @param options The target, `abort`, `timeout`, and the command options.
   * @returns `"OK"` once the failover started.
   *
   * @example
   * ```ts ignore
   * await redis.failover({ timeout: 5000 });
   * ```
   */
  failover(options?: FailoverOptions): Promise<"OK"> {
    const argv: RedisArgument[] = ["FAILOVER"];
    if (options?.to !== undefined) {
      const to = blockOf(options.to, 'Option "to"', "failover");
      argv.push("TO", argumentField(to, "host", "failover"), numberField(to, "port", "failover"));
      if (to.force === true) argv.push("FORCE");
    }
    if (options?.abort) argv.push("ABORT");
    if (options?.timeout !== undefined) argv.push("TIMEOUT", options.timeout);
    return this.sendCommand<RespValue>(argv, options).then(ok);
  }

  /**
   * `MIGRATE host port key | "" db timeout [COPY] [REPLACE] [AUTH … | AUTH2 …] [KEYS key ...]`:
   * moves keys to another server, atomically for each key.
   *
   * @param host The target's host.
   * @param port The target's port.
   * @param keys One key, or a list of keys (sent with `KEYS`).
   * @param db The target database.
   * @param timeout The longest idle time of the transfer, in milliseconds.
   * @param options `copy`, `replace`, `auth` or `auth2`, and the command options.
   * @returns `"OK"`, or `"NOKEY"` when no key was there to move.
   *
   * @example Copying two keys
   * ```ts ignore
   * await redis.migrate("127.0.0.1", 6380, ["a", "b"], 0, 1000, { copy: true });
   * ```
   */
  migrate(
    host: RedisArgument,
    port: number,
    keys: OneOrMany<RedisArgument>,
    db: number,
    timeout: number,
    options?: MigrateOptions,
  ): Promise<"OK" | "NOKEY"> {
    const many = Array.isArray(keys);
    const argv: RedisArgument[] = ["MIGRATE", host, port, many ? "" : keys as RedisArgument];
    argv.push(db, timeout);
    if (options?.copy) argv.push("COPY");
    if (options?.replace) argv.push("REPLACE");
    if (options?.auth !== undefined && options.auth2 !== undefined) {
      throw new TypeError('migrate() takes "auth" or "auth2", not both');
    }
    if (options?.auth !== undefined) argv.push("AUTH", options.auth);
    if (options?.auth2 !== undefined) {
      const auth2 = blockOf(options.auth2, 'Option "auth2"', "migrate");
      argv.push(
        "AUTH2",
        argumentField(auth2, "username", "migrate"),
        argumentField(auth2, "password", "migrate"),
      );
    }
    if (many) {
      if (keys.length === 0) throw new TypeError("migrate() needs at least one key");
      argv.push("KEYS");
      pushAll(argv, keys);
    }
    return this.sendCommand<RespValue>(argv, options).then((reply) => {
      const status = text(reply);
      if (status === "OK" || status === "NOKEY") return status;
      throw new TypeError(`Expected "OK" or "NOKEY" in the reply, got ${status}`);
    });
  }

  /**
   * `MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...]`: loads a module.
   *
   * @param path The module's file.
   * @param options `config`, `args`, and the command options.
   * @returns `"OK"`.
   *
   * @example
   * ```ts ignore
   * await redis.moduleLoadex("/usr/lib/redis/modules/example.so", { args: ["verbose"] });
   * ```
   */
  moduleLoadex(path: RedisArgument, options?: ModuleLoadexOptions): Promise<"OK"> {
    const argv: RedisArgument[] = ["MODULE", "LOADEX", path];
    if (options?.config !== undefined) {
      const pairs: RedisArgument[] = [];
      pushEntries(pairs, options.config);
      for (let i = 0; i < pairs.length; i += 2) argv.push("CONFIG", pairs[i]!, pairs[i + 1]!);
    }
    if (options?.args !== undefined) {
      if (!Array.isArray(options.args)) {
        throw new TypeError('Option "args" of moduleLoadex() must be an array of arguments');
      }
      if (options.args.length > 0) argv.push("ARGS", ...options.args);
    }
    return this.sendCommand<RespValue>(argv, options).then(ok);
  }

  /**
   * `REPLICAOF host port | NO ONE`: follows a master, or (with `"NO", "ONE"`) becomes one.
   *
   * @param host The master's host, or `"NO"`.
   * @param port The master's port, or `"ONE"`.
   * @param options Buffers, timeout, abort signal.
   * @returns The server's status text (`"OK"`, or that it already follows that master).
   *
   * @example Becoming a master
   * ```ts ignore
   * assert.equal(await redis.replicaof("NO", "ONE"), "OK");
   * ```
   */
  replicaof(host: RedisArgument, port: number | "ONE", options?: CommandOptions): Promise<string> {
    return replicaOf(this, "REPLICAOF", host, port, options);
  }

  /**
   * `SLAVEOF host port | NO ONE` (deprecated: use `replicaof`).
   *
   * @param host The master's host, or `"NO"`.
   * @param port The master's port, or `"ONE"`.
   * @param options Buffers, timeout, abort signal.
   * @returns The server's status text.
   *
   * @example
   * ```ts ignore
   * assert.equal(await redis.slaveof("NO", "ONE"), "OK");
   * ```
   */
  slaveof(host: RedisArgument, port: number | "ONE", options?: CommandOptions): Promise<string> {
    return replicaOf(this, "SLAVEOF", host, port, options);
  }
}
