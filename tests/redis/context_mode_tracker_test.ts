// The mode tracker alone, as tables: what each mode lets through, how frames route, and which
// frames are protocol errors. No Context, no reader: the FIFO is a Ring the test fills, and
// frames are the values the reader would give (bytes for names, as the Context reads them).
import assert from "node:assert/strict";
import { ProtocolError, ReplyError, type RespValue } from "../../redis/mod.ts";
import { BUFFERS, CONSUMED, ModeTracker, type Routed } from "../../redis/context/_mode_tracker.ts";
import { commandCode, frameCode } from "../../redis/context/_pubsub.ts";
import { Ring } from "../../redis/context/ring.ts";
import type { ContextEntry, PubSubKind } from "../../redis/context/types.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

interface Entry extends ContextEntry {
  name: string;
}

/** A tracker over a FIFO whose entries count as written; sink calls are recorded. */
class Rig {
  readonly inflight = new Ring<Entry>();
  readonly events: unknown[][] = [];
  readonly modes: ModeTracker<Entry>;

  constructor(protocol: 2 | 3) {
    this.modes = new ModeTracker<Entry>(
      {
        reply: () => assert.fail("the tracker never answers a command itself"),
        fail: () => assert.fail("the tracker never fails a command itself"),
        subscribed: (entry, kind, key, count) =>
          void this.events.push(["sub", entry.name, kind, key, count]),
        unsubscribed: (entry, kind, key, count) =>
          void this.events.push(["unsub", entry?.name, kind, key, count]),
        message: (kind, key, _channel, payload) =>
          void this.events.push([
            "message",
            kind,
            key,
            new TextDecoder().decode(payload as Uint8Array),
          ]),
        monitor: (line) => void this.events.push(["monitor", line]),
        reset: () => void this.events.push(["reset"]),
      },
      this.inflight,
      protocol,
      () => 0,
    );
  }

  entry(name: string): Entry {
    return { name, buffers: false, abandoned: false };
  }

  /** Queues a plain command, as the Context does: check, FIFO, note. */
  command(name: string, argv: string[]): Entry {
    const entry = this.entry(name);
    const code = commandCode(argv);
    this.modes.check(code, argv);
    this.inflight.push(entry);
    this.modes.noted(code, entry);
    return entry;
  }

  call(name: string, kind: PubSubKind, names: string[], subscribe = true): Entry {
    const entry = this.entry(name);
    const call = this.modes.newCall(entry, kind, names, subscribe);
    this.modes.admitCall(call);
    this.inflight.push(entry);
    this.modes.callQueued(call);
    return entry;
  }

  monitor(name: string): Entry {
    const entry = this.entry(name);
    this.modes.admitMonitor();
    this.inflight.push(entry);
    this.modes.monitorQueued(entry);
    return entry;
  }

  /** Routes a reply read as bytes; a value for the head is taken off the FIFO, as #answer does. */
  route(reply: RespValue): Routed {
    const head = this.inflight.peek();
    const routed = this.modes.route(reply, true, head, head !== undefined);
    if (routed !== CONSUMED && head !== undefined) this.inflight.shift();
    return routed;
  }

  /** A RESP3 push frame. */
  push(frame: RespValue[]): Routed {
    const head = this.inflight.peek();
    const routed = this.modes.frame(frameCode(frame[0]), frame, head, head !== undefined);
    if (routed !== CONSUMED) this.inflight.shift();
    return routed;
  }
}

function confirmation(what: string, name: string | null, count: number): RespValue[] {
  return [bytes(what), name === null ? null : bytes(name), count];
}

