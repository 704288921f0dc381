// Malformed and hostile input: every vector fed whole, one byte at a time and split at every
// position must give the same ProtocolError (message and byte offset), and the reader must refuse
// input afterwards until reset() (checked by the harness).

import assert from "node:assert/strict";
import { ProtocolError, RedisError, RespReader } from "../../redis/mod.ts";
import { bytes, fails, replies } from "./_resp_harness.ts";

Deno.test("RespReader rejects aggregate counts beyond its bound before allocating", () => {
  fails("*134217729\r\n", 0, /array of "134217729" elements exceeds the limit of 134217728/);
  fails("*4294967296\r\n", 0, /array of "4294967296" elements exceeds the limit of 134217728/);
  fails("*2305843009213693954\r\n", 0, /array of "2305843009213693954" elements exceeds/);
  fails("%4611686018427387904\r\n", 0, /map of "4611686018427387904" entries exceeds/);
  fails("~4294967296\r\n", 0, /set of "4294967296" elements exceeds/);
  fails(">4294967296\r\n", 0, /push of "4294967296" elements exceeds/);
  fails("|4294967296\r\n", 0, /attribute of "4294967296" entries exceeds/);
  // Past what a JavaScript Map or Set can hold.
  fails("%16777217\r\n", 0, /map of 16777217 entries exceeds the 16777216 that a JavaScript Map/);
  fails("~16777217\r\n", 0, /set of 16777217 entries exceeds the 16777216 that a JavaScript Set/);
});

Deno.test("RespReader rejects bulk lengths beyond its bound before allocating", () => {
  fails("$9223372036854775807\r\n", 0, /bulk string of "9223372036854775807" bytes exceeds/);
  fails("$536870913\r\n", 0, /bulk string of "536870913" bytes exceeds the limit of 536870912/);
  fails("=536870913\r\n", 0, /verbatim string of "536870913" bytes exceeds/);
  fails("!536870913\r\n", 0, /blob error of "536870913" bytes exceeds/);
  // Exactly 512 MiB is allowed, as in Redis (and only what arrives is stored).
  const reader = new RespReader();
  reader.feed(bytes("$536870912\r\n"));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.error, undefined);
});

Deno.test("RespReader rejects malformed lengths", () => {
  fails("*-2\r\n", 0, /Invalid array length "-2"/);
  fails("$-2\r\n", 0, /Invalid bulk string length "-2"/);
  fails("$+3\r\n", 0, /Invalid bulk string length "\+3"/);
  fails("$003\r\n", 0, /Invalid bulk string length "003"/);
  fails("*01\r\n", 0, /Invalid array length "01"/);
  fails("$-0\r\n", 0, /Invalid bulk string length "-0"/);
  fails("$-1 \r\n", 0, /Invalid bulk string length "-1 "/);
  fails("$ 3\r\n", 0, /Invalid bulk string length " 3"/);
  fails("$3 \r\n", 0, /Invalid bulk string length "3 "/);
  fails("*1x\r\n", 0, /Invalid array length "1x"/);
  // Empty.
  fails("$\r\n", 0, /Invalid bulk string length ""/);
  fails("*\r\n", 0, /Invalid array length ""/);
  fails("%\r\n", 0, /Invalid map length ""/);
  fails("~\r\n", 0, /Invalid set length ""/);
  fails(">\r\n", 0, /Invalid push length ""/);
  fails("|\r\n", 0, /Invalid attribute length ""/);
  fails("=\r\n", 0, /Invalid verbatim string length ""/);
  fails("!\r\n", 0, /Invalid blob error length ""/);
  // Beyond int64, and digits that never end: the line is bounded too.
  fails("$9223372036854775808\r\n", 0, /bulk string of "9223372036854775808" bytes exceeds/);
  fails("*99999999999999999999\r\n", 0, /Invalid array length "99999999999999999999"/);
  fails("$" + "1".repeat(40), 0, /Invalid bulk string length "11111111111111111111"/);
  // A CR that is not followed by LF.
  fails("*1\rx", 0, /Invalid array length "1"/);
  // Null is -1 on bulk strings and arrays only (RESP2); RESP3 has `_`.
  fails("%-1\r\n", 0, /Invalid map length "-1"/);
  fails("~-1\r\n", 0, /Invalid set length "-1"/);
  fails(">-1\r\n", 0, /Invalid push length "-1"/);
  fails("=-1\r\n", 0, /Invalid verbatim string length "-1"/);
  fails("!-1\r\n", 0, /Invalid blob error length "-1"/);
});

