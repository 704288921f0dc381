/**
 * `deno task bench:faults`: the client under load while its server crashes. 50 connections
 * (each a `RedisClient` with its default reconnect, offline-queue and retry settings) run
 * auto-pipelined SET/INCR traffic for 30 s against a private redis-server with AOF on and
 * `appendfsync always`; at a third and at two thirds of the run the server is killed with
 * SIGKILL and, after a second down, restarted on the same port and dir (it reloads its AOF).
 *
 * Traffic: each connection has `--lanes` (default 16) lanes; a lane issues one command at a
 * time, SET of its own key then INCR of its connection's counter, so a connection has up to
 * `lanes` commands in flight, which the client pipelines into shared writes.
 *
 * Every outcome is counted: replies (ops), and rejections by error type (`ReplyError` by its
 * code). A lane that gets `-LOADING` (a client reconnected while the server was still loading
 * its AOF) waits 50 ms before its next command, as an application would. Afterwards the server is read back and checked against what the clients were told:
 * - INCR, per connection: acknowledged ≤ server value ≤ acknowledged + outcome-unknown. Below
 *   is an acknowledged INCR lost (`lost`); above is an INCR applied more often than it could
 *   have been (`doubled`: resent, or an error other than `OutcomeUnknownError` for a command
 *   the server had in fact run).
 * - SET, per lane: the key holds the last acknowledged value, or a later value whose outcome
 *   is unknown (`setsWrong` counts the others).
 *
 * Writes `bench/out/faults.json` (`faults.quick.json` with `--quick`) as `{ date, machine,
 * durationS, connections, lanes, restarts, ops, opsPerSec, errorsByType, acknowledgedIncrs,
 * serverIncrs, unknownIncrs, lost, doubled, setsChecked, setsWrong, faults, timeline, verdict }`
 * and exits with 1 when the verdict is not `pass`.
 *
 * ```sh
 * deno task bench:faults                 # the full run: 50 connections, 30 s, 2 restarts
 * deno task bench:faults --quick         # 10 connections, 6 s: checks that it works
 * deno task bench:faults --seconds 60 --connections 100 --lanes 8
 * ```
 *
 * @module
 */

import { connect, OutcomeUnknownError, type RedisClient, ReplyError } from "../redis/mod.ts";
import { startRedisServer } from "../tests/_helpers/redis_server.ts";
import { machine } from "./_machine.ts";

const args = [...Deno.args];
const quick = args.includes("--quick");

