/**
 * `deno task bench:transport`: the Redis transports side by side on one connection each, against
 * a private redis-server started for the run. Speaks raw RESP with pre-encoded commands so that
 * only the transport is measured:
 *
 * - `sequential_ping`: PING, wait for +PONG, repeat (round trips per second);
 * - `pipelined_ping`: 200,000 PINGs written as one buffer while the replies are read and counted
 *   (replies per second);
 * - `get_1mib`: GET of a 1 MiB value, one after another (MB/s of reply bytes).
 *
 * Every reply is checked byte for byte (PONG) or by header, length and terminator (GET), so no
 * transport is timed doing nothing. Drivers run interleaved in rotating order, several rounds;
 * the medians go to `bench/out/transport.json` and a table to stdout.
 *
 * ```sh
 * deno task bench:transport              # full run
 * deno task bench:transport --quick      # a smaller run to check that it works
 * deno task bench:transport --rounds 9   # more rounds
 * ```
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { connectTransport, type Transport } from "../redis/mod.ts";
import { nativeStatus } from "../native/mod.ts";
import { reactorFor } from "../redis/transport/_reactor.ts";
import { ShimSocket } from "../redis/transport/_shim_socket.ts";
import { startRedisServer } from "../tests/_helpers/redis_server.ts";
import { machine } from "./_machine.ts";

const args = [...Deno.args];
const quick = args.includes("--quick");
const roundsAt = args.indexOf("--rounds");
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 2 : 5;
const SEQUENTIAL = quick ? 2_000 : 20_000;
const PIPELINED = quick ? 20_000 : 200_000;
const GETS = quick ? 20 : 200;
const VALUE_SIZE = 1024 * 1024;

const encoder = new TextEncoder();
const PING = encoder.encode("*1\r\n$4\r\nPING\r\n");
const PONG = encoder.encode("+PONG\r\n");

/** A byte stream under test: a Transport, or the shim driver with a read spin (not public). */
interface Stream {
  read(into: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

interface Driver {
  name: string;
  open(): Promise<Stream>;
}

async function writeAll(stream: Stream, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await stream.write(at === 0 ? bytes : bytes.subarray(at));
}

/** Reads until `count` PONG replies arrived, checking every byte. */
async function readPongs(stream: Stream, buffer: Uint8Array, count: number): Promise<void> {
  const total = count * PONG.length;
  let seen = 0;
  while (seen < total) {
    const n = await stream.read(buffer);
    if (n === null) throw new Error(`EOF after ${seen} of ${total} reply bytes`);
    for (let i = 0; i < n; i++) {
      if (buffer[i] !== PONG[(seen + i) % PONG.length]) {
        throw new Error(`Unexpected reply byte at ${seen + i}`);
      }
    }
    seen += n;
  }
  if (seen !== total) throw new Error(`Read ${seen} reply bytes, expected ${total}`);
}

async function sequentialPing(stream: Stream): Promise<number> {
  const buffer = new Uint8Array(64 * 1024);
  const start = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) {
    await writeAll(stream, PING);
    await readPongs(stream, buffer, 1);
  }
  return SEQUENTIAL / ((performance.now() - start) / 1000);
}

const PIPELINE = (() => {
  const bytes = new Uint8Array(PING.length * PIPELINED);
  for (let i = 0; i < PIPELINED; i++) bytes.set(PING, i * PING.length);
  return bytes;
})();

async function pipelinedPing(stream: Stream): Promise<number> {
  const buffer = new Uint8Array(64 * 1024);
  const start = performance.now();
  await Promise.all([writeAll(stream, PIPELINE), readPongs(stream, buffer, PIPELINED)]);
  return PIPELINED / ((performance.now() - start) / 1000);
}

const GET = encoder.encode("*2\r\n$3\r\nGET\r\n$9\r\nbench:1mb\r\n");
const GET_HEADER = encoder.encode(`$${VALUE_SIZE}\r\n`);
const GET_REPLY = GET_HEADER.length + VALUE_SIZE + 2;

async function get1MiB(stream: Stream): Promise<number> {
  const buffer = new Uint8Array(2 * 1024 * 1024);
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < GETS; i++) {
    await writeAll(stream, GET);
    let seen = 0;
    while (seen < GET_REPLY) {
      const n = await stream.read(buffer.subarray(seen));
      if (n === null) throw new Error("EOF during GET");
      seen += n;
    }
    for (let k = 0; k < GET_HEADER.length; k++) {
      if (buffer[k] !== GET_HEADER[k]) throw new Error("Unexpected GET reply header");
    }
    const body = GET_HEADER.length;
    if (
      seen !== GET_REPLY || buffer[body] !== 0x61 || buffer[body + VALUE_SIZE - 1] !== 0x7a ||
      buffer[GET_REPLY - 2] !== 13 || buffer[GET_REPLY - 1] !== 10
    ) {
      throw new Error("Unexpected GET reply body");
    }
    bytes += seen;
  }
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

const SCENARIOS = {
  sequential_ping: { run: sequentialPing, unit: "round trips/s", ops: SEQUENTIAL },
  pipelined_ping: { run: pipelinedPing, unit: "replies/s", ops: PIPELINED },
  get_1mib: { run: get1MiB, unit: "MB/s", ops: GETS },
} as const;
type Scenario = keyof typeof SCENARIOS;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  await using server = await startRedisServer();
  const status = nativeStatus();
  const where = { hostname: "127.0.0.1", port: server.port };