Deno.test("RespReader rejects malformed integers", () => {
  fails(": 12\r\n", 0, /Invalid integer " 12"/);
  fails(":\r\n", 0, /Invalid integer ""/);
  fails(":-\r\n", 0, /Invalid integer "-"/);
  fails(":+\r\n", 0, /Invalid integer "\+"/);
  fails(":+-1\r\n", 0, /Invalid integer "\+-1"/);
  fails(":+007\r\n", 0, /Invalid integer "\+007"/);
  fails(":007\r\n", 0, /Invalid integer "007"/);
  fails(":-0\r\n", 0, /Invalid integer "-0"/);
  fails(":1.5\r\n", 0, /Invalid integer "1.5"/);
  fails(":12\n\r\n", 0, /Invalid integer "12\\n"/);
  fails(":9223372036854775808\r\n", 0, /Integer "9223372036854775808" is beyond 64 bits/);
  fails(":-9223372036854775809\r\n", 0, /Integer "-9223372036854775809" is beyond 64 bits/);
  fails(":99999999999999999999\r\n", 0, /Invalid integer "99999999999999999999"/);
  fails(":" + "9".repeat(50), 0, /Invalid integer "9{20}…"|Invalid integer "9{21}"/);
});

Deno.test("RespReader rejects unknown type bytes", () => {
  fails("@\r\n", 0, /Unknown RESP type byte "@"/);
  fails("\x00\r\n", 0, /Unknown RESP type byte "\\u0000"/);
  fails("PING\r\n", 0, /Unknown RESP type byte "P"/);
  fails("+OK\r\n:1\r\n@", 9, /Unknown RESP type byte "@" at offset 9/, { before: ["OK", 1] });
  fails("*2\r\n:1\r\n?", 8, /Unknown RESP type byte "\?"/);
});

Deno.test("RespReader rejects a bulk string whose terminator is not CRLF", () => {
  fails("$4\r\nPONGXX\r\n", 8, /bulk string is not followed by CRLF at offset 8/);
  fails("$4\r\nPONG\rX", 8, /bulk string is not followed by CRLF/);
  fails("$4\r\nPONG\nX", 8, /bulk string is not followed by CRLF/);
  fails("*2\r\n$1\r\naXX", 9, /bulk string is not followed by CRLF/);
  fails("=5\r\ntxt:aXX", 9, /verbatim string is not followed by CRLF/);
  fails("!1\r\naXX", 5, /blob error is not followed by CRLF/);
  // The same through the path that receives large bulks directly.
  const body = "b".repeat(20_000);
  fails(`+ok\r\n$20000\r\n${body}XY`, 5 + 8 + 20_000, /bulk string is not followed by CRLF/, {
    before: ["ok"],
    splits: [1, 5, 13, 14, 10_000, 20_012, 20_013, 20_014],
  });
});

Deno.test("RespReader rejects CR or LF inside simple strings and errors", () => {
  fails("+OK\rX\r\n", 3, /Carriage return without a line feed in a simple string at offset 3/);
  fails("+O\nK\r\n", 2, /Line feed inside a simple string at offset 2/);
  fails("-ERR\nbad\r\n", 4, /Line feed inside a simple error/);
  fails("-ERR\rbad\r\n", 4, /Carriage return without a line feed in a simple error/);
  fails("+\n", 1, /Line feed inside a simple string/);
  fails(",1\n\r\n", 2, /Line feed inside a double/);
  fails("(1\r2\r\n", 2, /Carriage return without a line feed in a big number/);
});

