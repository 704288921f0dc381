// The backend registry's state and the per-function chooser that `auto` sessions and one-shot
// helpers use. Private to dmover/: backends.ts holds the public functions over it.

import { nativeStatus } from "../native/mod.ts";
import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import { type DmoverFunction, getFunction } from "./functions.ts";
import { createNativeBackend } from "./native_backend.ts";
import { createNativeAsyncBackend } from "./native_async_backend.ts";
import { tsBackend } from "./ts_backend.ts";
import { type DirectOps, directOps } from "./_direct.ts";

/** The registered backends, `ts` first once the built-ins have joined. */
export const registry: DmoverBackend[] = [];
let builtins = false;
let generation = 0;

// The built-ins join on first use, so that importing the module loads no native code.
/** Registers `ts` and, when the shim loads, `native` and `native-async`, once. */
export function ensureBuiltins(): void {
  if (builtins) return;
  builtins = true;
  registry.unshift(tsBackend);
  const status = nativeStatus();
  if (status.available && status.library.hasDmoverKernels) {
    registry.splice(
      1,
      0,
      createNativeBackend(status.library),
      createNativeAsyncBackend(status.library),
    );
  }
  generation++;
}

/** Marks every cached chooser stale after the set of backends changed. */
export function bumpGeneration(): void {
  generation++;
}

/** Octaves of request length the chooser precomputes: lengths from 1 to 2^53. */
const OCTAVES = 54;

function octave(length: number): number {
  return length < 0x8000_0000
    ? 31 - Math.clz32(length)
    : Math.min(OCTAVES - 1, Math.floor(Math.log2(length)));
}

/**
 * Picks, for one function, the backend with the best speed estimate for each request length.
 * Per octave of length it stores the winner when one backend wins across the whole octave; an
 * octave that holds a crossover gets a short list of exact breakpoints, found once by sampling the
 * octave and bisecting each change of winner. A pick is then a table lookup, never a call to
 * `speed`.
 */
export class Chooser {
  readonly fn: DmoverFunction;
  readonly backends: readonly DmoverBackend[];
  readonly kernels: readonly DmoverKernel[];
  /** Each backend's direct ops (built-in backends only; see _direct.ts). */
  readonly directs: readonly (DirectOps | undefined)[];
  /**
   * Whether each backend's kernel may be given validation's scratch trusted form: a built-in
   * synchronous backend, which neither keeps a request nor checks others while it runs.
   */
  readonly scratchSafe: readonly boolean[];
  readonly generation: number;
  #byOctave = new Int8Array(OCTAVES);
  // For an octave marked -1: lengths where the winner changes, and the winner from each on.
  #breaks: (readonly [starts: number[], winners: number[]])[] = [];

