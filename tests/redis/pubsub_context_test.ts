// The pure Context in subscribed and monitor modes, driven with the bytes redis-server 7.0.15
// sends (FACTS.md, "Subscribed" and "MONITOR"): no server, no loop, no promises.
import assert from "node:assert/strict";
import { ProtocolError, type RedisArgument, ReplyError, type RespValue } from "../../redis/mod.ts";
import {
  Context,
  type ContextEntry,
  type ContextOptions,
  type PubSubKind,
} from "../../redis/protocol.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Entry extends ContextEntry {
  name: string;
  buffers: boolean;
  abandoned: boolean;
}

function text(value: RespValue | undefined): unknown {
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (Array.isArray(value)) return value.map(text);
  return value;
}

/** Records everything the context reports, in order, as short tuples. */
class Harness {
  readonly events: unknown[][] = [];
  /** The channel and payload of each message, as bytes. */
  readonly raw: [Uint8Array, RespValue][] = [];
  readonly context: Context<Entry>;
  ended: Error | undefined | "not yet" = "not yet";

  constructor(options: ContextOptions = {}) {
    this.context = new Context<Entry>({
      reply: (entry, value) => void this.events.push(["reply", entry.name, text(value)]),
      fail: (entry, error) => void this.events.push(["fail", entry.name, error]),
      push: (push) => void this.events.push(["push", ...push.map(text)]),
      message: (kind, key, channel, message, pattern) => {
        this.raw.push([channel.slice(), message]);
        this.events.push([
          kind,
          key,
          text(channel),
          text(message),
          ...(pattern === undefined ? [] : [text(pattern)]),
        ]);
      },
      subscribed: (entry, kind, key, count) =>
        void this.events.push(["subscribed", entry.name, kind, key, count]),
      unsubscribed: (entry, kind, key, count) =>
        void this.events.push(["unsubscribed", entry?.name, kind, key, count]),
      monitor: (line) => void this.events.push(["monitor", line]),
      reset: () => void this.events.push(["reset"]),
    }, {
      wantWrite: () => {},
      ready: () => {},
      end: (error) => {
        this.ended = error;
      },
    }, options);
  }

  entry(name: string, buffers = false): Entry {
    return { name, buffers, abandoned: false };
  }

  send(name: string, argv: RedisArgument[], buffers = false): Entry {
    const entry = this.entry(name, buffers);
    this.context.submit(entry, argv);
    return entry;
  }

  subscribe(name: string, kind: PubSubKind, names: (string | Uint8Array)[]): void {
    this.context.subscribe(this.entry(name), kind, names);
  }

  unsubscribe(name: string, kind: PubSubKind, names: (string | Uint8Array)[] = []): void {
    this.context.unsubscribe(this.entry(name), kind, names);
  }

  written(): string {
    let out = "";
    for (let bytes = this.context.take(); bytes !== undefined; bytes = this.context.take()) {
      out += decoder.decode(bytes);
    }
    return out;
  }

  feed(text: string | Uint8Array): void {
    this.context.feed(typeof text === "string" ? encoder.encode(text) : text);
  }

  /** Drains the events recorded so far. */
  take(): unknown[][] {
    return this.events.splice(0);
  }