Deno.test("RespReader rejects bad doubles, booleans, nulls, big numbers and verbatim strings", () => {
  for (
    const bad of [
      "1.2.3",
      "abc",
      "",
      "1e",
      "1e+",
      "--1",
      " 1",
      "1 ",
      "1e5x",
      ".",
      "-",
      "e5",
      "infinity",
      "0x10",
      "1_000",
    ]
  ) {
    fails(`,${bad}\r\n`, 0, /Invalid double/);
  }
  for (const bad of ["#x\r\n", "#T\r\n", "#tt\r\n", "#\r\n\r\n", "#t\rX", "#f\nX"]) {
    fails(bad, 0, /Invalid boolean/);
  }
  fails("_x\r\n", 0, /Invalid null "_x"/);
  fails("_\rx", 0, /Invalid null/);
  for (const bad of ["", "-", "+", "+-1", "+01", "1.0", "01", "-0", "12a", " 1"]) {
    fails(`(${bad}\r\n`, 0, /Invalid big number/);
  }
  fails("=3\r\ntxt\r\n", 0, /verbatim string of 3 bytes cannot hold its format prefix/);
  fails("=5\r\ntxt-a\r\n", 0, /verbatim string must start with "xxx:", got "txt-"/);
});

Deno.test("RespReader rejects a push inside an aggregate", () => {
  fails("*1\r\n>1\r\n:1\r\n", 4, /push inside an aggregate at offset 4/);
  fails("%1\r\n+k\r\n>0\r\n", 8, /push inside an aggregate/);
});

Deno.test("RespReader allows 1024 levels of nesting and rejects 1025", () => {
  const deepest = "*1\r\n".repeat(1024);
  replies(`${deepest}:1\r\n`, [JSON.parse("[".repeat(1024) + "1" + "]".repeat(1024))], {
    splits: [4, 4095, 4096, 4097],
  });
  fails(`${deepest}*1\r\n:1\r\n`, 4096, /nested deeper than the limit of 1024 at offset 4096/, {
    splits: [1, 2, 3, 4, 1000, 4095, 4096, 4097, 4098, 4099, 4100],
  });
  fails(`${deepest}*0\r\n`, 4096, /nested deeper than the limit of 1024/, { splits: [4096] });
  fails("|1\r\n+a\r\n".repeat(1024) + "*1\r\n", 8 * 1024, /nested deeper/, { splits: [] });
});

Deno.test("RespReader rejects 50,000 levels of nesting with a ProtocolError, not a RangeError", () => {
  const stream = "*1\r\n".repeat(50_000) + ":1\r\n";
  // Fed whole and one byte at a time (200,004 pieces); splitting at each of the 200,003
  // positions would feed 40 GB, so a sample of split points is used.
  fails(stream, 4096, /nested deeper than the limit of 1024/, {
    splits: [1, 2, 4096, 4097, 99_999, 199_999],
  });
  const reader = new RespReader({ maxDepth: 100_000 });
  reader.feed(bytes(stream));
  let value = reader.next();
  for (let depth = 0; depth < 50_000; depth++) {
    assert.ok(Array.isArray(value) && value.length === 1);
    value = value[0];
  }
  assert.equal(value, 1);
});

Deno.test("RespReader applies custom bounds", () => {
  replies("*3\r\n:1\r\n:2\r\n:3\r\n", [[1, 2, 3]], { reader: { maxElements: 3 } });
  fails("*4\r\n", 0, /array of "4" elements exceeds the limit of 3 elements/, {
    reader: { maxElements: 3 },
  });
  fails("%2\r\n", 0, /map of "2" entries exceeds the limit of 3 elements/, {
    reader: { maxElements: 3 },
  });
  replies("$5\r\nhello\r\n", ["hello"], { reader: { maxBulkLength: 5 } });
  fails("$6\r\n", 0, /bulk string of "6" bytes exceeds the limit of 5/, {
    reader: { maxBulkLength: 5 },
  });
  replies("+1234\r\n", ["1234"], { reader: { maxLineLength: 4 } });
  fails("+12345\r\n", 0, /simple string is longer than the limit of 4 bytes/, {
    reader: { maxLineLength: 4 },
  });
  fails("-12345", 0, /simple error is longer than the limit of 4 bytes/, {
    reader: { maxLineLength: 4 },
  });
  fails("*1\r\n*1\r\n*1\r\n:1\r\n", 8, /nested deeper than the limit of 2/, {
    reader: { maxDepth: 2 },
  });
});

