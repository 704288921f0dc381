// The glue between one RedisClient and the observe features: key prefixing and command tracing
// on the way in (`send`, `batch`), lifecycle events to the connection channel and the debug log.
// The client calls it at a few marked sites; with no prefix and no subscriber, `active` is false
// and the client sends as if this did not exist.

import type { CommandOptions } from "../commands/command_sender.ts";
import { classify } from "../commands/classify.ts";
import type { RedisClientEvent, RedisClientEventType } from "../client/events.ts";
import { redactSecret } from "../context/_secret.ts";
import type { RedisArgument } from "../resp/types.ts";
import { commandChannel, type CommandTraceContext, connectionChannel } from "./channels.ts";
import { debugLine, type DebugSink, resolveDebug } from "./debug.ts";
import { prefixKeys } from "./key_prefix.ts";
import type { ObserveOptions } from "./options.ts";
import { redactArguments } from "./redact.ts";

/** What the observer reads of its client (all public). */
export interface ObservedClient {
  readonly db: number;
  readonly transport: { readonly remoteAddr: Deno.NetAddr | Deno.UnixAddr } | undefined;
  addEventListener(type: RedisClientEventType, listener: (event: RedisClientEvent) => void): void;
}

/** Where the client was told to connect (before a transport says where it did). */
export interface ObservedTarget {
  readonly hostname?: string | undefined;
  readonly port?: number | undefined;
  readonly path?: string | undefined;
  /** The client's password, hidden from arguments and log lines. */
  readonly password?: string | undefined;
}

/** A member of a batch, as the observer sees it: its promise (MULTI and EXEC have none). */
export interface ObservedEntry {
  readonly promise: Promise<unknown> | undefined;
}

type Send = <T>(argv: readonly RedisArgument[], options: CommandOptions | undefined) => Promise<T>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const EVENTS: readonly RedisClientEventType[] = [
  "connect",
  "ready",
  "error",
  "close",
  "reconnecting",
  "end",
];

function commandName(argv: readonly RedisArgument[]): string {
  try {
    return classify(argv).name.toUpperCase().replace("|", " ");
  } catch {
    return String(argv?.[0]).toUpperCase();
  }
}

/** Checks the observe options; throws `TypeError` for a bad one. */
function checkOptions(options: ObserveOptions & { cache?: unknown }): void {
  const prefix = options.keyPrefix;
  if (prefix !== undefined) {
    if (typeof prefix !== "string") {
      throw new TypeError(`keyPrefix must be a string, got "${String(prefix)}"`);
    }
    if (options.cache !== undefined && prefix !== "") {
      throw new TypeError(
        "Cannot use keyPrefix with cache: the cache keys what you pass, the server invalidates " +
          "prefixed keys",
      );
    }
  }
  const args = options.traceArguments;
  if (args !== undefined && typeof args !== "boolean") {
    throw new TypeError(`traceArguments must be a boolean, got "${String(args)}"`);
  }
}

export class ClientObserver {
  #client: ObservedClient;
  #send: Send;
  #target: ObservedTarget;
  #prefix: string | undefined;
  #traceArguments: boolean;
  #debug: DebugSink | undefined;

  constructor(
    client: ObservedClient,
    send: Send,
    options: ObserveOptions & { cache?: unknown },
    target: ObservedTarget,
  ) {
    checkOptions(options);
    this.#client = client;
    this.#send = send;
    this.#target = target;
    this.#prefix = options.keyPrefix === "" ? undefined : options.keyPrefix;
    this.#traceArguments = options.traceArguments ?? false;
    this.#debug = resolveDebug(options.debug, "redis");
    const listener = (event: RedisClientEvent): void => this.#lifecycle(event);
    for (const type of EVENTS) client.addEventListener(type, listener);
  }

  /** The key prefix, when there is one. */
  get keyPrefix(): string | undefined {
    return this.#prefix;
  }

  /** Whether a command must go through {@linkcode ClientObserver.send}. */
  get active(): boolean {
    return this.#prefix !== undefined || commandChannel.hasSubscribers;
  }

