import { StringCommands } from "./strings.ts";

/** tmp */
export abstract class RedisCommands extends StringCommands {}