function numberArg(name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got "${args[at + 1]}"`);
  }
  return value;
}

const DURATION_S = numberArg("--seconds", quick ? 6 : 30);
const CONNECTIONS = numberArg("--connections", quick ? 10 : 50);
const LANES = numberArg("--lanes", 16);
const RESTARTS = 2;
/** How long the server stays down before each restart. */
const DOWN_MS = 1000;
const AOF = ["--appendonly", "yes", "--appendfsync", "always"];

/** One connection's INCR accounting. */
interface Counter {
  key: string;
  acknowledged: number;
  unknown: number;
}

/** One lane's SET accounting: the last acknowledged value, and the unknown ones sent after it. */
interface Register {
  key: string;
  lastAcknowledged: string | undefined;
  unknownSince: string[];
}

const errorsByType: Record<string, number> = {};
const timeline: number[] = Array.from({ length: DURATION_S + 1 }, () => 0);
let ops = 0;
let started = 0;

function errorType(error: unknown): string {
  if (error instanceof ReplyError) return `ReplyError ${error.code}`;
  if (error instanceof Error) return error.name;
  return typeof error;
}

function countError(error: unknown): void {
  const type = errorType(error);
  errorsByType[type] = (errorsByType[type] ?? 0) + 1;
}

function countOp(): void {
  ops++;
  const second = Math.floor((performance.now() - started) / 1000);
  if (second < timeline.length) timeline[second]!++;
}

function pad(seq: number): string {
  return String(seq).padStart(16, "0");
}

async function lane(
  client: RedisClient,
  counter: Counter,
  register: Register,
  stop: { now: boolean },
): Promise<void> {
  let seq = 0;
  while (!stop.now) {
    const value = pad(++seq);
    try {
      await client.set(register.key, value);
      countOp();
      register.lastAcknowledged = value;
      register.unknownSince = [];
    } catch (error) {
      countError(error);
      if (error instanceof OutcomeUnknownError) register.unknownSince.push(value);
      await pause(error);
    }
    if (stop.now) break;
    try {
      await client.incr(counter.key);
      countOp();
      counter.acknowledged++;
    } catch (error) {
      countError(error);
      // Only an OutcomeUnknownError may have run: any other error says the server did not run
      // the command, and the check below holds the client to that.
      if (error instanceof OutcomeUnknownError) counter.unknown++;
      await pause(error);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A lane told the server is loading its data waits a little, as an application would. */
function pause(error: unknown): Promise<void> | undefined {
  return error instanceof ReplyError && error.code === "LOADING" ? sleep(50) : undefined;
}

function seconds(): number {
  return Math.round((performance.now() - started) / 10) / 100;
}

async function waitFor(condition: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

async function main(): Promise<void> {
  await using server = await startRedisServer({ args: AOF });
  const clients: RedisClient[] = [];
  try {
    for (let i = 0; i < CONNECTIONS; i++) clients.push(await connect(server.url));
    const counters: Counter[] = clients.map((_, i) => ({
      key: `faults:incr:${i}`,
      acknowledged: 0,
      unknown: 0,
    }));
    const registers: Register[][] = clients.map((_, i) =>
      Array.from({ length: LANES }, (_, l) => ({
        key: `faults:set:${i}:${l}`,
        lastAcknowledged: undefined,
        unknownSince: [],
      }))
    );
    console.log(
      `bench:faults: ${CONNECTIONS} connections × ${LANES} lanes of SET/INCR for ${DURATION_S} s, ` +
        `redis-server on port ${server.port} with AOF (appendfsync always), ` +
        `SIGKILL and restart ×${RESTARTS}`,
    );

    const stop = { now: false };
    started = performance.now();
    const lanes = clients.flatMap((client, i) =>
      registers[i]!.map((register) => lane(client, counters[i]!, register, stop))
    );

    const faults: {
      killedAtS: number;
      restartedAtS: number;
      allReadyAtS: number | null;
    }[] = [];
    for (let k = 1; k <= RESTARTS; k++) {
      const at = (DURATION_S * 1000 * k) / (RESTARTS + 1);
      await sleep(Math.max(0, at - (performance.now() - started)));
      server.kill("SIGKILL");
      await server.exited();
      const killedAtS = seconds();
      await sleep(DOWN_MS);
      await server.restart(); // returns once the AOF is loaded and PING answers
      const restartedAtS = seconds();
      const ready = await waitFor(
        () => clients.every((client) => client.status === "ready" && client.stats.connections > k),
        15_000,
      );
      const allReadyAtS = ready ? seconds() : null;
      faults.push({ killedAtS, restartedAtS, allReadyAtS });
      console.log(
        `  kill ${k} at ${killedAtS} s, server back at ${restartedAtS} s, ` +
          `all ${CONNECTIONS} clients ready again ${
            ready ? `at ${allReadyAtS} s` : "NOT within 15 s"
          }`,
      );
    }
    await sleep(Math.max(0, DURATION_S * 1000 - (performance.now() - started)));
    stop.now = true;
    const elapsedS = (performance.now() - started) / 1000;
    await Promise.all(lanes);

    // Read back what the server holds, on a connection of its own.
    await using admin = await connect(server.url, { reconnect: false });
    const serverValues = await admin.sendCommand(["MGET", ...counters.map((c) => c.key)]) as (
      | string
      | null
    )[];
    let acknowledgedIncrs = 0;
    let serverIncrs = 0;
    let unknownIncrs = 0;
    let lost = 0;
    let doubled = 0;
    counters.forEach((counter, i) => {
      const value = Number(serverValues[i] ?? 0);
      acknowledgedIncrs += counter.acknowledged;
      unknownIncrs += counter.unknown;
      serverIncrs += value;
      lost += Math.max(0, counter.acknowledged - value);
      doubled += Math.max(0, value - counter.acknowledged - counter.unknown);
    });
    const allRegisters = registers.flat();
    const setValues = await admin.sendCommand(["MGET", ...allRegisters.map((r) => r.key)]) as (
      | string
      | null
    )[];
    let setsWrong = 0;
    allRegisters.forEach((register, i) => {
      const value = setValues[i] ?? undefined;
      const allowed = value === register.lastAcknowledged || register.unknownSince.includes(
        value ?? "",
      );
      if (!allowed) setsWrong++;
    });
    const persistence = String(await admin.sendCommand(["INFO", "persistence"]));
    const aofOn = /^aof_enabled:1\r?$/m.test(persistence);
    const restarted = faults.filter((fault) => fault.allReadyAtS !== null).length;
    const verdict =
      lost === 0 && doubled === 0 && setsWrong === 0 && restarted === RESTARTS && aofOn &&
        acknowledgedIncrs > 0
        ? "pass"
        : "fail";

    const out = {
      date: new Date().toISOString(),
      machine: await machine(),
      durationS: Math.round(elapsedS * 100) / 100,
      connections: CONNECTIONS,
      lanes: LANES,
      restarts: faults.length,
      ops,
      opsPerSec: Math.round(ops / elapsedS),
      errorsByType,
      acknowledgedIncrs,
      serverIncrs,
      unknownIncrs,
      lost,
      doubled,
      setsChecked: allRegisters.length,
      setsWrong,
      faults,
      timeline,
      verdict,
    };

    console.log(
      `\n| ops | ops/s | acknowledged INCRs | server INCRs | unknown | lost | doubled | SETs wrong | verdict |`,
    );
    console.log("|---|---|---|---|---|---|---|---|---|");
    console.log(
      `| ${ops} | ${out.opsPerSec} | ${acknowledgedIncrs} | ${serverIncrs} | ${unknownIncrs} | ` +
        `${lost} | ${doubled} | ${setsWrong}/${allRegisters.length} | ${verdict} |`,
    );
    console.log(`errors by type: ${JSON.stringify(errorsByType)}`);
    console.log(`ops per second: ${timeline.join(" ")}`);

    const outDir = new URL("./out/", import.meta.url);
    await Deno.mkdir(outDir, { recursive: true });
    const file = new URL(quick ? "faults.quick.json" : "faults.json", outDir);
    await Deno.writeTextFile(file, JSON.stringify(out, null, 2) + "\n");
    console.log(`\nwrote ${file.pathname}`);
    if (verdict !== "pass") Deno.exitCode = 1;
  } finally {
    for (const client of clients) client.destroy();
  }
}

await main();
