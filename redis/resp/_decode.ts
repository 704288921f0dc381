// Text values made from bytes the reader holds, when a text may be too long to be a JavaScript
// string: it becomes a ReplyDecodeError instead, and the first one of a reply is remembered so
// that the reply can be replaced by it when it completes.

import { ReplyDecodeError, ReplyError } from "../errors.ts";
import { article, BULK, MAX_STRING_LENGTH, VERBATIM } from "./_protocol.ts";
import { decodeText, utf8 } from "./_text.ts";
import { VerbatimString } from "./types.ts";

/** Decodes texts for one reader, remembering the first that failed in the reply in progress. */
export class TextValues {
  /** The first text of the reply in progress that could not be decoded. */
  undecodable: ReplyDecodeError | undefined = undefined;

  /** `bytes[start, stop)` as UTF-8, or a ReplyDecodeError when it is too long for a string. */
  text(bytes: Uint8Array, start: number, stop: number, type: number): string | ReplyDecodeError {
    if (stop - start <= MAX_STRING_LENGTH) return decodeText(bytes, start, stop);
    try {
      return utf8.decode(bytes.subarray(start, stop));
    } catch (error) {
      const hint = type === BULK || type === VERBATIM ? ": read it with returnBuffers" : "";
      const decodeError = new ReplyDecodeError(
        `${article(type)} of ${stop - start} bytes is too long to decode as a JavaScript ` +
          `string${hint}`,
        { cause: error },
      );
      this.undecodable ??= decodeError;
      return decodeError;
    }
  }

  /** An error reply (simple `-` or blob `!`) with the text `buf[start, stop)`. */
  errorReply(buf: Uint8Array, start: number, stop: number, type: number): ReplyError {
    const text = this.text(buf, start, stop, type);
    return typeof text === "string" ? new ReplyError(text) : text;
  }

  /** A verbatim string from its bytes; `bytes` is its text as bytes, or null to decode it. */
  verbatim(
    buf: Uint8Array,
    start: number,
    stop: number,
    bytes: Uint8Array | null,
  ): VerbatimString | ReplyDecodeError {
    const text = bytes ?? this.text(buf, start + 4, stop, VERBATIM);
    if (text instanceof ReplyDecodeError) return text;
    return new VerbatimString(decodeText(buf, start, start + 3), text);
  }

  /** The error to return in place of the reply just completed, if any; forgets it. */
  take(): ReplyDecodeError | undefined {
    const undecodable = this.undecodable;
    this.undecodable = undefined;
    return undecodable;
  }
}
