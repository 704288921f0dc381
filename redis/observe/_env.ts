// Environment variables, read only when the env permission for them is granted already: never a
// prompt, never a thrown NotCapable.

/** The variable's value, or `undefined` when it is unset or may not be read. */
export function readEnv(name: string): string | undefined {
  try {
    const status = Deno.permissions.querySync({ name: "env", variable: name });
    if (status.state !== "granted") return undefined;
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
