// Every RESP2/RESP3 type, each vector fed whole, one byte at a time and split at every position
// (tests/redis/_resp_harness.ts), with identical results every way.

import assert from "node:assert/strict";
import { ReplyError, RespReader, VerbatimString } from "../../redis/mod.ts";
import { bytes, check, feed, plain, replies, utf8 } from "./_resp_harness.ts";

Deno.test("RespReader parses simple strings, with shared strings for OK, PONG and QUEUED", () => {
  replies("+OK\r\n+PONG\r\n+QUEUED\r\n+\r\n+hello world\r\n", [
    "OK",
    "PONG",
    "QUEUED",
    "",
    "hello world",
  ]);
  replies(`+${utf8("héllo wörld ✓")}\r\n`, ["héllo wörld ✓"]);
  replies("+OKAY\r\n+PONGS\r\n+QUEUE\r\n", ["OKAY", "PONGS", "QUEUE"]);
});

Deno.test("RespReader returns simple errors as ReplyError values with their code", () => {
  const reader = new RespReader();
  reader.feed(bytes("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"));
  const error = reader.next();
  assert.ok(error instanceof ReplyError);
  assert.equal(error.code, "WRONGTYPE");
  assert.equal(error.message, "WRONGTYPE Operation against a key holding the wrong kind of value");
  assert.equal(error.name, "ReplyError");
  replies(
    "-ERR unknown command 'foo'\r\n-MOVED 3999 127.0.0.1:6381\r\n-NOSCRIPT No matching script\r\n-ERR\r\n",
    [
      new ReplyError("ERR unknown command 'foo'"),
      new ReplyError("MOVED 3999 127.0.0.1:6381"),
      new ReplyError("NOSCRIPT No matching script"),
      new ReplyError("ERR"),
    ],
  );
  assert.deepEqual(plain(new ReplyError("MOVED 3999 127.0.0.1:6381")), {
    replyError: "MOVED 3999 127.0.0.1:6381",
    code: "MOVED",
  });
});

Deno.test("RespReader returns blob errors as ReplyError values, binary-safe", () => {
  replies("!21\r\nSYNTAX invalid syntax\r\n!0\r\n\r\n!8\r\nERR a\r\nb\r\n", [
    new ReplyError("SYNTAX invalid syntax"),
    new ReplyError(""),
    new ReplyError("ERR a\r\nb"),
  ]);
  // Even when strings are returned as bytes, an error is text.
  replies("!8\r\nERR oops\r\n", [new ReplyError("ERR oops")], {
    reader: { returnBuffers: true },
  });
});

Deno.test("RespReader parses integers exactly: number up to 2^53 - 1, bigint beyond", () => {
  replies(
    ":0\r\n:1\r\n:-1\r\n:1000\r\n:123456789012345\r\n:9007199254740991\r\n:-9007199254740991\r\n",
    [0, 1, -1, 1000, 123456789012345, 9007199254740991, -9007199254740991],
  );
  replies(
    ":9007199254740992\r\n:-9007199254740992\r\n:9223372036854775807\r\n:-9223372036854775808\r\n",
    [9007199254740992n, -9007199254740992n, 9223372036854775807n, -9223372036854775808n],
  );
  // 16 to 19 digits that still fit a double exactly stay numbers.
  replies(":1000000000000000\r\n:-4503599627370496\r\n", [1000000000000000, -4503599627370496]);
});

Deno.test("RespReader parses bulk strings, binary-safe, and null bulks", () => {
  replies("$5\r\nhello\r\n$0\r\n\r\n$-1\r\n$4\r\n\r\n\r\n\r\n", ["hello", "", null, "\r\n\r\n"]);
  replies(`$6\r\n${utf8("héllo")}\r\n$3\r\n${utf8("✓")}\r\n`, ["héllo", "✓"]);
  // A byte-order mark is content, not decoration; invalid UTF-8 becomes U+FFFD.
  replies("$6\r\n\xef\xbb\xbfabc\r\n$3\r\na\xffb\r\n", ["\ufeffabc", "a\ufffdb"]);
  // Lengths around the short-string paths.
  const texts = [12, 13, 32, 33, 100].map((n) => "x".repeat(n - 1) + "y");
  replies(texts.map((t) => `$${t.length}\r\n${t}\r\n`).join(""), texts);
});

