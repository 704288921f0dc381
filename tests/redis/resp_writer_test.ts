import assert from "node:assert/strict";
import { encodeCommand, type RedisArgument, RespReader, RespWriter } from "../../redis/mod.ts";

const text = new TextDecoder();
const utf8 = new TextEncoder();

function decode(bytes: Uint8Array): string {
  return text.decode(bytes);
}

/** Parses encoded commands back with the reader, arguments as bytes. */
function parse(bytes: Uint8Array): Uint8Array[][] {
  const reader = new RespReader({ returnBuffers: true });
  reader.feed(bytes);
  const commands: Uint8Array[][] = [];
  for (let reply = reader.next(); reply !== undefined; reply = reader.next()) {
    commands.push(reply as Uint8Array[]);
  }
  assert.equal(reader.idle, true);
  return commands;
}

function argBytes(arg: RedisArgument): Uint8Array {
  if (arg instanceof Uint8Array) return arg;
  return utf8.encode(typeof arg === "string" ? arg : String(arg));
}

Deno.test("encodeCommand encodes strings, bytes, numbers and bigints", () => {
  assert.equal(decode(encodeCommand(["PING"])), "*1\r\n$4\r\nPING\r\n");
  assert.equal(
    decode(encodeCommand(["SET", "key", new Uint8Array([104, 105]), 42, -7, 1.5, 10n ** 20n])),
    "*7\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\nhi\r\n$2\r\n42\r\n$2\r\n-7\r\n$3\r\n1.5\r\n" +
      "$21\r\n100000000000000000000\r\n",
  );
  assert.equal(
    decode(encodeCommand(["A", "", new Uint8Array(0)])),
    "*3\r\n$1\r\nA\r\n$0\r\n\r\n$0\r\n\r\n",
  );
  // Numbers as String(n) writes them.
  const numbers = [
    0,
    -0,
    9,
    10,
    99,
    100,
    12345678,
    2 ** 53 - 1,
    2 ** 53,
    -(2 ** 53),
    1e21,
    0.1,
    -1e-7,
  ];
  const parsed = parse(encodeCommand(numbers))[0]!;
  assert.deepEqual(parsed.map(decode), numbers.map(String));
  assert.deepEqual(parse(encodeCommand([-12n, 0n]))[0]!.map(decode), ["-12", "0"]);
});

Deno.test("encodeCommand writes exact UTF-8 byte lengths", () => {
  const samples = [
    "é",
    "héllo",
    "✓",
    "日本語",
    "🚀",
    "a🚀b",
    "\u{10ffff}",
    "€".repeat(4), // 4 UTF-16 units, 12 bytes: the length gains a digit
    "€".repeat(34), // 102 bytes from 34 units: past the short-string path
    "ü".repeat(5000),
    "x".repeat(64),
    "x".repeat(65),
    "y".repeat(100_000),
    "mixed ascii then é".repeat(50),
  ];
  for (const sample of samples) {
    const encoded = encodeCommand(["ECHO", sample]);
    const body = utf8.encode(sample);
    const header = `*2\r\n$4\r\nECHO\r\n$${body.length}\r\n`;
    assert.equal(encoded.length, header.length + body.length + 2, sample.slice(0, 10));
    assert.equal(decode(encoded), `${header}${sample}\r\n`);
  }
  // A lone surrogate is written as U+FFFD (3 bytes), as TextEncoder does.
  assert.equal(decode(encodeCommand(["\ud800"])), "*1\r\n$3\r\n\ufffd\r\n");
});

Deno.test("encodeCommand keeps \\r\\n and every byte inside arguments", () => {
  const every = new Uint8Array(256).map((_, i) => i);
  const argv: RedisArgument[] = ["SET", "a\r\nb", every, "\r\n", "*1\r\n$4\r\nPING\r\n"];
  assert.deepEqual(parse(encodeCommand(argv)), [argv.map(argBytes)]);
});

