// Each program in examples/ run against a real redis-server started for the test.
import assert from "node:assert/strict";
import { connect } from "../../redis/mod.ts";
import { startServer } from "../../redis/testing/mod.ts";
import { startCacheServer } from "../../examples/http_cache.ts";
import {
  acknowledge,
  enqueue,
  PROCESSING,
  QUEUE,
  requeueStuck,
  take,
} from "../../examples/job_queue.ts";
import { startChatServer } from "../../examples/ws_chat.ts";

async function get(url: string): Promise<[string, string | null]> {
  const response = await fetch(url);
  return [await response.text(), response.headers.get("x-cache")];
}

Deno.test("examples/http_cache computes once, then answers from memory until the key changes", async () => {
  await using server = await startServer();
  await using cache = await startCacheServer(server.url);
  assert.deepEqual(await get(`${cache.url}/square/12`), ["144\n", "computed"]);
  assert.deepEqual(await get(`${cache.url}/square/12`), ["144\n", "redis"]); // now tracked
  assert.deepEqual(await get(`${cache.url}/square/12`), ["144\n", "memory"]);
  assert.equal(cache.redis.cache!.stats.hits, 1);
  // Another client changes the value: the server invalidates the cached copy.
  await using other = await connect(server.url);
  await other.set("square:12", "145");
  await cache.redis.ping(); // the invalidation is read before PONG
  assert.deepEqual(await get(`${cache.url}/square/12`), ["145\n", "redis"]);
  const missing = await fetch(`${cache.url}/nope`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("examples/job_queue hands jobs off reliably and requeues the stuck one", async () => {
  await using server = await startServer();
  await using redis = await connect(server.url);
  await using crashing = await connect(server.url);
  await using worker = await connect(server.url);
  await enqueue(redis, "a", "b", "c");
  // A worker takes "a" and dies before acknowledging: the job waits in the processing list.
  assert.equal(await take(crashing, 1), "a");
  assert.deepEqual(await redis.lrange(PROCESSING, 0, -1), ["a"]);
  assert.deepEqual(await requeueStuck(redis, 60_000), []); // not stale yet
  assert.deepEqual(await requeueStuck(redis, 0), ["a"]);
  const done: string[] = [];
  for (let job = await take(worker, 1); job !== null; job = await take(worker, 1)) {
    done.push(job);
    await acknowledge(redis, job);
  }
  assert.deepEqual(done, ["a", "b", "c"]); // "a" first again: put back at the tail
  assert.deepEqual(await redis.lrange(QUEUE, 0, -1), []);
  assert.deepEqual(await redis.lrange(PROCESSING, 0, -1), []);
});

function messages(socket: WebSocket): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((value: string) => void)[] = [];
  socket.onmessage = (event) => {
    const resolve = waiting.shift();
    if (resolve) resolve(String(event.data));
    else queue.push(String(event.data));
  };
  return () =>
    queue.length > 0
      ? Promise.resolve(queue.shift()!)
      : new Promise((resolve) => waiting.push(resolve));
}

async function closed(socket: WebSocket): Promise<void> {
  const done = new Promise((resolve) => socket.addEventListener("close", resolve));
  socket.close();
  await done;
}

Deno.test("examples/ws_chat delivers a message to every socket of the room, and only that room", async () => {
  await using server = await startServer();
  await using chat = await startChatServer(server.url);
  const alice = new WebSocket(`${chat.url}/rooms/lobby`);
  const bob = new WebSocket(`${chat.url}/rooms/lobby`);
  const carol = new WebSocket(`${chat.url}/rooms/other`);
  const [nextAlice, nextBob, nextCarol] = [alice, bob, carol].map(messages);
  try {
    assert.equal(await nextAlice!(), "joined lobby");
    assert.equal(await nextBob!(), "joined lobby");
    assert.equal(await nextCarol!(), "joined other");
    alice.send("hello, lobby");
    assert.equal(await nextBob!(), "hello, lobby");
    assert.equal(await nextAlice!(), "hello, lobby"); // the sender gets it too
    carol.send("hello, other");
    assert.equal(await nextCarol!(), "hello, other");
    bob.send("second");
    assert.equal(await nextAlice!(), "second"); // not carol's message
  } finally {
    await Promise.all([alice, bob, carol].map(closed));
  }
});

Deno.test("examples/parity_walkthrough verifies, names the rotten disk, rebuilds two lost ones", async () => {
  const script = new URL("../../examples/parity_walkthrough.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, text + new TextDecoder().decode(output.stderr));
  const verdicts = text.split("\n").filter((line) => /^(ok|damaged):/.test(line));
  assert.equal(verdicts.length, 3, text);
  assert.equal(verdicts[0], "ok: 4 data files match P and Q (1.0 MiB each)");
  assert.match(verdicts[1]!, /^damaged: '.*\/disk2': 1 byte differs, the first at byte 4096$/);
  assert.equal(verdicts[2], "ok: 4 data files match P and Q (1.0 MiB each)");
  assert.match(text, /CRC-32C of the rebuilt disks match the originals: true/);
});
