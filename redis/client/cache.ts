import { type CommandOptions, commandSpec, RedisCommands } from "../commands/mod.ts";
import { keyOf } from "../context/_pubsub.ts";
import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Read-only commands whose reply can change without a write to their keys (time, randomness,
 * cursors, keys named inside the arguments): never cached.
 */
const UNCACHEABLE = new Set([
  "ttl",
  "pttl",
  "expiretime",
  "pexpiretime",
  "hrandfield",
  "srandmember",
  "zrandmember",
  "hscan",
  "sscan",
  "zscan",
  "sort_ro",
  "object",
  "memory",
  "dump",
  "randomkey",
  "scan",
  "keys",
  "dbsize",
  "lcs",
  "eval_ro",
  "evalsha_ro",
  "fcall_ro",
  "xread",
  "xreadgroup",
]);

/**
 * Options for client-side caching (`RedisClientOptions.cache`), which uses the server's
 * `CLIENT TRACKING` over RESP3.
 *
 * - `mode: "default"`: the server remembers the keys this connection read and sends an
 *   invalidation when one changes; every cacheable key may be cached.
 * - `mode: "broadcast"` (`BCAST`): the server sends an invalidation for every key that changes
 *   and starts with one of `prefixes` (all keys when there are none), read or not; only keys
 *   with one of the prefixes are cached.
 *
 * @example
 * ```ts
 * import type { ClientCacheOptions } from "@dray/dray/redis";
 *
 * const options: ClientCacheOptions = { mode: "broadcast", prefixes: ["user:"], maxEntries: 5000 };
 * ```
 */
export interface ClientCacheOptions {
  /** `default` (tracking of the keys read, the default) or `broadcast` (`BCAST` by prefix). */
  mode?: "default" | "broadcast";
  /** For `broadcast`: the key prefixes to track and cache (default: every key). */
  prefixes?: readonly string[];
  /** How many replies to keep; the least recently used go first (default 10,000). */
  maxEntries?: number;
}

/**
 * Counters of a {@linkcode ClientCache}.
 *
 * @example
 * ```ts
 * import type { ClientCacheStats } from "@dray/dray/redis";
 *
 * const stats: ClientCacheStats = { hits: 9, misses: 1, invalidations: 1, flushes: 0 };
 * ```
 */
export interface ClientCacheStats {
  /** Reads answered from the cache. */
  readonly hits: number;
  /** Reads sent to the server. */
  readonly misses: number;
  /** Keys the server said changed. */
  readonly invalidations: number;
  /** Times the whole cache was dropped (a flush, a new connection, `clear()`). */
  readonly flushes: number;
}

interface CacheEntry {
  value: RespValue;
  keys: string[];
}

/** What the cache asks of its client. */
export interface CacheHost {
  readonly protocol: 2 | 3;
  /** Whether the connection is up and tracks keys now. */
  readonly tracking: boolean;
  sendCommand<T>(argv: readonly RedisArgument[], options?: CommandOptions): Promise<T>;
}

let makeCache: (host: CacheHost, options: ClientCacheOptions) => ClientCache;
let invalidateIn: (cache: ClientCache, keys: RespValue) => void;
let setEnabled: (cache: ClientCache, enabled: boolean) => void;

/** Makes a client's cache (internal). */
export function createCache(host: CacheHost, options: ClientCacheOptions): ClientCache {
  return makeCache(host, options);
}

/** Tells a cache that the server invalidated `keys` (an array of keys, or null for all). */
export function invalidateCache(cache: ClientCache, keys: RespValue): void {
  invalidateIn(cache, keys);
}

/**
 * Turns a cache on (a connection tracks keys for it) or off (no connection, or one that cannot
 * track): either way it is emptied.
 */
export function enableCache(cache: ClientCache, enabled: boolean): void {
  setEnabled(cache, enabled);
}

/** The `CLIENT TRACKING ON …` command for `options`. */
export function trackingCommand(options: ClientCacheOptions): RedisArgument[] {
  const argv: RedisArgument[] = ["CLIENT", "TRACKING", "ON"];
  if (options.mode === "broadcast") {
    argv.push("BCAST");
    for (const prefix of options.prefixes ?? []) argv.push("PREFIX", prefix);
  }
  return argv;
}