  ready(protocol: 2 | 3): this {
    assert.equal(this.context.protocol, protocol, "made with that protocol");
    this.context.connected();
    this.written();
    this.feed(protocol === 3 ? "%1\r\n+proto\r\n:3\r\n" : "+PONG\r\n");
    assert.equal(this.context.state, "ready");
    return this;
  }
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function bulk(value: string | Uint8Array | null): string {
  if (value === null) return "$-1\r\n";
  const bytes = typeof value === "string" ? encoder.encode(value) : value;
  return `$${bytes.length}\r\n${String.fromCharCode(...bytes)}\r\n`;
}

/** A pub/sub frame as RESP2 (`*`) or RESP3 (`>`) sends it. */
function frame(protocol: 2 | 3, ...parts: (string | number | null)[]): string {
  const head = `${protocol === 2 ? "*" : ">"}${parts.length}\r\n`;
  return head + parts.map((p) => typeof p === "number" ? `:${p}\r\n` : bulk(p)).join("");
}

function cmd(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => bulk(a)).join("")}`;
}

for (const protocol of [2, 3] as const) {
  const f = (...parts: (string | number | null)[]) => frame(protocol, ...parts);

  Deno.test(`Context RESP${protocol} confirms each name in order and routes messages`, () => {
    const h = new Harness({ protocol: protocol }).ready(protocol);
    h.subscribe("sub", "channel", ["a", "b", "a"]);
    assert.equal(h.context.mode, "subscribed");
    assert.equal(h.written(), cmd("SUBSCRIBE", "a", "b", "a"));
    h.feed(f("subscribe", "a", 1) + f("subscribe", "b", 2) + f("subscribe", "a", 2));
    h.feed(f("message", "b", "hello"));
    assert.deepEqual(h.take(), [
      ["subscribed", "sub", "channel", "a", 1],
      ["subscribed", "sub", "channel", "b", 2],
      ["subscribed", "sub", "channel", "a", 2],
      ["reply", "sub", 2],
      ["channel", "b", "b", "hello"],
    ]);
    h.subscribe("p", "pattern", ["n*"]);
    h.subscribe("s", "shard", ["s{1}"]);
    h.written();
    h.feed(f("psubscribe", "n*", 3) + f("ssubscribe", "s{1}", 1));
    h.feed(f("pmessage", "n*", "news", "x") + f("smessage", "s{1}", "y"));
    assert.deepEqual(h.take().slice(-2), [
      ["pattern", "n*", "news", "x", "n*"],
      ["shard", "s{1}", "s{1}", "y"],
    ]);
  });

  Deno.test(`Context RESP${protocol} unsubscribes exactly as the server does`, () => {
    const h = new Harness({ protocol: protocol }).ready(protocol);
    // A bare UNSUBSCRIBE with nothing subscribed: one confirmation with no name.
    h.unsubscribe("bare", "channel");
    assert.equal(h.context.mode, "normal", "a pending unsubscribe does not subscribe");
    assert.equal(h.written(), cmd("UNSUBSCRIBE"));
    h.feed(f("unsubscribe", null, 0));
    assert.deepEqual(h.take(), [
      ["unsubscribed", "bare", "channel", undefined, 0],
      ["reply", "bare", 0],
    ]);
    // Names never subscribed get a confirmation each.
    h.unsubscribe("names", "channel", ["x", "y", "x"]);
    h.written();
    h.feed(f("unsubscribe", "x", 0) + f("unsubscribe", "y", 0) + f("unsubscribe", "x", 0));
    assert.deepEqual(h.take().at(-1), ["reply", "names", 0]);
    // A bare UNSUBSCRIBE with channels: one confirmation per channel, in the server's order.
    h.subscribe("sub", "channel", ["a", "b"]);
    h.subscribe("p", "pattern", ["p*"]);
    h.unsubscribe("all", "channel");
    h.written();
    h.feed(f("subscribe", "a", 1) + f("subscribe", "b", 2) + f("psubscribe", "p*", 3));
    h.feed(f("unsubscribe", "b", 2));
    assert.equal(h.take().at(-1)![0], "unsubscribed", "not done after one of two");
    h.feed(f("unsubscribe", "a", 1));
    assert.deepEqual(h.take(), [
      ["unsubscribed", "all", "channel", "a", 1],
      ["reply", "all", 1],
    ]);
    assert.equal(h.context.mode, "subscribed", "the pattern is still there");
    // Only patterns left: a bare UNSUBSCRIBE gets one nameless confirmation with the count.
    h.unsubscribe("again", "channel");
    h.written();
    h.feed(f("unsubscribe", null, 1));
    assert.deepEqual(h.take().at(-1), ["reply", "again", 1]);
    h.unsubscribe("patterns", "pattern");
    h.written();
    h.feed(f("punsubscribe", "p*", 0));
    assert.equal(h.context.mode, "normal");
  });

  Deno.test(`Context RESP${protocol} stays subscribed through a pipelined UNSUBSCRIBE then SUBSCRIBE`, () => {
    const h = new Harness({ protocol: protocol }).ready(protocol);
    h.subscribe("first", "channel", ["a"]);
    h.written();
    h.feed(f("subscribe", "a", 1));
    h.unsubscribe("off", "channel", ["a"]);
    h.subscribe("on", "channel", ["a"]);
    h.send("ping", ["PING"]);
    h.written();
    h.feed(f("unsubscribe", "a", 0));
    assert.equal(h.context.mode, "subscribed", "the count is 0 but SUBSCRIBE is pending");
    h.feed(f("subscribe", "a", 1));
    h.feed(protocol === 2 ? "*2\r\n$4\r\npong\r\n$0\r\n\r\n" : "+PONG\r\n");
    h.feed(f("message", "a", "after"));
    assert.deepEqual(h.take(), [
      ["subscribed", "first", "channel", "a", 1],
      ["reply", "first", 1],
      ["unsubscribed", "off", "channel", "a", 0],
      ["reply", "off", 0],
      ["subscribed", "on", "channel", "a", 1],
      ["reply", "on", 1],
      ["reply", "ping", "PONG"],
      ["channel", "a", "a", "after"],
    ]);
    assert.equal(h.context.mode, "subscribed");
  });

  Deno.test(`Context RESP${protocol} keeps later commands in order after pub/sub calls`, () => {
    const h = new Harness({ protocol: protocol }).ready(protocol);
    h.send("before", ["GET", "k"]);
    h.subscribe("sub", "channel", ["a"]);
    h.unsubscribe("unsub", "channel", ["a"]);
    h.send("after", ["GET", "k"], true); // allowed over RESP2 too: the count will be 0 by then
    h.written();
    h.feed(bulk("v1") + f("subscribe", "a", 1) + f("unsubscribe", "a", 0) + bulk("v2"));
    const events = h.take();
    assert.deepEqual(events.map((e) => e.slice(0, 2)), [
      ["reply", "before"],
      ["subscribed", "sub"],
      ["reply", "sub"],
      ["unsubscribed", "unsub"],
      ["reply", "unsub"],
      ["reply", "after"],
    ]);
    assert.equal(h.context.mode, "normal");
  });

  Deno.test(`Context RESP${protocol} keeps names and payloads binary-safe`, () => {
    const h = new Harness({ protocol: protocol }).ready(protocol);
    const name = new Uint8Array([0xff, 0x00, 0x41]);
    h.subscribe("bin", "channel", [name]);
    assert.deepEqual(h.context.take(), latin1("*2\r\n$9\r\nSUBSCRIBE\r\n$3\r\n\xff\x00A\r\n"));
    const p = protocol === 2 ? "*" : ">";
    h.feed(latin1(`${p}3\r\n$9\r\nsubscribe\r\n$3\r\n\xff\x00A\r\n:1\r\n`));
    h.feed(latin1(`${p}3\r\n$7\r\nmessage\r\n$3\r\n\xff\x00A\r\n$2\r\n\x80\x81\r\n`));
    assert.deepEqual(h.take()[0], ["subscribed", "bin", "channel", "\xff\x00A", 1]);
    const [channel, message] = h.raw.at(-1)!;
    assert.deepEqual(channel, name);
    assert.deepEqual(message, new Uint8Array([0x80, 0x81]));
  });
}

Deno.test("Context RESP2 sends only what the server allows while subscribed", () => {
  const h = new Harness({ protocol: 2 }).ready(2);
  h.subscribe("sub", "shard", ["s"]);
  h.subscribe("sub2", "channel", ["a"]);
  assert.throws(
    () => h.send("get", ["GET", "k"]),
    (e) => e instanceof TypeError && /subscribed RESP2/.test(e.message),
  );
  h.send("ping", ["ping"]);
  h.written();
  h.feed(frame(2, "ssubscribe", "s", 1) + frame(2, "subscribe", "a", 1));
  // PING's answer is `*2 pong ""`: it goes to PING, as "PONG", never to a handler.
  h.feed("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  assert.deepEqual(h.take().at(-1), ["reply", "ping", "PONG"]);
  h.send("echo-ping", ["PING", "hi"]);
  h.written();
  h.feed("*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
  assert.deepEqual(h.take(), [["reply", "echo-ping", "hi"]]);
  // The channel count reaches 0, but the shard channel keeps the connection subscribed.
  h.unsubscribe("unsub", "channel", ["a"]);
  h.written();
  h.feed(frame(2, "unsubscribe", "a", 0));
  assert.throws(() => h.send("get", ["GET", "k"]), TypeError);
  h.unsubscribe("sunsub", "shard");
  h.send("get", ["GET", "k"]); // by the time it runs nothing is subscribed
  h.written();
  h.feed(frame(2, "sunsubscribe", "s", 0) + "$1\r\nv\r\n");
  assert.deepEqual(h.take().at(-1), ["reply", "get", "v"]);
  assert.equal(h.context.mode, "normal");
});

Deno.test("Context RESP3 runs any command while subscribed; a reply shaped like a message is a reply", () => {
  const h = new Harness({ protocol: 3 }).ready(3);
  h.subscribe("sub", "channel", ["a"]);
  h.send("lrange", ["LRANGE", "l", "0", "-1"]);
  h.send("get", ["GET", "k"], true);
  h.written();
  h.feed(frame(3, "subscribe", "a", 1));
  h.feed("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"); // LRANGE's reply
  h.feed(frame(3, "message", "a", "pushed") + "$2\r\nhi\r\n");
  assert.deepEqual(h.take(), [
    ["subscribed", "sub", "channel", "a", 1],
    ["reply", "sub", 1],
    ["reply", "lrange", ["message", "a", "hi"]],
    ["channel", "a", "a", "pushed"],
    ["reply", "get", "hi"],
  ]);
});

Deno.test("Context RESP3 reads a reply after confirmations with the right command's buffers", () => {
  const h = new Harness({ protocol: 3 }).ready(3);
  const replies: RespValue[] = [];
  const context = new Context<Entry>({
    reply: (_entry, value) => void replies.push(value),
    fail: () => {},
  }, { wantWrite: () => {}, ready: () => {}, end: () => {} });
  context.connected();
  context.take();
  context.feed(encoder.encode("%1\r\n+proto\r\n:3\r\n"));
  context.subscribe(h.entry("sub"), "channel", ["a"]);
  context.submit(h.entry("get", true), ["GET", "k"]);
  context.take();
  // One read: the push confirmation completes SUBSCRIBE, then GET's reply in the same call.
  context.feed(encoder.encode(frame(3, "subscribe", "a", 1) + "$2\r\nhi\r\n"));
  assert.equal(replies[0], 1);
  assert.ok(replies[1] instanceof Uint8Array, "GET asked for bytes");
});

Deno.test("Context refuses SUBSCRIBE inside MULTI, and the subscribe family as plain commands", () => {
  const h = new Harness({ protocol: 3 }).ready(3);
  h.send("multi", ["MULTI"]);
  assert.throws(
    () => h.subscribe("sub", "channel", ["a"]),
    (e) => e instanceof TypeError && /inside MULTI/.test(e.message),
  );
  assert.throws(() => h.context.monitor(h.entry("monitor")), TypeError);
  h.send("exec", ["EXEC"]);
  h.subscribe("sub", "channel", ["a"]); // fine after EXEC
  assert.throws(() => h.send("raw", ["SUBSCRIBE", "b"]), TypeError);
  assert.throws(() => h.send("raw", ["punsubscribe"]), TypeError);
  assert.throws(() => h.send("raw", ["MONITOR"]), TypeError);
  assert.throws(() => h.context.submitBatch([h.entry("a")], [["SSUBSCRIBE", "x"]]), TypeError);
  h.context.submitBatch([h.entry("m"), h.entry("d")], [["MULTI"], ["DISCARD"]]);
  h.subscribe("sub2", "pattern", ["p*"]);
});

Deno.test("Context fails the connection with a ProtocolError on malformed pub/sub frames", async (t) => {
  const cases: { name: string; protocol: 2 | 3; bytes: string; match: RegExp }[] = [
    { name: ">1 message", protocol: 3, bytes: ">1\r\n$7\r\nmessage\r\n", match: /3 elements/ },
    {
      name: "a message of 2 elements over RESP2",
      protocol: 2,
      bytes: "*2\r\n$7\r\nmessage\r\n$1\r\na\r\n",
      match: /3 elements/,
    },
    {
      name: "a confirmation for an unknown channel",
      protocol: 3,
      bytes: frame(3, "subscribe", "zzz", 1),
      match: /unknown channel "zzz"/,
    },
    {
      name: "a non-integer count",
      protocol: 2,
      bytes: "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n$1\r\n1\r\n",
      match: /count/,
    },
    {
      name: "a confirmation of the wrong kind",
      protocol: 3,
      bytes: frame(3, "psubscribe", "a", 1),
      match: /while waiting for SUBSCRIBE/,
    },
    {
      name: "a pmessage of 3 elements",
      protocol: 3,
      bytes: frame(3, "subscribe", "a", 1) + frame(3, "pmessage", "a", "x"),
      match: /4 elements/,
    },
    {
      name: "a message for a channel not subscribed",
      protocol: 3,
      bytes: frame(3, "subscribe", "a", 1) + frame(3, "message", "b", "x"),
      match: /not subscribed/,
    },
    {
      name: "an integer payload",
      protocol: 2,
      bytes: frame(2, "subscribe", "a", 1) + "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n:1\r\n",
      match: /payload/,
    },
    {
      name: "a plain reply to SUBSCRIBE",
      protocol: 3,
      bytes: "+OK\r\n",
      match: /Unexpected reply to SUBSCRIBE/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const h = new Harness({ protocol: c.protocol }).ready(c.protocol);
      h.subscribe("sub", "channel", ["a"]);
      h.send("after", ["PING"]);
      h.written();
      h.feed(c.bytes);
      assert.ok(h.ended instanceof ProtocolError, `ended with ${h.ended}`);
      assert.match(h.ended.message, c.match);
      assert.equal(h.context.state, "closed");
      const failed = h.events.filter((e) => e[0] === "fail");
      assert.ok(failed.some((e) => e[1] === "after" && e[2] === h.ended), "pending commands fail");
    });
  }
  await t.step("a confirmation with nothing waiting", () => {
    const h = new Harness({ protocol: 3 }).ready(3);
    h.feed(frame(3, "unsubscribe", "a", 0));
    assert.ok(h.ended instanceof ProtocolError);
    assert.match(h.ended.message, /no subscribe or unsubscribe command is waiting/);
  });
});

Deno.test("Context answers a SUBSCRIBE refused with an error reply, and reprojects the mode", () => {
  const h = new Harness({ protocol: 2 }).ready(2);
  h.subscribe("sub", "channel", ["secret"]);
  assert.throws(() => h.send("get", ["GET", "k"]), TypeError, "projected subscribed");
  h.written();
  h.feed("-NOPERM this user has no permissions to access the 'secret' channel\r\n");
  const [reply] = h.take();
  assert.ok(reply![2] instanceof ReplyError);
  assert.equal(h.context.mode, "normal");
  h.send("get", ["GET", "k"]); // allowed again
});

Deno.test("Context accepts a shard channel the server drops on its own", () => {
  const h = new Harness({ protocol: 3 }).ready(3);
  h.subscribe("sub", "shard", ["s{1}"]);
  h.written();
  h.feed(frame(3, "ssubscribe", "s{1}", 1));
  h.feed(frame(3, "sunsubscribe", "s{1}", 0));
  assert.deepEqual(h.take().at(-1), ["unsubscribed", undefined, "shard", "s{1}", 0]);
  assert.equal(h.context.mode, "normal");
  assert.equal(h.ended, "not yet");
});

Deno.test("Context hands pushes that are not pub/sub to the push handler, decoded", () => {
  const h = new Harness({ protocol: 3 }).ready(3);
  h.subscribe("sub", "channel", ["a"]);
  h.written();
  h.feed(frame(3, "subscribe", "a", 1));
  h.feed(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  assert.deepEqual(h.take().at(-1), ["push", "invalidate", ["k"]]);
});

Deno.test("Context in monitor mode routes lines, accepts only QUIT and RESET, and RESET ends it", () => {
  const h = new Harness({ protocol: 2 }).ready(2);
  h.context.monitor(h.entry("monitor"));
  assert.throws(
    () => h.send("get", ["GET", "k"]),
    (e) => e instanceof TypeError && /only QUIT and RESET/.test(e.message),
  );
  assert.throws(() => h.subscribe("sub", "channel", ["a"]), TypeError);
  assert.equal(h.written(), cmd("MONITOR"));
  h.feed('+OK\r\n+1795422528.093127 [0 127.0.0.1:46588] "SET" "k" "v"\r\n');
  assert.equal(h.context.mode, "monitor");
  h.send("reset", ["RESET"]);
  h.written();
  h.feed('+1795422528.1 [0 lua] "GET" "k"\r\n+RESET\r\n');
  assert.deepEqual(h.take(), [
    ["reply", "monitor", "OK"],
    ["monitor", '1795422528.093127 [0 127.0.0.1:46588] "SET" "k" "v"'],
    ["monitor", '1795422528.1 [0 lua] "GET" "k"'],
    ["reset"],
    ["reply", "reset", "RESET"],
  ]);
  assert.equal(h.context.mode, "normal");
  h.send("get", ["GET", "k"]);
});

Deno.test("Context RESET drops subscriptions and goes back to RESP2", () => {
  const h = new Harness({ protocol: 3 }).ready(3);
  h.subscribe("sub", "channel", ["a"]);
  h.send("reset", ["RESET"]);
  h.written();
  h.feed(frame(3, "subscribe", "a", 1) + "+RESET\r\n");
  assert.deepEqual(h.take().slice(-2), [["reset"], ["reply", "reset", "RESET"]]);
  assert.equal(h.context.mode, "normal");
  assert.equal(h.context.protocol, 2);
});

Deno.test("Context runs setup commands after the handshake, before anything queued", () => {
  const h = new Harness({
    setup: (protocol) => protocol === 3 ? [["CLIENT", "TRACKING", "ON"]] : [],
  });
  h.send("get", ["GET", "k"]);
  h.context.connected();
  h.written();
  h.feed("%1\r\n+proto\r\n:3\r\n");
  assert.equal(h.context.state, "handshaking");
  assert.equal(h.written(), cmd("CLIENT", "TRACKING", "ON"));
  h.feed("+OK\r\n");
  assert.equal(h.context.state, "ready");
  assert.equal(h.written(), cmd("GET", "k"));
  // An error reply to a setup command fails the connection with it.
  const refused = new Harness({ protocol: 2, setup: () => [["CLIENT", "TRACKING", "ON"]] });
  refused.context.connected();
  refused.written();
  refused.feed("+PONG\r\n-ERR nope\r\n");
  assert.ok(refused.ended instanceof ReplyError && refused.ended.message === "ERR nope");
});
