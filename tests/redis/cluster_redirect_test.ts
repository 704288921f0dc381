// parseRedirect, classifyClusterError and RedirectTracker, table by table. The replies these
// tables use are the ones redis-server 7.0.15 sends (see cluster_live_test.ts for them live).

import assert from "node:assert/strict";
import { ReplyError } from "../../redis/mod.ts";
import {
  classifyClusterError,
  ClusterDownError,
  MaxRedirectionsError,
  parseRedirect,
  RedirectTracker,
} from "../../redis/cluster/mod.ts";

const origin = { host: "10.0.0.5", port: 7000 };

Deno.test("parseRedirect reads MOVED and ASK with every host form", () => {
  const cases: [string, unknown][] = [
    ["MOVED 3999 127.0.0.1:6381", ["moved", 3999, "127.0.0.1", 6381, "127.0.0.1:6381"]],
    ["ASK 0 127.0.0.1:6381", ["ask", 0, "127.0.0.1", 6381, "127.0.0.1:6381"]],
    ["MOVED 16383 n7001.dray.test:7001", [
      "moved",
      16383,
      "n7001.dray.test",
      7001,
      "n7001.dray.test:7001",
    ]],
    ["MOVED 1 ::1:7001", ["moved", 1, "::1", 7001, "[::1]:7001"]],
    ["MOVED 1 fe80::1:2:7001", ["moved", 1, "fe80::1:2", 7001, "[fe80::1:2]:7001"]],
    ["MOVED 1 [::1]:7001", ["moved", 1, "::1", 7001, "[::1]:7001"]],
    ["MOVED 1 :7001", ["moved", 1, "10.0.0.5", 7001, "10.0.0.5:7001"]],
    ["ASK 1 :7001", ["ask", 1, "10.0.0.5", 7001, "10.0.0.5:7001"]],
  ];
  for (const [text, expected] of cases) {
    for (const reply of [text, new ReplyError(text)]) {
      const redirect = parseRedirect(reply, origin);
      assert.ok(typeof redirect === "object", text);
      assert.deepEqual(
        [redirect.kind, redirect.slot, redirect.host, redirect.port, redirect.address],
        expected,
        text,
      );
    }
  }
});

Deno.test("parseRedirect says unknown for a '?' endpoint", () => {
  assert.equal(parseRedirect("MOVED 5 ?:7001", origin), "unknown");
  assert.equal(parseRedirect("ASK 5 ?:7001", origin), "unknown");
});

Deno.test("parseRedirect rejects malformed redirects and other replies", () => {
  for (
    const text of [
      "MOVED 16384 127.0.0.1:7000",
      "MOVED -1 127.0.0.1:7000",
      "MOVED 1.5 127.0.0.1:7000",
      "MOVED __proto__ 127.0.0.1:7000",
      "MOVED 1 127.0.0.1",
      "MOVED 1 127.0.0.1:0",
      "MOVED 1 127.0.0.1:65536",
      "MOVED 1 127.0.0.1:70a",
      "MOVED 1 127.0.0.1:7000 extra",
      "MOVED 1",
      "moved 1 127.0.0.1:7000",
      "ERR MOVED 1 127.0.0.1:7000",
      "TRYAGAIN Multiple keys request during rehashing of slot",
    ]
  ) {
    assert.equal(parseRedirect(text, origin), undefined, text);
  }
});

