// The reader's bounds on one reply (with its attributes): elements, bytes, the length of big
// numbers and doubles, and what happens to failures that are not protocol errors. Each vector is
// fed whole, one byte at a time and split at every position (tests/redis/_resp_harness.ts) and
// must give the same outcome every way.

import assert from "node:assert/strict";
import { ProtocolError, ReplyDecodeError, ReplyError, RespReader } from "../../redis/mod.ts";
import { bytes, check, fails, plain, replies } from "./_resp_harness.ts";

Deno.test("RespReader bounds the elements of one reply, attributes included", () => {
  // Each aggregate counts its elements and 8 more for itself: `|1 +a +b` is 2 + 8.
  const attribute = "|1\r\n+a\r\n+b\r\n"; // 12 bytes
  fails(attribute.repeat(5), 48, /reply with its attributes exceeds the limit of 49 elements/, {
    reader: { maxReplyElements: 49 },
  });
  // Attributes that never reach a reply pile up into one count (here 400 of them).
  fails(attribute.repeat(400), 12 * 99, /exceeds the limit of 999 elements at offset 1188/, {
    reader: { maxReplyElements: 999 },
    splits: [1, 700, 1188, 1189],
  });
  // Nested aggregates: 2 + 8, 3 + 8, 0 + 8 = 29.
  const nested = "*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*0\r\n";
  fails(nested, 20, /exceeds the limit of 28 elements at offset 20/, {
    reader: { maxReplyElements: 28 },
  });
  replies(nested, [[[1, 2, 3], []]], { reader: { maxReplyElements: 29 } });
  // Maps and sets count like arrays; a map of n entries declares 2n elements.
  fails("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", 0, /limit of 11 elements at offset 0/, {
    reader: { maxReplyElements: 11 },
  });
  // The count starts again with each reply; a push counts with the attributes before it (10 +
  // 10 here), and the reply after it starts from zero (12 + 8).
  const twelve = `*12\r\n${":1\r\n".repeat(12)}`;
  check(`${attribute}>2\r\n+m\r\n+x\r\n${twelve}`, {
    events: [
      {
        push: ["m", "x"],
        attributes: [{ path: [], attributes: plain(new Map([["a", "b"]])) }],
      },
      { reply: Array(12).fill(1) },
    ],
  }, { reader: { maxReplyElements: 20 } });
  fails(`${attribute}>3\r\n+m\r\n+x\r\n+y\r\n`, 12, /limit of 20 elements at offset 12/, {
    reader: { maxReplyElements: 20 },
  });
  replies("*2\r\n:1\r\n:2\r\n".repeat(3), [[1, 2], [1, 2], [1, 2]], {
    reader: { maxReplyElements: 10 },
  });
});

Deno.test("RespReader applies its default element bound at the header, before allocating", () => {
  // 2^25 by default: an array of n elements counts n + 8.
  fails("*33554425\r\n", 0, /exceeds the limit of 33554432 elements at offset 0/);
  const reader = new RespReader();
  reader.feed(bytes("*33554424\r\n:1\r\n"));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.error, undefined);
});

Deno.test("RespReader bounds the bytes of one reply, attributes included", () => {
  // A bulk string is refused at its header, from its declared length.
  fails("$10\r\n0123456789\r\n", 0, /exceeds the limit of 16 bytes at offset 0/, {
    reader: { maxReplyBytes: 16 },
  });
  replies("$10\r\n0123456789\r\n", ["0123456789"], { reader: { maxReplyBytes: 17 } });
  fails("$536870912\r\n", 0, /exceeds the limit of 1024 bytes/, {
    reader: { maxReplyBytes: 1024 },
  });
  // Inside an aggregate (the reader's inline path when the bytes are all there).
  fails("*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n", 13, /limit of 21 bytes at offset 13/, {
    reader: { maxReplyBytes: 21 },
  });
  replies("*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n", [["abc", "def"]], { reader: { maxReplyBytes: 22 } });
  // Attributes count toward the reply they precede.
  fails("|1\r\n+k\r\n+v\r\n+OK\r\n", 12, /limit of 16 bytes at offset 12/, {
    reader: { maxReplyBytes: 16 },
  });
  // Strings, errors, doubles and big numbers are checked where they end.
  for (const value of ["+hello", "-ERR x", ",1.25", "(12345"]) {
    fails(`*1\r\n${value}\r\n`, 4, /limit of 8 bytes at offset 4/, {
      reader: { maxReplyBytes: 8 },
    });
  }
  // Integers, nulls and booleans are counted where the reply ends (or at the next check).
  fails("*3\r\n:1\r\n:2\r\n:3\r\n", 16, /limit of 15 bytes at offset 16/, {
    reader: { maxReplyBytes: 15 },
  });
  replies("*3\r\n:1\r\n:2\r\n:3\r\n", [[1, 2, 3]], { reader: { maxReplyBytes: 16 } });
  // `+OK` (read on a path of its own when it is all there) is counted like any string.
  fails("*2\r\n+OK\r\n+OK\r\n", 9, /limit of 13 bytes at offset 9/, {
    reader: { maxReplyBytes: 13 },
  });
  fails("+OK\r\n", 0, /limit of 4 bytes at offset 0/, { reader: { maxReplyBytes: 4 } });
  // Each reply (and each push) starts from zero.
  replies("+OK\r\n".repeat(4), ["OK", "OK", "OK", "OK"], { reader: { maxReplyBytes: 5 } });
});

