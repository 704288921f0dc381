// The pure parts of reconnecting: the backoff strategy, the blocking-timeout reader, the session
// rules for MULTI and WATCH across a lost connection, the offline queue's bounds, the events.
import assert from "node:assert/strict";
import {
  ConnectionClosedError,
  encodeCommand,
  exponentialBackoff,
  RedisClientEvent,
  WatchError,
} from "../../redis/mod.ts";
import { blockingTimeoutMs, FOREVER, NOT_BLOCKING } from "../../redis/client/_blocking.ts";
import { Command } from "../../redis/client/_command.ts";
import { Block, encodedSize, OfflineQueue } from "../../redis/client/_offline_queue.ts";
import {
  ADMIT,
  ADMIT_BOUND,
  S_DISCARD,
  S_EXEC,
  S_MULTI,
  S_OTHER,
  S_QUIT,
  S_RESET,
  S_UNWATCH,
  S_WATCH,
  Session,
  sessionCode,
} from "../../redis/client/_session.ts";

const lost = new Error("lost");

Deno.test("exponentialBackoff grows by its factor up to the cap", () => {
  const strategy = exponentialBackoff({
    initialDelayMs: 10,
    maxDelayMs: 300,
    factor: 3,
    jitter: "none",
  });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 100, 1e9].map((n) => strategy(n, lost)),
    [10, 30, 90, 270, 300, 300, 300],
  );
});

Deno.test("exponentialBackoff jitters within its bounds and never gives up on its own", () => {
  const draws = [0, 0.25, 0.5, 0.999];
  for (const draw of draws) {
    const full = exponentialBackoff({ initialDelayMs: 100, jitter: "full", random: () => draw });
    const equal = exponentialBackoff({ initialDelayMs: 100, random: () => draw });
    for (let attempt = 1; attempt <= 12; attempt++) {
      const base = Math.min(2000, 100 * 2 ** (attempt - 1));
      const f = full(attempt, lost) as number;
      const e = equal(attempt, lost) as number;
      assert.ok(f >= 0 && f < base, `full ${f} in [0, ${base})`);
      assert.ok(e >= base / 2 && e < base, `equal ${e} in [${base / 2}, ${base})`);
      assert.equal(f, Math.floor(draw * base));
    }
  }
  const real = exponentialBackoff();
  for (let attempt = 1; attempt < 50; attempt++) {
    const delay = real(attempt, lost);
    assert.ok(typeof delay === "number" && delay >= 0 && delay <= 2000);
  }
});

Deno.test("exponentialBackoff refuses nonsense options", () => {
  assert.throws(() => exponentialBackoff({ initialDelayMs: -1 }), RangeError);
  assert.throws(() => exponentialBackoff({ maxDelayMs: Infinity }), RangeError);
  assert.throws(() => exponentialBackoff({ factor: 0.5 }), RangeError);
  assert.throws(
    () => exponentialBackoff({ jitter: "some" as unknown as "full" }),
    TypeError,
  );
});

Deno.test("blockingTimeoutMs reads the server-side timeout of every blocking command", () => {
  const cases: [unknown[], number][] = [
    [["BLPOP", "a", "b", "5"], 5000],
    [["brpop", "a", 0.5], 500],
    [["BZPOPMIN", "z", "0"], FOREVER],
    [["BZPOPMAX", "z", 2n], 2000],
    [["BRPOPLPUSH", "a", "b", "1"], 1000],
    [["BLMOVE", "a", "b", "LEFT", "RIGHT", "3"], 3000],
    [["BLMPOP", "2", "2", "a", "b", "LEFT"], 2000],
    [["BZMPOP", "0", "1", "z", "MIN"], FOREVER],
    [["XREAD", "COUNT", "1", "BLOCK", "250", "STREAMS", "s", "$"], 250],
    [["XREAD", "STREAMS", "BLOCK", "$"], NOT_BLOCKING], // a stream named BLOCK
    [["XREAD", "STREAMS", "s", "0"], NOT_BLOCKING],
    [["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"], FOREVER],
    [["WAIT", "1", "100"], 100],
    [["WAIT", "1", "0"], FOREVER],
    [["BLPOP", "a", "-1"], NOT_BLOCKING], // the server refuses it
    [["BLPOP", "a", "soon"], NOT_BLOCKING],
    [["GET", "k"], NOT_BLOCKING],
    [["BITCOUNT", "k"], NOT_BLOCKING],
    [[new TextEncoder().encode("BLPOP"), "a", "1"], 1000], // a name in bytes is classified too
    [["BLPOP", "a", new TextEncoder().encode("2")], 2000],
  ];
  for (const [argv, expected] of cases) {
    assert.equal(
      blockingTimeoutMs(argv as never),
      expected,
      JSON.stringify(argv, (_k, v) => typeof v === "bigint" ? `${v}n` : v),
    );
  }
});

