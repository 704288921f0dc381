// Reports whether this run exercised the native path. `.ci/run` sets DRAY_REQUIRE_NATIVE=1 when a C
// compiler is present, and fails on the "NOT exercised" line; this test fails too in that case.
import assert from "node:assert/strict";
import { native } from "../_helpers/native.ts";

Deno.test("nativeStatus is available when the run requires the native path", () => {
  const status = native;
  if (status.available) {
    console.log(`native path: exercised (${status.version} from ${status.path})`);
  } else {
    console.log(`native path: NOT exercised (${status.reason}: ${status.message})`);
  }
  if (Deno.env.get("DRAY_REQUIRE_NATIVE") === "1") {
    assert.ok(status.available, `DRAY_REQUIRE_NATIVE=1 but the shim did not load`);
  }
});
