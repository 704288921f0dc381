// Helpers for the transport tests: raw RESP, servers that cannot accept, TLS material, and a check
// that no descriptor of this process still points at a server.

import { makeTlsFiles } from "../../redis/testing/_tls.ts";
import { type RedisServer, startRedisServer } from "../_helpers/redis_server.ts";
import type { Transport } from "../../redis/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A command in RESP: an array of bulk strings. */
export function resp(...argv: string[]): Uint8Array {
  let out = `*${argv.length}\r\n`;
  for (const arg of argv) out += `$${encoder.encode(arg).length}\r\n${arg}\r\n`;
  return encoder.encode(out);
}

/** Writes all of `bytes`, as the loop does, and returns how many write calls it took. */
export async function writeAll(
  stream: { write(bytes: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<number> {
  let at = 0;
  let calls = 0;
  while (at < bytes.length) {
    const n = await stream.write(bytes.subarray(at));
    if (n <= 0 || n > bytes.length - at) throw new Error(`write returned ${n}`);
    at += n;
    calls++;
  }
  return calls;
}

/** Reads until exactly `size` bytes arrived; throws at end of stream. */
export async function readExactly(transport: Transport, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const n = await transport.read(out.subarray(at));
    if (n === null) throw new Error(`EOF after ${at} of ${size} bytes`);
    at += n;
  }
  return out;
}

/** Reads one line-terminated reply (a simple string, an error or an integer). */
export async function readLine(transport: Transport): Promise<string> {
  let text = "";
  const one = new Uint8Array(256);
  while (!text.endsWith("\r\n")) {
    const n = await transport.read(one);
    if (n === null) throw new Error(`EOF after '${text}'`);
    text += decoder.decode(one.subarray(0, n));
  }
  return text;
}

/** Sends a command on a fresh Deno connection and returns the first reply line. */
export async function sideCommand(server: RedisServer, ...argv: string[]): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path: server.socketPath });
  try {
    await writeAll(conn, resp(...argv));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    return decoder.decode(buffer.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

/**
 * A redis-server that accepts nothing: started with a backlog of 1, stopped with SIGSTOP, and its
 * accept queue filled, so that the next TCP connect to it waits in SYN_SENT (the kernel drops the
 * SYN) until the client gives up. Deterministic, and needs no unroutable network.
 */
export interface StalledServer extends AsyncDisposable {
  readonly port: number;
  /** How many connections of this process fill its accept queue. */
  readonly fillers: number;
}

export async function startStalledServer(): Promise<StalledServer> {
  const server = await startRedisServer({ args: ["--tcp-backlog", "1"] });
  server.kill("SIGSTOP");
  const fillers: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 16; i++) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 300);
      try {
        fillers.push(
          await Deno.connect({
            hostname: "127.0.0.1",
            port: server.port,
            signal: controller.signal,
          }),
        );
      } catch {
        break; // this one hung: the accept queue is full
      } finally {
        clearTimeout(timer);
      }
    }
    if (fillers.length === 16) throw new Error("Could not fill the accept queue");
  } catch (error) {
    for (const conn of fillers) conn.close();
    server.kill("SIGCONT");
    await server.stop();
    throw error;
  }
  return {
    port: server.port,
    fillers: fillers.length,
    async [Symbol.asyncDispose]() {
      for (const conn of fillers) conn.close();
      server.kill("SIGCONT");
      await server.stop();
    },
  };
}

/** A free TCP port on 127.0.0.1 (nothing listens there once this returns). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Whether `openssl` runs. */
export function hasOpenssl(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** A throwaway CA and a server certificate for localhost, 127.0.0.1 and ::1, made by openssl. */
export interface TlsMaterial {
  caPem: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  otherCaPem: string;
}

/**
 * A CA and a server certificate (`redis/testing`'s maker), plus a second CA that signed nothing,
 * for the "untrusted server certificate" cases.
 */
export async function makeTlsMaterial(dir: string): Promise<TlsMaterial> {
  const other = `${dir}/other`;
  await Deno.mkdir(other);
  const [files, otherFiles] = await Promise.all([makeTlsFiles(dir), makeTlsFiles(other)]);
  return { ...files, otherCaPem: otherFiles.caPem };
}

/**
 * How many descriptors of this process are TCP sockets whose remote port is `port` (Linux: from
 * /proc/net/tcp{,6} and /proc/self/fd). Each test uses its own server port, so other test files
 * running in parallel do not disturb the count.
 */
export function socketsToPort(port: number): number {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const remote = fields[2];
      const inode = fields[9];
      if (remote?.endsWith(`:${hex}`) && inode !== undefined && inode !== "0") inodes.add(inode);
    }
  }
  let count = 0;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      const link = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match && inodes.has(match[1]!)) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

/** Waits (with a deadline, never a timing assertion) until `check` holds. */
export async function eventually(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
