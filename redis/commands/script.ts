import { sha1Hex } from "./_sha1.ts";

/**
 * A Lua script and its SHA1, the name the server knows it by. The SHA1 is computed locally and
 * synchronously when the script is made, so running it never waits for anything before
 * `EVALSHA` goes out. Run it with `runScript` (`EVALSHA`, falling back to `EVAL` when the server
 * does not have it cached). A `Script` holds no connection and can be shared by every client.
 *
 * @example The SHA1 Redis will use
 * ```ts
 * import { Script } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const script = new Script("return 1");
 * assert.equal(script.sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
 * ```
 */
export class Script {
  /** The Lua source. */
  readonly source: string;
  /** The SHA1 of the source's UTF-8 bytes, in lower-case hex. */
  readonly sha1: string;

  /**
   * Makes a script.
   *
   * @param source The Lua source.
   *
   * @example Making a script
   * ```ts
   * import { Script } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const incrTo = new Script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
   * assert.equal(incrTo.sha1.length, 40);
   * ```
   */
  constructor(source: string) {
    this.source = source;
    this.sha1 = sha1Hex(new TextEncoder().encode(source));
  }
}
