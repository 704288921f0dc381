// Turns CLUSTER SHARDS and CLUSTER SLOTS replies into plain shard descriptions for SlotMap. Pure.

import {
  arrayAt,
  asInteger,
  asText,
  fieldsAt,
  invalid,
  optionalInteger,
  optionalPort,
  optionalText,
  requiredText,
  slotAt,
} from "./_reply_fields.ts";
import type { ClusterNode, NodeHealth, TopologyOrigin } from "./topology.ts";
import type { ClusterAddress } from "./types.ts";

/** One shard as read: its slot ranges (inclusive pairs) and its nodes, masters first. */
export interface ParsedShard {
  ranges: [number, number][];
  nodes: ClusterNode[];
}

/** What a reply held: the shards, and how many nodes were left out for an unknown endpoint. */
export interface ParsedTopology {
  shards: ParsedShard[];
  unknownEndpoints: number;
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function healthOf(text: string | undefined): NodeHealth {
  if (text === undefined || text === "online") return "online";
  if (text === "loading") return "loading";
  // 7.0.15 sends "fail"; the documentation says "failed". Anything unknown is not trusted.
  return "failed";
}

// The host a client connects to: NULL and "" mean the host the reply came from; "?" means the
// node's endpoint is unknown (it announces hostnames but has none), so it cannot be reached.
function resolveHost(endpoint: string | null, origin: TopologyOrigin): string | undefined {
  if (endpoint === null || endpoint === "") return origin.host;
  if (endpoint === "?") return undefined;
  return endpoint;
}

function makeNode(
  init: Omit<ClusterNode, "address" | "host">,
  origin: TopologyOrigin,
): ClusterNode | undefined {
  const host = resolveHost(init.endpoint, origin);
  const port = origin.tls ? init.tlsPort : init.port;
  if (host === undefined || port === undefined) return undefined;
  return Object.freeze({ ...init, host, address: formatAddress(host, port) });
}

function rangesOf(value: unknown, path: string): [number, number][] {
  const flat = arrayAt(value, path);
  if (flat.length % 2 !== 0) invalid(path, "expected start and end pairs", value);
  const ranges: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const start = slotAt(flat[i], `${path}[${i}]`);
    const end = slotAt(flat[i + 1], `${path}[${i + 1}]`);
    if (start > end) invalid(`${path}[${i}]`, `range ${start}-${end} is reversed`);
    ranges.push([start, end]);
  }
  return ranges;
}

/** Parses a CLUSTER SHARDS reply (RESP2 or RESP3, strings or bytes). */
export function parseShardsReply(reply: unknown, origin: TopologyOrigin): ParsedTopology {
  const shards: ParsedShard[] = [];
  let unknownEndpoints = 0;
  arrayAt(reply, "reply").forEach((entry, index) => {
    const path = `reply[${index}]`;
    const fields = fieldsAt(entry, path);
    const ranges = rangesOf(fields.get("slots") ?? [], `${path}.slots`);
    const nodes: ClusterNode[] = [];
    arrayAt(fields.get("nodes"), `${path}.nodes`).forEach((raw, nodeIndex) => {
      const nodePath = `${path}.nodes[${nodeIndex}]`;
      const node = fieldsAt(raw, nodePath);
      const role = requiredText(node, "role", nodePath);
      if (role !== "master" && role !== "replica") {
        invalid(`${nodePath}.role`, "expected 'master' or 'replica'", role);
      }
      const endpoint = optionalText(node, "endpoint", nodePath);
      const made = makeNode({
        id: requiredText(node, "id", nodePath),
        endpoint: endpoint ?? null,
        ip: optionalText(node, "ip", nodePath) ?? undefined,
        hostname: optionalText(node, "hostname", nodePath) ?? undefined,
        port: optionalPort(node, "port", nodePath),
        tlsPort: optionalPort(node, "tls-port", nodePath),
        role,
        replicationOffset: optionalInteger(node, "replication-offset", nodePath),
        health: healthOf(optionalText(node, "health", nodePath) ?? undefined),
      }, origin);
      if (made === undefined) unknownEndpoints++;
      else nodes.push(made);
    });
    shards.push({ ranges, nodes: orderNodes(nodes) });
  });
  return { shards, unknownEndpoints };
}

// Masters first (an online one before a failed one), replicas after, otherwise as listed.
function orderNodes(nodes: ClusterNode[]): ClusterNode[] {
  const rank = (node: ClusterNode): number =>
    node.role === "master" ? (node.health === "online" ? 0 : 1) : 2;
  return nodes.map((node, index) => ({ node, index }))
    .sort((a, b) => rank(a.node) - rank(b.node) || a.index - b.index)
    .map(({ node }) => node);
}

