// Connects with the options given as JSON in the first argument, sends PING, and prints what it
// got as one JSON line. Run as a subprocess with various permissions by transport_fallback_test.ts.
import { ConnectError, connectTransport, type TransportOptions } from "../../redis/mod.ts";

const options: TransportOptions = JSON.parse(Deno.args[0] ?? "{}");
try {
  using transport = await connectTransport(options);
  await transport.write(new TextEncoder().encode("*1\r\n$4\r\nPING\r\n"));
  const buffer = new Uint8Array(64);
  const n = await transport.read(buffer);
  console.log(JSON.stringify({
    kind: transport.kind,
    driver: transport.driver,
    fallback: transport.fallback ?? null,
    reply: new TextDecoder().decode(buffer.subarray(0, n ?? 0)),
  }));
} catch (error) {
  console.log(JSON.stringify({
    error: error instanceof ConnectError ? error.code : String(error),
    message: error instanceof Error ? error.message : String(error),
  }));
}
