// RESP3 pushes and attributes never take a reply's place: pushes reach onPush in stream order
// relative to the replies next() returns; attributes sit beside the reply they annotate.

import assert from "node:assert/strict";
import { RespReader } from "../../redis/mod.ts";
import { bytes, check, plain } from "./_resp_harness.ts";

const message = ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n";
const invalidate = ">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nkey\r\n";

Deno.test("RespReader delivers pushes to onPush in stream order between replies", () => {
  check(`+OK\r\n${message}:1\r\n${invalidate}${message}$3\r\nend\r\n`, {
    events: [
      { reply: "OK" },
      { push: ["message", "news", "hello"] },
      { reply: 1 },
      { push: ["invalidate", ["key"]] },
      { push: ["message", "news", "hello"] },
      { reply: "end" },
    ],
  });
  // A stream of pushes only: next() never returns one.
  check(`${message}>0\r\n`, { events: [{ push: ["message", "news", "hello"] }, { push: [] }] });
});

Deno.test("RespReader delivers a push that interrupts nothing before the reply that follows", () => {
  // The handler runs inside next(): by the time next() returns a reply, every push before it
  // in the stream has been handled, and none after it.
  const order: string[] = [];
  const reader = new RespReader({ onPush: (push) => void order.push(`push ${push[2]}`) });
  reader.feed(
    bytes(`${message}+first\r\n>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$3\r\nbye\r\n+second\r\n`),
  );
  order.push(`reply ${reader.next()}`);
  order.push(`reply ${reader.next()}`);
  assert.equal(reader.next(), undefined);
  assert.deepEqual(order, ["push hello", "reply first", "push bye", "reply second"]);
});

Deno.test("RespReader discards pushes when no handler is set", () => {
  const reader = new RespReader();
  reader.feed(bytes(`${message}+OK\r\n${message}`));
  assert.equal(reader.next(), "OK");
  assert.equal(reader.next(), undefined);
  assert.equal(reader.idle, true);
  // A handler can be set later.
  const pushes: unknown[] = [];
  reader.onPush = (push) => void pushes.push(push);
  reader.feed(bytes(message));
  assert.equal(reader.next(), undefined);
  assert.deepEqual(pushes, [["message", "news", "hello"]]);
});

Deno.test("RespReader reads pushes with pushBuffers, independently of the reply mode", () => {
  check(`${message}$2\r\nok\r\n`, {
    events: [{ push: plain([bytes("message"), bytes("news"), bytes("hello")]) }, { reply: "ok" }],
  }, { reader: { pushBuffers: true } });
  check(`${message}$2\r\nok\r\n`, {
    events: [{ push: ["message", "news", "hello"] }, { reply: plain(bytes("ok")) }],
  }, { reader: { returnBuffers: true, pushBuffers: false } });
  // Pushes follow returnBuffers when pushBuffers is not given.
  check(message, { events: [{ push: plain([bytes("message"), bytes("news"), bytes("hello")]) }] }, {
    reader: { returnBuffers: true },
  });
});

Deno.test("RespReader survives a push handler that throws", () => {
  const reader = new RespReader({
    onPush: () => {
      throw new Error("handler failed");
    },
  });
  reader.feed(bytes(`${message}+after\r\n`));
  assert.throws(() => reader.next(), /handler failed/);
  assert.equal(reader.next(), "after");
});

Deno.test("RespReader keeps attributes beside the reply they annotate", () => {
  // The example of the RESP3 specification: an attribute on the first element of an array.
  check(
    "*2\r\n|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n:2039123\r\n:9543892\r\n",
    {
      events: [{
        reply: [2039123, 9543892],
        attributes: [{
          path: [0],
          attributes: plain(new Map([["key-popularity", new Map([["a", 0.1923], ["b", 0.0012]])]])),
        }],
      }],
    },
  );
  // On the reply itself, and then a reply without attributes.
  check("|1\r\n+ttl\r\n:60\r\n$5\r\nvalue\r\n+plain\r\n", {
    events: [
      { reply: "value", attributes: [{ path: [], attributes: plain(new Map([["ttl", 60]])) }] },
      { reply: "plain" },
    ],
  });
  // Several, nested: paths count elements as sent, so a map's value i is at 2i + 1.
  check("|0\r\n%1\r\n+k\r\n*2\r\n:1\r\n|1\r\n+a\r\n#t\r\n:2\r\n", {
    events: [{
      reply: plain(new Map([["k", [1, 2]]])),
      attributes: [
        { path: [], attributes: plain(new Map()) },
        { path: [1, 1], attributes: plain(new Map([["a", true]])) },
      ],
    }],
  });
});

Deno.test("RespReader gives a push its attributes", () => {
  check(`|1\r\n+origin\r\n+server\r\n${message}+OK\r\n`, {
    events: [
      {
        push: ["message", "news", "hello"],
        attributes: [{ path: [], attributes: plain(new Map([["origin", "server"]])) }],
      },
      { reply: "OK" },
    ],
  });
});

Deno.test("RespReader drops attributes that annotate elements of an attribute", () => {
  check("|1\r\n+k\r\n|1\r\n+inner\r\n:1\r\n+v\r\n:5\r\n", {
    events: [{ reply: 5, attributes: [{ path: [], attributes: plain(new Map([["k", "v"]])) }] }],
  });
});

Deno.test("RespReader.attributes describes the last reply returned", () => {
  const reader = new RespReader();
  reader.feed(bytes("|1\r\n+a\r\n:1\r\n+x\r\n+y\r\n"));
  assert.equal(reader.next(), "x");
  assert.equal(reader.attributes?.length, 1);
  assert.equal(reader.next(), "y");
  assert.equal(reader.attributes, undefined);
  // An attribute whose reply has not arrived yet is pending: the reader is not idle.
  reader.feed(bytes("|1\r\n+a\r\n:1\r\n"));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.idle, false);
});

Deno.test("RespReader refuses next() from inside the push handler", () => {
  const seen: unknown[] = [];
  const reader: RespReader = new RespReader({
    onPush(push) {
      seen.push(push[0]);
      assert.throws(() => reader.next(), TypeError);
      reader.feed(bytes("+fed from the handler\r\n"));
    },
  });
  reader.feed(bytes(`${message}+first\r\n`));
  assert.equal(reader.next(), "first");
  assert.equal(reader.next(), "fed from the handler");
  assert.deepEqual(seen, ["message"]);
});