Deno.test("RespReader returns bulk strings as Uint8Array with returnBuffers", () => {
  const every = String.fromCharCode(...Array(256).keys());
  replies(`$256\r\n${every}\r\n$0\r\n\r\n$-1\r\n`, [bytes(every), new Uint8Array(0), null], {
    reader: { returnBuffers: true },
  });
  // Simple strings stay strings.
  replies("+OK\r\n$2\r\nok\r\n", ["OK", bytes("ok")], { reader: { returnBuffers: true } });
  // The arrays are the caller's: no later reply overwrites them, and writing to one changes no
  // other. Short ones share a pool; long ones have their own buffer.
  const reader = new RespReader({ returnBuffers: true });
  const long = "L".repeat(513);
  reader.feed(bytes(`$3\r\nabc\r\n$3\r\ndef\r\n$513\r\n${long}\r\n`));
  const first = reader.next() as Uint8Array;
  first[0] = 0x7a;
  const second = reader.next() as Uint8Array;
  assert.deepEqual(second, bytes("def"));
  assert.equal(first.buffer, second.buffer);
  const third = reader.next() as Uint8Array;
  assert.equal(third.byteLength, third.buffer.byteLength);
  for (let i = 0; i < 5000; i++) {
    reader.feed(bytes(`$3\r\n${String(i % 1000).padStart(3, "0")}\r\n`));
    reader.next();
  }
  assert.deepEqual([first, second, third], [bytes("zbc"), bytes("def"), bytes(long)]);
});

Deno.test("RespReader decodes runs of short strings through its window the same as one by one", () => {
  // Many short strings in one buffer take the decoded-window path; a non-ASCII byte anywhere in
  // the window makes it fall back to decoding each string.
  const values = Array.from({ length: 60 }, (_, i) => `k${i}`);
  const ascii = values.map((v) => `$${v.length}\r\n${v}\r\n`).join("");
  replies(`*60\r\n${ascii}`, [values], { splits: [1, 7, 100, 255, 256, 257, 400] });
  const mixed = [...values.slice(0, 30), "é", "\ufffd", ...values.slice(30)];
  const text = `*62\r\n${values.slice(0, 30).map((v) => `$${v.length}\r\n${v}\r\n`).join("")}` +
    `$2\r\n${utf8("é")}\r\n$1\r\n\xff\r\n${
      values.slice(30).map((v) => `$${v.length}\r\n${v}\r\n`).join("")
    }`;
  replies(text, [mixed], { splits: [1, 50, 255, 300] });
  // Lone invalid bytes keep one char per byte: still cut out of the window, still U+FFFD.
  const lone = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? "a\x80" : `v${i}`));
  replies(`*50\r\n${lone.map((v) => `$${v.length}\r\n${v}\r\n`).join("")}`, [
    lone.map((v) => v.replace("\x80", "\ufffd")),
  ]);
});

Deno.test("RespReader parses large bulk strings received in pieces", () => {
  const body = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(
    "",
  );
  const splits = [1, 5, 8, 9, 100, 10_000, 19_999, 20_007, 20_008, 20_009];
  replies(`$20000\r\n${body}\r\n+after\r\n`, [body, "after"], { splits });
  replies(`$20000\r\n${body}\r\n`, [bytes(body)], { splits, reader: { returnBuffers: true } });
  replies(`*2\r\n=20004\r\ntxt:${body}\r\n!20000\r\n${body}\r\n`, [[
    new VerbatimString("txt", body),
    new ReplyError(body),
  ]], { splits: [4, 20, 20_000, 20_013, 20_014, 30_000] });
});

Deno.test("RespReader parses arrays, nested, empty and null", () => {
  replies("*0\r\n*-1\r\n*2\r\n$1\r\na\r\n:1\r\n*3\r\n*1\r\n*0\r\n_\r\n$-1\r\n", [
    [],
    null,
    ["a", 1],
    [[[]], null, null],
  ]);
  // A RESP2 pub/sub message is a plain array: telling it apart is the client's job.
  replies("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n", [["message", "ch", "hello"]]);
});

