// What a benchmark's output records about where it ran.

/** The machine a benchmark ran on, as recorded in `bench/out/*.json`. */
export interface Machine {
  os: string;
  cpus: number;
  deno: string;
  redis: string;
}

/** The OS, CPU count, Deno version and `redis-server --version` of this machine. */
export async function machine(): Promise<Machine> {
  const redis = new TextDecoder().decode(
    (await new Deno.Command("redis-server", { args: ["--version"], stdout: "piped" }).output())
      .stdout,
  ).trim();
  return {
    os: `${Deno.build.os} ${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    redis,
  };
}
