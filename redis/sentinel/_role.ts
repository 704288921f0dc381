// The ROLE check on a freshly opened transport, before the client's handshake runs on it: AUTH
// (when the node has a password) and ROLE in one write, read with the RESP reader, so that the
// connection the client gets is the very one that said "master" (or "slave").

import { ReplyError } from "../errors.ts";
import { RespReader } from "../resp/reader.ts";
import { encodeCommand } from "../resp/writer.ts";
import type { Transport } from "../transport/types.ts";

/** What ROLE said: the role word and the rest of the reply as text and numbers. */
export interface RoleReply {
  role: string;
  reply: readonly unknown[];
}

/** Credentials for the node's AUTH. */
export interface NodeAuth {
  username?: string | undefined;
  password?: string | undefined;
}

async function writeAll(transport: Transport, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await transport.write(bytes.subarray(offset));
}

function text(value: unknown): unknown {
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : value;
}

/**
 * Asks the node on `transport` for its ROLE (INFO replication when ROLE is refused). Rejects when
 * the node refuses AUTH, closes, or does not answer within `timeoutMs`; the caller closes the
 * transport then.
 */
export async function roleOf(
  transport: Transport,
  auth: NodeAuth,
  timeoutMs: number,
): Promise<RoleReply> {
  const reader = new RespReader();
  const buffer = new Uint8Array(16 * 1024);
  const next = async (): Promise<unknown> => {
    for (;;) {
      const reply = reader.next();
      if (reply !== undefined) return reply;
      const n = await transport.read(buffer);
      if (n === null) throw new Error("The node closed the connection during the ROLE check");
      reader.feed(buffer.subarray(0, n));
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`The node did not answer ROLE within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const check = async (): Promise<RoleReply> => {
    const argvs: string[][] = [];
    if (auth.password !== undefined) {
      argvs.push(
        auth.username === undefined
          ? ["AUTH", auth.password]
          : ["AUTH", auth.username, auth.password],
      );
    }
    argvs.push(["ROLE"]);
    const bytes = argvs.map((argv) => encodeCommand(argv));
    const all = new Uint8Array(bytes.reduce((sum, b) => sum + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      all.set(b, at);
      at += b.length;
    }
    await writeAll(transport, all);
    if (auth.password !== undefined) {
      const reply = await next();
      if (reply instanceof ReplyError) {
        await next(); // ROLE's own reply (NOAUTH): read it so nothing is left over
        throw new Error(`The node refused AUTH: ${reply.code}`);
      }
    }
    const role = await next();
    if (Array.isArray(role)) {
      const reply = role.map(text);
      return { role: String(reply[0]), reply };
    }
    // ROLE refused (an ACL without it): INFO replication says the role too.
    await writeAll(transport, encodeCommand(["INFO", "replication"]));
    const info = text(await next());
    if (typeof info !== "string") throw new Error("The node answered neither ROLE nor INFO");
    const found = info.match(/^role:(\w+)/m)?.[1];
    if (found === undefined) throw new Error("The node's INFO has no role");
    return { role: found, reply: [found] };
  };
  try {
    return await Promise.race([check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
