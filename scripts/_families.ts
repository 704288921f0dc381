// The hand-written command families, as `deno doc` names their classes, in the order
// docs/commands.md lists them. The generated methods (`GeneratedCommands`) and the composed
// surface (`RedisCommands`) are placed by each script as its lookup needs.

/** The hand-written families' class names. */
export const HAND_WRITTEN_FAMILIES: readonly string[] = [
  "KeyCommands",
  "StringCommands",
  "HashCommands",
  "ListCommands",
  "SetCommands",
  "SortCommands",
  "SortedSetCommands",
  "SortedSetRangeCommands",
  "SortedSetPopCommands",
  "SortedSetLegacyRangeCommands",
  "StreamCommands",
  "StreamGroupCommands",
  "ScriptingCommands",
  "ServerCommands",
  "BitmapCommands",
  "GeoCommands",
  "AdminCommands",
];