Deno.test("sessionCode finds the commands that set up a connection's state", () => {
  const cases: [string, number][] = [
    ["watch", S_WATCH],
    ["UNWATCH", S_UNWATCH],
    ["Multi", S_MULTI],
    ["EXEC", S_EXEC],
    ["discard", S_DISCARD],
    ["RESET", S_RESET],
    ["quit", S_QUIT],
    ["GET", S_OTHER],
    ["EXECUTE", S_OTHER],
    ["DEL", S_OTHER],
  ];
  for (const [name, code] of cases) assert.equal(sessionCode([name]), code, name);
  assert.equal(sessionCode([new TextEncoder().encode("MULTI")]), S_MULTI);
});

Deno.test("Session binds commands inside MULTI and refuses the rest of a lost one", () => {
  const session = new Session();
  assert.equal(session.admit(S_OTHER), ADMIT);
  assert.equal(session.admit(S_MULTI), ADMIT_BOUND);
  assert.equal(session.admit(S_OTHER), ADMIT_BOUND, "queued inside MULTI");
  session.lost();
  const refused = session.admit(S_OTHER);
  assert.ok(refused instanceof ConnectionClosedError);
  assert.match(refused.message, /MULTI was lost/);
  const exec = session.admit(S_EXEC);
  assert.ok(exec instanceof ConnectionClosedError, "EXEC of a lost MULTI is refused");
  assert.match(exec.message, /nothing in it was applied/);
  assert.equal(session.admit(S_OTHER), ADMIT, "after EXEC, commands are plain again");
  assert.equal(session.admit(S_MULTI), ADMIT_BOUND);
  session.lost();
  assert.equal(session.admit(S_RESET), ADMIT, "RESET ends a lost MULTI too");
  assert.equal(session.inMulti, false);
  session.admit(S_MULTI);
  session.admit(S_EXEC);
  session.lost();
  assert.equal(session.admit(S_OTHER), ADMIT, "a MULTI that ended is not lost");
});

Deno.test("Session does not run a transaction after a WATCH that was lost", () => {
  const session = new Session();
  assert.equal(session.admit(S_WATCH), ADMIT_BOUND);
  assert.equal(session.transaction(), "watched", "a block after WATCH runs watched");
  assert.equal(session.transaction(), "plain", "EXEC ends the WATCH");
  session.admit(S_WATCH);
  session.lost();
  assert.equal(session.transaction(), "lost");
  assert.equal(session.transaction(), "plain", "the lost WATCH is reported once");
  session.admit(S_WATCH);
  session.lost();
  const multi = session.admit(S_MULTI);
  assert.ok(multi instanceof WatchError, "a raw MULTI after a lost WATCH is refused");
  assert.ok(session.admit(S_OTHER) instanceof WatchError, "and what would be inside it");
  assert.ok(session.admit(S_EXEC) instanceof WatchError, "and its EXEC");
  assert.equal(session.admit(S_MULTI), ADMIT_BOUND, "then all is plain again");
  session.admit(S_DISCARD);
  session.admit(S_WATCH);
  assert.equal(session.admit(S_UNWATCH), ADMIT);
  session.lost();
  assert.equal(session.transaction(), "plain", "UNWATCH ended it before the loss");
});

Deno.test("encodedSize is the size encodeCommand gives", () => {
  const argvs = [
    ["PING"],
    ["SET", "key", "value"],
    ["SET", "héllo ✓ 日本 😀", "x".repeat(1000)],
    ["MSET", 1, 2.5, -3n, new Uint8Array(70_000), ""],
  ];
  for (const argv of argvs) assert.equal(encodedSize(argv), encodeCommand(argv).length);
});

function command(argv: unknown[]): Command {
  const entry = new Command(false);
  entry.args = argv as Command["args"];
  return entry;
}

Deno.test("OfflineQueue is bounded by commands and by bytes, and drops given-up commands for room", () => {
  const queue = new OfflineQueue(3, 100);
  assert.equal(queue.push(command(["GET", "a"])), undefined);
  assert.equal(
    queue.push(new Block([command(["INCR", "n"]), command(["INCR", "n"])], false)),
    undefined,
  );
  assert.equal(queue.length, 3);
  assert.deepEqual(queue.push(command(["GET", "b"])), { limit: 3, unit: "commands" });
  assert.equal(queue.length, 3, "nothing was queued");
  const drained = queue.drain();
  assert.equal(drained.length, 2);
  assert.equal(queue.length, 0);
  assert.equal(queue.bytes, 0);

  assert.deepEqual(queue.push(command(["SET", "k", "x".repeat(100)])), {
    limit: 100,
    unit: "bytes",
  });
  const abandoned = command(["SET", "k", "x".repeat(50)]);
  assert.equal(queue.push(abandoned), undefined);
  assert.ok(queue.push(command(["SET", "k", "y".repeat(50)])) !== undefined, "full of bytes");
  abandoned.abandoned = true; // its caller timed out
  assert.equal(queue.push(command(["SET", "k", "y".repeat(50)])), undefined, "room again");
  assert.equal(queue.length, 1);
});

Deno.test("RedisClientEvent carries its fields", () => {
  const error = new Error("refused");
  const event = new RedisClientEvent("reconnecting", { attempt: 3, delayMs: 400, error });
  assert.equal(event.type, "reconnecting");
  assert.equal(event.attempt, 3);
  assert.equal(event.delayMs, 400);
  assert.equal(event.error, error);
  assert.equal(event.protocol, undefined);
  assert.ok(event instanceof Event);
});