  constructor(fn: DmoverFunction, candidates: readonly DmoverBackend[], gen = -1) {
    const backends: DmoverBackend[] = [];
    const kernels: DmoverKernel[] = [];
    const directs: (DirectOps | undefined)[] = [];
    for (const backend of candidates) {
      const kernel = backend.kernel(fn);
      if (kernel !== undefined) {
        backends.push(backend);
        kernels.push(kernel);
        directs.push(directOps(backend));
      }
    }
    if (backends.length === 0) {
      throw new DmoverError(
        "ENXIO",
        `Cannot run function '${fn.name}': no backend among '${
          candidates.map((b) => b.name).join(", ")
        }' implements it`,
      );
    }
    this.fn = fn;
    this.backends = backends;
    this.kernels = kernels;
    this.directs = directs;
    this.scratchSafe = backends.map((b, i) => b.synchronous && directs[i] !== undefined);
    this.generation = gen;
    for (let k = 0; k < OCTAVES; k++) {
      const low = 2 ** k;
      const high = Math.min(2 ** (k + 1) - 1, Number.MAX_SAFE_INTEGER);
      const samples = Math.min(64, high - low + 1);
      const starts = [low];
      const winners = [this.#best(low)];
      let previous = low;
      for (let j = 1; j <= samples; j++) {
        const at = j === samples ? high : low + Math.floor(((high - low) * j) / samples);
        if (at <= previous) continue;
        const winner = this.#best(at);
        if (winner !== winners[winners.length - 1]) {
          // Bisect (previous, at] for the first length the new winner takes.
          let lo = previous;
          let hi = at;
          while (hi - lo > 1) {
            const mid = lo + Math.floor((hi - lo) / 2);
            if (this.#best(mid) === winner) hi = mid;
            else lo = mid;
          }
          starts.push(hi);
          winners.push(winner);
        }
        previous = at;
      }
      if (winners.length === 1) {
        this.#byOctave[k] = winners[0]!;
      } else {
        this.#byOctave[k] = -1;
        this.#breaks[k] = [starts, winners];
      }
    }
  }

  #best(length: number): number {
    let best = 0;
    let bestSpeed = -1;
    for (let i = 0; i < this.backends.length; i++) {
      const speed = this.backends[i]!.speed(this.fn, length);
      if (speed > bestSpeed) {
        best = i;
        bestSpeed = speed;
      }
    }
    return best;
  }

  /** The index of the backend (and kernel) to run a request of `length` bytes. */
  pick(length: number): number {
    const k = octave(length);
    const index = this.#byOctave[k]!;
    if (index >= 0) return index;
    const [starts, winners] = this.#breaks[k]!;
    let i = starts.length - 1;
    while (starts[i]! > length) i--;
    return winners[i]!;
  }
}

const choosers = new Map<string, Chooser>();
const syncChoosers = new Map<string, Chooser>();
const explicit = new WeakMap<DmoverBackend, Map<string, Chooser>>();

/**
 * The chooser for `fn`: over every registered backend (or only the synchronous ones), cached until
 * the set of backends changes; or, given `only`, over that one backend, cached per backend object.
 */
export function chooserFor(
  fn: DmoverFunction,
  synchronousOnly: boolean,
  only?: DmoverBackend,
): Chooser {
  if (only !== undefined) {
    let byName = explicit.get(only);
    if (byName === undefined) {
      byName = new Map();
      explicit.set(only, byName);
    }
    const hit = byName.get(fn.name);
    if (hit !== undefined && hit.fn === fn) return hit;
    const made = new Chooser(fn, [only]);
    byName.set(fn.name, made);
    return made;
  }
  ensureBuiltins();
  const cache = synchronousOnly ? syncChoosers : choosers;
  const cached = cache.get(fn.name);
  if (cached !== undefined && cached.generation === generation && cached.fn === fn) return cached;
  const candidates = synchronousOnly ? registry.filter((b) => b.synchronous) : registry;
  const chooser = new Chooser(fn, candidates, generation);
  cache.set(fn.name, chooser);
  return chooser;
}

/** A registered backend by name; ENXIO (with the shim's reason for `native`) when there is none. */
export function lookupBackend(name: string): DmoverBackend {
  ensureBuiltins();
  for (const backend of registry) {
    if (backend.name === name) return backend;
  }
  if (name === "native" || name === "native-async") {
    const status = nativeStatus();
    const why = !status.available
      ? status.message
      : status.library.hasDmoverKernels
      ? "it was unregistered"
      : `${status.path} has no dmover kernels; rebuild it with 'deno task native'`;
    throw new DmoverError("ENXIO", `Cannot use backend '${name}': ${why}`);
  }
  throw new DmoverError("ENXIO", `Cannot use backend '${name}': no such backend`);
}

/**
 * The chooser for a function and a `backend` option: `auto` (every registered backend, or only
 * the synchronous ones), a registered name, or a backend object.
 */
export function resolveBackend(
  fn: DmoverFunction,
  backend: string | DmoverBackend,
  synchronousOnly: boolean,
): Chooser {
  if (backend === "auto") return chooserFor(fn, synchronousOnly);
  const chosen = typeof backend === "string" ? lookupBackend(backend) : backend;
  if (
    typeof chosen !== "object" || chosen === null || typeof chosen.kernel !== "function" ||
    typeof chosen.speed !== "function"
  ) {
    throw new TypeError(`Cannot use backend '${String(backend)}': expected a name or a backend`);
  }
  if (synchronousOnly && !chosen.synchronous) {
    throw new TypeError(`Cannot use backend '${chosen.name}' here: it completes asynchronously`);
  }
  return chooserFor(fn, synchronousOnly, chosen);
}

/**
 * A one-shot helper's function and its synchronous `auto` chooser, found on first use and kept
 * while the set of backends stays the same: a call with the default backend then costs one
 * comparison, no lookup by name.
 */
export class HelperSite {
  readonly functionName: string;
  #fn: DmoverFunction | undefined;
  #auto: Chooser | undefined;

  constructor(functionName: string) {
    this.functionName = functionName;
  }

  /** The function (a built-in: never replaced, so found once). */
  get fn(): DmoverFunction {
    return this.#fn ??= getFunction(this.functionName);
  }

  // The chooser of the last backend given by name, and the generation it was found in.
  #named: Chooser | undefined;
  #name: string | undefined;
  #namedGeneration = -1;

  /** The chooser for a `backend` option, over synchronous backends only. */
  chooser(backend: string | DmoverBackend | undefined): Chooser {
    if (backend === undefined || backend === "auto") {
      const auto = this.#auto;
      if (auto !== undefined && auto.generation === generation) return auto;
      return this.#auto = chooserFor(this.fn, true);
    }
    if (typeof backend !== "string") return resolveBackend(this.fn, backend, true);
    if (backend === this.#name && this.#namedGeneration === generation) return this.#named!;
    const chooser = resolveBackend(this.fn, backend, true);
    this.#named = chooser;
    this.#name = backend;
    this.#namedGeneration = generation;
    return chooser;
  }
}