Deno.test("RespReader returns maps as Map, keeping keys that are not strings", () => {
  replies("%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n,2.5\r\n%0\r\n", [
    new Map<unknown, unknown>([["first", 1], ["second", 2.5]]),
    new Map(),
  ]);
  const reader = new RespReader();
  reader.feed(bytes("%4\r\n:1\r\n+one\r\n#t\r\n+yes\r\n_\r\n+nothing\r\n*1\r\n:9\r\n+list\r\n"));
  const map = reader.next() as Map<unknown, unknown>;
  assert.ok(map instanceof Map);
  assert.equal(map.get(1), "one");
  assert.equal(map.get(true), "yes");
  assert.equal(map.get(null), "nothing");
  const [listKey] = [...map.keys()].filter(Array.isArray);
  assert.deepEqual(listKey, [9]);
  assert.equal(map.get(listKey), "list");
  // Later duplicates win, as Map.set does.
  replies("%2\r\n+a\r\n:1\r\n+a\r\n:2\r\n", [new Map([["a", 2]])]);
  // Nested maps.
  replies("%1\r\n+outer\r\n%1\r\n+inner\r\n#f\r\n", [
    new Map([["outer", new Map([["inner", false]])]]),
  ]);
});

Deno.test("RespReader returns sets as Set", () => {
  replies("~3\r\n+a\r\n:1\r\n#f\r\n~0\r\n", [new Set(["a", 1, false]), new Set()]);
});

Deno.test("RespReader parses doubles: decimals, exponents, inf, -inf and nan", () => {
  replies(
    ",1.23\r\n,10\r\n,-0\r\n,0.1\r\n,3.141592653589793\r\n,0.30000000000000004\r\n,1e10\r\n" +
      ",1.5E-5\r\n,-2.5e+3\r\n,1.7976931348623157e308\r\n,5e-324\r\n,1e400\r\n,.5\r\n,5.\r\n" +
      ",+7\r\n,123456789012345678901234567890\r\n",
    [
      1.23,
      10,
      -0,
      0.1,
      3.141592653589793,
      0.30000000000000004,
      1e10,
      1.5e-5,
      -2500,
      1.7976931348623157e308,
      5e-324,
      Infinity,
      0.5,
      5,
      7,
      1.2345678901234568e29,
    ],
  );
  replies(",inf\r\n,-inf\r\n,+inf\r\n,INF\r\n,nan\r\n,-nan\r\n,NaN\r\n", [
    Infinity,
    -Infinity,
    Infinity,
    Infinity,
    NaN,
    NaN,
    NaN,
  ]);
  // Exactness where floating-point accumulation of digits would be off in the last bit.
  const samples = [
    1 / 7,
    2 / 3,
    0.1 + 0.2,
    123.456,
    9007199254740993,
    1e-7,
    4.35,
    1.0000000000000002,
  ];
  replies(samples.map((x) => `,${x}\r\n`).join(""), samples);
});

Deno.test("RespReader parses booleans, nulls and big numbers", () => {
  replies("#t\r\n#f\r\n_\r\n", [true, false, null]);
  replies(
    "(3492890328409238509324850943850943825024385\r\n(-3492890328409238509324850943850943825024385\r\n(0\r\n(12\r\n",
    [
      3492890328409238509324850943850943825024385n,
      -3492890328409238509324850943850943825024385n,
      0n,
      12n,
    ],
  );
});

Deno.test("RespReader keeps the format of verbatim strings", () => {
  replies("=15\r\ntxt:Some string\r\n=4\r\nmkd:\r\n=8\r\ntxt:a\r\nb\r\n", [
    new VerbatimString("txt", "Some string"),
    new VerbatimString("mkd", ""),
    new VerbatimString("txt", "a\r\nb"),
  ]);
  replies("=7\r\ntxt:\x00\xff\r\r\n", [new VerbatimString("txt", bytes("\x00\xff\r"))], {
    reader: { returnBuffers: true },
  });
  const reader = new RespReader();
  reader.feed(bytes("=15\r\ntxt:Some string\r\n"));
  const value = reader.next();
  assert.ok(value instanceof VerbatimString);
  assert.equal(value.format, "txt");
  assert.equal(`${value}`, "Some string");
});

