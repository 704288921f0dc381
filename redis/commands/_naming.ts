// How a Redis command becomes a method name. One rule for generated and hand-written methods:
// the command in lower case; each subcommand, and each word after a "-" or "_", starts with a
// capital and goes on in lower case ("client|setname" → clientSetname, "restore-asking" →
// restoreAsking, "eval_ro" → evalRo).

/**
 * The method name of a command given as `COMMAND LIST` spells it (`get`, `client|setname`).
 *
 * @param command The command, subcommands joined with `|`, in any case.
 * @returns The method name.
 */
export function methodName(command: string): string {
  const words = command.toLowerCase().split(/[|\-_]/).filter((word) => word.length > 0);
  let name = words[0] ?? "";
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    name += word[0]!.toUpperCase() + word.slice(1);
  }
  return name;
}
