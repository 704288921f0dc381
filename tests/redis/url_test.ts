import assert from "node:assert/strict";
import { parseRedisUrl } from "../../redis/mod.ts";

Deno.test("parseRedisUrl reads host, port, credentials and database of a TCP URL", () => {
  assert.deepEqual(parseRedisUrl("redis://alice:s%3Acr%40t@cache.local:6380/2"), {
    tls: false,
    hostname: "cache.local",
    port: 6380,
    username: "alice",
    password: "s:cr@t",
    db: 2,
  });
  assert.deepEqual(parseRedisUrl(new URL("redis://10.0.0.7:7000")), {
    tls: false,
    hostname: "10.0.0.7",
    port: 7000,
  });
});

Deno.test("parseRedisUrl fills in the default host and port", () => {
  assert.deepEqual(parseRedisUrl("redis://"), { tls: false, hostname: "127.0.0.1", port: 6379 });
  assert.deepEqual(parseRedisUrl("redis://example.com/"), {
    tls: false,
    hostname: "example.com",
    port: 6379,
  });
});

Deno.test("parseRedisUrl tells a password-only URL from a user-only one", () => {
  assert.deepEqual(parseRedisUrl("redis://:secret@h"), {
    tls: false,
    hostname: "h",
    port: 6379,
    password: "secret",
  });
  assert.deepEqual(parseRedisUrl("redis://bob@h"), {
    tls: false,
    hostname: "h",
    port: 6379,
    username: "bob",
  });
});

Deno.test("parseRedisUrl strips the brackets of an IPv6 literal", () => {
  assert.deepEqual(parseRedisUrl("redis://[::1]:6380"), {
    tls: false,
    hostname: "::1",
    port: 6380,
  });
  assert.deepEqual(parseRedisUrl("rediss://[2001:db8::7]/5"), {
    tls: true,
    hostname: "2001:db8::7",
    port: 6379,
    db: 5,
  });
});

Deno.test("parseRedisUrl marks rediss URLs as TLS", () => {
  assert.equal(parseRedisUrl("rediss://redis.example:6390").tls, true);
  assert.equal(parseRedisUrl("redis://redis.example:6390").tls, false);
});

Deno.test("parseRedisUrl reads unix socket URLs in both spellings", () => {
  for (const scheme of ["redis+unix", "unix"]) {
    assert.deepEqual(parseRedisUrl(`${scheme}:///run/redis/redis.sock?db=3`), {
      tls: false,
      path: "/run/redis/redis.sock",
      db: 3,
    });
  }
  assert.deepEqual(
    parseRedisUrl("unix:///tmp/my%20dir/r.sock?username=u&password=p%26w"),
    { tls: false, path: "/tmp/my dir/r.sock", username: "u", password: "p&w" },
  );
  assert.deepEqual(parseRedisUrl("unix:/tmp/r.sock"), { tls: false, path: "/tmp/r.sock" });
});

Deno.test("parseRedisUrl takes the database from the query when the path has none", () => {
  assert.equal(parseRedisUrl("redis://h?db=4").db, 4);
  assert.equal(parseRedisUrl("redis://h/1?db=4").db, 1);
  assert.equal(parseRedisUrl("redis://h/0").db, 0);
});

Deno.test("parseRedisUrl rejects malformed URLs with a TypeError", () => {
  for (
    const bad of [
      "http://h:6379",
      "not a url",
      "redis://h:0",
      "redis://h:99999",
      "redis://h/x",
      "redis://h/-1",
      "redis://h/1.5",
      "redis://h/1/2",
      "redis+unix://host/tmp/r.sock",
      "unix:///",
      "unix:///tmp/r.sock?db=two",
    ]
  ) {
    assert.throws(() => parseRedisUrl(bad), TypeError, bad);
  }
});

Deno.test("parseRedisUrl never repeats a password in its errors", () => {
  for (
    const bad of [
      "redis://user:hunter2@h/x",
      "redis://:hunter2@h:99999",
      "redis://u:hun@ter2@h/x",
      "unix:///tmp/r.sock?password=hunter2&db=x",
      "ftp://u:hunter2@h",
    ]
  ) {
    assert.throws(() => parseRedisUrl(bad), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.doesNotMatch(error.message, /hunter2|ter2/, error.message);
      assert.match(error.message, /^Cannot parse Redis URL '/);
      return true;
    });
  }
});