  /** Sends a command: prefixed, and traced when the command channel has subscribers. */
  send<T>(argv: readonly RedisArgument[], options: CommandOptions | undefined): Promise<T> {
    if (this.#prefix !== undefined) argv = prefixKeys(argv, this.#prefix);
    if (!commandChannel.hasSubscribers) return this.#send<T>(argv, options);
    const context = this.#context(argv, undefined, 0);
    const started = performance.now();
    const stop = (): void => {
      context.durationMs = performance.now() - started;
    };
    return commandChannel.tracePromise(
      () =>
        this.#send<T>(argv, options).then((value) => {
          stop();
          return value;
        }, (error: unknown) => {
          stop();
          throw error;
        }),
      context,
    );
  }

  /**
   * A pipeline's or transaction's commands are about to be queued: returns their argvs prefixed,
   * and traces each member (not MULTI and EXEC) when the command channel has subscribers.
   */
  batch(
    entries: readonly ObservedEntry[],
    argvs: readonly (readonly RedisArgument[])[],
    transaction: boolean,
  ): readonly (readonly RedisArgument[])[] {
    const prefix = this.#prefix;
    const out = prefix === undefined ? argvs : argvs.map((argv) => prefixKeys(argv, prefix));
    if (!commandChannel.hasSubscribers) return out;
    let size = 0;
    for (const entry of entries) if (entry.promise !== undefined) size++;
    const mode = transaction ? "MULTI" : "PIPELINE";
    for (let i = 0; i < entries.length; i++) {
      const promise = entries[i]!.promise;
      const argv = out[i];
      if (promise !== undefined && argv !== undefined) {
        this.#traceMember(promise, argv, mode, size);
      }
    }
    return out;
  }

  #traceMember(
    promise: Promise<unknown>,
    argv: readonly RedisArgument[],
    mode: "PIPELINE" | "MULTI",
    size: number,
  ): void {
    const context = this.#context(argv, mode, size);
    const started = performance.now();
    commandChannel.start.publish(context);
    commandChannel.end.publish(context);
    promise.then((value) => {
      context.durationMs = performance.now() - started;
      context.result = value;
      commandChannel.asyncStart.publish(context);
      commandChannel.asyncEnd.publish(context);
    }, (error: unknown) => {
      context.durationMs = performance.now() - started;
      context.error = error;
      commandChannel.error.publish(context);
      commandChannel.asyncStart.publish(context);
      commandChannel.asyncEnd.publish(context);
    });
  }

  #context(
    argv: readonly RedisArgument[],
    mode: "PIPELINE" | "MULTI" | undefined,
    size: number,
  ): Mutable<CommandTraceContext> {
    const [serverAddress, serverPort] = this.#server();
    const context: Mutable<CommandTraceContext> = {
      command: commandName(argv),
      database: this.#client.db,
      serverAddress,
      serverPort,
    };
    if (this.#traceArguments && Array.isArray(argv)) {
      context.args = redactArguments(argv, this.#target.password);
    }
    if (mode !== undefined) {
      context.batchMode = mode;
      context.batchSize = size;
    }
    return context;
  }

  #server(): [string, number | undefined] {
    const remote = this.#client.transport?.remoteAddr;
    if (remote !== undefined) {
      return "path" in remote ? [remote.path, undefined] : [remote.hostname, remote.port];
    }
    const target = this.#target;
    if (target.path !== undefined) return [target.path, undefined];
    return [target.hostname ?? "127.0.0.1", target.port ?? 6379];
  }

  #lifecycle(event: RedisClientEvent): void {
    const debug = this.#debug;
    const publish = connectionChannel.hasSubscribers;
    if (debug === undefined && !publish) return;
    const [serverAddress, serverPort] = this.#server();
    const type = event.type;
    const fields: Record<string, unknown> = { attempt: event.attempt };
    if (event.delayMs !== undefined) fields.delayMs = event.delayMs;
    if (event.protocol !== undefined) fields.protocol = event.protocol;
    const error = event.error;
    if (error !== undefined) fields.error = error;
    if (publish) {
      connectionChannel.publish({ event: type, serverAddress, serverPort, ...fields } as never);
    }
    if (debug === undefined) return;
    const address = serverPort === undefined ? serverAddress : `${serverAddress}:${serverPort}`;
    const password = this.#target.password;
    const line = debugLine("redis", address, type, fields, password);
    const safe = {
      scope: "redis",
      event: type,
      address,
      ...fields,
      ...(error === undefined
        ? {}
        : { error: redactSecret(`${error.name}: ${error.message}`, password) }),
    };
    try {
      debug(line, safe);
    } catch (thrown) {
      reportError(thrown);
    }
  }
}
