// A few inline commands over a server's unix socket, for the helpers' readiness checks: enough of
// RESP to read simple, error, integer and bulk replies, without the client.

/** Sends each line (an inline command) and returns each reply as text (an error as `-...`). */
export async function rawCommands(socketPath: string, lines: string[]): Promise<string[]> {
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  try {
    await conn.write(new TextEncoder().encode(lines.map((line) => `${line}\r\n`).join("")));
    const replies: string[] = [];
    let text = "";
    const buffer = new Uint8Array(64 * 1024);
    const decoder = new TextDecoder();
    while (replies.length < lines.length) {
      const parsed = parseOne(text);
      if (parsed !== undefined) {
        replies.push(parsed.value);
        text = text.slice(parsed.used);
        continue;
      }
      const n = await conn.read(buffer);
      if (n === null) throw new Error("The server closed the connection");
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    return replies;
  } finally {
    conn.close();
  }
}

function parseOne(text: string): { value: string; used: number } | undefined {
  if (text[0] === "*") return parseArray(text);
  const end = text.indexOf("\r\n");
  if (end < 0) return undefined;
  const head = text.slice(0, end);
  if (head[0] !== "$") return { value: head[0] === "-" ? head : head.slice(1), used: end + 2 };
  const length = Number(head.slice(1));
  if (length < 0) return { value: "", used: end + 2 };
  // Bulk lengths count bytes: the helpers only read ASCII replies (INFO, CLUSTER INFO).
  if (text.length < end + 2 + length + 2) return undefined;
  return { value: text.slice(end + 2, end + 2 + length), used: end + 2 + length + 2 };
}

/** An array reply (of bulk strings or arrays), flattened into its strings joined by spaces. */
function parseArray(text: string): { value: string; used: number } | undefined {
  const end = text.indexOf("\r\n");
  if (end < 0) return undefined;
  const count = Number(text.slice(1, end));
  let used = end + 2;
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const item = parseOne(text.slice(used));
    if (item === undefined) return undefined;
    parts.push(item.value);
    used += item.used;
  }
  return { value: parts.join(" "), used };
}
