// The life of a RedisClient as one pure state machine: events in, actions out. It never touches
// a socket, a timer or a promise; the client (see _engine.ts) feeds it what happened and runs
// the actions it returns, in order. Tested table-style in tests/redis/client_lifecycle_test.ts.

/** Where the client is: see `RedisClientStatus`. */
export type LifecycleState =
  | "idle"
  | "connecting"
  | "ready"
  | "reconnecting"
  | "closing"
  | "closed";

/**
 * The client's current connection: none yet, being opened (transport and handshake), live
 * (handshake done, taking commands), or down (lost or ended; its stream may still be closing).
 */
export type LinkState = "none" | "opening" | "live" | "down";

/** What happened. */
export type LifecycleEvent =
  /** `connect()` was called. */
  | { readonly type: "connect" }
  /** The current connection finished its handshake. */
  | { readonly type: "ready" }
  /** The current connection failed (before any of its commands is settled). */
  | { readonly type: "lost"; readonly error: Error }
  /** The current connection's context ended (`error`: `undefined` for a clean end). */
  | { readonly type: "ended"; readonly error: Error | undefined }
  /** The current connection's stream is closed. */
  | { readonly type: "closed"; readonly error: Error | undefined }
  /** The reconnect strategy gave up (or there were no attempts left). */
  | { readonly type: "give-up"; readonly error: Error }
  /** The reconnect delay ran out. */
  | { readonly type: "retry" }
  /** `close()` was called. */
  | { readonly type: "close" }
  /** `destroy()` was called, or `close()` ran out of time (`error`: why). */
  | { readonly type: "destroy"; readonly error: Error }
  /** A `QUIT` was queued: the end of the connection is the end of the client. */
  | { readonly type: "quit" };

/**
 * What the client must do, in order:
 * - `open`: open a new connection (the first one when `attempt` is 0, else a reconnect);
 * - `resubscribe`: subscribe the new connection to every name that has subscriptions;
 * - `flush`: hand the offline queue to the connection;
 * - `start-health` / `stop-health`: the health check of the live connection;
 * - `announce-ready`: count the connection, enable the cache, emit `ready`;
 * - `forget-connection`: the session state (MULTI, WATCH) and requeue bookkeeping of a lost
 *   connection go;
 * - `quiet`: the connection stopped taking commands (liveness watch off, cache off);
 * - `schedule-reconnect`: ask the strategy for a delay (then `retry` or `give-up`);
 * - `cancel-reconnect`: drop a scheduled reconnect;
 * - `close-monitors` / `destroy-monitors`: the client's monitors end with it;
 * - `close-connection`: close the connection cleanly (answering what is pending);
 * - `destroy-connection`: destroy the connection with `ordered`;
 * - `finish`: the end: reject what waits with `outcome`, settle `finished`.
 */
export type LifecycleAction =
  | "open"
  | "resubscribe"
  | "flush"
  | "start-health"
  | "stop-health"
  | "announce-ready"
  | "forget-connection"
  | "quiet"
  | "schedule-reconnect"
  | "cancel-reconnect"
  | "close-monitors"
  | "destroy-monitors"
  | "close-connection"
  | "destroy-connection"
  | "finish";

const NONE: readonly LifecycleAction[] = [];

/** The client's life: one state, the current connection's, and what decides the next step. */
export class Lifecycle {
  #state: LifecycleState = "idle";
  #link: LinkState = "none";
  #reconnects: boolean;
  #everReady = false;
  #quit = false;
  #ordered: Error | undefined = undefined;
  #lastError: Error | undefined = undefined;
  #outcome: Error | undefined = undefined;
  #attempt = 0;

  /** `reconnects`: whether a lost connection is followed by new attempts. */
  constructor(reconnects: boolean) {
    this.#reconnects = reconnects;
  }

  /** Where the client is. */
  get state(): LifecycleState {
    return this.#state;
  }

  /** The current connection's state. */
  get link(): LinkState {
    return this.#link;
  }

  /** Whether a connection is live: commands go to it directly. */
  get live(): boolean {
    return this.#link === "live";
  }

  /** Whether a connection was ever ready (a lost command may then wait for the next one). */
  get everReady(): boolean {
    return this.#everReady;
  }

  /** Whether a `QUIT` was queued. */
  get quitting(): boolean {
    return this.#quit;
  }

