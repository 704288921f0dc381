// The process-wide native status, loaded when a test module is imported. The shared library stays
// loaded for the life of the process, so it must be loaded outside any test body: loaded inside
// one, the resource sanitizer reports it as a leak.
import { type NativeLibrary, type NativeStatus, nativeStatus } from "../../native/mod.ts";

/** The status every test file shares. */
export const native: NativeStatus = nativeStatus();

/** The loaded library, or undefined when the native path is not live in this run. */
export const nativeLibrary: NativeLibrary | undefined = native.available
  ? native.library
  : undefined;