Deno.test("RespReader parses a mix of every type in one stream", () => {
  const stream = "*14\r\n+simple\r\n-ERR e\r\n:42\r\n$4\r\nbulk\r\n*1\r\n:1\r\n%1\r\n+k\r\n+v\r\n" +
    "~1\r\n+m\r\n,1.5\r\n#t\r\n_\r\n(99999999999999999999\r\n=7\r\ntxt:abc\r\n!5\r\nERR x\r\n$-1\r\n";
  replies(stream, [[
    "simple",
    new ReplyError("ERR e"),
    42,
    "bulk",
    [1],
    new Map([["k", "v"]]),
    new Set(["m"]),
    1.5,
    true,
    null,
    99999999999999999999n,
    new VerbatimString("txt", "abc"),
    new ReplyError("ERR x"),
    null,
  ]]);
});

Deno.test("RespReader parses 1024 levels of nesting without recursion", () => {
  let expected: unknown = 1;
  for (let i = 0; i < 1024; i++) expected = [expected];
  const stream = "*1\r\n".repeat(1024) + ":1\r\n";
  replies(stream, [expected], { splits: [1, 2, 3, 4, 2048, 4096, 4097, 4099] });
  // Maps and sets count as levels too.
  const mixed = "%1\r\n+k\r\n".repeat(512) + "~1\r\n".repeat(512) + "_\r\n";
  const reader = new RespReader();
  reader.feed(bytes(mixed));
  assert.ok(reader.next() instanceof Map);
});

Deno.test("RespReader.next returns undefined only while bytes are missing", () => {
  const reader = new RespReader();
  assert.equal(reader.next(), undefined);
  assert.equal(reader.idle, true);
  reader.feed(bytes("_\r"));
  assert.equal(reader.next(), undefined);
  assert.equal(reader.idle, false);
  reader.feed(bytes("\n"));
  assert.equal(reader.next(), null);
  assert.equal(reader.idle, true);
  reader.feed(new Uint8Array(0));
  assert.equal(reader.next(), undefined);
});

Deno.test("RespReader honours returnBuffers per next() call, for the whole reply", () => {
  const stream = "$1\r\na\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n";
  replies(stream, [bytes("a"), [bytes("b"), bytes("c")], "d"], {
    calls: [{ returnBuffers: true }, { returnBuffers: true }, {}],
  });
  replies(stream, ["a", ["b", "c"], bytes("d")], {
    reader: { returnBuffers: true },
    calls: [{ returnBuffers: false }, { returnBuffers: false }],
  });
  // A reply keeps the mode of the call that parsed its first byte.
  const reader = new RespReader();
  reader.feed(bytes("*2\r\n$1\r\nx\r\n"));
  assert.equal(reader.next({ returnBuffers: true }), undefined);
  reader.feed(bytes("$1\r\ny\r\n"));
  assert.deepEqual(reader.next(), [bytes("x"), bytes("y")]);
});

Deno.test("RespReader reset forgets a partial reply and starts offsets again", () => {
  const reader = new RespReader();
  reader.feed(bytes("*3\r\n:1\r\n$5\r\nab"));
  assert.equal(reader.next(), undefined);
  reader.reset();
  assert.equal(reader.idle, true);
  assert.equal(reader.bufferedBytes, 0);
  reader.feed(bytes("+fresh\r\n@"));
  assert.equal(reader.next(), "fresh");
  assert.throws(() => reader.next(), (error: Error & { offset?: number }) => error.offset === 8);
});

Deno.test("RespReader.feed keeps a copy, not the caller's bytes (and the harness checks it)", () => {
  // A self-check: the scratch array the harness feeds from is overwritten after feed(), so a
  // reader holding on to it would see 0xee bytes. Feed a copy that we overwrite ourselves.
  const reader = new RespReader();
  const scratch = bytes("$5\r\nhel");
  reader.feed(scratch);
  scratch.fill(0xee);
  reader.feed(bytes("lo\r\n"));
  assert.equal(reader.next(), "hello");
  assert.deepEqual(feed(bytes("+a\r\n"), [2]).events, [{ reply: "a" }]);
  check("", { events: [] });
});
