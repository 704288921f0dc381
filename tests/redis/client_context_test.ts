// The pure Context, driven with bytes and replies: no server, no loop, no promises.
import assert from "node:assert/strict";
import {
  ConnectionClosedError,
  encodeCommand,
  ProtocolError,
  type RedisArgument,
  ReplyError,
  type RespValue,
} from "../../redis/mod.ts";
import { Context, type ContextEntry, type ContextOptions } from "../../redis/protocol.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Entry extends ContextEntry {
  name: string;
  buffers: boolean;
  abandoned: boolean;
}

type Outcome =
  | { entry: string; reply: RespValue }
  | { entry: string; error: Error; written: boolean };

class Harness {
  readonly outcomes: Outcome[] = [];
  readonly pushes: RespValue[][] = [];
  readonly io: string[] = [];
  ended: Error | undefined | "not yet" = "not yet";
  protocol: number | undefined;
  onPush: ((push: RespValue[]) => void) | undefined;
  onReply: ((entry: Entry, value: RespValue) => void) | undefined;
  readonly context: Context<Entry>;
  #settled = new Set<Entry>();

  constructor(options: ContextOptions = {}) {
    this.context = new Context<Entry>({
      reply: (entry, reply) => {
        this.#once(entry);
        this.outcomes.push({ entry: entry.name, reply });
        this.onReply?.(entry, reply);
      },
      fail: (entry, error, written) => {
        this.#once(entry);
        this.outcomes.push({ entry: entry.name, error, written });
      },
      push: (push) => {
        this.pushes.push(push);
        this.onPush?.(push);
      },
    }, {
      wantWrite: () => void this.io.push("wantWrite"),
      ready: (protocol) => {
        this.io.push("ready");
        this.protocol = protocol;
      },
      end: (error) => {
        assert.equal(this.ended, "not yet", "end is called once");
        this.io.push("end");
        this.ended = error;
      },
    }, options);
  }

  #once(entry: Entry): void {
    assert.ok(!this.#settled.has(entry), `${entry.name} settles once`);
    this.#settled.add(entry);
  }

  send(name: string, argv: RedisArgument[], buffers = false): Entry {
    const entry: Entry = { name, buffers, abandoned: false };
    this.context.submit(entry, argv);
    return entry;
  }

  /** Everything the context wants written now, as text. */
  written(): string {
    let out = "";
    for (let bytes = this.context.take(); bytes !== undefined; bytes = this.context.take()) {
      out += decoder.decode(bytes);
    }
    return out;
  }

  feed(text: string): void {
    this.context.feed(encoder.encode(text));
  }

