// The state behind a Sentinel client: the known sentinels (seeds kept), the current master, the
// connectors that find the master (or a replica) on every (re)connect, the +switch-master
// watchers on two sentinels, and the periodic re-check.

import { RedisClient } from "../client/client.ts";
import type { RedisClientEvent } from "../client/events.ts";
import { exponentialBackoff } from "../client/reconnect.ts";
import { connectTransport } from "../transport/connect.ts";
import type { Transport, TransportOptions } from "../transport/types.ts";
import { addressKey, type HostPort } from "./_address.ts";
import { discoverMaster, listReplicas, listSentinels, type SentinelAuth } from "./_discovery.ts";
import { type NodeAuth, roleOf } from "./_role.ts";
import {
  NoReplicaAvailableError,
  type SentinelFailure,
  SentinelUnreachableError,
} from "./errors.ts";

/** What the monitor needs from the options. */
export interface MonitorOptions {
  seeds: HostPort[];
  name: string;
  auth: SentinelAuth;
  node: NodeAuth;
  recheckIntervalMs: number;
  watchers: number;
  maxReplicaLagBytes: number | undefined;
  /** Asks the master for its replication offset (ROLE), for the lag filter. */
  masterOffset: () => Promise<number>;
}

interface Watcher {
  sentinel: string;
  client: RedisClient;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The sentinel side of a Sentinel client. */
export class SentinelMonitor {
  #options: MonitorOptions;
  #known = new Map<string, HostPort>();
  #master: HostPort | undefined;
  #masterTransport: Transport | undefined;
  #replicaTransport: Transport | undefined;
  #watchers: Watcher[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #rechecking: Promise<void> | undefined;
  /** The address a `+switch-master` named last: tried first while the sentinels catch up. */
  #hint: HostPort | undefined;
  /** `host:port@epoch` of the candidates that failed their ROLE check: not worth a switch. */
  #rejected = new Set<string>();
  /** Called when the master changed under a live connection (close it: the client reconnects). */
  onMasterChange: (() => void) | undefined;

  constructor(options: MonitorOptions) {
    this.#options = options;
    for (const seed of options.seeds) this.#known.set(addressKey(seed), seed);
  }

  /** The master in use, as `host:port`. */
  get master(): string | undefined {
    return this.#master === undefined ? undefined : addressKey(this.#master);
  }

