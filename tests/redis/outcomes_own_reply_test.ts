// Issue 14, item 1: an error reply reaches only its own command. Against real redis-servers,
// connections killed with CLIENT KILL from a second client in the middle of mixes of ok and
// error replies, pipelines and MULTI: each command's outcome is checked against what the server
// did, told by a key unique to the command that only the command itself writes.
import assert from "node:assert/strict";
import {
  connect,
  ConnectionClosedError,
  OutcomeUnknownError,
  type RedisClient,
  ReplyError,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { faultTest, sleep, until, withDeadline } from "./_fault_helpers.ts";

const QUICK = { reconnect: { strategy: () => 10 } };

async function killOthers(admin: RedisClient): Promise<number> {
  return Number(
    await admin.sendCommand(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]),
  );
}

for (const reconnect of [true, false]) {
  faultTest(
    `RedisClient (reconnect: ${reconnect}) rejects a written BLPOP with OutcomeUnknownError, ` +
      "not the WRONGTYPE of the INCR before it, when CLIENT KILL ends the connection",
    async () => {
      await using server = await startRedisServer();
      await using admin = await connect(server.url, { reconnect: false });
      await using client = await connect(server.url, reconnect ? QUICK : { reconnect: false });
      await client.rpush("list", "item");
      const incr = client.sendCommand(["INCR", "list"]).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const blpop = client.sendCommand(["BLPOP", "empty", 0]).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      await until(async () => {
        const list = String(await admin.sendCommand(["CLIENT", "LIST"]));
        return list.includes("cmd=blpop");
      }, "BLPOP blocked on the server");
      assert.equal(await killOthers(admin), 1);
      const own = await withDeadline(5000, "INCR", incr);
      assert.ok("error" in own && own.error instanceof ReplyError, "INCR gets its own reply");
      assert.equal(own.error.code, "WRONGTYPE");
      const lost = await withDeadline(5000, "BLPOP", blpop);
      assert.ok("error" in lost, "BLPOP rejects");
      assert.ok(
        lost.error instanceof OutcomeUnknownError,
        `BLPOP gets OutcomeUnknownError, got ${String(lost.error)}`,
      );
      assert.equal(lost.error.command, "BLPOP");
      assert.ok(lost.error.cause instanceof ConnectionClosedError, "cause: the connection's error");
      assert.ok(!(lost.error.cause instanceof ReplyError));
      if (reconnect) assert.deepEqual(await client.lrange("list", 0, -1), ["item"]);
      else assert.ok((await client.finished) instanceof ConnectionClosedError);
    },
  );
}

/** A small seeded generator (mulberry32): a failing run can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Sets its key, then answers with an error naming its argument: the error reply is unique to
// the command, and the key tells that it ran.
const FAIL_SCRIPT =
  "redis.call('SET', KEYS[1], ARGV[1]); return redis.error_reply('ERR failed ' .. ARGV[1])";

type Kind = "set" | "fail" | "wrongtype" | "blpop";
type Outcome = { value: unknown } | { error: unknown };

interface Op {
  id: number;
  kind: Kind;
  /** Inside a pipeline or a MULTI. */
  group: "none" | "pipeline" | "multi";
  outcome?: Outcome;
}

function argvOf(op: Op): (string | number)[] {
  const key = `key:${op.id}`;
  const tag = `v${op.id}`;
  switch (op.kind) {
    case "set":
      return ["SET", key, tag];
    case "fail":
      return ["EVAL", FAIL_SCRIPT, 1, key, tag];
    case "wrongtype":
      return ["INCR", "list"];
    case "blpop":
      return ["BLPOP", `list:${op.id}`, "0.02"];
  }
}

function pick(next: () => number): Kind {
  const r = next();
  return r < 0.35 ? "set" : r < 0.6 ? "fail" : r < 0.85 ? "wrongtype" : "blpop";
}

function track(op: Op, promise: Promise<unknown>): Promise<void> {
  return promise.then(
    (value) => void (op.outcome = { value }),
    (error: unknown) => void (op.outcome = { error }),
  );
}