  /** Connects and completes a RESP3 handshake. */
  ready(): this {
    this.context.connected();
    assert.equal(this.written(), "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
    this.feed("%1\r\n+proto\r\n:3\r\n");
    assert.equal(this.context.state, "ready");
    return this;
  }

  replies(): (RespValue | Error)[] {
    return this.outcomes.map((o) => "reply" in o ? o.reply : o.error);
  }
}

function resp(...argv: string[]): string {
  return `*${argv.length}\r\n${
    argv.map((a) => `$${encoder.encode(a).length}\r\n${a}\r\n`).join("")
  }`;
}

Deno.test("Context matches replies to commands in order, error replies included", () => {
  const h = new Harness().ready();
  h.send("set", ["SET", "k", "v"]);
  h.send("lpush", ["LPUSH", "k", "x"]);
  h.send("get", ["GET", "k"]);
  assert.equal(h.written(), resp("SET", "k", "v") + resp("LPUSH", "k", "x") + resp("GET", "k"));
  h.feed("+OK\r\n-WRONGTYPE Operation against a key\r\n$1\r");
  assert.equal(h.outcomes.length, 2);
  h.feed("\nv\r\n");
  const [ok, wrong, value] = h.replies();
  assert.equal(ok, "OK");
  assert.ok(wrong instanceof ReplyError && wrong.code === "WRONGTYPE");
  assert.equal(value, "v");
  assert.deepEqual(h.outcomes.map((o) => o.entry), ["set", "lpush", "get"]);
});

Deno.test("Context reads each command's reply in its own string mode", () => {
  const h = new Harness().ready();
  h.send("text", ["GET", "a"]);
  h.send("bytes", ["GET", "a"], true);
  h.written();
  h.feed("$2\r\nhi\r\n$2\r\nhi\r\n");
  assert.deepEqual(h.replies(), ["hi", new Uint8Array([104, 105])]);
});

Deno.test("Context holds commands until the handshake is done, in order", () => {
  const h = new Harness({ password: "pw", db: 2 });
  h.send("first", ["SET", "a", "1"]);
  h.send("second", ["GET", "a"]);
  assert.equal(h.context.stats.waiting, 2);
  assert.equal(h.written(), "", "nothing is written before connected()");
  h.context.connected();
  assert.equal(h.context.state, "handshaking");
  assert.equal(h.written(), resp("HELLO", "3", "AUTH", "default", "pw"));
  h.send("third", ["GET", "b"]);
  h.feed("%1\r\n+proto\r\n:3\r\n");
  assert.equal(h.written(), resp("SELECT", "2"), "user commands wait for SELECT too");
  h.feed("+OK\r\n");
  assert.deepEqual(h.io.filter((e) => e === "ready"), ["ready"]);
  assert.equal(h.protocol, 3);
  assert.equal(h.written(), resp("SET", "a", "1") + resp("GET", "a") + resp("GET", "b"));
  h.feed("+OK\r\n$1\r\n1\r\n$-1\r\n");
  assert.deepEqual(h.replies(), ["OK", "1", null]);
});

Deno.test("Context falls back to RESP2 and fails the handshake with the server's text", () => {
  const fallback = new Harness({ name: "n" });
  fallback.context.connected();
  fallback.written();
  fallback.feed("-ERR unknown command 'HELLO', with args beginning with: '3' \r\n");
  assert.equal(fallback.written(), resp("CLIENT", "SETNAME", "n"));
  fallback.feed("+OK\r\n");
  assert.equal(fallback.context.state, "ready");
  assert.equal(fallback.context.protocol, 2);

  const refused = new Harness({ password: "bad" });
  refused.send("waiting", ["PING"]);
  refused.context.connected();
  refused.written();
  refused.feed("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  assert.equal(refused.context.state, "closed");
  assert.ok(refused.ended instanceof ReplyError);
  assert.equal(
    refused.ended.message,
    "WRONGPASS invalid username-password pair or user is disabled.",
  );
  const [failure] = refused.outcomes;
  assert.ok(failure !== undefined && "error" in failure);
  assert.equal(failure.error, refused.ended, "pending commands fail with the same error");
  assert.equal(failure.written, false);
});

Deno.test("Context writes every command of a tick in one buffer", () => {
  const h = new Harness().ready();
  const wants = h.io.length;
  for (let i = 0; i < 100; i++) h.send(`incr${i}`, ["INCR", `k${i}`]);
  assert.equal(h.io.length - wants, 1, "one wantWrite for the whole tick");
  const writes = h.context.stats.writes;
  const bytes = h.context.take()!;
  assert.equal(h.context.take(), undefined);
  assert.equal(h.context.stats.writes - writes, 1);
  assert.equal(decoder.decode(bytes).split("INCR").length - 1, 100);
});

Deno.test("Context bounds the encoded bytes: a million commands never grow the buffer past it", () => {
  const max = 64 * 1024;
  const h = new Harness({ maxBufferedBytes: max }).ready();
  const count = 1_000_000;
  const largest = resp("SET", `key:${count - 1}`, "value").length;
  for (let i = 0; i < count; i++) {
    h.context.submit({ name: "", buffers: false, abandoned: false }, ["SET", `key:${i}`, "value"]);
  }
  const waiting = h.context.stats.waiting;
  assert.ok(waiting > count - max / 20, `most commands wait unencoded (${waiting})`);
  let replies = 0;
  let written = 0;
  for (let bytes = h.context.take(); bytes !== undefined; bytes = h.context.take()) {
    assert.ok(bytes.length < max + largest, `a write of ${bytes.length} bytes`);
    written += bytes.length;
    // The server answers everything written so far.
    const n = h.context.stats.inFlight;
    h.context.feed(encoder.encode("+OK\r\n".repeat(n)));
    replies += n;
  }
  assert.equal(replies, count);
  assert.ok(h.context.stats.peakBufferedBytes < max + largest);
  assert.equal(h.context.stats.waiting, 0);
  assert.ok(written > count * 30);
});

Deno.test("Context rejects every pending command with a spontaneous error reply", () => {
  // Nothing written is waiting: the error is the server's reason for hanging up, and reaches
  // every pending command, written or not.
  const h = new Harness().ready();
  h.send("a", ["GET", "a"]);
  h.written();
  h.send("b", ["GET", "b"]); // encoded, not yet handed to the transport
  h.feed("$1\r\n1\r\n-ERR max number of clients reached\r\n");
  assert.equal(h.context.state, "closed");
  assert.ok(h.ended instanceof ReplyError);
  assert.equal(h.ended.message, "ERR max number of clients reached");
  assert.deepEqual(h.replies(), ["1", h.ended]);
  assert.deepEqual(h.outcomes.map((o) => "written" in o ? o.written : "reply"), ["reply", false]);
  h.context.end(); // the EOF that follows changes nothing
  assert.throws(() => h.send("late", ["PING"]), ConnectionClosedError);

  const idle = new Harness().ready();
  idle.feed("-ERR max number of clients reached\r\n");
  assert.equal(idle.context.state, "closed");
  assert.ok(idle.ended instanceof ReplyError);
});

Deno.test("Context fails the rest with a ConnectionClosedError caused by the protocol error reply that came right before the end of stream", () => {
  for (const end of [undefined, Object.assign(new Error("reset"), { name: "ConnectionReset" })]) {
    const h = new Harness().ready();
    h.send("first", ["PING"]);
    h.send("second", ["PING"]);
    h.send("third", ["PING"]);
    h.written();
    h.send("unsent", ["PING"]);
    h.feed("-ERR Protocol error: invalid bulk length\r\n");
    h.context.end(end);
    const [first, ...rest] = h.outcomes;
    assert.ok(first !== undefined && "reply" in first && first.reply instanceof ReplyError);
    assert.equal(rest.length, 3);
    const reason = h.ended;
    assert.ok(reason instanceof ConnectionClosedError, "not the first command's reply");
    assert.equal(reason.cause, first.reply, "the reply is the reason's cause");
    for (const outcome of rest) {
      assert.ok("error" in outcome);
      assert.equal(outcome.error, reason, "the same error for every pending command");
    }
    assert.deepEqual(rest.map((o) => "written" in o && o.written), [true, true, false]);
  }
});

Deno.test("Context never hands an ordinary error reply to the commands after it when the stream ends", () => {
  const h = new Harness().ready();
  h.send("incr", ["INCR", "list"]);
  h.send("blpop", ["BLPOP", "empty", "0"]);
  h.written();
  h.feed("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  h.context.end(); // CLIENT KILL
  const [incr, blpop] = h.outcomes;
  assert.ok(incr !== undefined && "reply" in incr && incr.reply instanceof ReplyError);
  assert.ok(blpop !== undefined && "error" in blpop);
  assert.ok(blpop.error instanceof ConnectionClosedError);
  assert.equal(blpop.error.cause, undefined);
  assert.ok(blpop.written);
});

Deno.test("Context reports a plain end of stream as ConnectionClosedError", () => {
  const h = new Harness().ready();
  h.send("a", ["GET", "a"]);
  h.send("b", ["GET", "b"]);
  h.written();
  h.feed("$1\r\n1\r\n"); // a succeeded: the end is not explained by an error reply
  const cause = new Error("read failed");
  h.context.end(cause);
  const failure = h.outcomes[1]!;
  assert.ok("error" in failure && failure.error instanceof ConnectionClosedError);
  assert.equal(failure.error.cause, cause);
  assert.equal(h.ended, failure.error);
});

Deno.test("Context treats a reply with nothing queued as a ProtocolError that closes", () => {
  const h = new Harness().ready();
  h.send("a", ["GET", "a"]);
  h.written();
  h.send("unsent", ["GET", "b"]); // not handed over: no reply can be for it
  h.feed("$1\r\n1\r\n+surprise\r\n$1\r\n2\r\n");
  assert.equal(h.context.state, "closed");
  assert.ok(h.ended instanceof ProtocolError);
  assert.match(h.ended.message, /no command waiting.*surprise/);
  assert.deepEqual(h.outcomes.map((o) => o.entry), ["a", "unsent"]);
  const failure = h.outcomes[1]!;
  assert.ok("error" in failure && failure.error === h.ended && !failure.written);
  h.feed("$1\r\n2\r\n"); // bytes after the end are ignored
  assert.equal(h.outcomes.length, 2);

  const idle = new Harness().ready();
  idle.feed(":1\r\n");
  assert.ok(idle.ended instanceof ProtocolError);
});

Deno.test("Context closes on malformed input and rejects what is pending", () => {
  const h = new Harness().ready();
  h.send("a", ["GET", "a"]);
  h.send("b", ["GET", "b"]);
  h.written();
  h.feed("$1\r\nx\r\n@oops\r\n");
  assert.ok(h.ended instanceof ProtocolError);
  assert.deepEqual(h.replies()[0], "x");
  const failure = h.outcomes[1]!;
  assert.ok("error" in failure && failure.error === h.ended && failure.written);
});

Deno.test("Context close() waits for every accepted command, then ends cleanly", () => {
  const h = new Harness().ready();
  h.send("a", ["GET", "a"]);
  h.written();
  h.send("b", ["GET", "b"]);
  h.context.close();
  assert.equal(h.context.state, "closing");
  assert.equal(h.context.accepting, false);
  assert.throws(() => h.send("late", ["PING"]), ConnectionClosedError);
  assert.equal(h.written(), resp("GET", "b"), "accepted commands are still flushed");
  h.feed("$1\r\n1\r\n");
  assert.equal(h.ended, "not yet");
  h.feed("$1\r\n2\r\n");
  assert.equal(h.ended, undefined, "a clean end");
  assert.equal(h.context.state, "closed");
  assert.deepEqual(h.replies(), ["1", "2"]);
});

Deno.test("Context close() before the connection is ready", () => {
  const idle = new Harness();
  idle.context.close();
  assert.ok(idle.ended instanceof ConnectionClosedError);
  assert.equal(idle.context.connected(), false, "the stream should be closed");

  const waiting = new Harness();
  waiting.send("a", ["PING"]);
  waiting.context.close();
  assert.equal(waiting.context.state, "closing");
  waiting.context.connected();
  waiting.written();
  waiting.feed("%1\r\n+proto\r\n:3\r\n");
  assert.equal(waiting.written(), resp("PING"));
  waiting.feed("+PONG\r\n");
  assert.equal(waiting.ended, undefined);
  assert.deepEqual(waiting.replies(), ["PONG"]);
});

Deno.test("Context destroy() fails everything pending at once", () => {
  const h = new Harness().ready();
  h.send("written", ["GET", "a"]);
  h.written();
  h.send("buffered", ["GET", "b"]);
  h.context.destroy();
  assert.equal(h.context.state, "closed");
  assert.ok(h.ended instanceof ConnectionClosedError);
  assert.deepEqual(
    h.outcomes.map((o) => ["error" in o && o.error === h.ended, "written" in o && o.written]),
    [[true, true], [true, false]],
  );
  h.context.destroy(new Error("second")); // the first error wins
  assert.ok(h.context.error instanceof ConnectionClosedError);
});

Deno.test("Context defers destroy() from a push handler until the handler returns", () => {
  const h = new Harness().ready();
  h.send("a", ["GET", "a"]);
  h.send("b", ["GET", "b"]);
  h.written();
  let stateInside = "";
  h.onPush = () => {
    h.context.destroy();
    stateInside = h.context.state;
    assert.equal(h.outcomes.length, 0, "nothing fails inside the handler");
  };
  // a's reply comes after the push in the same bytes: destroyed first, it is not delivered.
  h.feed(">2\r\n+invalidate\r\n*1\r\n+k\r\n$1\r\n1\r\n$1\r\n2\r\n");
  assert.equal(stateInside, "ready");
  assert.equal(h.context.state, "closed");
  assert.deepEqual(
    h.outcomes.map((o) => "error" in o && o.error instanceof ConnectionClosedError),
    [true, true],
  );
});

Deno.test("Context defers the end of close() from a handler; later replies are still delivered", () => {
  const h = new Harness().ready();
  h.send("a", ["GET", "a"]);
  h.send("b", ["GET", "b"]);
  h.written();
  h.onReply = (entry) => {
    if (entry.name !== "a") return;
    h.context.close();
    assert.equal(h.context.state, "closing");
    assert.throws(() => h.send("late", ["PING"]), ConnectionClosedError);
  };
  h.feed("$1\r\n1\r\n$1\r\n2\r\n");
  assert.deepEqual(h.replies(), ["1", "2"]);
  assert.equal(h.ended, undefined);
});

Deno.test("Context skips abandoned commands that were not encoded, and consumes replies of the rest", () => {
  const h = new Harness({ protocol: 2 });
  const early = h.send("early", ["GET", "early"]);
  h.send("kept", ["GET", "kept"]);
  early.abandoned = true; // e.g. timed out during the handshake
  h.context.connected();
  assert.equal(h.written(), resp("PING"));
  h.feed("+PONG\r\n");
  assert.equal(h.written(), resp("GET", "kept"), "the abandoned command is never sent");
  const late = h.send("late", ["GET", "late"]);
  h.send("after", ["GET", "after"]);
  h.written();
  late.abandoned = true; // written: its reply must still be consumed
  h.feed("$4\r\nkept\r\n$4\r\nlate\r\n$5\r\nafter\r\n");
  assert.deepEqual(h.outcomes.map((o) => o.entry), ["kept", "late", "after"]);
  assert.deepEqual(h.replies(), ["kept", "late", "after"]);
});

Deno.test("Context keeps a batch contiguous, a write buffer at a time", () => {
  const h = new Harness({ maxBufferedBytes: 40 }).ready();
  const entry = (name: string): Entry => ({ name, buffers: false, abandoned: false });
  h.send("before", ["SET", "x", "1"]); // fills the buffer: the rest waits
  const members = Array.from({ length: 10 }, (_, i) => entry(`incr${i}`));
  h.context.submitBatch(
    [entry("multi"), ...members, entry("exec")],
    [["MULTI"], ...members.map((_, i) => ["INCR", `k${i}`]), ["EXEC"]],
  );
  h.send("after", ["GET", "x"]);
  const chunks: string[] = [];
  for (let bytes = h.context.take(); bytes !== undefined; bytes = h.context.take()) {
    chunks.push(decoder.decode(bytes));
  }
  assert.ok(chunks.length > 3, "the block left in several writes");
  assert.equal(
    chunks.join(""),
    resp("SET", "x", "1") + resp("MULTI") + members.map((_, i) => resp("INCR", `k${i}`)).join("") +
      resp("EXEC") + resp("GET", "x"),
    "nothing came between the commands of the block",
  );
});

Deno.test("Context leaves abandoned entries out of a batch only before it starts", () => {
  const h = new Harness({ maxBufferedBytes: 1 }).ready();
  const entry = (name: string): Entry => ({ name, buffers: false, abandoned: false });
  const skipped = [entry("a"), entry("b")];
  h.send("first", ["PING"]); // the batch waits behind it
  h.context.submitBatch(skipped, [["ECHO", "a"], ["ECHO", "b"]]);
  skipped[0]!.abandoned = true;
  const started = [entry("c"), entry("d")];
  h.context.submitBatch(started, [["ECHO", "c"], ["ECHO", "d"]]);
  let text = "";
  for (let bytes = h.context.take(); bytes !== undefined; bytes = h.context.take()) {
    text += decoder.decode(bytes);
    if (text.includes("$1\r\nc")) started[1]!.abandoned = true; // too late: the block started
  }
  assert.equal(
    text,
    resp("PING") + resp("ECHO", "b") + resp("ECHO", "c") + resp("ECHO", "d"),
  );
});

Deno.test("Context fails a batch command that cannot be encoded and sends the rest", () => {
  const h = new Harness().ready();
  const entry = (name: string): Entry => ({ name, buffers: false, abandoned: false });
  h.context.submitBatch(
    [entry("good"), entry("bad"), entry("also good")],
    [["ECHO", "1"], ["SET", {} as unknown as string], ["ECHO", "2"]],
  );
  assert.equal(h.written(), resp("ECHO", "1") + resp("ECHO", "2"));
  const failure = h.outcomes[0]!;
  assert.ok(failure.entry === "bad" && "error" in failure && failure.error instanceof TypeError);
  assert.throws(() => h.context.submitBatch([entry("x")], []), TypeError);
});

Deno.test("Context fails a waiting command that cannot be encoded without disturbing the rest", () => {
  const h = new Harness();
  h.send("bad", ["SET", Symbol("no") as unknown as string]);
  h.send("good", ["PING"]);
  h.ready();
  assert.equal(h.written(), resp("PING"));
  const failure = h.outcomes[0]!;
  assert.ok("error" in failure && failure.error instanceof TypeError);
  h.feed("+PONG\r\n");
  assert.deepEqual(h.outcomes.map((o) => o.entry), ["bad", "good"]);
  // Encoded at once, the same mistake throws and queues nothing.
  assert.throws(() => h.send("bad", ["SET", null as unknown as string]), TypeError);
  assert.equal(h.context.stats.inFlight, 0);
});

Deno.test("Context delivers RESP3 pushes to the sink, never to a command", () => {
  const h = new Harness().ready();
  h.send("get", ["GET", "k"]);
  h.written();
  h.feed(">2\r\n+invalidate\r\n*1\r\n+k\r\n$1\r\nv\r\n>2\r\n+invalidate\r\n_\r\n");
  assert.deepEqual(h.replies(), ["v"]);
  assert.deepEqual(h.pushes, [["invalidate", ["k"]], ["invalidate", null]]);
});

Deno.test("Context write failure waits for the read side, which may explain it", () => {
  const h = new Harness().ready();
  h.send("a", ["PING"]);
  h.written();
  h.context.writeFailed(new Error("EPIPE"));
  h.send("b", ["PING"]);
  assert.equal(h.context.take(), undefined, "nothing more is written");
  h.feed("-ERR max number of clients reached\r\n");
  h.context.end();
  // a got the error as its reply; b (never written) fails with the connection's error, whose
  // cause is that reply (the server said why it hung up).
  const a = h.outcomes[0]!;
  assert.ok("reply" in a && a.reply instanceof ReplyError);
  const b = h.outcomes[1]!;
  assert.ok("error" in b && b.error instanceof ConnectionClosedError);
  assert.equal(b.error.cause, a.reply);
});

Deno.test("Context writes large byte arguments as chunks of their own, copied when encoded, in order", () => {
  const h = new Harness({ maxBufferedBytes: 1024 }).ready();
  const big = new Uint8Array(100_000).fill(7);
  const bigger = new Uint8Array(70_000).fill(9);
  h.send("before", ["SET", "a", "1"]);
  h.send("big", ["MSET", "k1", big, "k2", "é", "k3", bigger, "n", 42, "b", 10n]);
  h.send("after", ["GET", "a"]);
  const chunks: Uint8Array[] = [];
  for (let bytes = h.context.take(); bytes !== undefined; bytes = h.context.take()) {
    chunks.push(bytes.slice());
    if (bytes.length >= 64 * 1024) {
      // A copy: what the caller does to its array after submit cannot change the wire.
      assert.ok(bytes !== big && bytes !== bigger && bytes.buffer !== big.buffer, "copied");
      assert.ok(
        bytes.length === big.length || bytes.length === bigger.length,
        "a chunk of its own",
      );
    }
  }
  const expected = [
    encodeCommand(["SET", "a", "1"]),
    encodeCommand(["MSET", "k1", big, "k2", "é", "k3", bigger, "n", 42, "b", 10n]),
    encodeCommand(["GET", "a"]),
  ];
  const join = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  assert.deepEqual(join(chunks), join(expected));
  assert.ok(h.context.stats.peakBufferedBytes < 1024 + 64, "large arguments are not buffered");
  h.feed("+OK\r\n+OK\r\n$1\r\n1\r\n");
  assert.deepEqual(h.replies(), ["OK", "OK", "1"]);
});

Deno.test("Context counts a command with large arguments as written only once all of it is", () => {
  const h = new Harness().ready();
  h.send("big", ["SET", "k", new Uint8Array(80_000)]);
  const first = h.context.take()!; // the header, not the value yet
  assert.ok(first.length < 100);
  h.context.destroy();
  const failure = h.outcomes[0]!;
  assert.ok("written" in failure && !failure.written, "in part: the server cannot have run it");
  const whole = new Harness().ready();
  whole.send("big", ["SET", "k", new Uint8Array(80_000)]);
  while (whole.context.take() !== undefined);
  whole.context.destroy();
  const sent = whole.outcomes[0]!;
  assert.ok("written" in sent && sent.written);
});