  /** Every sentinel known: the seeds and those `SENTINEL SENTINELS` named. */
  get sentinels(): string[] {
    return [...this.#known.keys()];
  }

  /** The sentinels whose `+switch-master` the client listens to. */
  get watched(): string[] {
    return this.#watchers.map((w) => w.sentinel);
  }

  /** The connector of the master connection: discovery, then ROLE on the very connection. */
  async connectMaster(options: TransportOptions): Promise<Transport> {
    const found = await discoverMaster(
      [...this.#known.values()],
      this.#options.name,
      this.#options.auth,
      options.signal,
    );
    const failures: SentinelFailure[] = [...found.failures];
    const candidates = found.candidates;
    const hint = this.#hint;
    if (hint !== undefined) {
      const at = candidates.findIndex((c) => addressKey(c) === addressKey(hint));
      const epoch = candidates[0]!.epoch;
      if (at > 0) candidates.unshift(...candidates.splice(at, 1));
      else if (at < 0) candidates.unshift({ ...hint, epoch });
    }
    for (const candidate of candidates) {
      const address = addressKey(candidate);
      const target = { hostname: candidate.hostname, port: candidate.port };
      let transport: Transport;
      try {
        transport = await connectTransport({ ...options, ...target });
      } catch (error) {
        failures.push({ address, error: asError(error) });
        continue;
      }
      try {
        const { role } = await roleOf(
          transport,
          this.#options.node,
          this.#roleTimeoutMs(options),
        );
        if (role !== "master") {
          this.#rejected.add(`${address}@${candidate.epoch}`);
          throw new Error(`The sentinels named it, but its ROLE is '${role}'`);
        }
      } catch (error) {
        transport.close();
        failures.push({ address, error: asError(error) });
        continue;
      }
      this.#master = target;
      this.#masterTransport = transport;
      return transport;
    }
    throw new SentinelUnreachableError(
      `No master of '${this.#options.name}' passed the ROLE check`,
      failures,
    );
  }

  /** The connector of the replica connection: listed by a sentinel, ROLE-checked, lag-filtered. */
  async connectReplica(options: TransportOptions): Promise<Transport> {
    const replicas = await listReplicas(
      [...this.#known.values()],
      this.#options.name,
      this.#options.auth,
    );
    for (let i = replicas.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [replicas[i], replicas[j]] = [replicas[j]!, replicas[i]!];
    }
    const reasons: string[] = [];
    for (const replica of replicas) {
      const candidate = { hostname: replica.hostname, port: replica.port };
      const address = addressKey(candidate);
      let transport: Transport;
      try {
        transport = await connectTransport({ ...options, ...candidate });
      } catch (error) {
        reasons.push(`${address}: ${asError(error).message}`);
        continue;
      }
      try {
        const { role, reply } = await roleOf(
          transport,
          this.#options.node,
          this.#roleTimeoutMs(options),
        );
        if (role !== "slave") throw new Error(`its ROLE is '${role}'`);
        const of = addressKey({ hostname: String(reply[1]), port: Number(reply[2]) });
        if (this.master !== undefined && of !== this.master) {
          throw new Error(`it replicates ${of}, not the master ${this.master}`);
        }
        if (reply[3] !== "connected") throw new Error(`its link is '${String(reply[3])}'`);
        const max = this.#options.maxReplicaLagBytes;
        if (max !== undefined) {
          const lag = (await this.#options.masterOffset()) - Number(reply[4]);
          if (lag > max) throw new Error(`it lags ${lag} bytes (more than ${max})`);
        }
      } catch (error) {
        transport.close();
        reasons.push(`${address}: ${asError(error).message}`);
        continue;
      }
      this.#replicaTransport = transport;
      return transport;
    }
    throw new NoReplicaAvailableError(
      `No replica of '${this.#options.name}' is usable` +
        (reasons.length === 0 ? " (the sentinels list none up)" : `: ${reasons.join("; ")}`),
    );
  }

  /**
   * How long a node may take to answer ROLE: a live node answers at once, while a hung one
   * (`kill -STOP`) still accepts connections, so this is short: the sentinels' question timeout.
   */
  #roleTimeoutMs(options: TransportOptions): number {
    const limit = this.#options.auth.timeoutMs ?? 1000;
    const connect = options.connectTimeoutMs;
    return connect === undefined || connect === 0 ? limit : Math.min(limit, connect);
  }

  /** Closes the master's and the replica's connections (the clients reconnect through discovery). */
  sever(): void {
    this.#masterTransport?.close();
    this.#replicaTransport?.close();
  }

  /** Starts the watchers and the periodic re-check. */
  async start(): Promise<void> {
    await this.recheck(); // the sentinel list, then the watchers
    this.#schedule();
  }

  /** Discovers again now; on a different master, severs the connections. Single-flight. */
  recheck(): Promise<void> {
    this.#rechecking ??= this.#recheck().finally(() => this.#rechecking = undefined);
    return this.#rechecking;
  }

  async #recheck(): Promise<void> {
    if (this.#closed) return;
    let found;
    try {
      found = await discoverMaster(
        [...this.#known.values()],
        this.#options.name,
        this.#options.auth,
      );
    } catch {
      return; // nothing better to go by; the next re-check tries again
    }
    const source = this.#known.get(found.views[0]!.sentinel);
    try {
      const more = source === undefined
        ? []
        : await listSentinels(source, this.#options.name, this.#options.auth);
      for (const sentinel of more) this.#known.set(addressKey(sentinel), sentinel);
    } catch {
      // the list stays as it is
    }
    if (this.#closed) return;
    if (this.#hint !== undefined && addressKey(found.candidates[0]!) === addressKey(this.#hint)) {
      this.#hint = undefined; // the sentinels agree now
    }
    // The best answer that did not already fail its ROLE check at that epoch.
    const best = found.candidates.find((c) => !this.#rejected.has(`${addressKey(c)}@${c.epoch}`));
    if (best !== undefined && this.master !== undefined && addressKey(best) !== this.master) {
      this.#switch();
    }
    await this.#fillWatchers();
  }

  #switch(): void {
    if (this.#closed) return;
    this.sever();
    this.onMasterChange?.();
  }

  /** A `+switch-master` message: `name old-ip old-port new-ip new-port`. */
  #onSwitch(message: string): void {
    const [name, , , ip, port] = message.split(" ");
    if (name !== this.#options.name || ip === undefined || port === undefined) return;
    const next = { hostname: ip, port: Number(port) };
    this.#hint = next;
    if (this.master !== addressKey(next)) this.#switch();
  }

  /** Keeps `watchers` subscriptions open, replacing those whose sentinel is gone. */
  async #fillWatchers(): Promise<void> {
    for (const watcher of [...this.#watchers]) {
      const status = watcher.client.status;
      if (status === "ready" || status === "connecting") continue;
      const at = this.#watchers.indexOf(watcher);
      if (at >= 0) this.#watchers.splice(at, 1);
      watcher.client.destroy();
    }
    for (const [key, sentinel] of this.#known) {
      if (this.#closed || this.#watchers.length >= this.#options.watchers) break;
      if (this.#watchers.some((w) => w.sentinel === key)) continue;
      const auth = this.#options.auth;
      const tls = sentinel.tls ? (auth.tls ?? true) : auth.tls;
      const client = new RedisClient({
        hostname: sentinel.hostname,
        port: sentinel.port,
        connectTimeoutMs: auth.timeoutMs ?? 1000,
        reconnect: { strategy: exponentialBackoff({ initialDelayMs: 50, maxDelayMs: 1000 }) },
        ...(tls === undefined || tls === false ? {} : { tls }),
        ...(auth.username === undefined ? {} : { username: auth.username }),
        ...(auth.password === undefined ? {} : { password: auth.password }),
      });
      const watcher = { sentinel: key, client };
      this.#watchers.push(watcher);
      try {
        await client.connect();
        await client.subscribe("+switch-master", ({ message }) => this.#onSwitch(message));
        // Every re-subscription after a lost connection: a switch may have been missed.
        client.addEventListener("ready", (event: RedisClientEvent) => {
          if (event.attempt !== undefined && event.attempt > 0) void this.recheck();
        });
      } catch {
        const at = this.#watchers.indexOf(watcher);
        if (at >= 0) this.#watchers.splice(at, 1);
        client.destroy();
        await client.finished;
      }
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    const base = this.#options.recheckIntervalMs;
    const delay = base * (0.8 + Math.random() * 0.4);
    this.#timer = setTimeout(() => {
      this.recheck().finally(() => this.#schedule());
    }, delay);
  }

  /** Stops the re-check and the watchers. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#rechecking?.catch(() => {});
    clearTimeout(this.#timer);
    const watchers = this.#watchers.splice(0);
    for (const watcher of watchers) watcher.client.destroy();
    await Promise.all(watchers.map((w) => w.client.finished));
  }
}
