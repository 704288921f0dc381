import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";

/**
 * What a connection sets up before any user command: the protocol, the credentials, the client
 * name and the database.
 *
 * @example An ACL user on database 2, named in `CLIENT LIST`
 * ```ts
 * import type { HandshakeOptions } from "@dray/dray/redis";
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
 * import type { HandshakeStep } from "@dray/dray/redis";
 *
 * const step: HandshakeStep = { kind: "done", protocol: 3 };
 * ```
 */
export type HandshakeStep =
  | { readonly kind: "send"; readonly commands: RedisArgument[][] }
  | { readonly kind: "wait" }
  | { readonly kind: "done"; readonly protocol: 2 | 3 }
  | { readonly kind: "fail"; readonly error: ReplyError };

const WAIT: HandshakeStep = { kind: "wait" };

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
 * handshake with that reply, so `connect()` rejects with the server's own text.
 *
 * @example Falling back to RESP2
 * ```ts
 * import { Handshake, ReplyError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const handshake = new Handshake({ password: "secret", db: 1 });
 * assert.deepEqual(handshake.start(), [["HELLO", "3", "AUTH", "default", "secret"]]);
 * const step = handshake.reply(new ReplyError("ERR unknown command 'HELLO'"));
 * assert.deepEqual(step, { kind: "send", commands: [["AUTH", "secret"], ["SELECT", "1"]] });
 * assert.deepEqual(handshake.reply("OK"), { kind: "wait" });
 * assert.deepEqual(handshake.reply("OK"), { kind: "done", protocol: 2 });
 * ```
 */
export class Handshake {
  #options: HandshakeOptions;
  #protocol: 2 | 3 = 2;
  #expected = 0;
  // Waiting for HELLO's reply (which decides the protocol), or for the setup commands' replies.
  #hello = false;

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
   * import { Handshake } from "@dray/dray/redis";
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
   * import { Handshake } from "@dray/dray/redis";
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
      this.#expected = 1;
      this.#hello = true;
      return [hello];
    }
    return this.#resp2(true);
  }

  /**
   * The number of replies the handshake still waits for.
   *
   * @example
   * ```ts
   * import { Handshake } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const handshake = new Handshake();
   * handshake.start();
   * assert.equal(handshake.expected, 1);
   * ```
   */
  get expected(): number {
    return this.#expected;
  }

  /**
   * Takes the next reply to a handshake command.
   *
   * @param reply The reply, error replies included as {@linkcode ReplyError} values.
   * @returns The next step.
   * @throws {TypeError} When no reply is expected.
   *
   * @example A HELLO reply, then SELECT
   * ```ts
   * import { Handshake, type RespValue } from "@dray/dray/redis";
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
    if (this.#expected === 0) {
      throw new TypeError("Cannot take a reply: the handshake expects none");
    }
    this.#expected--;
    if (this.#hello) {
      this.#hello = false;
      if (reply instanceof ReplyError) {
        if (!refusesHello(reply)) return { kind: "fail", error: reply };
        const commands = this.#resp2(false);
        return commands.length === 0 ? this.#done() : { kind: "send", commands };
      }
      this.#protocol = 3;
      const db = this.#options.db!;
      if (db === 0) return this.#done();
      this.#expected = 1;
      return { kind: "send", commands: [["SELECT", String(db)]] };
    }
    if (reply instanceof ReplyError) return { kind: "fail", error: reply };
    return this.#expected === 0 ? this.#done() : WAIT;
  }

  /**
   * The RESP2 setup. At the start of a connection with nothing to set up it is a PING, so that
   * the server has answered once before the connection counts as ready (and a server that greets
   * with an error, as at `maxclients`, fails the connect).
   */
  #resp2(first: boolean): RedisArgument[][] {
    const { username, password, name, db } = this.#options;
    const commands: RedisArgument[][] = [];
    if (password !== undefined) {
      commands.push(username === undefined ? ["AUTH", password] : ["AUTH", username, password]);
    }
    if (name !== undefined) commands.push(["CLIENT", "SETNAME", name]);
    if (db !== 0) commands.push(["SELECT", String(db)]);
    if (first && commands.length === 0) commands.push(["PING"]);
    this.#expected = commands.length;
    return commands;
  }

  #done(): HandshakeStep {
    return { kind: "done", protocol: this.#protocol };
  }
}
