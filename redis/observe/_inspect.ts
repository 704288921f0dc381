// What Deno.inspect(client) shows: the client's state, where it connects, the protocol and the
// pending counts. Never a password: the address is host and port (or a socket path), never a URL.

/** What a client shows of itself. */
export interface ClientView {
  status: string;
  address: string;
  protocol: 2 | 3;
  db: number;
  transport: string | undefined;
  inFlight: number;
  waiting: number;
  offline: number;
  subscriptions: number;
  keyPrefix: string | undefined;
}

/** `RedisClient { status: "ready", address: "127.0.0.1:6379", … }`. */
export function inspectClient(
  view: ClientView,
  inspect: (value: unknown, options?: Deno.InspectOptions) => string,
  options: Deno.InspectOptions | undefined,
): string {
  const shown: Record<string, unknown> = {
    status: view.status,
    address: view.address,
    protocol: view.protocol,
    db: view.db,
    pending: { inFlight: view.inFlight, waiting: view.waiting, offline: view.offline },
    subscriptions: view.subscriptions,
  };
  if (view.transport !== undefined) shown.transport = view.transport;
  if (view.keyPrefix !== undefined) shown.keyPrefix = view.keyPrefix;
  return `RedisClient ${inspect(shown, options)}`;
}
