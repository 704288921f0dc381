// The client's lifecycle state machine, table-style: a history of events in, the state and the
// actions of the last event out. No socket, no timer, no promise.
import assert from "node:assert/strict";
import {
  Lifecycle,
  type LifecycleAction,
  type LifecycleEvent,
  type LifecycleState,
  type LinkState,
} from "../../redis/client/_lifecycle.ts";

const boom = new Error("connection reset");
const destroyed = new Error("destroyed by the user");
const gaveUp = new Error("gave up");

const connect: LifecycleEvent = { type: "connect" };
const ready: LifecycleEvent = { type: "ready" };
const lost: LifecycleEvent = { type: "lost", error: boom };
const ended: LifecycleEvent = { type: "ended", error: boom };
const endedClean: LifecycleEvent = { type: "ended", error: undefined };
const closed: LifecycleEvent = { type: "closed", error: boom };
const closedClean: LifecycleEvent = { type: "closed", error: undefined };
const retry: LifecycleEvent = { type: "retry" };
const close: LifecycleEvent = { type: "close" };
const destroy: LifecycleEvent = { type: "destroy", error: destroyed };
const closedDestroyed: LifecycleEvent = { type: "closed", error: destroyed };
const giveUp: LifecycleEvent = { type: "give-up", error: gaveUp };
const quit: LifecycleEvent = { type: "quit" };

interface Row {
  name: string;
  reconnects?: boolean;
  history: LifecycleEvent[];
  event: LifecycleEvent;
  state: LifecycleState;
  link: LinkState;
  actions: LifecycleAction[];
  outcome?: Error | undefined;
}

const FINISH: LifecycleAction[] = ["cancel-reconnect", "stop-health", "finish"];
const READY_FIRST: LifecycleAction[] = ["announce-ready", "flush", "start-health"];

