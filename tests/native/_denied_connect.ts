// Child process of socket_owned_test.ts, run with --allow-net for one other port only: a native
// connect to the port in Deno.args[0] must be refused as Deno.connect would refuse it.
import { nativeStatus } from "../../native/mod.ts";

const status = nativeStatus();
if (!status.available) {
  console.log("unavailable");
  Deno.exit(0);
}
const port = Number(Deno.args[0]);
const path = Deno.args[1]!;
for (const target of [{ hostname: "127.0.0.1", port }, { path }]) {
  try {
    const result = await status.library.socketConnect(target, { timeoutMs: 2000 });
    if (result.ok) status.library.socketClose(result.fd);
    console.log(result.ok ? "connected" : result.code);
  } catch (error) {
    console.log(error instanceof Deno.errors.NotCapable ? "NotCapable" : `other: ${error}`);
  }
}