Deno.test("classifyClusterError maps each cluster reply to its action", () => {
  const redirect = (kind: string, port: number) => ({
    kind,
    redirect: { kind, slot: 7, host: "127.0.0.1", port, address: `127.0.0.1:${port}` },
  });
  const table: [string, unknown][] = [
    ["MOVED 7 127.0.0.1:7001", redirect("moved", 7001)],
    ["ASK 7 127.0.0.1:7002", redirect("ask", 7002)],
    ["MOVED 7 ?:7001", { kind: "retry", reason: "MOVED", refresh: true }],
    ["ASK 7 ?:7001", { kind: "retry", reason: "ASK", refresh: true }],
    ["MOVED 99999 127.0.0.1:7001", { kind: "fail" }],
    ["TRYAGAIN Multiple keys request during rehashing of slot", {
      kind: "retry",
      reason: "TRYAGAIN",
      refresh: false,
    }],
    ["CLUSTERDOWN The cluster is down", { kind: "retry", reason: "CLUSTERDOWN", refresh: true }],
    ["CLUSTERDOWN Hash slot not served", { kind: "retry", reason: "CLUSTERDOWN", refresh: true }],
    ["MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", {
      kind: "retry",
      reason: "MASTERDOWN",
      refresh: true,
    }],
    ["READONLY You can't write against a read only replica.", {
      kind: "reroute",
      reason: "READONLY",
      refresh: true,
    }],
    ["LOADING Redis is loading the dataset in memory", {
      kind: "reroute",
      reason: "LOADING",
      refresh: false,
    }],
    ["CROSSSLOT Keys in request don't hash to the same slot", { kind: "fail" }],
    ["WRONGTYPE Operation against a key holding the wrong kind of value", { kind: "fail" }],
    ["ERR unknown command 'FOO'", { kind: "fail" }],
    [
      "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 " +
      "if a replica is configured to be writable (which is not the default) writes to replicas " +
      "are just local and are not propagated.",
      {
        kind: "reroute",
        reason: "READONLY",
        refresh: true,
      },
    ],
  ];
  for (const [text, expected] of table) {
    assert.deepEqual(classifyClusterError(new ReplyError(text), origin), expected, text);
  }
});

const reply = (text: string) => new ReplyError(text);

Deno.test("RedirectTracker resends MOVED and ASK at once and keeps the chain", () => {
  const tracker = new RedirectTracker();
  const moved = tracker.decide(reply("MOVED 7 127.0.0.1:7001"), origin, 0, 1000);
  assert.deepEqual(moved, {
    kind: "moved",
    redirect: { kind: "moved", slot: 7, host: "127.0.0.1", port: 7001, address: "127.0.0.1:7001" },
    delayMs: 0,
    toSender: false,
  });
  const ask = tracker.decide(
    reply("ASK 7 127.0.0.1:7002"),
    { host: "127.0.0.1", port: 7001 },
    1,
    1000,
  );
  assert.equal(ask.kind, "ask");
  assert.equal(ask.kind === "ask" && ask.delayMs, 0);
  assert.deepEqual(tracker.chain.map((hop) => `${hop.kind} ${hop.address}`), [
    "moved 127.0.0.1:7001",
    "ask 127.0.0.1:7002",
  ]);
});

Deno.test("RedirectTracker fails with MaxRedirectionsError and the whole chain after maxRedirects", () => {
  const tracker = new RedirectTracker({ maxRedirects: 3 });
  const kinds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const port = 7001 + (i % 2);
    const decision = tracker.decide(reply(`MOVED 7 127.0.0.1:${port}`), origin, i * 1000, Infinity);
    kinds.push(decision.kind);
    if (decision.kind === "fail") {
      assert.ok(decision.error instanceof MaxRedirectionsError);
      assert.deepEqual(decision.error.chain.map((hop) => hop.port), [7001, 7002, 7001, 7002]);
    }
  }
  assert.deepEqual(kinds, ["moved", "moved", "moved", "fail"]);
});

Deno.test("RedirectTracker backs off from the third MOVED on one slot within the window", () => {
  const table: [number, number, number][] = [
    // [time, slot, expected delay]
    [0, 7, 0],
    [50, 7, 0],
    [100, 7, 10], // third within 100 ms of the one before
    [150, 7, 20],
    [400, 7, 0], // 250 ms later: the streak ends
    [410, 8, 0], // another slot
    [420, 7, 0],
  ];
  const tracker = new RedirectTracker();
  for (const [now, slot, delay] of table) {
    const decision = tracker.decide(reply(`MOVED ${slot} 127.0.0.1:7001`), origin, now, Infinity);
    assert.equal(decision.kind === "moved" && decision.delayMs, delay, `at ${now}`);
  }
});

