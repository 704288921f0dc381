// The one implementation of Transport: an IoSource (a Deno.Conn, a ShimSocket or an
// AdoptedSocket) plus what the client reports about the connection. Reads and writes go straight
// to the source; close() is made idempotent here.

import type { IoSource } from "../../loop/types.ts";
import { closedError } from "./_io_errors.ts";
import type { NativeDriver, Transport, TransportFallback, TransportKind } from "./types.ts";

export interface TransportInfo {
  kind: TransportKind;
  driver: "deno" | NativeDriver;
  remoteAddr: Deno.NetAddr | Deno.UnixAddr;
  tls: boolean;
  fallback: TransportFallback | undefined;
}

export class SocketTransport implements Transport {
  readonly kind: TransportKind;
  readonly driver: "deno" | NativeDriver;
  readonly remoteAddr: Deno.NetAddr | Deno.UnixAddr;
  readonly tls: boolean;
  readonly fallback: TransportFallback | undefined;
  #source: IoSource;
  #closed = false;

  constructor(source: IoSource, info: TransportInfo) {
    this.#source = source;
    this.kind = info.kind;
    this.driver = info.driver;
    this.remoteAddr = info.remoteAddr;
    this.tls = info.tls;
    this.fallback = info.fallback;
  }

  get closed(): boolean {
    return this.#closed;
  }

  read(into: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#source.read(into);
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#source.write(bytes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#source.close();
    } catch {
      // Already closed underneath (a Deno.Conn whose peer reset it): nothing left to release.
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
