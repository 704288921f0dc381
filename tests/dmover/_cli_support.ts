// Running the dmover CLI as a subprocess for the CLI tests.
import { nativeLibrary } from "../_helpers/native.ts";

export const CLI: string = new URL("../../dmover/cli.ts", import.meta.url).pathname;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DmoverOptions {
  permissions?: string[];
  stdin?: Uint8Array;
  env?: Record<string, string>;
  /** Keep the warning about the pure-TypeScript path (dropped by default: not every run has native). */
  keepWarning?: boolean;
}

const WARNING = /^dmover: warning: the native path is unavailable.*\n/m;

/** The deno flags and environment that run the CLI with the native path when it is live. */
export function cliSetup(permissions: string[], env: Record<string, string> = {}): {
  flags: string[];
  env: Record<string, string>;
} {
  const all = { ...env };
  if (nativeLibrary !== undefined && all.DRAY_NATIVE === undefined) {
    all.DRAY_NATIVE = nativeLibrary.path;
  }
  const flags = permissions.includes("-A")
    ? permissions
    : [...permissions, "--allow-ffi", "--allow-env"];
  return { flags, env: all };
}

export async function dmover(args: string[], options: DmoverOptions = {}): Promise<Run> {
  const { flags, env } = cliSetup(options.permissions ?? ["--allow-read", "--allow-write"], {
    ...options.env,
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, CLI, ...args],
    env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder();
  const err = text.decode(stderr);
  return {
    code,
    stdout: text.decode(stdout),
    stderr: options.keepWarning ? err : err.replace(WARNING, ""),
  };
}

export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "dray-cli-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

export function xorOf(blocks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(blocks[0]!.length);
  for (const block of blocks) for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ block[i]!;
  return out;
}
