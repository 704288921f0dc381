// Arguments fit to show in a trace: every argument as text, secrets replaced by `***`. The
// secrets are found by position (AUTH's password, HELLO's and MIGRATE's AUTH, CONFIG SET of a
// password parameter, ACL SETUSER's password rules, SENTINEL's auth-pass), and the client's own
// password is hidden wherever it appears besides.

import { REDACTED, redactSecret } from "../context/_secret.ts";
import type { RedisArgument } from "../resp/types.ts";

/** CONFIG SET parameters whose value is a secret. */
const SECRET_PARAMETERS = new Set([
  "requirepass",
  "masterauth",
  "tls-key-file-pass",
  "tls-client-key-file-pass",
  "sentinel-pass",
  "auth-pass",
]);

/** Byte arguments are shown as text when this short, else as their length. */
const MAX_SHOWN_BYTES = 256;

const decoder = new TextDecoder();

function word(argument: RedisArgument | undefined): string {
  if (typeof argument === "string") return argument.toUpperCase();
  if (argument instanceof Uint8Array && argument.length <= 64) {
    return decoder.decode(argument).toUpperCase();
  }
  return String(argument).toUpperCase();
}

function show(argument: RedisArgument): string {
  if (typeof argument === "string") return argument;
  if (argument instanceof Uint8Array) {
    return argument.length <= MAX_SHOWN_BYTES
      ? decoder.decode(argument)
      : `<${argument.length} bytes>`;
  }
  return String(argument);
}

/** The argv indexes that hold a secret, by the command's grammar. */
function secretPositions(argv: readonly RedisArgument[]): Set<number> {
  const out = new Set<number>();
  const name = word(argv[0]);
  const n = argv.length;
  const sub = n > 1 ? word(argv[1]) : "";
  if (name === "AUTH") {
    out.add(n - 1); // AUTH password | AUTH username password
  } else if (name === "HELLO" || name === "MIGRATE") {
    for (let i = 1; i < n; i++) {
      const token = word(argv[i]);
      if (token === "AUTH") {
        // HELLO … AUTH username password; MIGRATE … AUTH password
        out.add(name === "HELLO" ? i + 2 : i + 1);
      } else if (token === "AUTH2") {
        out.add(i + 2); // MIGRATE … AUTH2 username password
      } else if (name === "MIGRATE" && token === "KEYS") {
        break;
      }
    }
  } else if (name === "CONFIG" && sub === "SET") {
    for (let i = 2; i + 1 < n; i += 2) {
      if (SECRET_PARAMETERS.has(word(argv[i]).toLowerCase())) out.add(i + 1);
    }
  } else if (name === "ACL" && sub === "SETUSER") {
    for (let i = 3; i < n; i++) {
      const rule = show(argv[i]!);
      const mark = rule[0];
      if (mark === ">" || mark === "<" || mark === "#" || mark === "!") out.add(i);
    }
  } else if (name === "SENTINEL" && (sub === "SET" || sub === "CONFIG")) {
    // SENTINEL SET master auth-pass secret …; SENTINEL CONFIG SET sentinel-pass secret
    for (let i = 2; i + 1 < n; i++) {
      if (SECRET_PARAMETERS.has(word(argv[i]).toLowerCase())) out.add(i + 1);
    }
  }
  return out;
}

/**
 * A command's arguments as text fit to show in a trace or a log: each argument after the
 * command's name as a string (bytes decoded as UTF-8, or `<N bytes>` past 256), with every
 * secret replaced by `***`: the password of `AUTH`, of `HELLO … AUTH` and of `MIGRATE … AUTH` /
 * `AUTH2`, the value of a `CONFIG SET` of `requirepass`, `masterauth` or a TLS key passphrase,
 * `ACL SETUSER`'s password rules (`>`, `<`, `#`, `!`), and `SENTINEL SET … auth-pass`. When
 * `secret` is given (a client's own password), it is hidden wherever it appears too.
 *
 * @param argv The command as sent, its name first.
 * @param secret A known secret to hide in every argument.
 * @returns The arguments after the name, as text.
 *
 * @example
 * ```ts
 * import { redactArguments } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(redactArguments(["AUTH", "app", "s3cret"]), ["app", "***"]);
 * assert.deepEqual(
 *   redactArguments(["CONFIG", "SET", "requirepass", "s3cret", "maxmemory", "1mb"]),
 *   ["SET", "requirepass", "***", "maxmemory", "1mb"],
 * );
 * assert.deepEqual(redactArguments(["SET", "token", "hunter2-x"], "hunter2-x"), ["token", "***"]);
 * ```
 */
export function redactArguments(
  argv: readonly RedisArgument[],
  secret?: string,
): string[] {
  const hidden = secretPositions(argv);
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    if (hidden.has(i)) {
      out.push(REDACTED);
      continue;
    }
    const text = show(argv[i]!);
    out.push(secret === undefined ? text : redactSecret(text, secret));
  }
  return out;
}
