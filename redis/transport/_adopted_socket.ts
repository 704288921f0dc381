// The "adopt" driver: a natively connected descriptor handed to node:net (`new Socket({ fd })`),
// which owns it from then on, wrapped as an IoSource. node:net pushes chunks ('data' events);
// read(into) copies from them, and the socket is paused while more than HIGH_WATER bytes wait
// unread, so a consumer that stops reading stops the flow instead of buffering without bound.

import type { Socket } from "node:net";
import type { IoSource } from "../../loop/types.ts";
import { busyError, closedError, interrupted, ioError } from "./_io_errors.ts";

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

interface PendingRead {
  into: Uint8Array;
  resolve(n: number | null): void;
  reject(error: Error): void;
}

interface PendingWrite {
  resolve(n: number): void;
  reject(error: Error): void;
  size: number;
}

function fromNode(error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string") {
    const mapped = ioError(code, error instanceof Error ? error.message : String(error));
    (mapped as { cause?: unknown }).cause = error;
    return mapped;
  }
  return error instanceof Error ? error : new Error(String(error));
}

let netModule: Promise<typeof import("node:net")> | undefined;

/** Adopts `fd` into a node:net socket, which then owns (and eventually closes) it. */
export async function adoptDescriptor(fd: number): Promise<AdoptedSocket> {
  netModule ??= import("node:net");
  const { Socket } = await netModule;
  return new AdoptedSocket(new Socket({ fd, readable: true, writable: true }));
}

export class AdoptedSocket implements IoSource {
  #socket: Socket;
  #chunks: Uint8Array[] = [];
  #head = 0; // bytes of #chunks[0] already read
  #buffered = 0;
  #paused = false;
  #ended = false;
  #error: Error | undefined;
  #read: PendingRead | undefined;
  #writes = new Set<PendingWrite>();
  #closed = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    socket.on("close", () => this.#onEnd());
    socket.on("error", (error: unknown) => {
      this.#error ??= fromNode(error);
      this.#serve();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  read(into: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.reject(closedError());
    if (into.length === 0) return Promise.resolve(0);
    if (this.#read !== undefined) return Promise.reject(busyError());
    if (this.#buffered > 0) return Promise.resolve(this.#copy(into));
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.#read = { into, resolve, reject };
    });
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(closedError());
    if (bytes.length === 0) return Promise.resolve(0);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const pending: PendingWrite = { resolve, reject, size: bytes.length };
      this.#writes.add(pending);
      // The callback runs once the bytes are handed to the system; until then node:net holds a
      // reference to them, so the caller must not reuse them, which the IoSource contract says.
      this.#socket.write(bytes, (error?: Error | null) => {
        if (!this.#writes.delete(pending)) return; // already rejected by close()
        if (error) reject(this.#error ?? fromNode(error));
        else resolve(pending.size);
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#chunks = [];
    this.#buffered = 0;
    const read = this.#read;
    this.#read = undefined;
    read?.reject(interrupted());
    const writes = [...this.#writes];
    this.#writes.clear();
    for (const write of writes) write.reject(interrupted());
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed || chunk.length === 0) return;
    const read = this.#read;
    if (read !== undefined && this.#buffered === 0) {
      // The common case: a read is waiting; copy straight into it and keep only the rest.
      this.#read = undefined;
      const n = Math.min(chunk.length, read.into.length);
      read.into.set(n === chunk.length ? chunk : chunk.subarray(0, n));
      if (n < chunk.length) this.#push(chunk.subarray(n));
      read.resolve(n);
      return;
    }
    this.#push(chunk);
    this.#serve();
  }

  #push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (!this.#paused && this.#buffered > HIGH_WATER) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  #onEnd(): void {
    this.#ended = true;
    this.#serve();
  }

  #serve(): void {
    const read = this.#read;
    if (read === undefined) return;
    if (this.#buffered > 0) {
      this.#read = undefined;
      read.resolve(this.#copy(read.into));
    } else if (this.#error !== undefined) {
      this.#read = undefined;
      read.reject(this.#error);
    } else if (this.#ended) {
      this.#read = undefined;
      read.resolve(null);
    }
  }

  // Copies as many buffered bytes as fit into `into`.
  #copy(into: Uint8Array): number {
    let n = 0;
    while (n < into.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(chunk.length - this.#head, into.length - n);
      into.set(chunk.subarray(this.#head, this.#head + take), n);
      n += take;
      this.#head += take;
      if (this.#head === chunk.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    this.#buffered -= n;
    if (this.#paused && this.#buffered < LOW_WATER) {
      this.#paused = false;
      this.#socket.resume();
    }
    return n;
  }
}
