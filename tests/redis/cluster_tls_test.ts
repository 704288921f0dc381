// ClusterClient over TLS with one certificate per node (startCluster's `tls: { perNode: true }`):
// each node announces a hostname of its own and serves a certificate naming only that hostname,
// so a node verifies only when the client sends that node's announced hostname as SNI. The nodes
// listen on 127.0.0.1 and their names (but `localhost`) do not resolve: mapAddress sends every
// announced hostname to 127.0.0.1, the server name stays the announced one.

import assert from "node:assert/strict";
import {
  type ClusterAddress,
  type ClusterClientOptions,
  connectCluster,
  ConnectError,
  NodeUnreachableError,
  TopologyRefreshError,
} from "../../redis/mod.ts";
import { startCluster } from "../../redis/testing/mod.ts";
import { keyOn, masterPorts } from "./_cluster_client_helpers.ts";

function toLoopback({ port }: ClusterAddress): ClusterAddress {
  return { host: "127.0.0.1", port };
}

/** A failed TLS handshake, as the cluster client reports it for a node. */
function assertTlsFailure(error: unknown, port: number): true {
  assert.ok(error instanceof NodeUnreachableError, `${error}`);
  assert.match(error.address, new RegExp(`:${port}$`));
  assert.ok(error.cause instanceof ConnectError, `${error.cause}`);
  assert.equal(error.cause.code, "ETLS");
  return true;
}

Deno.test("ClusterClient speaks TLS to a cluster with one certificate per node", async (t) => {
  await using servers = await startCluster({ tls: { perNode: true } });
  const ca = servers.tls!.caPem;
  const seed = servers.nodes.find((node) => node.hostname === "localhost")!;

  await t.step("it verifies each node by its announced hostname as SNI", async () => {
    const masters = masterPorts(servers);
    const keys = await Promise.all(masters.map((port) => keyOn(servers, port, `tls${port}:`)));

    await using cluster = await connectCluster({
      nodes: [{ host: "localhost", port: seed.port }],
      node: { tls: { caCerts: [ca] } },
      mapAddress: toLoopback,
    });
    // Every node is known by its own hostname, distinct from every other's.
    const names = new Map(servers.nodes.map((node) => [node.port, node.hostname]));
    assert.equal(new Set(names.values()).size, servers.nodes.length);
    for (const node of cluster.topology().nodes) {
      assert.equal(node.hostname, names.get(node.tlsPort!));
    }
    // Commands reach all 3 masters: each key lives on its own master, read back over its socket.
    const batch = cluster.pipeline();
    for (const key of keys) batch.set(key, key);
    await batch.exec();
    assert.deepEqual(await cluster.mget(keys), keys);
    for (const [i, port] of masters.entries()) {
      assert.equal(await servers.call(port, ["GET", keys[i]!]), keys[i]);
    }

    // One name for every node verifies the node it names and no other: the error is typed, and
    // the command settles at its retry deadline rather than hanging.
    await using oneName = await connectCluster({
      nodes: [{ host: "localhost", port: seed.port }],
      node: { tls: { caCerts: [ca] } },
      mapAddress: toLoopback,
      tlsServername: "localhost",
      retryDeadlineMs: 200,
    });
    for (const [i, port] of masters.entries()) {
      if (port === seed.port) assert.equal(await oneName.get(keys[i]!), keys[i]);
      else await assert.rejects(oneName.get(keys[i]!), (error) => assertTlsFailure(error, port));
    }
  });

  await t.step("connectCluster rejects a node it cannot verify with a typed error", async () => {
    const cases: Omit<ClusterClientOptions, "nodes">[] = [
      // The right CA, a name the certificate does not hold.
      { node: { tls: { caCerts: [ca] } }, tlsServername: "node-9.localhost" },
      // The right name, no CA: the certificate's issuer is unknown.
      { node: { tls: true } },
    ];
    for (const options of cases) {
      await assert.rejects(
        connectCluster({ nodes: [{ host: "localhost", port: seed.port }], ...options }),
        (error) => {
          assert.ok(error instanceof TopologyRefreshError, `${error}`);
          assert.equal(error.failures.length, 1);
          return assertTlsFailure(error.failures[0]!.cause, seed.port);
        },
      );
    }
  });
});
