// connect(), then close() when that fails: how connect(), duplicate(), connectCluster() and the
// pool hand out a client that is either ready or closed, never half-open.

/** What can be connected once and closed: a client, a cluster client. */
export interface Connectable {
  connect(): Promise<void>;
  close(): Promise<void>;
}

/** Connects `client` and returns it; closes it and rethrows when connecting fails. */
export async function connectOrClose<T extends Connectable>(client: T): Promise<T> {
  try {
    await client.connect();
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