Deno.test("ModeTracker.check lets through what each projected mode allows", () => {
  const table: [string, 2 | 3, (rig: Rig) => void, string[], RegExp | undefined][] = [
    ["normal, GET", 2, () => {}, ["GET", "k"], undefined],
    ["normal, SUBSCRIBE as a command", 2, () => {}, ["SUBSCRIBE", "a"], /use subscribe\(\)/],
    ["normal, MONITOR as a command", 3, () => {}, ["MONITOR"], /use monitor\(\)/],
    ["RESP2 subscribed, GET", 2, (rig) => rig.call("s", "channel", ["a"]), ["GET", "k"], /RESP2/],
    ["RESP2 subscribed, PING", 2, (rig) => rig.call("s", "channel", ["a"]), ["PING"], undefined],
    ["RESP2 subscribed, QUIT", 2, (rig) => rig.call("s", "pattern", ["a*"]), ["QUIT"], undefined],
    ["RESP3 subscribed, GET", 3, (rig) => rig.call("s", "shard", ["a"]), ["GET", "k"], undefined],
    ["monitoring, GET", 3, (rig) => rig.monitor("m"), ["GET", "k"], /while monitoring/],
    ["monitoring, RESET", 2, (rig) => rig.monitor("m"), ["RESET"], undefined],
    [
      "RESET queued after SUBSCRIBE, GET",
      2,
      (rig) => {
        rig.call("s", "channel", ["a"]);
        rig.command("r", ["RESET"]);
      },
      ["GET", "k"],
      undefined,
    ],
  ];
  for (const [what, protocol, setup, argv, refused] of table) {
    const rig = new Rig(protocol);
    setup(rig);
    const check = () => rig.modes.check(commandCode(argv), argv);
    if (refused === undefined) assert.doesNotThrow(check, what);
    else assert.throws(check, (e) => e instanceof TypeError && refused.test(e.message), what);
  }
});

Deno.test("ModeTracker refuses pub/sub calls and MONITOR where the server would misroute them", () => {
  const table: [string, (rig: Rig) => void, (rig: Rig) => void, RegExp][] = [
    [
      "SUBSCRIBE in MULTI",
      (rig) => rig.command("m", ["MULTI"]),
      (rig) => rig.call("s", "channel", ["a"]),
      /inside MULTI/,
    ],
    [
      "MONITOR in MULTI",
      (rig) => rig.command("m", ["MULTI"]),
      (rig) => rig.monitor("x"),
      /inside MULTI/,
    ],
    ["MONITOR twice", (rig) => rig.monitor("m"), (rig) => rig.monitor("x"), /already monitoring/],
    [
      "MONITOR subscribed",
      (rig) => rig.call("s", "channel", ["a"]),
      (rig) => rig.monitor("x"),
      /subscribed/,
    ],
    [
      "SUBSCRIBE monitoring",
      (rig) => rig.monitor("m"),
      (rig) => rig.call("s", "pattern", ["a"]),
      /while monitoring/,
    ],
    ["a bad kind", () => {}, (rig) => rig.call("s", "nope" as PubSubKind, ["a"]), /kind must be/],
    ["SUBSCRIBE without names", () => {}, (rig) => rig.call("s", "channel", []), /without a name/],
  ];
  for (const [what, setup, act, message] of table) {
    const rig = new Rig(2);
    setup(rig);
    assert.throws(() => act(rig), (e) => e instanceof TypeError && message.test(e.message), what);
  }
  const rig = new Rig(2);
  rig.command("m", ["MULTI"]);
  rig.command("e", ["EXEC"]);
  assert.doesNotThrow(() => rig.call("s", "channel", ["a"]), "EXEC ends the MULTI");
});

Deno.test("ModeTracker.route answers SUBSCRIBE name by name, then with the final count", () => {
  const rig = new Rig(2);
  rig.call("s", "channel", ["a", "b"]);
  const after = rig.command("p", ["PING"]);
  assert.equal(rig.modes.mode, "subscribed");
  const table: [RespValue, Routed, unknown[] | undefined][] = [
    [confirmation("subscribe", "a", 1), CONSUMED, ["sub", "s", "channel", "a", 1]],
    [[bytes("message"), bytes("a"), bytes("hi")], CONSUMED, ["message", "channel", "a", "hi"]],
    [confirmation("subscribe", "b", 2), 2, ["sub", "s", "channel", "b", 2]],
    [[bytes("pong"), bytes("")], "PONG", undefined],
  ];
  for (const [frame, expected, event] of table) {
    const before = rig.events.length;
    assert.equal(rig.route(frame), expected);
    assert.deepEqual(rig.events.slice(before), event === undefined ? [] : [event]);
  }
  assert.equal(rig.inflight.length, 0);
  assert.equal(after.name, "p");
  assert.equal(rig.modes.mode, "subscribed");
});

Deno.test("ModeTracker.frame handles RESP3 pushes, bare unsubscribes and dropped shard channels", () => {
  const rig = new Rig(3);
  rig.call("s", "shard", ["x"]);
  assert.equal(rig.push(confirmation("ssubscribe", "x", 1)), 1);
  // The server drops a shard channel on its own: nobody is answered.
  assert.equal(rig.push(confirmation("sunsubscribe", "x", 0)), CONSUMED);
  assert.deepEqual(rig.events.at(-1), ["unsub", undefined, "shard", "x", 0]);
  assert.equal(rig.modes.mode, "normal");
  // A bare UNSUBSCRIBE with nothing subscribed gets one confirmation with a null name.
  rig.call("u", "channel", [], false);
  assert.equal(rig.push(confirmation("unsubscribe", null, 0)), 0);
  assert.equal(rig.modes.special, false);
});

