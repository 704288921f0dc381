// `deno task demo` as a new user runs it: both tours with a redis-server on PATH; without one (and
// without REDIS_URL), one line on how to get one, the dmover tour, and exit status 0.
import assert from "node:assert/strict";

const DEMO = new URL("../../examples/demo.ts", import.meta.url).pathname;

async function demo(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", DEMO],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: output.code, out: text.decode(output.stdout) + text.decode(output.stderr) };
}

const base = {
  HOME: Deno.env.get("HOME") ?? "/tmp",
  ...(Deno.env.get("DRAY_NATIVE") ? { DRAY_NATIVE: Deno.env.get("DRAY_NATIVE")! } : {}),
};

Deno.test("demo tours Redis and dmover, saying which path ran", async () => {
  const { code, out } = await demo({ ...base, PATH: Deno.env.get("PATH") ?? "" });
  assert.equal(code, 0, out);
  assert.match(out, /^redis: started a throwaway redis-server at redis:\/\/127\.0\.0\.1:\d+/m);
  assert.match(out, /^redis: connected over the (deno|native) transport \(.+\), RESP3$/m);
  assert.match(out, /^redis: get demo:greeting -> "hello from dray"$/m);
  assert.match(out, /^redis: 1000 incr issued together -> last reply 1000, \d+ write\(s\)/m);
  assert.match(out, /^redis: pipeline -> "OK", ReplyError\(ERR\), "dray"$/m);
  assert.match(out, /^redis: transaction -> \[100,70,"70"\]$/m);
  assert.match(out, /^redis: pub\/sub -> 1 subscriber got "dray says hi" on demo:news$/m);
  assert.match(out, /^dmover: (native shim .* live from .*|native path off \(.+\): .*)$/m);
  assert.match(out, /^dmover: session 'xor2' .*completions 100, 101, 102; xor checked$/m);
  assert.match(out, /^dmover: crc32c of a 900 kB file -> [0-9a-f]{8}$/m);
  assert.match(out, /^dmover: pq over .* rebuilt identical$/m);
});

Deno.test("demo without redis-server or REDIS_URL says how to get one and still tours dmover", async () => {
  const { code, out } = await demo({ ...base, PATH: "/nonexistent" });
  assert.equal(code, 0, out);
  const skipped = out.split("\n").filter((line) => line.startsWith("redis:"));
  assert.equal(skipped.length, 1, out);
  assert.match(skipped[0]!, /apt-get install redis-server.*REDIS_URL=/);
  assert.match(out, /^dmover: pq over .* rebuilt identical$/m);
});
