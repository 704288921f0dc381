// The dmover half of `deno task demo`: a session with a few requests and their completions, the
// CRC-32C of a file, and RAID-6 parity with the recovery of a lost block, printing which path
// (native or TypeScript) ran and why.
import { crc32c, openSession, pq, pqRecover } from "@dray/dray/dmover";
import { nativeStatus } from "@dray/dray/native";

const KIB = 1024;

/** Runs the dmover tour; `say` prints a line. */
export async function dmoverTour(say: (line: string) => void): Promise<void> {
  const status = nativeStatus();
  say(
    status.available
      ? `dmover: native shim ${status.version} live from ${status.path}`
      : `dmover: native path off (${status.reason}): ${status.message}; the pure-TypeScript path runs`,
  );

  // A session bound to one function: requests with ids go in, completions come out.
  using session = openSession("xor2");
  const a = crypto.getRandomValues(new Uint8Array(64 * KIB));
  const b = crypto.getRandomValues(new Uint8Array(64 * KIB));
  const outputs = [1, 2, 3].map(() => new Uint8Array(64 * KIB));
  for (const [i, output] of outputs.entries()) {
    session.submit({ id: 100 + i, output, inputs: [a, b] });
  }
  const ids: number[] = [];
  for (let i = 0; i < outputs.length; i++) {
    const completion = await session.read();
    if (completion.error !== undefined) throw completion.error;
    ids.push(completion.id);
  }
  const ok = outputs[0]!.every((byte, i) => byte === (a[i]! ^ b[i]!));
  say(
    `dmover: session 'xor2' on the '${
      session.backendFor(64 * KIB)
    }' backend for 64 KiB (auto picks by size): ` +
      `completions ${ids.join(", ")}; xor ${ok ? "checked" : "WRONG"}`,
  );

  // The CRC-32C of a file (the one-shot helpers pick the fastest backend for the size).
  const file = await Deno.makeTempFile({ prefix: "dray-demo-" });
  try {
    await Deno.writeTextFile(file, "123456789".repeat(100_000));
    const crc = crc32c(await Deno.readFile(file));
    say(`dmover: crc32c of a 900 kB file -> ${crc.toString(16).padStart(8, "0")}`);
  } finally {
    await Deno.remove(file);
  }

  // RAID-6: P and Q over four data blocks; two blocks are lost and rebuilt from the rest.
  const data = [1, 2, 3, 4].map((seed) =>
    new Uint8Array(256 * KIB).map((_, i) => (i * 31 + seed * 17) ^ (i >> 8))
  );
  const [p, q] = [new Uint8Array(256 * KIB), new Uint8Array(256 * KIB)];
  pq([p, q], data);
  const rebuilt = [new Uint8Array(256 * KIB), new Uint8Array(256 * KIB)] as const;
  pqRecover(rebuilt, [data[0], undefined, data[2], undefined, p, q]);
  const same = rebuilt[0].every((x, i) => x === data[1]![i]) &&
    rebuilt[1].every((x, i) => x === data[3]![i]);
  say(
    `dmover: pq over 4 blocks of 256 KiB, blocks 1 and 3 lost -> rebuilt ${
      same ? "identical" : "DIFFERENT"
    }`,
  );
}