const rows: Row[] = [
  {
    name: "connect() opens the first connection",
    history: [],
    event: connect,
    state: "connecting",
    link: "opening",
    actions: ["open"],
  },
  {
    name: "a second connect() does nothing",
    history: [connect],
    event: connect,
    state: "connecting",
    link: "opening",
    actions: [],
  },
  {
    name: "the first handshake makes it ready and flushes the offline queue",
    history: [connect],
    event: ready,
    state: "ready",
    link: "live",
    actions: READY_FIRST,
  },
  {
    name: "a lost connection while ready goes to reconnecting",
    history: [connect, ready],
    event: lost,
    state: "reconnecting",
    link: "down",
    actions: ["forget-connection", "stop-health"],
  },
  {
    name: "a loss is taken once per connection",
    history: [connect, ready, lost],
    event: ended,
    state: "reconnecting",
    link: "down",
    actions: ["stop-health", "quiet"],
  },
  {
    name: "the closed stream of a lost connection schedules a reconnect",
    history: [connect, ready, lost, ended],
    event: closed,
    state: "reconnecting",
    link: "down",
    actions: ["schedule-reconnect"],
  },
  {
    name: "the reconnect delay running out opens a new connection",
    history: [connect, ready, lost, ended, closed],
    event: retry,
    state: "reconnecting",
    link: "opening",
    actions: ["open"],
  },
  {
    name: "a reconnected connection resubscribes before the offline queue",
    history: [connect, ready, lost, ended, closed, retry],
    event: ready,
    state: "ready",
    link: "live",
    actions: ["announce-ready", "resubscribe", "flush", "start-health"],
  },
  {
    name: "a failed reconnect attempt schedules the next one",
    history: [connect, ready, lost, ended, closed, retry, lost, ended],
    event: closed,
    state: "reconnecting",
    link: "down",
    actions: ["schedule-reconnect"],
  },
  {
    name: "a strategy that gives up ends the client with its error",
    history: [connect, ready, lost, ended, closed],
    event: giveUp,
    state: "closed",
    link: "down",
    actions: FINISH,
    outcome: gaveUp,
  },
  {
    name: "without reconnect a lost connection ends the client",
    reconnects: false,
    history: [connect, ready, lost, ended],
    event: closed,
    state: "closed",
    link: "down",
    actions: FINISH,
    outcome: boom,
  },
  {
    name: "a first connection that fails ends the client (connect() never retries)",
    history: [connect, lost, ended],
    event: closed,
    state: "closed",
    link: "down",
    actions: FINISH,
    outcome: boom,
  },
  {
    name: "a clean end of the connection ends the client",
    history: [connect, ready, endedClean],
    event: closedClean,
    state: "closed",
    link: "down",
    actions: FINISH,
    outcome: undefined,
  },
  {
    name: "after QUIT the end of the connection is a clean end",
    history: [connect, ready, quit, lost, ended],
    event: closed,
    state: "closed",
    link: "down",
    actions: FINISH,
    outcome: undefined,
  },
  {
    name: "close() on a client never connected ends it at once",
    history: [],
    event: close,
    state: "closed",
    link: "none",
    actions: FINISH,
    outcome: undefined,
  },
  {
    name: "close() on a live connection closes it cleanly",
    history: [connect, ready],
    event: close,
    state: "closing",
    link: "live",
    actions: ["cancel-reconnect", "close-monitors", "close-connection"],
  },
  {
    name: "close() while connecting closes the connection being opened",
    history: [connect],
    event: close,
    state: "closing",
    link: "opening",
    actions: ["cancel-reconnect", "close-monitors", "close-connection"],
  },
  {
    name: "a handshake finishing while closing keeps it closing",
    history: [connect, close],
    event: ready,
    state: "closing",
    link: "live",
    actions: READY_FIRST,
  },
  {
    name: "close() between reconnect attempts ends the client",
    history: [connect, ready, lost, ended, closed],
    event: close,
    state: "closed",
    link: "down",
    actions: ["cancel-reconnect", "close-monitors", ...FINISH],
    outcome: undefined,
  },
  {
    name: "a second close() does nothing",
    history: [connect, ready, close],
    event: close,
    state: "closing",
    link: "live",
    actions: [],
  },
  {
    name: "a lost connection while closing does not reconnect",
    history: [connect, ready, close, lost, ended],
    event: closed,
    state: "closed",
    link: "down",
    actions: FINISH,
    outcome: boom,
  },
  {
    name: "destroy() destroys the live connection",
    history: [connect, ready],
    event: destroy,
    state: "ready",
    link: "live",
    actions: ["cancel-reconnect", "destroy-monitors", "destroy-connection"],
  },
  {
    name: "the connection ended by destroy() does not reconnect",
    history: [connect, ready, destroy, { type: "lost", error: destroyed }],
    event: closedDestroyed,
    state: "closed",
    link: "down",
    actions: FINISH,
    outcome: destroyed,
  },
  {
    name: "destroy() between reconnect attempts ends the client with its error",
    history: [connect, ready, lost, ended, closed],
    event: destroy,
    state: "closed",
    link: "down",
    actions: ["cancel-reconnect", "destroy-monitors", ...FINISH],
    outcome: destroyed,
  },
  {
    name: "destroy() after the end does nothing",
    history: [connect, ready, close, endedClean, closedClean],
    event: destroy,
    state: "closed",
    link: "down",
    actions: [],
  },
  {
    name: "a retry after close() does nothing",
    history: [connect, ready, lost, ended, closed, close],
    event: retry,
    state: "closed",
    link: "down",
    actions: [],
  },
  {
    name: "connect() after the end does nothing",
    history: [close],
    event: connect,
    state: "closed",
    link: "none",
    actions: [],
  },
];

for (const row of rows) {
  Deno.test(`Lifecycle ${row.name}`, () => {
    const life = new Lifecycle(row.reconnects ?? true);
    for (const event of row.history) life.on(event);
    const actions = life.on(row.event);
    assert.deepEqual(
      { state: life.state, link: life.link, actions: [...actions] },
      { state: row.state, link: row.link, actions: row.actions },
    );
    if ("outcome" in row) assert.equal(life.outcome, row.outcome);
  });
}

Deno.test("Lifecycle counts reconnect attempts and starts again at zero once ready", () => {
  const life = new Lifecycle(true);
  for (const event of [connect, ready, lost, ended, closed]) life.on(event);
  assert.equal(life.attempt, 1);
  for (const event of [retry, lost, ended, closed]) life.on(event);
  assert.equal(life.attempt, 2);
  life.on(retry);
  life.on(ready);
  assert.equal(life.attempt, 0);
  assert.equal(life.everReady, true);
});

Deno.test("Lifecycle keeps the first error the user destroyed with, and the last loss", () => {
  const life = new Lifecycle(true);
  for (const event of [connect, ready]) life.on(event);
  life.on(destroy);
  life.on({ type: "destroy", error: new Error("later") });
  assert.equal(life.orderedError, destroyed);
  assert.equal(life.ordered(destroyed), true);
  life.on({ type: "lost", error: destroyed });
  assert.equal(life.lastError, destroyed);
  assert.equal(life.live, false);
  assert.equal(life.ending, false);
});
