// Parity and recovery with dmover, step by step: four data files get RAID-6 parity (P and Q);
// one is damaged and `verify` names it; two are lost and `recover` rebuilds them; their CRC-32C
// match the originals. The same steps through the `dmover` command line are shown with each.
//
//   deno run -A examples/parity_walkthrough.ts
import { main as dmover } from "@dray/dray/dmover/cli";
import { crc32c } from "@dray/dray/dmover";

/** Runs the walkthrough in `dir`; `say` prints a line. Returns the exit statuses of each step. */
export async function walkthrough(dir: string, say: (line: string) => void): Promise<number[]> {
  const names = [0, 1, 2, 3].map((k) => `${dir}/disk${k}`);
  const originals: number[] = [];
  for (const [k, name] of names.entries()) {
    const bytes = new Uint8Array(1 << 20).map((_, i) => (i * (k + 3)) ^ (i >> 9));
    await Deno.writeFile(name, bytes);
    originals.push(crc32c(bytes));
  }
  const pq = ["-P", `${dir}/P`, "-Q", `${dir}/Q`];
  const statuses: number[] = [];
  const step = async (text: string, args: string[]): Promise<void> => {
    say(`\n# ${text}\n$ dmover ${args.join(" ").replaceAll(`${dir}/`, "")}`);
    statuses.push(await dmover(["-q", ...args]));
  };

  await step("write P and Q for four 1 MiB disks", ["pq", ...pq, ...names]);
  await step("check the set", ["verify", ...pq, ...names]);

  const disk2 = await Deno.readFile(names[2]!);
  disk2[4096] = disk2[4096]! ^ 0xff; // a flipped byte: silent corruption
  await Deno.writeFile(names[2]!, disk2);
  await step("a byte of disk2 rots; verify names the disk", ["verify", ...pq, ...names]);

  await Deno.remove(names[2]!);
  await Deno.remove(names[0]!);
  await step("disk0 and disk2 are lost; recover rebuilds both", ["recover", ...pq, ...names]);
  await step("the set checks again", ["verify", ...pq, ...names]);

  const now = await Promise.all(names.map(async (name) => crc32c(await Deno.readFile(name))));
  say(
    `\nCRC-32C of the rebuilt disks match the originals: ${
      now.every((c, k) => c === originals[k])
    }`,
  );
  return statuses;
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "dray-parity-" });
  try {
    await walkthrough(dir, (line) => console.log(line));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