  // The 1 MiB value: 'a'..'z' repeated, so its first byte is 'a' and its last 'z'.
  const value = new Uint8Array(VALUE_SIZE);
  for (let i = 0; i < VALUE_SIZE; i++) value[i] = 0x61 + (i * 26 / VALUE_SIZE | 0);
  {
    await using setup = await connectTransport({ ...where, transport: "deno" });
    const head = encoder.encode(`*3\r\n$3\r\nSET\r\n$9\r\nbench:1mb\r\n$${VALUE_SIZE}\r\n`);
    await writeAll(setup, head);
    await writeAll(setup, value);
    await writeAll(setup, encoder.encode("\r\n"));
    const reply = new Uint8Array(16);
    const n = await setup.read(reply);
    if (new TextDecoder().decode(reply.subarray(0, n ?? 0)) !== "+OK\r\n") {
      throw new Error("SET of the 1 MiB value failed");
    }
  }

  const drivers: Driver[] = [{
    name: "deno",
    open: () => connectTransport({ ...where, transport: "deno" }),
  }];
  if (status.available) {
    const lib = status.library;
    drivers.push(
      {
        name: "native+adopt",
        open: () => connectTransport({ ...where, transport: "native", nativeDriver: "adopt" }),
      },
      {
        name: "native+shim",
        open: () => connectTransport({ ...where, transport: "native", nativeDriver: "shim" }),
      },
      {
        // Not offered by connectTransport: the shim driver without its read spin, to show what
        // the spin is worth.
        name: "native+shim-nospin",
        async open() {
          const reactor = reactorFor(lib);
          if (reactor === undefined) throw new Error("no shared poller on this system");
          const result = await lib.socketConnect(where, { timeoutMs: 5000 });
          if (!result.ok) throw new Error(`native connect failed: ${result.code}`);
          return new ShimSocket(lib, reactor, result.fd, { spinReads: 0 });
        },
      },
    );
  } else {
    console.log(`native: not measured (${status.reason}: ${status.message})`);
  }

  const runs: Record<string, Record<string, number[]>> = {};
  // CPU time of this process (every thread: the event loop, Deno's I/O and FFI threads) per
  // operation, in microseconds: what a driver costs besides its speed. The server is another
  // process and is not counted.
  const cpu: Record<string, Record<string, number[]>> = {};
  for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
    runs[scenario] = Object.fromEntries(drivers.map((d) => [d.name, []]));
    cpu[scenario] = Object.fromEntries(drivers.map((d) => [d.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < drivers.length; k++) {
        const driver = drivers[(round + k) % drivers.length]!;
        const stream = await driver.open();
        try {
          if (stream instanceof Object && "kind" in stream) {
            const t = stream as Transport;
            if (t.fallback) throw new Error(`${driver.name} fell back: ${t.fallback.message}`);
          }
          const before = cpuUsage();
          runs[scenario]![driver.name]!.push(await SCENARIOS[scenario].run(stream));
          const used = cpuUsage(before);
          cpu[scenario]![driver.name]!.push((used.user + used.system) / SCENARIOS[scenario].ops);
        } finally {
          stream.close();
        }
      }
    }
  }

  const results: Record<string, Record<string, number>> = {};
  for (const [scenario, byDriver] of Object.entries(runs)) {
    results[scenario] = Object.fromEntries(
      Object.entries(byDriver).map(([name, values]) => [name, Math.round(median(values))]),
    );
  }

  const cpuMedians: Record<string, Record<string, number>> = {};
  for (const [scenario, byDriver] of Object.entries(cpu)) {
    cpuMedians[scenario] = Object.fromEntries(
      Object.entries(byDriver).map(([name, values]) => [name, Number(median(values).toFixed(2))]),
    );
  }

  const names = drivers.map((d) => d.name);
  console.log(
    `\n| scenario (unit) | ${names.join(" | ")} |\n|---|${names.map(() => "---").join("|")}|`,
  );
  for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
    const row = names.map((name) => {
      const value = results[scenario]![name]!;
      const ratio = value / results[scenario]!["deno"]!;
      return `${value.toLocaleString("en-US")} (${ratio.toFixed(2)}×)`;
    });
    console.log(`| ${scenario} (${SCENARIOS[scenario].unit}) | ${row.join(" | ")} |`);
  }
  console.log(
    `\n| CPU µs per operation | ${names.join(" | ")} |\n|---|${names.map(() => "---").join("|")}|`,
  );
  for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
    const row = names.map((name) => String(cpuMedians[scenario]![name]!));
    console.log(`| ${scenario} | ${row.join(" | ")} |`);
  }

  const out = {
    date: new Date().toISOString(),
    machine: await machine(),
    native: status.available ? `${status.version} (${status.path})` : `off (${status.reason})`,
    parameters: {
      rounds: ROUNDS,
      sequential: SEQUENTIAL,
      pipelined: PIPELINED,
      gets: GETS,
      valueBytes: VALUE_SIZE,
    },
    units: Object.fromEntries(Object.entries(SCENARIOS).map(([k, v]) => [k, v.unit])),
    medians: results,
    cpuMicrosPerOp: cpuMedians,
    runs,
    cpuRuns: cpu,
  };
  const outDir = new URL("./out/", import.meta.url);
  await Deno.mkdir(outDir, { recursive: true });
  const file = new URL(quick ? "transport.quick.json" : "transport.json", outDir);
  await Deno.writeTextFile(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`\nwrote ${file.pathname}`);
}

await main();
