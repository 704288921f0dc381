// What one reply may hold: bytes and values counted from its first byte (or from the first of
// the attributes before it) until next() returns it or the push handler gets it.
//
// - Elements: every aggregate header counts the elements it declares (a map or attribute of n
//   entries, 2n) and AGGREGATE_COST more for the object it makes, before anything is allocated.
//   An attribute nested in an attribute counts too, although nothing keeps it. Measured V8 heap
//   per unit: about 30 bytes for a short string, 18 for an empty set nested in an array (162
//   bytes for 9 units), 33 for an empty attribute waiting for its reply (266 bytes for 8 units):
//   so a reply at the default bound of 2^25 units stays near 1.1 GB of heap whatever its shape.
// - Bytes: the stream bytes the reply spans so far, checked where a value that holds bytes ends
//   (a simple string or error, a double, a big number), at every bulk or aggregate header (with
//   the declared length of the bulk, before anything is allocated for it), and where a reply
//   that an aggregate or attribute opened ends. The bytes of what is not checked (integers,
//   nulls, booleans) are counted at the next check (one alone is never refused), so a stream
//   reaches the same verdict at the same offset however it is split.
//
// A reply that is one scalar opens nothing: its checks compare the scalar's own length, which
// keeps the bookkeeping off the path of the commonest replies (+OK, :1).

/** What an aggregate counts for itself: a Map, Set or array object costs ~8 scalars of heap. */
export const AGGREGATE_COST = 8;

/** The running count of one reply and its attributes against the reader's two bounds. */
export class ReplyBudget {
  readonly maxBytes: number;
  readonly maxElements: number;
  /** Stream offset of the reply's first byte; -1 between replies. */
  start = -1;
  elements = 0;

  constructor(maxBytes: number, maxElements: number) {
    this.maxBytes = maxBytes;
    this.maxElements = maxElements;
  }

  /** A top-level aggregate starts at stream offset `at`: opens a reply unless one is open. */
  open(at: number): void {
    if (this.start < 0) {
      this.start = at;
      this.elements = 0;
    }
  }

  /** The reply was handed over (or the reader reset): the next value opens a new one. */
  close(): void {
    this.start = -1;
  }

  /** Counts `n` more values; returns whether the reply is still within the bound. */
  add(n: number): boolean {
    return (this.elements += n) <= this.maxElements;
  }

  /** The error message when the reply goes over one bound. */
  message(what: "bytes" | "elements"): string {
    const max = what === "bytes" ? this.maxBytes : this.maxElements;
    return `A reply with its attributes exceeds the limit of ${max} ${what}`;
  }
}