/**
 * A client-side cache of read replies, kept coherent by the server's `CLIENT TRACKING` (RESP3
 * pushes on the client's own connection). Reach it as `client.cache` when the client was made
 * with the `cache` option; it has every typed read method (`get`, `hgetall`, `lrange`, `mget`…)
 * and `sendCommand`, answering from memory when it can.
 *
 * - **What is cached**: replies of read-only commands with keys (`GET`, `HGETALL`, `MGET`,
 *   `LRANGE`, `SISMEMBER`, `ZSCORE`…), keyed by the whole command and `returnBuffers`; not those
 *   whose reply changes without a write (`TTL`, `*SCAN`, `SRANDMEMBER`…), nor error replies.
 *   Any other command is refused with a `TypeError`: send writes through the client.
 * - **Invalidation**: when the server reports a key changed (by anyone, this client included),
 *   every reply that read it is dropped. A read whose key changed while it was in flight is
 *   answered but not cached. `FLUSHALL`/`FLUSHDB` (an invalidation with no keys) empty the
 *   cache, and so do a new connection, the end of the connection, `client.select()`, `RESET`,
 *   and {@linkcode ClientCache.clear}.
 * - **Protocol**: tracking pushes need RESP3. When the connection speaks RESP2 (a server
 *   without `HELLO`), the cache is off: reads go to the server, uncached.
 *
 * Cached replies are shared between callers: treat them as read-only.
 *
 * @example Reads answered from memory until another client writes
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379", { cache: {} });
 * await client.cache!.get("config:mode"); // from the server, then cached
 * await client.cache!.get("config:mode"); // from memory
 * ```
 */
export class ClientCache extends RedisCommands {
  #host: CacheHost;
  #mode: "default" | "broadcast";
  #prefixes: string[];
  #maxEntries: number;
  #enabled = false;
  #entries = new Map<string, CacheEntry>();
  #byKey = new Map<string, Set<string>>();
  // Invalidation bookkeeping for reads in flight: a read is cached only if none of its keys was
  // invalidated (and nothing was flushed) after it was sent.
  #seq = 0;
  #flushedAt = 0;
  #reading = new Map<string, number>();
  #invalidatedAt = new Map<string, number>();
  #hits = 0;
  #misses = 0;
  #invalidations = 0;
  #flushes = 0;

  static {
    makeCache = (host, options) => new ClientCache(host, options);
    invalidateIn = (cache, keys) => cache.#invalidate(keys);
    setEnabled = (cache, enabled) => {
      cache.#enabled = enabled;
      cache.clear();
    };
  }

