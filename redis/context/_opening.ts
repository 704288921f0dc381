// The opening of a connection, pure: the Handshake (HELLO, AUTH, SETNAME, SELECT), then — with
// `untilLoaded` — a PING that a loading server refuses, then the owner's setup commands (CLIENT
// TRACKING…), each reply checked in turn. The Context writes what it is told to send and becomes
// ready when this says so.

import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { HandshakeError } from "../errors.ts";
import { Handshake } from "./handshake.ts";
import type { ContextOptions } from "./types.ts";

/** What the Context does after a reply of the opening. */
export type OpeningStep =
  | {
    readonly kind: "send";
    readonly commands: readonly (readonly RedisArgument[])[];
    /** Set once the handshake is done and the setup commands go out. */
    readonly protocol?: 2 | 3;
  }
  | { readonly kind: "wait" }
  | { readonly kind: "ready"; readonly protocol: 2 | 3 }
  | { readonly kind: "fail"; readonly error: Error | ReplyError | HandshakeError };

const WAIT: OpeningStep = { kind: "wait" };
const PING: readonly RedisArgument[] = ["PING"];

/** The handshake, then the setup commands (see the file comment). */
export class Opening {
  #handshake: Handshake;
  #setup: ContextOptions["setup"];
  #setupPending = 0;
  #untilLoaded: boolean;
  // Whether the next setup reply is the PING's that tells a loading server apart.
  #probing = false;
  #protocol: 2 | 3 = 3;

  /**
   * @param options The handshake's options and the setup commands.
   * @throws {RangeError} When a bound or `db` is out of range.
   * @throws {TypeError} When the handshake options are inconsistent.
   */
  constructor(options: ContextOptions) {
    this.#handshake = new Handshake(options);
    this.#setup = options.setup;
    this.#untilLoaded = options.untilLoaded === true;
  }

  /** The handshake's first commands. */
  start(): readonly (readonly RedisArgument[])[] {
    const first = this.#handshake.start();
    // A RESP2 handshake with nothing to set up is a PING already: a loading server refuses it.
    if (first.some((argv) => argv[0] === "PING")) this.#untilLoaded = false;
    return first;
  }

  /** Whether a reply is expected by the handshake or a setup command. */
  get expecting(): boolean {
    return this.#handshake.expected > 0 || this.#setupPending > 0;
  }

  /** The next step after `reply`. */
  reply(reply: RespValue): OpeningStep {
    if (this.#setupPending > 0) {
      if (this.#probing) {
        this.#probing = false;
        // Only a loading server fails the probe: an ACL may deny PING to a user that can work.
        if (reply instanceof ReplyError && reply.code === "LOADING") {
          return { kind: "fail", error: reply };
        }
      } else if (reply instanceof ReplyError) return { kind: "fail", error: reply };
      return --this.#setupPending === 0 ? { kind: "ready", protocol: this.#protocol } : WAIT;
    }
    const step = this.#handshake.reply(reply);
    if (step.kind !== "done") return step;
    const owned = this.#setup?.(step.protocol) ?? [];
    const setup = this.#untilLoaded ? [PING, ...owned] : owned;
    if (setup.length === 0) return { kind: "ready", protocol: step.protocol };
    this.#protocol = step.protocol;
    this.#setupPending = setup.length;
    this.#probing = this.#untilLoaded;
    return { kind: "send", commands: setup, protocol: step.protocol };
  }
}
