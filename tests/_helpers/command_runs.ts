// Whether a program of the machine runs (`<command> --version` exits with 0): the tests and the
// benchmarks use it to find optional tools (cross compilers, qemu, checksum tools).

/** Whether `command --version` runs and succeeds. */
export async function commandRuns(command: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}