  private constructor(host: CacheHost, options: ClientCacheOptions) {
    super();
    this.#host = host;
    this.#mode = options.mode ?? "default";
    if (this.#mode !== "default" && this.#mode !== "broadcast") {
      throw new TypeError(`Cannot cache: mode must be default or broadcast, got "${this.#mode}"`);
    }
    if (options.prefixes !== undefined && this.#mode !== "broadcast") {
      throw new TypeError("Cannot cache: prefixes need mode broadcast");
    }
    this.#prefixes = (options.prefixes ?? []).map(keyOf);
    const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`Cannot cache: maxEntries must be a positive integer, got "${max}"`);
    }
    this.#maxEntries = max;
  }

  /**
   * The client's RESP version.
   *
   * @example
   * ```ts ignore
   * console.log(client.cache!.protocol); // 3
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#host.protocol;
  }

  /**
   * Whether replies are being cached: the connection is ready, speaks RESP3 and tracks keys.
   *
   * @example
   * ```ts ignore
   * console.log(client.cache!.enabled); // true once connected over RESP3
   * ```
   */
  get enabled(): boolean {
    return this.#enabled && this.#host.tracking;
  }

  /**
   * How many replies are cached.
   *
   * @example
   * ```ts ignore
   * console.log(client.cache!.size);
   * ```
   */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Hits, misses, invalidations and flushes so far.
   *
   * @example
   * ```ts ignore
   * const { hits, misses } = client.cache!.stats;
   * ```
   */
  get stats(): ClientCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      invalidations: this.#invalidations,
      flushes: this.#flushes,
    };
  }

  /**
   * Sends a read command, or answers it from the cache.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv A read-only command with keys.
   * @param options `returnBuffers` (part of the cache key), `timeoutMs`, `signal` (for reads sent
   * to the server).
   * @returns The reply.
   * @throws {TypeError} When the command is not a cacheable read (a write, a command without
   * keys, one whose reply changes by itself).
   * @throws {ReplyError} The server's error reply (never cached).
   *
   * @example
   * ```ts ignore
   * const value = await client.cache!.sendCommand<string | null>(["GET", "k"]);
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    let keys: string[];
    try {
      keys = this.#keysOf(argv);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.enabled || !this.#cacheable(keys)) return this.#host.sendCommand<T>(argv, options);
    const id = cacheKey(argv, options?.returnBuffers === true);
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#hits++;
      this.#entries.delete(id); // most recently used goes last
      this.#entries.set(id, entry);
      return Promise.resolve(entry.value as T);
    }
    this.#misses++;
    const sentAt = this.#seq;
    for (const key of keys) this.#reading.set(key, (this.#reading.get(key) ?? 0) + 1);
    return this.#host.sendCommand<T>(argv, options).then((value) => {
      if (this.#fresh(keys, sentAt) && !(value instanceof ReplyError)) {
        this.#store(id, keys, value as RespValue);
      }
      this.#done(keys);
      return value;
    }, (error) => {
      this.#done(keys);
      throw error;
    });
  }

  /**
   * Drops every cached reply.
   *
   * @example
   * ```ts ignore
   * client.cache!.clear();
   * ```
   */
  clear(): void {
    this.#seq++;
    this.#flushedAt = this.#seq;
    if (this.#entries.size > 0) this.#flushes++;
    this.#entries.clear();
    this.#byKey.clear();
  }

  #keysOf(argv: readonly RedisArgument[]): string[] {
    const name = argv[0];
    const spec = typeof name === "string" ? commandSpec(name) : undefined;
    if (
      spec === undefined || spec.container || !spec.flags.has("readonly") ||
      spec.flags.has("blocking") || spec.flags.has("movablekeys") || spec.firstKey <= 0 ||
      UNCACHEABLE.has(spec.name)
    ) {
      throw new TypeError(
        `Cannot cache "${String(name)}": only read-only commands of keys are cached ` +
          "(send it with the client)",
      );
    }
    const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
    const keys: string[] = [];
    for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.keyStep || 1) {
      const key = argv[i]!;
      keys.push(keyOf(typeof key === "string" || key instanceof Uint8Array ? key : String(key)));
    }
    if (keys.length === 0) throw new TypeError(`Cannot cache "${String(name)}" without a key`);
    return keys;
  }

  /** In broadcast mode, only keys under a tracked prefix get invalidations. */
  #cacheable(keys: readonly string[]): boolean {
    if (this.#mode !== "broadcast" || this.#prefixes.length === 0) return true;
    return keys.every((key) => this.#prefixes.some((prefix) => key.startsWith(prefix)));
  }

  #fresh(keys: readonly string[], sentAt: number): boolean {
    if (!this.enabled || this.#flushedAt > sentAt) return false;
    for (const key of keys) if ((this.#invalidatedAt.get(key) ?? 0) > sentAt) return false;
    return true;
  }

  #done(keys: readonly string[]): void {
    for (const key of keys) {
      const left = (this.#reading.get(key) ?? 1) - 1;
      if (left > 0) {
        this.#reading.set(key, left);
      } else {
        this.#reading.delete(key);
        this.#invalidatedAt.delete(key);
      }
    }
  }

  #store(id: string, keys: string[], value: RespValue): void {
    const entries = this.#entries;
    entries.delete(id);
    entries.set(id, { value, keys });
    for (const key of keys) {
      let ids = this.#byKey.get(key);
      if (ids === undefined) this.#byKey.set(key, ids = new Set());
      ids.add(id);
    }
    if (entries.size > this.#maxEntries) {
      const oldest = entries.keys().next().value!;
      this.#drop(oldest);
    }
  }

  #drop(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    for (const key of entry.keys) {
      const ids = this.#byKey.get(key);
      if (ids === undefined) continue;
      ids.delete(id);
      if (ids.size === 0) this.#byKey.delete(key);
    }
  }

  #invalidate(keys: RespValue): void {
    if (keys === null) {
      this.clear();
      return;
    }
    if (!Array.isArray(keys)) return;
    const seq = ++this.#seq;
    for (const raw of keys) {
      if (!(raw instanceof Uint8Array) && typeof raw !== "string") continue;
      const key = keyOf(raw);
      this.#invalidations++;
      if (this.#reading.has(key)) this.#invalidatedAt.set(key, seq);
      const ids = this.#byKey.get(key);
      if (ids === undefined) continue;
      for (const id of [...ids]) this.#drop(id);
    }
  }
}

/** The cache key of a read: the command and its arguments, unambiguously joined. */
function cacheKey(argv: readonly RedisArgument[], buffers: boolean): string {
  let id = buffers ? "b" : "s";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const text = typeof arg === "string"
      ? (i === 0 ? arg.toUpperCase() : arg)
      : arg instanceof Uint8Array
      ? keyOf(arg)
      : String(arg);
    id += `${typeof arg === "object" ? "#" : ":"}${text.length}:${text}`;
  }
  return id;
}
