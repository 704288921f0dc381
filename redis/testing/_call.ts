// One command on a fresh connection to a server's unix socket (plain text even when the server
// serves TLS on its port), authenticated first when the server has a password; the reply comes
// back as the RESP reader parses it (RESP2, as any client's first command).
import { RespReader } from "../resp/reader.ts";
import { encodeCommand } from "../resp/writer.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { ReplyError } from "../errors.ts";

/**
 * Sends `argv` (after `AUTH <password>` when one is given) over `socketPath` and returns its
 * reply; a reply error to `argv` is returned, one to `AUTH` thrown. The connection is closed
 * after `timeoutMs` at the latest.
 */
export async function callSocket(
  socketPath: string,
  argv: readonly RedisArgument[],
  options: { password?: string | undefined; timeoutMs?: number } = {},
): Promise<RespValue> {
  const commands = options.password === undefined ? [argv] : [["AUTH", options.password], argv];
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  const timer = setTimeout(() => conn.close(), options.timeoutMs ?? 5000);
  try {
    const parts = commands.map((command) => encodeCommand(command));
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    for (let written = 0; written < bytes.length;) {
      written += await conn.write(bytes.subarray(written));
    }
    const reader = new RespReader();
    const replies: RespValue[] = [];
    const buffer = new Uint8Array(64 * 1024);
    while (replies.length < commands.length) {
      const value = reader.next();
      if (value !== undefined) {
        replies.push(value);
        continue;
      }
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`The server at '${socketPath}' closed the connection`);
      reader.feed(buffer.subarray(0, n));
    }
    if (replies.length === 2 && replies[0] instanceof ReplyError) throw replies[0];
    return replies.at(-1)!;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}
