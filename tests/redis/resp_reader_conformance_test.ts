// Protocol edge cases the RESP grammar and the RESP3 spec allow, and malformed lines that must
// fail as soon as they are complete. Each vector is fed whole, one byte at a time and split at
// every position (tests/redis/_resp_harness.ts); a vector that must fail is fed alone, so it
// fails without any byte after it.

import assert from "node:assert/strict";
import { RespReader } from "../../redis/mod.ts";
import { bytes, fails, replies } from "./_resp_harness.ts";

Deno.test("RespReader accepts a leading + on integers and big numbers", () => {
  replies(":+5\r\n:+0\r\n:+9007199254740993\r\n:-7\r\n", [5, 0, 9007199254740993n, -7]);
  replies("(+123\r\n(+0\r\n(-4\r\n", [123n, 0n, -4n]);
  replies("*2\r\n:+1\r\n(+2\r\n", [[1, 2n]]);
  fails(":+\r\n", 0, /Invalid integer "\+"/);
  fails(":++1\r\n", 0, /Invalid integer "\+\+1"/);
  fails("(+-1\r\n", 0, /Invalid big number "\+-1"/);
  fails("(+01\r\n", 0, /Invalid big number "\+01"/);
});

Deno.test("RespReader accepts every NaN that Redis may send as a double", () => {
  const nans = [
    ",nan\r\n",
    ",-nan\r\n",
    ",NAN\r\n",
    ",+NaN\r\n",
    ",nan(123)\r\n",
    ",-nan(0x7ff8)\r\n",
  ];
  for (const input of [...nans, ",nan()\r\n", ",nan(char_seq)\r\n"]) {
    const reader = new RespReader();
    reader.feed(bytes(input));
    assert.ok(Number.isNaN(reader.next()), input);
  }
  replies(`*2\r\n${nans[4]},inf\r\n`, [[NaN, Infinity]]);
  for (const bad of ["nan(", "nan)", "nan(1", "nan(a-b)", "nan(1)x", "nanx", "-nanq"]) {
    fails(`,${bad}\r\n`, 0, /Invalid double/);
  }
});

Deno.test("RespReader fails a lone # or _ line as soon as it is complete", () => {
  fails("#\r\n", 0, /Invalid boolean "#\\r"/);
  fails("#t\n", 0, /Invalid boolean "#t\\n"/);
  fails("#tt", 0, /Invalid boolean "#tt"/);
  fails("_\n", 0, /Invalid null "_\\n"/);
  fails("*2\r\n#\r\n", 4, /Invalid boolean/);
  replies("#t\r\n#f\r\n_\r\n", [true, false, null]);
});

Deno.test("RespReader fails a header line ending in a bare LF as soon as it is complete", () => {
  fails("$3\n", 0, /Invalid bulk string length "3\\n"/);
  fails("$-1\n", 0, /Invalid bulk string length "-1\\n"/);
  fails("*2\n", 0, /Invalid array length "2\\n"/);
  fails("%1\n", 0, /Invalid map length "1\\n"/);
  fails(">1\n", 0, /Invalid push length "1\\n"/);
  fails("|1\n", 0, /Invalid attribute length "1\\n"/);
  fails(":5\n", 0, /Invalid integer "5\\n"/);
  fails("*1\r\n$3\n", 4, /Invalid bulk string length "3\\n"/);
  fails("$\n", 0, /Invalid bulk string length "\\n"/);
});

Deno.test("RespReader fails a bulk string whose terminator is wrong at its first byte", () => {
  fails("$3\r\nabcX", 7, /bulk string is not followed by CRLF at offset 7/);
  fails("$3\r\nabc\rX", 7, /bulk string is not followed by CRLF/);
  fails("*1\r\n$3\r\nabcX", 11, /bulk string is not followed by CRLF/);
  // A large one, received straight into its own array.
  fails(`$20000\r\n${"x".repeat(20000)}\n`, 20008, /bulk string is not followed by CRLF/, {
    splits: [8, 20008],
  });
});

Deno.test("RespReader does not support RESP3 streamed strings and aggregates", () => {
  fails("$?\r\n;4\r\nHell\r\n;0\r\n", 0, /Invalid bulk string length "\?"/);
  fails("*?\r\n:1\r\n.\r\n", 0, /Invalid array length "\?"/);
  fails("%?\r\n+a\r\n:1\r\n.\r\n", 0, /Invalid map length "\?"/);
  fails("~?\r\n:1\r\n.\r\n", 0, /Invalid set length "\?"/);
});