Deno.test("encodeCommand returns a fresh array of exactly the command's length", () => {
  const first = encodeCommand(["GET", "a"]);
  const second = encodeCommand(["GET", "b"]);
  assert.equal(first.byteLength, first.buffer.byteLength);
  assert.equal(decode(first), "*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
  assert.equal(decode(second), "*2\r\n$3\r\nGET\r\n$1\r\nb\r\n");
});

Deno.test("encodeCommand rejects an empty command and arguments of other types", () => {
  assert.throws(() => encodeCommand([]), new TypeError("Cannot encode an empty command"));
  const cases: [unknown[], RegExp][] = [
    [["SET", "k", undefined], /argument 2 of the command.*got "undefined"/],
    [["SET", null], /argument 1 of the command.*got "null"/],
    [[{}], /argument 0 of the command.*got "Object"/],
    [["SET", "k", { toString: () => "v" }], /argument 2 of the command.*got "Object"/],
    [["SET", "k", true], /argument 2 of the command.*got "true"/],
    [["SET", "k", Symbol("s")], /argument 2 of the command.*got "Symbol\(s\)"/],
    [["SET", "k", [1]], /argument 2 of the command.*got "Array"/],
    [["SET", new ArrayBuffer(2)], /argument 1 of the command.*got "ArrayBuffer"/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => encodeCommand(argv as RedisArgument[]), (error) => {
      return error instanceof TypeError && message.test(error.message);
    });
  }
  assert.throws(() => encodeCommand("PING" as unknown as RedisArgument[]), TypeError);
  // The shared writer behind encodeCommand is left clean.
  assert.equal(decode(encodeCommand(["PING"])), "*1\r\n$4\r\nPING\r\n");
});

Deno.test("RespWriter appends many commands into one buffer", () => {
  const writer = new RespWriter();
  const commands: RedisArgument[][] = [];
  for (let i = 0; i < 2000; i++) {
    commands.push(["SET", `key:${i}`, i % 3 === 0 ? utf8.encode(`v${i}`) : `välue-${i}`, i]);
  }
  let expected = 0;
  for (const argv of commands) {
    writer.append(argv);
    expected += encodeCommand(argv).length;
    assert.equal(writer.bufferedBytes, expected);
  }
  const bytes = writer.take()!;
  assert.equal(bytes.length, expected);
  assert.deepEqual(parse(bytes), commands.map((argv) => argv.map(argBytes)));
  assert.equal(writer.bufferedBytes, 0);
  assert.equal(writer.take(), undefined);
});

Deno.test("RespWriter appends nothing when an argument is invalid", () => {
  const writer = new RespWriter();
  writer.append(["PING"]);
  assert.throws(() => writer.append(["SET", "k", "v", null as never]), TypeError);
  assert.throws(() => writer.append([]), TypeError);
  assert.equal(writer.bufferedBytes, 14);
  writer.append(["ECHO", "x".repeat(50_000)]); // growth after a failed append
  assert.deepEqual(parse(writer.take()!).map((argv) => argv.map(decode)), [
    ["PING"],
    ["ECHO", "x".repeat(50_000)],
  ]);
});

Deno.test("RespWriter.take returns bytes that stay unchanged until the next take", () => {
  const writer = new RespWriter();
  writer.append(["SET", "a", "1"]);
  const first = writer.take()!;
  const copy = first.slice();
  // Appends, including ones that grow the buffer, go elsewhere.
  writer.append(["SET", "b", "2"]);
  writer.append(["SET", "big", new Uint8Array(300_000).fill(0x61)]);
  assert.deepEqual(first, copy);
  const second = writer.take()!;
  assert.deepEqual(first, copy);
  const secondCopy = second.slice();
  // The next take hands the first buffer back for reuse, never the second.
  writer.append(["SET", "c", "3"]);
  assert.deepEqual(second, secondCopy);
  const third = writer.take()!;
  assert.deepEqual(second, secondCopy);
  assert.equal(decode(third), "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n");
  assert.equal(parse(second).length, 2);
});

Deno.test("RespWriter.take fits the loop's onWritable contract through a MemorySource", async () => {
  const { DenoLoop } = await import("../../loop/mod.ts");
  const { MemorySource } = await import("../../loop/testing/mod.ts");
  const source = new MemorySource({ maxWriteSize: 7 }); // partial writes
  const writer = new RespWriter();
  const handle = new DenoLoop().attach({ onWritable: () => writer.take() }, { source });
  const sent: RedisArgument[][] = [];
  for (let tick = 0; tick < 5; tick++) {
    for (let i = 0; i < 20; i++) {
      const argv = ["INCRBY", `counter:${tick}`, i];
      writer.append(argv);
      sent.push(argv);
      handle.addWrite();
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(parse(source.writtenBytes()), sent.map((argv) => argv.map(argBytes)));
  handle.cleanup();
  await handle.finished;
});

Deno.test("RespWriter.clear drops what was appended", () => {
  const writer = new RespWriter();
  writer.append(["SET", "k", "v".repeat(400_000)]);
  writer.clear();
  assert.equal(writer.bufferedBytes, 0);
  assert.equal(writer.take(), undefined);
  writer.append(["PING"]);
  assert.equal(decode(writer.take()!), "*1\r\n$4\r\nPING\r\n");
});

Deno.test("RespWriter.append refuses a byte argument whose buffer was detached", () => {
  const writer = new RespWriter();
  const bytes = new Uint8Array(8);
  bytes.buffer.transfer();
  assert.throws(
    () => writer.append(["SET", "k", bytes]),
    (error) =>
      error instanceof TypeError &&
      error.message ===
        "Cannot encode argument 2 of the command: its buffer was detached (transferred)",
  );
  assert.equal(writer.bufferedBytes, 0);
  writer.append(["SET", "k", new Uint8Array(0)]); // a real empty argument is fine
  assert.equal(decode(writer.take()!), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
});
