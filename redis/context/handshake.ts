import { HandshakeError, ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { redactSecret } from "./_secret.ts";

/**
 * What a connection sets up before any user command: the protocol, the credentials, the client
 * name and the database.
 *
 * @example An ACL user on database 2, named in `CLIENT LIST`
 * ```ts
 * import type { HandshakeOptions } from "@dray/dray/redis/protocol";
 *
 * const options: HandshakeOptions = {
 *   protocol: 3,
 *   username: "app",
 *   password: "secret",
 *   name: "worker-1",
 *   db: 2,
 * };
 * ```
 */
export interface HandshakeOptions {
  /** The RESP version to ask for (default 3); 3 falls back to 2 when the server refuses HELLO. */
  protocol?: 2 | 3;
  /** The ACL user; without one, a password authenticates the `default` user. */
  username?: string;
  /** The password (`requirepass` or the ACL user's). */
  password?: string;
  /** The connection name, set with `HELLO … SETNAME` or `CLIENT SETNAME`. */
  name?: string;
  /** The database to `SELECT` when it is not 0. */
  db?: number;
}

/**
 * The step a {@linkcode Handshake} asks for after a reply: more commands to send (and wait for),
 * nothing yet, success with the protocol in use, or failure with the error that rejects
 * `connect()`.
 *
 * @example
 * ```ts
 * import type { HandshakeStep } from "@dray/dray/redis/protocol";
 *
 * const step: HandshakeStep = { kind: "done", protocol: 3 };
 * ```
 */
export type HandshakeStep =
  | { readonly kind: "send"; readonly commands: RedisArgument[][] }
  | { readonly kind: "wait" }
  | { readonly kind: "done"; readonly protocol: 2 | 3 }
  | { readonly kind: "fail"; readonly error: ReplyError | HandshakeError };

const WAIT: HandshakeStep = { kind: "wait" };

/** A reply awaited: to HELLO (a map), to PING (`PONG`), or to another command (`OK`). */
interface Expect {
  readonly command: string;
}

const HELLO: Expect = { command: "HELLO" };
const PING: Expect = { command: "PING" };

/** What a reply is, for a message that must not quote it (it may echo the password). */
function shape(reply: RespValue): string {
  if (reply === null) return "a null";
  if (typeof reply === "string") {
    return `the string "${reply.length > 32 ? `${reply.slice(0, 29)}...` : reply}"`;
  }
  if (typeof reply === "number" || typeof reply === "bigint") return `the number ${reply}`;
  if (typeof reply === "boolean") return `the boolean ${reply}`;
  if (reply instanceof Uint8Array) return `a blob of ${reply.length} bytes`;
  if (Array.isArray(reply)) {
    const first = reply[0];
    const head = typeof first === "string" && /^[A-Za-z]{1,16}$/.test(first)
      ? ` starting with "${first}"`
      : "";
    return `an array of ${reply.length} elements${head}`;
  }
  if (reply instanceof Map) return `a map of ${reply.size} entries`;
  if (reply instanceof Set) return `a set of ${reply.size} elements`;
  return "a value of another type";
}

/** Whether `reply` is what a Redis server answers to `HELLO 3`: a map with `proto` 3. */
function isHello(reply: RespValue): boolean {
  if (!(reply instanceof Map)) return false;
  const proto = reply.get("proto");
  return (typeof proto === "number" || typeof proto === "bigint") && Number(proto) === 3;
}

/** Whether an error reply to HELLO means "no HELLO here" rather than "HELLO failed". */
function refusesHello(error: ReplyError): boolean {
  // Unknown (renamed away, or a server older than 6), denied by ACL, or no RESP3.
  return (error.code === "ERR" && /unknown command/i.test(error.message)) ||
    error.code === "NOPERM" || error.code === "NOPROTO";
}

/**
 * The connection handshake as a pure state machine: it says which commands to send and reads
 * their replies, and never touches I/O.
 *
 * With protocol 3 it starts with `HELLO 3 [AUTH user pass] [SETNAME name]`. When the server
 * refuses HELLO (an unknown command — renamed away or a server before 6.0 —, `NOPERM` from an ACL
 * or `NOPROTO`), it falls back to RESP2: `AUTH [user] pass`, `CLIENT SETNAME name`, `SELECT db`,
 * pipelined. `SELECT` follows HELLO when the database is not 0. Any other error reply fails the
 * handshake with that reply, so `connect()` rejects with the server's own text — the password
 * replaced by `***` wherever the server quotes it (as in `ERR unknown command 'AUTH', with args
 * beginning with: …`), also when the quote cuts it short.
 *
 * Every reply is checked, not just told apart from errors: HELLO's must be a map with `proto` 3,
 * PING's `PONG`, and AUTH's, CLIENT SETNAME's and SELECT's `OK`. Anything else fails the handshake
 * with a {@linkcode HandshakeError}: the peer is not a Redis server (a socket connected to itself
 * answers `HELLO 3` with `["HELLO", "3"]`, and would "answer" every later command with its own
 * arguments).
 *
 * @example Falling back to RESP2
 * ```ts
 * import { ReplyError } from "@dray/dray/redis";
 * import { Handshake } from "@dray/dray/redis/protocol";
 * import assert from "node:assert/strict";
 *
 * const handshake = new Handshake({ password: "secret", db: 1 });
 * assert.deepEqual(handshake.start(), [["HELLO", "3", "AUTH", "default", "secret"]]);
 * const step = handshake.reply(new ReplyError("ERR unknown command 'HELLO'"));
 * assert.deepEqual(step, { kind: "send", commands: [["AUTH", "secret"], ["SELECT", "1"]] });
 * assert.deepEqual(handshake.reply("OK"), { kind: "wait" });
 * assert.deepEqual(handshake.reply("OK"), { kind: "done", protocol: 2 });
 * ```
 *
 * @example A peer that echoes what it is sent
 * ```ts
 * import { HandshakeError } from "@dray/dray/redis";
 * import { Handshake } from "@dray/dray/redis/protocol";
 * import assert from "node:assert/strict";
 *
 * const handshake = new Handshake();
 * const [hello] = handshake.start();
 * const step = handshake.reply(hello!);
 * assert.ok(step.kind === "fail" && step.error instanceof HandshakeError);
 * ```
 */
export class Handshake {
  #options: HandshakeOptions;
  #protocol: 2 | 3 = 2;
  // What each reply still awaited must be, oldest first.
  #pending: Expect[] = [];

  /**
   * Makes a handshake.
   *
   * @param options Protocol, credentials, name and database.
   * @throws {RangeError} When `db` is not a non-negative integer.
   * @throws {TypeError} When `protocol` is neither 2 nor 3, or a `username` comes without a
   * `password`.
   *
   * @example
   * ```ts
   * import { Handshake } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new Handshake({ protocol: 2 }).start(), [["PING"]]);
   * ```
   */
  constructor(options: HandshakeOptions = {}) {
    const { protocol = 3, db = 0 } = options;
    if (protocol !== 2 && protocol !== 3) {
      throw new TypeError(`Cannot connect: protocol must be 2 or 3, got "${protocol}"`);
    }
    if (!Number.isSafeInteger(db) || db < 0) {
      throw new RangeError(`Cannot connect: db must be a non-negative integer, got "${db}"`);
    }
    if (options.username !== undefined && options.password === undefined) {
      throw new TypeError(
        `Cannot connect: user "${options.username}" needs a password`,
      );
    }
    this.#options = { ...options, protocol, db };
  }

  /**
   * The commands to send first. The handshake then waits for one reply per command.
   *
   * @returns The first commands, at least one: with RESP2 and nothing to set up, a `PING`, so
   * that the server has answered once before the connection counts as ready.
   *
   * @example
   * ```ts
   * import { Handshake } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new Handshake({ name: "app" }).start(), [["HELLO", "3", "SETNAME", "app"]]);
   * ```
   */
  start(): RedisArgument[][] {
    const { protocol, username, password, name } = this.#options;
    if (protocol === 3) {
      const hello: RedisArgument[] = ["HELLO", "3"];
      if (password !== undefined) hello.push("AUTH", username ?? "default", password);
      if (name !== undefined) hello.push("SETNAME", name);
      this.#pending = [HELLO];
      return [hello];
    }
    return this.#resp2(true);
  }

  /**
   * The number of replies the handshake still waits for.
   *
   * @example
   * ```ts
   * import { Handshake } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const handshake = new Handshake();
   * handshake.start();
   * assert.equal(handshake.expected, 1);
   * ```
   */
  get expected(): number {
    return this.#pending.length;
  }

  /**
   * Takes the next reply to a handshake command.
   *
   * @param reply The reply, error replies included as {@linkcode ReplyError} values.
   * @returns The next step: `fail` with the server's {@linkcode ReplyError} (the password hidden)
   * or with a {@linkcode HandshakeError} when the reply is not what a Redis server answers.
   * @throws {TypeError} When no reply is expected.
   *
   * @example A HELLO reply, then SELECT
   * ```ts
   * import { type RespValue } from "@dray/dray/redis";
   * import { Handshake } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const handshake = new Handshake({ db: 3 });
   * handshake.start();
   * const hello = new Map<RespValue, RespValue>([["server", "redis"], ["proto", 3]]);
   * assert.deepEqual(handshake.reply(hello), { kind: "send", commands: [["SELECT", "3"]] });
   * assert.deepEqual(handshake.reply("OK"), { kind: "done", protocol: 3 });
   * ```
   */
  reply(reply: RespValue): HandshakeStep {
    const expect = this.#pending.shift();
    if (expect === undefined) {
      throw new TypeError("Cannot take a reply: the handshake expects none");
    }
    if (expect === HELLO) {
      if (reply instanceof ReplyError) {
        if (!refusesHello(reply)) return this.#refused(reply);
        const commands = this.#resp2(false);
        return commands.length === 0 ? this.#done() : { kind: "send", commands };
      }
      if (!isHello(reply)) return this.#wrong(expect, reply, "a map with proto 3");
      this.#protocol = 3;
      const db = this.#options.db!;
      if (db === 0) return this.#done();
      this.#pending = [{ command: "SELECT" }];
      return { kind: "send", commands: [["SELECT", String(db)]] };
    }
    if (reply instanceof ReplyError) return this.#refused(reply);
    if (expect === PING) {
      if (reply !== "PONG") return this.#wrong(expect, reply, "PONG");
    } else if (reply !== "OK") {
      return this.#wrong(expect, reply, "OK");
    }
    return this.#pending.length === 0 ? this.#done() : WAIT;
  }

  /** Fails with the server's error, the password (which servers may echo) hidden. */
  #refused(reply: ReplyError): HandshakeStep {
    this.#pending = [];
    const text = redactSecret(reply.message, this.#options.password);
    const error = text === reply.message ? reply : new ReplyError(text);
    return { kind: "fail", error };
  }

  /** Fails because the peer answered as no Redis server does. */
  #wrong(expect: Expect, reply: RespValue, wanted: string): HandshakeStep {
    this.#pending = [];
    const message =
      `Cannot connect: the peer answered ${expect.command} with ${
        shape(reply)
      } instead of ${wanted}, so it is not a Redis server (a socket connected to itself echoes ` +
      "every command)";
    const error = new HandshakeError(redactSecret(message, this.#options.password), {
      command: expect.command,
    });
    return { kind: "fail", error };
  }

  /**
   * The RESP2 setup. At the start of a connection with nothing to set up it is a PING, so that
   * the server has answered once before the connection counts as ready (and a server that greets
   * with an error, as at `maxclients`, fails the connect).
   */
  #resp2(first: boolean): RedisArgument[][] {
    const { username, password, name, db } = this.#options;
    const commands: RedisArgument[][] = [];
    const pending: Expect[] = [];
    if (password !== undefined) {
      commands.push(username === undefined ? ["AUTH", password] : ["AUTH", username, password]);
      pending.push({ command: "AUTH" });
    }
    if (name !== undefined) {
      commands.push(["CLIENT", "SETNAME", name]);
      pending.push({ command: "CLIENT SETNAME" });
    }
    if (db !== 0) {
      commands.push(["SELECT", String(db)]);
      pending.push({ command: "SELECT" });
    }
    if (first && commands.length === 0) {
      commands.push(["PING"]);
      pending.push(PING);
    }
    this.#pending = pending;
    return commands;
  }

  #done(): HandshakeStep {
    return { kind: "done", protocol: this.#protocol };
  }
}
