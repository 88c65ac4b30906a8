/**
 * Length-prefixed framing (reference §1.1): every message in both directions is a 4-byte big-endian
 * length followed by that many bytes. `FrameDecoder` turns a byte stream into frames; it never
 * allocates more than one frame's worth beyond what was received.
 */
import { JuteWriter, DEFAULT_MAX_BUFFER } from "./jute.js";
import { ReplyHeader, RequestHeader, type ReplyHeader as ReplyHeaderT } from "./records.js";
import type { Codec } from "./codec.js";

export class FrameError extends Error {
  override readonly name = "FrameError";
  constructor(
    message: string,
    readonly length: number,
  ) {
    super(message);
  }
}

export class FrameDecoder {
  private pending: Buffer | null = null;

  /** @param maxFrame largest frame body accepted; a larger or negative length throws FrameError. */
  constructor(private readonly maxFrame = DEFAULT_MAX_BUFFER) {}

  /** The length prefix of the next frame if at least 4 bytes are buffered (for 4lw detection). */
  peekLength(): number | null {
    return this.pending !== null && this.pending.length >= 4 ? this.pending.readInt32BE(0) : null;
  }

  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  /** Feed bytes; returns the complete frames (bodies without the length prefix), in order. */
  push(chunk: Buffer): Buffer[] {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readInt32BE(off);
      if (len < 0 || len > this.maxFrame) {
        this.pending = null;
        throw new FrameError(`invalid frame length ${len} (limit ${this.maxFrame})`, len);
      }
      if (buf.length - off - 4 < len) break;
      frames.push(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    if (off === buf.length) this.pending = null;
    else {
      buf = buf.subarray(off);
      // Copy so a small remainder does not pin a large socket chunk.
      this.pending = off > 0 ? Buffer.from(buf) : buf;
    }
    return frames;
  }
}

/** Start a frame: reserves the 4-byte length, to be filled in by `finishFrame`. */
export function startFrame(w: JuteWriter = new JuteWriter()): JuteWriter {
  w.writeInt(0);
  return w;
}

export function finishFrame(w: JuteWriter): Buffer {
  w.patchInt(0, w.length - 4);
  return w.toBuffer();
}

export function requestFrame<T>(xid: number, type: number, codec: Codec<T> | null, body: T): Buffer {
  const w = startFrame();
  RequestHeader.write(w, { xid, type });
  if (codec !== null) codec.write(w, body);
  return finishFrame(w);
}

export function replyFrame<T>(header: ReplyHeaderT, codec: Codec<T> | null, body: T): Buffer {
  const w = startFrame();
  ReplyHeader.write(w, header);
  if (codec !== null && header.err === 0) codec.write(w, body);
  return finishFrame(w);
}
