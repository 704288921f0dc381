// Prints the native status as one JSON line; run as a subprocess with various permissions.
import { nativeStatus } from "../../native/mod.ts";

const status = nativeStatus();
console.log(JSON.stringify(
  status.available
    ? { available: true, path: status.path, version: status.version }
    : { available: false, reason: status.reason, message: status.message },
));