/** Parses a CLUSTER SLOTS reply (RESP2 or RESP3, strings or bytes). */
export function parseSlotsReply(reply: unknown, origin: TopologyOrigin): ParsedTopology {
  // Entries of one master share a shard, in the order the masters first appear.
  const byMaster = new Map<string, ParsedShard & { ids: Set<string> }>();
  let unknownEndpoints = 0;
  const unknownMasters = new Set<string>();
  arrayAt(reply, "reply").forEach((raw, index) => {
    const path = `reply[${index}]`;
    const entry = arrayAt(raw, path);
    if (entry.length < 3) invalid(path, "expected start, end and a master", raw);
    const start = slotAt(entry[0], `${path}[0]`);
    const end = slotAt(entry[1], `${path}[1]`);
    if (start > end) invalid(path, `range ${start}-${end} is reversed`);
    const nodes = entry.slice(2).map((node, i) =>
      slotsNode(node, `${path}[${i + 2}]`, i === 0 ? "master" : "replica")
    );
    const master = nodes[0]!;
    let shard = byMaster.get(master.id);
    if (shard === undefined) {
      shard = { ranges: [], nodes: [], ids: new Set() };
      byMaster.set(master.id, shard);
    }
    shard.ranges.push([start, end]);
    for (const { id, init } of nodes) {
      if (shard.ids.has(id)) continue;
      shard.ids.add(id);
      const made = makeNode(init, origin);
      if (made === undefined) {
        if (init.role === "master") unknownMasters.add(id);
        else unknownEndpoints++;
      } else shard.nodes.push(made);
    }
  });
  const shards = [...byMaster.values()].map(({ ranges, nodes }) => ({ ranges, nodes }));
  return { shards, unknownEndpoints: unknownEndpoints + unknownMasters.size };
}

function slotsNode(
  raw: unknown,
  path: string,
  role: "master" | "replica",
): { id: string; init: Omit<ClusterNode, "address" | "host"> } {
  const entry = arrayAt(raw, path);
  if (entry.length < 2) invalid(path, "expected a host and a port", raw);
  const endpoint = entry[0] === null ? null : asText(entry[0]);
  if (endpoint === undefined) invalid(`${path}[0]`, "expected text or null", entry[0]);
  const port = asInteger(entry[1]);
  if (port === undefined || port < 0 || port > 65535) {
    invalid(`${path}[1]`, "expected a port", entry[1]);
  }
  const id = entry.length > 2 ? asText(entry[2]) : undefined;
  if (entry.length > 2 && id === undefined) invalid(`${path}[2]`, "expected a node id", entry[2]);
  const meta = entry.length > 3 ? fieldsAt(entry[3], `${path}[3]`) : new Map<string, unknown>();
  const nodeId = id ?? `${endpoint ?? ""}:${port}`;
  return {
    id: nodeId,
    init: {
      id: nodeId,
      endpoint,
      ip: optionalText(meta, "ip", `${path}[3]`) ?? undefined,
      hostname: optionalText(meta, "hostname", `${path}[3]`) ?? undefined,
      // SLOTS gives the one port the asking connection's kind uses.
      port: port === 0 ? undefined : port,
      tlsPort: port === 0 ? undefined : port,
      role,
      replicationOffset: undefined,
      health: "online",
    },
  };
}

/** A seed as given (`"host:port"`, a `redis://` URL or `{ host, port }`), checked. */
export function parseSeed(seed: string | ClusterAddress): ClusterAddress {
  if (typeof seed !== "string") {
    if (typeof seed?.host !== "string" || !Number.isInteger(seed.port)) {
      throw new TypeError(`Invalid seed node "${JSON.stringify(seed)}"`);
    }
    return { host: seed.host, port: seed.port };
  }
  let text = seed;
  const scheme = /^rediss?:\/\//.exec(text);
  if (scheme !== null) {
    const url = new URL(text);
    return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 6379) };
  }
  text = text.trim();
  const colon = text.lastIndexOf(":");
  const port = Number(text.slice(colon + 1));
  let host = colon === -1 ? "" : text.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "" || !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new TypeError(`Invalid seed node "${seed}": expected "host:port"`);
  }
  return { host, port };
}

/** `host:port` (brackets around an IPv6 host) split in two. */
export function splitHostPort(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  let host = address.slice(0, colon);
  if (host.startsWith("[")) host = host.slice(1, -1);
  return [host, Number(address.slice(colon + 1))];
}