Deno.test("RespReader rejects bounds that are not integers in range", () => {
  for (
    const options of [
      { maxDepth: -1 },
      { maxDepth: 1.5 },
      { maxElements: 2 ** 32 },
      { maxBulkLength: Number.NaN },
      { maxLineLength: Infinity },
    ]
  ) {
    assert.throws(() => new RespReader(options), RangeError);
  }
});

Deno.test("RespReader refuses input after a protocol error until reset", () => {
  const reader = new RespReader();
  reader.feed(bytes("+OK\r\n$x\r\n+later\r\n"));
  assert.equal(reader.next(), "OK");
  let first: unknown;
  assert.throws(() => reader.next(), (error) => {
    first = error;
    return error instanceof ProtocolError && error instanceof RedisError && error.offset === 5;
  });
  assert.throws(() => reader.next(), (error) => error === first);
  assert.throws(() => reader.feed(bytes("+more\r\n")), (error) => error === first);
  assert.equal(reader.error, first);
  reader.reset();
  assert.equal(reader.error, undefined);
  reader.feed(bytes("+again\r\n"));
  assert.equal(reader.next(), "again");
});

Deno.test("ProtocolError carries the stream offset across many feeds", () => {
  const reader = new RespReader();
  let offset = 0;
  for (let i = 0; i < 1000; i++) {
    const chunk = bytes(`$3\r\n${String(i % 1000).padStart(3, "0")}\r\n`);
    reader.feed(chunk);
    offset += chunk.length;
    assert.equal(reader.next(), String(i).padStart(3, "0"));
  }
  reader.feed(bytes("+fine\r\n"));
  assert.equal(reader.next(), "fine");
  reader.feed(bytes("^"));
  assert.throws(() => reader.next(), (error) => (error as ProtocolError).offset === offset + 7);
});

Deno.test("RespReader applies the same checks to elements inside aggregates", () => {
  // Elements of aggregates take a faster path; malformed ones must fail exactly as at top level.
  fails("*2\r\n$003\r\nabc\r\n", 4, /Invalid bulk string length "003"/);
  fails("*2\r\n$+3\r\nabc\r\n", 4, /Invalid bulk string length "\+3"/);
  fails("*2\r\n$-2\r\n", 4, /Invalid bulk string length "-2"/);
  fails("*2\r\n$\r\n", 4, /Invalid bulk string length ""/);
  fails("*2\r\n$4\r\nPONGXX\r\n", 12, /bulk string is not followed by CRLF at offset 12/);
  fails("%1\r\n$1\r\nkXY", 9, /bulk string is not followed by CRLF/);
  fails("~1\r\n$2\r\nab\rX", 10, /bulk string is not followed by CRLF/);
  fails("*1\r\n$3\nabc\r\n", 4, /Invalid bulk string length "3\\n"/);
  fails("*1\r\n$99999999999\r\n", 4, /bulk string of "99999999999" bytes exceeds/);
  fails("*1\r\n$6\r\n", 4, /bulk string of "6" bytes exceeds the limit of 5/, {
    reader: { maxBulkLength: 5 },
  });
  // Valid edge cases on the same path.
  replies("*5\r\n$0\r\n\r\n$-1\r\n$1\r\n\r\r\n$2\r\n\r\n\r\n$10\r\n0123456789\r\n", [[
    "",
    null,
    "\r",
    "\r\n",
    "0123456789",
  ]]);
  replies("*1\r\n$5\r\nhello\r\n", [[bytes("hello")]], { reader: { returnBuffers: true } });
  replies("*1\r\n$5\r\nhello\r\n", [["hello"]], { reader: { maxBulkLength: 5 } });
});