  /** Whether `error` ended the connection on the user's order (`destroy()`, a late `close()`). */
  ordered(error: Error): boolean {
    return error === this.#ordered;
  }

  /** The error of the user's destroy, if any. */
  get orderedError(): Error | undefined {
    return this.#ordered;
  }

  /** The error that ended the last connection, if any. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** What the client ended with (`finish`): `undefined` for a clean end. */
  get outcome(): Error | undefined {
    return this.#outcome;
  }

  /** The reconnect attempt under way (0 while connected or before the first loss). */
  get attempt(): number {
    return this.#attempt;
  }

  /** Whether the client takes no more commands (closing or closed). */
  get ending(): boolean {
    return this.#state === "closing" || this.#state === "closed";
  }

  /** Takes an event; returns the actions to run, in order. */
  on(event: LifecycleEvent): readonly LifecycleAction[] {
    switch (event.type) {
      case "connect":
        if (this.#state !== "idle") return NONE;
        this.#state = "connecting";
        this.#link = "opening";
        return ["open"];
      case "ready":
        return this.#ready();
      case "lost":
        return this.#lost(event.error);
      case "ended": {
        const actions: LifecycleAction[] = event.error === undefined
          ? []
          : [...this.#lost(event.error)];
        if (this.#link !== "none") this.#link = "down";
        actions.push("stop-health", "quiet");
        return actions;
      }
      case "closed":
        return this.#closed(event.error);
      case "give-up":
        return this.#finish(event.error);
      case "retry":
        if (this.#state !== "reconnecting") return NONE;
        this.#link = "opening";
        return ["open"];
      case "close":
        return this.#close();
      case "destroy":
        return this.#destroy(event.error);
      case "quit":
        this.#quit = true;
        return NONE;
    }
  }

  #ready(): readonly LifecycleAction[] {
    if (this.#link !== "opening") return NONE;
    const reconnected = this.#everReady;
    this.#link = "live";
    this.#everReady = true;
    if (this.#state !== "closing") this.#state = "ready";
    const actions: LifecycleAction[] = ["announce-ready"];
    if (reconnected) actions.push("resubscribe");
    actions.push("flush", "start-health");
    this.#attempt = 0;
    return actions;
  }

  #lost(error: Error): readonly LifecycleAction[] {
    if (this.#link === "down" || this.#link === "none") return NONE;
    this.#link = "down";
    this.#lastError = error;
    if (this.#state === "ready" && this.#reconnects && error !== this.#ordered) {
      this.#state = "reconnecting";
    }
    return ["forget-connection", "stop-health"];
  }

  #closed(error: Error | undefined): readonly LifecycleAction[] {
    const state = this.#state;
    if (state === "closed") return NONE;
    const ordered = error !== undefined && error === this.#ordered;
    if (state === "closing" || this.#quit || ordered) {
      return this.#finish(this.#quit && !ordered ? undefined : error);
    }
    if (!this.#everReady || !this.#reconnects || error === undefined) return this.#finish(error);
    this.#state = "reconnecting";
    this.#attempt++;
    return ["schedule-reconnect"];
  }

  #close(): readonly LifecycleAction[] {
    const state = this.#state;
    if (state === "idle") return this.#finish(undefined);
    if (state === "closing" || state === "closed") return NONE;
    this.#state = "closing";
    const open = this.#link === "opening" || this.#link === "live";
    if (!open) return ["cancel-reconnect", "close-monitors", ...this.#finish(undefined)];
    return ["cancel-reconnect", "close-monitors", "close-connection"];
  }

  #destroy(error: Error): readonly LifecycleAction[] {
    const state = this.#state;
    if (state === "idle") return this.#finish(undefined);
    if (state === "closed") return NONE;
    this.#ordered ??= error;
    const open = this.#link === "opening" || this.#link === "live";
    if (!open) {
      return ["cancel-reconnect", "destroy-monitors", ...this.#finish(this.#ordered)];
    }
    return ["cancel-reconnect", "destroy-monitors", "destroy-connection"];
  }

  #finish(error: Error | undefined): readonly LifecycleAction[] {
    if (this.#state === "closed") return NONE;
    this.#state = "closed";
    if (this.#link === "live" || this.#link === "opening") this.#link = "down";
    this.#outcome = error;
    return ["cancel-reconnect", "stop-health", "finish"];
  }
}