Deno.test("ModeTracker tells the server's SUNSUBSCRIBE from the answer to its own, exactly", () => {
  // Each case: shard channels held, then SUNSUBSCRIBE calls queued (their names; [] for all),
  // then frames (name and count) in the order the server sends them, each with what it routes
  // to (a count answers the head call, CONSUMED answers nobody) and who unsubscribed the
  // channel ("ours": the call at the head, "server": on its own, nothing: no event).
  type Step = [name: string | null, count: number, routed: number | "consumed", by?: string];
  const table: [string, string[], string[][], Step[]][] = [
    ["another channel dropped while ours is pending", ["a", "b"], [["a"]], [
      ["b", 1, "consumed", "server"],
      ["a", 0, 0, "ours"],
    ]],
    ["another channel dropped between two of our names", ["a", "b", "c"], [["a", "c"]], [
      ["a", 2, "consumed", "ours"],
      ["b", 1, "consumed", "server"],
      ["c", 0, 0, "ours"],
    ]],
    [
      "our channel dropped by the server first: the drop answers, our own reply is absorbed",
      [
        "a",
        "b",
      ],
      [["a"]],
      [
        ["a", 1, 1, "ours"],
        ["a", 1, "consumed"],
        ["b", 0, "consumed", "server"],
      ],
    ],
    ["a later call's channel dropped first: calls are answered in order", ["a", "b"], [["a"], [
      "b",
    ]], [
      ["b", 1, "consumed", "server"],
      ["a", 0, 0, "ours"],
      ["b", 0, 0, "ours"],
    ]],
    ["the first call's channel dropped first, then both answers", ["a", "b"], [["a"], ["b"]], [
      ["a", 1, 1, "ours"],
      ["a", 1, "consumed"],
      ["b", 0, 0, "ours"],
    ]],
    ["SUNSUBSCRIBE of all: a drop before it counts among its answers", ["a", "b"], [[]], [
      ["b", 1, "consumed", "ours"],
      ["a", 0, 0, "ours"],
    ]],
    [
      "SUNSUBSCRIBE of all after the server dropped the last: the null answer is absorbed",
      [
        "a",
      ],
      [[]],
      [
        ["a", 0, 0, "ours"],
        [null, 0, "consumed"],
      ],
    ],
  ];
  for (const protocol of [2, 3] as const) {
    for (const [what, held, calls, steps] of table) {
      const rig = new Rig(protocol);
      rig.call("s", "shard", held);
      const send = (frame: RespValue[]): Routed =>
        protocol === 2 ? rig.route(frame) : rig.push(frame);
      for (const [i, name] of held.entries()) send(confirmation("ssubscribe", name, i + 1));
      const entries = calls.map((names, i) => rig.call(`u${i}`, "shard", names, false));
      for (const [name, count, routed, by] of steps) {
        const before = rig.events.length;
        const head = rig.inflight.peek();
        const frame = confirmation("sunsubscribe", name, count);
        const got = send(frame);
        const label = `${what} (RESP${protocol}): ${name}`;
        assert.equal(got, routed === "consumed" ? CONSUMED : routed, label);
        const event = by === undefined
          ? []
          : [["unsub", by === "ours" ? head!.name : undefined, "shard", name, count]];
        assert.deepEqual(rig.events.slice(before), event, label);
      }
      assert.equal(rig.inflight.length, 0, what);
      assert.ok(entries.length > 0);
      assert.equal(rig.modes.mode, "normal", what);
      assert.equal(rig.modes.special, false, what);
    }
  }
});

Deno.test("ModeTracker still refuses a confirmation that answers nobody, but for SUNSUBSCRIBE", () => {
  for (const what of ["subscribe", "ssubscribe", "unsubscribe", "punsubscribe"]) {
    const rig = new Rig(3);
    assert.throws(
      () => rig.push(confirmation(what, "x", 0)),
      (e) => e instanceof ProtocolError && /no subscribe or unsubscribe command/.test(e.message),
      what,
    );
  }
  const rig = new Rig(3);
  assert.equal(rig.push(confirmation("sunsubscribe", "x", 0)), CONSUMED);
  assert.deepEqual(rig.events, []);
});