/** Checks one op's outcome against what the server holds (`ran`: its key exists). */
function check(op: Op, ran: boolean, seed: number): void {
  const where = `seed ${seed}, op ${op.id} (${op.kind} in ${op.group})`;
  const outcome = op.outcome;
  assert.ok(outcome !== undefined, `${where}: settled`);
  if ("value" in outcome) {
    if (op.kind === "set") {
      assert.equal(outcome.value, "OK", where);
      assert.ok(ran, `${where}: resolved, so it ran`);
    } else if (op.kind === "blpop") {
      assert.equal(outcome.value, null, where);
    } else {
      assert.fail(`${where}: an error command resolved with ${String(outcome.value)}`);
    }
    return;
  }
  const error = outcome.error;
  if (error instanceof ReplyError) {
    // Its own reply, never another command's.
    if (op.kind === "fail") {
      assert.equal(error.message, `ERR failed v${op.id}`, where);
      assert.ok(ran, `${where}: its error reply came, so it ran`);
    } else if (op.kind === "wrongtype") {
      assert.equal(error.code, "WRONGTYPE", where);
    } else if (op.kind === "set" && op.group === "multi") {
      // A MULTI whose EXEC was refused (EXECABORT) fails its members with that reply.
      assert.equal(error.code, "EXECABORT", where);
      assert.ok(!ran, `${where}: EXECABORT, so it did not run`);
    } else {
      assert.fail(`${where}: got a reply error that is not its own: ${error.message}`);
    }
    return;
  }
  if (error instanceof OutcomeUnknownError) {
    assert.ok(error.cause instanceof Error, `${where}: the connection's error as cause`);
    assert.ok(!(error.cause instanceof ReplyError), `${where}: not a command's reply as cause`);
    return; // it may or may not have run
  }
  if (error instanceof ConnectionClosedError) {
    assert.ok(!(error.cause instanceof ReplyError), `${where}: not a command's reply as cause`);
    assert.ok(!ran, `${where}: rejected as never sent, yet its key exists`);
    return;
  }
  assert.fail(`${where}: unexpected ${String(error)}`);
}

/** Outcomes seen over every round, by kind: the mixes must reach each case. */
const seen = new Map<string, number>();

function tally(op: Op): void {
  const outcome = op.outcome!;
  const name = "value" in outcome ? "value" : (outcome.error as Error).constructor.name;
  seen.set(name, (seen.get(name) ?? 0) + 1);
}

async function round(seed: number, reconnect: boolean): Promise<void> {
  const next = random(seed);
  await using server = await startRedisServer();
  await using admin = await connect(server.url, { reconnect: false });
  const client = await connect(server.url, reconnect ? QUICK : { reconnect: false });
  await client.rpush("list", "item");
  const ops: Op[] = [];
  const settled: Promise<void>[] = [];
  let id = 0;
  let kills = 0;
  for (let tick = 0; tick < 40; tick++) {
    const commands = 1 + Math.floor(next() * 5);
    for (let c = 0; c < commands; c++) {
      const r = next();
      if (r < 0.6) {
        const op: Op = { id: id++, kind: pick(next), group: "none" };
        ops.push(op);
        settled.push(track(op, client.sendCommand(argvOf(op))));
      } else {
        const multi = r >= 0.8;
        const batch = multi ? client.multi() : client.pipeline();
        const size = 1 + Math.floor(next() * 4);
        for (let i = 0; i < size; i++) {
          let kind = pick(next);
          if (multi && kind === "blpop") kind = "set";
          const op: Op = { id: id++, kind, group: multi ? "multi" : "pipeline" };
          ops.push(op);
          settled.push(track(op, batch.sendCommand(argvOf(op))));
        }
        settled.push(batch.exec().then(() => {}, () => {}));
      }
    }
    if (next() < 0.15) {
      kills++;
      settled.push(killOthers(admin).then(() => {}));
    }
    const pause = next();
    if (pause < 0.3) await sleep(Math.floor(next() * 5));
    else if (pause < 0.6) await new Promise((resolve) => queueMicrotask(() => resolve(0)));
  }
  await withDeadline(20_000, `seed ${seed}: every command settles`, Promise.all(settled));
  client.destroy();
  await client.finished;
  const keys = ops.map((op) => `key:${op.id}`);
  const exists = await admin.sendCommand(["EVAL", EXISTS_SCRIPT, keys.length, ...keys]);
  assert.ok(Array.isArray(exists));
  for (let i = 0; i < ops.length; i++) {
    check(ops[i]!, exists[i] === 1, seed);
    tally(ops[i]!);
  }
}

const EXISTS_SCRIPT =
  "local out = {} for i, k in ipairs(KEYS) do out[i] = redis.call('EXISTS', k) end return out";

faultTest(
  "RedisClient gives each command its own outcome across random mixes of replies, pipelines, " +
    "MULTI, kills and reconnects",
  async () => {
    const base = Number(Deno.env.get("DRAY_SEED") ?? Date.now() % 100_000);
    for (let i = 0; i < 8; i++) await round(base + i, i % 2 === 0);
    for (const name of ["value", "ReplyError", "OutcomeUnknownError", "ConnectionClosedError"]) {
      assert.ok((seen.get(name) ?? 0) > 0, `some command ended with ${name}: ${[...seen]}`);
    }
  },
  { deadlineMs: 120_000 },
);