Deno.test("RespReader caps the length of big numbers and doubles", () => {
  const digits = "7".repeat(4300);
  replies(`(${digits}\r\n(-${digits.slice(1)}\r\n`, [BigInt(digits), -BigInt(digits.slice(1))], {
    splits: [1, 4301],
  });
  fails(`(${digits}7\r\n`, 0, /big number is longer than the limit of 4300 bytes at offset 0/, {
    splits: [1, 4301, 4302],
  });
  fails(`,${digits}7\r\n`, 0, /double is longer than the limit of 4300 bytes/, {
    splits: [1, 4302],
  });
  fails("(12345678901\r\n", 0, /big number is longer than the limit of 10 bytes/, {
    reader: { maxNumberLength: 10 },
  });
  replies("(1234567890\r\n,1.23456789\r\n", [1234567890n, 1.23456789], {
    reader: { maxNumberLength: 10 },
  });
  // A line bound below it wins.
  fails("(123456\r\n", 0, /big number is longer than the limit of 5 bytes/, {
    reader: { maxLineLength: 5 },
  });
  // Ten million digits are refused as soon as the bound is crossed, not parsed.
  const reader = new RespReader();
  const huge = new Uint8Array(10_000_003).fill(57);
  huge[0] = 40; // (
  huge.set([13, 10], 10_000_001);
  reader.feed(huge);
  assert.throws(
    () => reader.next(),
    (error) => error instanceof ProtocolError && /limit of 4300 bytes/.test(error.message),
  );
});

Deno.test("RespReader checks its new bounds' options", () => {
  for (
    const options of [{ maxNumberLength: -1 }, { maxReplyBytes: 0.5 }, { maxReplyElements: NaN }]
  ) {
    assert.throws(() => new RespReader(options), RangeError);
  }
  // maxElements can only be set to what a V8 array can hold.
  assert.throws(() => new RespReader({ maxElements: 2 ** 27 + 1 }), RangeError);
  const reader = new RespReader({ maxElements: 2 ** 27, maxReplyElements: 2 ** 30 });
  reader.feed(bytes("*134217728\r\n"));
  assert.equal(reader.next(), undefined);
  fails("*134217729\r\n", 0, /array of "134217729" elements exceeds the limit of 134217728/, {
    reader: { maxReplyElements: 2 ** 30 },
  });
});

Deno.test("RespReader turns an unexpected exception while parsing into a ProtocolError", () => {
  // Stands in for an engine limit (a RangeError from a full Set, memory running out).
  const add = Set.prototype.add;
  Set.prototype.add = function () {
    throw new RangeError("Set maximum size exceeded");
  };
  try {
    const reader = new RespReader();
    reader.feed(bytes("~1\r\n:1\r\n"));
    assert.throws(() => reader.next(), (error) => {
      assert.ok(error instanceof ProtocolError);
      assert.match(error.message, /^The reply could not be read \(Set maximum size exceeded\)/);
      assert.ok(error.cause instanceof RangeError);
      return true;
    });
    // The stream cannot be trusted: the reader stays stopped, as after any protocol error.
    assert.throws(() => reader.next(), ProtocolError);
  } finally {
    Set.prototype.add = add;
  }
  // An exception from the push handler is the handler's own: it still propagates as it is.
  const reader = new RespReader({
    onPush: () => {
      throw new RangeError("from the handler");
    },
  });
  reader.feed(bytes(">1\r\n+x\r\n+OK\r\n"));
  assert.throws(() => reader.next(), (error) => error instanceof RangeError);
  assert.equal(reader.next(), "OK");
});

Deno.test("RespReader returns a string too long to decode as a ReplyDecodeError and stays in step", () => {
  // 512 MiB (Redis's largest value) is more UTF-16 units than a V8 string can hold. One byte at
  // a time would be half a billion calls: the reply is fed in 1 MiB pieces (the bulk string is
  // received straight into its own array), and the push whole (decoded from the buffer).
  const size = 512 * 1024 * 1024;
  const head = bytes(`*2\r\n:1\r\n$${size}\r\n`);
  const tail = bytes("\r\n+OK\r\n");
  const stream = new Uint8Array(head.length + size + tail.length);
  stream.set(head);
  stream.fill(120, head.length, head.length + size);
  stream.set(tail, head.length + size);
  const reader = new RespReader();
  const replies: unknown[] = [];
  for (let at = 0; at < stream.length; at += 1024 * 1024) {
    reader.feed(stream.subarray(at, at + 1024 * 1024));
    for (let reply = reader.next(); reply !== undefined; reply = reader.next()) {
      replies.push(reply);
    }
  }
  assert.equal(replies.length, 2);
  const error = replies[0];
  assert.ok(error instanceof ReplyDecodeError && error instanceof ReplyError);
  assert.equal(error.code, "DECODE");
  assert.equal(
    error.message,
    `A bulk string of ${size} bytes is too long to decode as a JavaScript string: read it ` +
      "with returnBuffers",
  );
  assert.equal(replies[1], "OK", "the next reply is read in step");
  assert.ok(reader.idle);
  // In a push, the error takes the string's place alone: there is no command to reject.
  stream.set(bytes(">2\r\n"), 0);
  const pushed: unknown[][] = [];
  const pushes = new RespReader({ onPush: (push) => void pushed.push(push) });
  pushes.feed(stream);
  assert.equal(pushes.next(), "OK");
  assert.equal(pushed.length, 1);
  assert.equal(pushed[0]![0], 1);
  assert.ok(pushed[0]![1] instanceof ReplyDecodeError);
});