Deno.test("ModeTracker.route fails frames that make no sense with a ProtocolError", () => {
  const table: [string, RespValue, RegExp][] = [
    ["a message of 2 elements", [bytes("message"), bytes("a")], /3 elements/],
    ["a message for another channel", [bytes("message"), bytes("z"), bytes("x")], /not subscribed/],
    ["an integer payload", [bytes("message"), bytes("a"), 5], /payload/],
    ["a count that is not an integer", [bytes("subscribe"), bytes("b"), 1.5], /count/],
    ["a confirmation for another name", confirmation("subscribe", "c", 2), /expected "b"/],
    ["a pattern confirmation", confirmation("psubscribe", "b", 2), /waiting for SUBSCRIBE/],
    ["a plain reply to SUBSCRIBE", "OK", /answered by confirmations/],
  ];
  for (const [what, frame, message] of table) {
    const rig = new Rig(2);
    rig.call("s", "channel", ["a", "b"]);
    rig.route(confirmation("subscribe", "a", 1));
    assert.throws(
      () => rig.route(frame),
      (e) => e instanceof ProtocolError && message.test(e.message),
      what,
    );
  }
});

Deno.test("ModeTracker.route ends a refused SUBSCRIBE with its error and reprojects the mode", () => {
  const rig = new Rig(2);
  rig.call("s", "channel", ["a"]);
  const error = new ReplyError("NOPERM no permissions to access the 'a' channel");
  assert.equal(rig.route(error), error);
  assert.equal(rig.modes.mode, "normal");
  assert.equal(rig.modes.guarded, false);
  assert.doesNotThrow(() => rig.modes.check(commandCode(["GET", "k"]), ["GET", "k"]));
});

Deno.test("ModeTracker follows MONITOR and RESET through their replies", () => {
  const rig = new Rig(3);
  rig.monitor("m");
  const table: [RespValue, Routed, string, 2 | 3][] = [
    ["OK", "OK", "monitor", 3],
    ['1700000000.000001 [0 127.0.0.1:5000] "GET" "k"', CONSUMED, "monitor", 3],
  ];
  for (const [reply, expected, mode, protocol] of table) {
    assert.equal(rig.route(reply), expected);
    assert.equal(rig.modes.mode, mode);
    assert.equal(rig.modes.protocol, protocol);
  }
  rig.command("r", ["RESET"]);
  assert.equal(rig.route("RESET"), "RESET");
  assert.deepEqual(rig.events, [
    ["monitor", '1700000000.000001 [0 127.0.0.1:5000] "GET" "k"'],
    ["reset"],
  ]);
  assert.equal(rig.modes.mode, "normal");
  assert.equal(rig.modes.protocol, 2);
  assert.equal(rig.modes.special, false);
});

Deno.test("ModeTracker.readOptions reads pub/sub traffic as bytes and replies as their command asks", () => {
  const table: [string, 2 | 3, (rig: Rig) => void, boolean][] = [
    [
      "RESP2, nothing special, a strings command",
      2,
      (rig) => void rig.command("g", ["GET", "k"]),
      false,
    ],
    ["RESP2, SUBSCRIBE at the head", 2, (rig) => void rig.call("s", "channel", ["a"]), true],
    ["RESP3, SUBSCRIBE then a strings command", 3, (rig) => {
      rig.call("s", "channel", ["a"]);
      rig.command("g", ["GET", "k"]);
    }, false],
    ["RESP3, SUBSCRIBE then a bytes command", 3, (rig) => {
      rig.call("s", "channel", ["a"]);
      rig.inflight.push({ name: "b", buffers: true, abandoned: false });
    }, true],
  ];
  for (const [what, protocol, setup, buffers] of table) {
    const rig = new Rig(protocol);
    setup(rig);
    assert.equal(rig.modes.readOptions(rig.inflight.peek()) === BUFFERS, buffers, what);
  }
});

Deno.test("ModeTracker.clear forgets every subscription, MONITOR and pending call", () => {
  const rig = new Rig(2);
  rig.call("s", "channel", ["a"]);
  rig.route(confirmation("subscribe", "a", 1));
  rig.call("p", "pattern", ["b*"]);
  rig.modes.clear();
  assert.equal(rig.modes.mode, "normal");
  assert.equal(rig.modes.special, false);
  assert.equal(rig.modes.guarded, false);
});