Deno.test("RedirectTracker flags a MOVED that points at the node that sent it", () => {
  const decision = new RedirectTracker().decide(
    reply("MOVED 7 10.0.0.5:7000"),
    origin,
    0,
    Infinity,
  );
  assert.equal(decision.kind === "moved" && decision.toSender, true);
  const empty = new RedirectTracker().decide(reply("MOVED 7 :7000"), origin, 0, Infinity);
  assert.equal(empty.kind === "moved" && empty.toSender, true);
});

Deno.test("RedirectTracker backs off TRYAGAIN 10 ms doubling to 200 ms, then fails with the reply", () => {
  const tracker = new RedirectTracker();
  const tryAgain = reply("TRYAGAIN Multiple keys request during rehashing of slot");
  const delays: number[] = [];
  let now = 0;
  for (;;) {
    const decision = tracker.decide(tryAgain, origin, now, 1000);
    if (decision.kind === "fail") {
      assert.equal(decision.error, tryAgain);
      break;
    }
    assert.equal(decision.kind, "retry");
    delays.push(decision.delayMs);
    now += decision.delayMs;
  }
  assert.deepEqual(delays, [10, 20, 40, 80, 160, 200, 200, 200]);
  assert.ok(now + 200 > 1000 && now <= 1000);
});

Deno.test("RedirectTracker retries CLUSTERDOWN with a refresh until the deadline, then ClusterDownError", () => {
  const tracker = new RedirectTracker();
  const down = reply("CLUSTERDOWN The cluster is down");
  const delays: number[] = [];
  let now = 0;
  for (;;) {
    const decision = tracker.decide(down, origin, now, 2000);
    if (decision.kind === "fail") {
      assert.ok(decision.error instanceof ClusterDownError);
      assert.equal(decision.error.attempts, delays.length + 1);
      assert.equal(decision.error.cause, down);
      break;
    }
    assert.equal(decision.kind === "retry" && decision.refresh, true);
    delays.push(decision.delayMs);
    now += decision.delayMs;
  }
  assert.deepEqual(delays, [50, 100, 200, 400, 500, 500]);
});

Deno.test("RedirectTracker bounds retries by maxRetries when there is no deadline", () => {
  const tracker = new RedirectTracker({ maxRetries: 2 });
  const down = reply("MASTERDOWN Link with MASTER is down");
  const kinds = [0, 1, 2].map((i) => tracker.decide(down, origin, i, Infinity).kind);
  assert.deepEqual(kinds, ["retry", "retry", "fail"]);
});

Deno.test("RedirectTracker reroutes READONLY at once with a refresh, and LOADING without", () => {
  const tracker = new RedirectTracker();
  const first = tracker.decide(
    reply("READONLY You can't write against a read only replica."),
    origin,
    0,
    1000,
  );
  assert.deepEqual(first, { kind: "reroute", reason: "READONLY", refresh: true, delayMs: 0 });
  const second = tracker.decide(
    reply("LOADING Redis is loading the dataset in memory"),
    origin,
    0,
    1000,
  );
  assert.deepEqual(second, { kind: "reroute", reason: "LOADING", refresh: false, delayMs: 50 });
});

Deno.test("RedirectTracker fails at once with an ordinary error reply", () => {
  const wrongType = reply("WRONGTYPE Operation against a key holding the wrong kind of value");
  assert.deepEqual(new RedirectTracker().decide(wrongType, origin, 0, 1000), {
    kind: "fail",
    error: wrongType,
  });
});

Deno.test("RedirectTracker rejects invalid options", () => {
  assert.throws(() => new RedirectTracker({ maxRedirects: -1 }), RangeError);
  assert.throws(() => new RedirectTracker({ maxRetries: 1.5 }), RangeError);
  assert.throws(() => new RedirectTracker({ tryAgainBackoffMs: [20, 10] }), RangeError);
  assert.throws(() => new RedirectTracker({ pingPongWindowMs: -1 }), RangeError);
});
