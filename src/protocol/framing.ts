/**
 * Length-prefixed framing (PROTOCOL.md §1.1): every message in both directions is a 4-byte big-endian
 * length followed by that many bytes. `FrameDecoder` turns a byte stream into frames; it never
 * allocates more than one frame's worth beyond what was received, and
 * copies only the frames that arrive split across chunks.
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

/** Receives one frame body: `buf[start, end)` (valid only during the call; copy what must outlive it). */
export type FrameSink = (buf: Buffer, start: number, end: number) => void;

/** Bytes of a frame kept when it is skipped for its size: a reply header (xid, zxid, err). */
export const SKIPPED_HEAD = 16;

/**
 * Told of a frame over the limit that was skipped instead of failing the stream: its first
 * SKIPPED_HEAD body bytes (fewer if the body is shorter) and its length.
 */
export type OversizedSink = (head: Buffer, length: number) => void;

interface Skipping {
  readonly head: Buffer;
  headHave: number;
  /** Body bytes still to come (head bytes included). */
  remaining: number;
  readonly length: number;
}

export class FrameDecoder {
  /** Bytes of the incomplete next frame, in order (socket chunks are kept, not copied, when possible). */
  private parts: Buffer[] = [];
  /** Total bytes in `parts`. */
  private have = 0;
  /** Length prefix + body of the incomplete frame, or -1 while fewer than 4 bytes are buffered. */
  private need = -1;

  /** The oversized frame being skipped, or null. */
  private skipping: Skipping | null = null;

  /**
   * @param maxFrame largest frame body accepted; a negative length throws FrameError, and so does a
   * larger one unless `oversized` is given: then the frame's bytes are skipped as they arrive (never
   * buffered beyond its head) and `oversized` is told once it has passed, so one reply too large
   * fails alone instead of the whole connection (a client; a server must not read on).
   */
  constructor(
    private readonly maxFrame = DEFAULT_MAX_BUFFER,
    private readonly oversized: OversizedSink | null = null,
  ) {}

  /** The length prefix of the next frame if at least 4 bytes are buffered (for 4lw detection). */
  peekLength(): number | null {
    return this.need >= 0 ? this.need - 4 : null;
  }

  get buffered(): number {
    return this.have;
  }

  /** Feed bytes; returns the complete frames (bodies without the length prefix), in order. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    this.each(chunk, (buf, start, end) => frames.push(buf.subarray(start, end)));
    return frames;
  }

  /**
   * Feed bytes; calls `sink` for every complete frame, in order, without copying frames that lie
   * whole in `chunk`. Only a frame split across chunks is assembled (one copy, when it completes).
   * Throws FrameError at a bad length, after delivering the frames before it.
   */
  each(chunk: Buffer, sink: FrameSink): void {
    let off = 0;
    if (this.skipping !== null) {
      off = this.skip(chunk, 0);
      if (off < 0) return;
    }
    if (this.have > 0) {
      off = this.completeSplit(chunk, sink);
      if (off < 0) return;
    }
    const n = chunk.length;
    while (n - off >= 4) {
      const len = this.checkLength(chunk.readInt32BE(off));
      if (len > this.maxFrame) {
        off = this.skip(chunk, off + 4);
        if (off < 0) return;
        continue;
      }
      if (n - off - 4 < len) break;
      sink(chunk, off + 4, off + 4 + len);
      off += 4 + len;
    }
    if (off === n) return;
    const rest = chunk.subarray(off);
    // Copy so a small remainder does not pin a large socket chunk.
    this.parts = [off > 0 ? Buffer.from(rest) : rest];
    this.have = rest.length;
    this.need = rest.length >= 4 ? 4 + rest.readInt32BE(0) : -1;
  }

  /** Continues the buffered frame with `chunk`; returns the offset after it, or -1 if `chunk` was used up. */
  private completeSplit(chunk: Buffer, sink: FrameSink): number {
    if (this.need < 0) {
      if (this.have + chunk.length < 4) {
        this.parts.push(chunk);
        this.have += chunk.length;
        return -1;
      }
      const used = 4 - this.have;
      const head = Buffer.concat([...this.parts, chunk.subarray(0, used)], 4);
      const len = this.checkLength(head.readInt32BE(0));
      if (len > this.maxFrame) {
        this.parts = [];
        this.have = 0;
        return this.skip(chunk, used);
      }
      this.need = 4 + len;
    }
    const missing = this.need - this.have;
    if (chunk.length < missing) {
      this.parts.push(chunk);
      this.have += chunk.length;
      return -1;
    }
    const frame = Buffer.concat([...this.parts, chunk.subarray(0, missing)], this.need);
    this.parts = [];
    this.have = 0;
    this.need = -1;
    sink(frame, 4, frame.length);
    return missing;
  }

  /** Checks a length prefix; a length over the limit is returned only when it is to be skipped
   * (and starts the skip), anything else invalid throws. */
  private checkLength(len: number): number {
    if (len < 0 || (len > this.maxFrame && this.oversized === null)) {
      this.parts = [];
      this.have = 0;
      this.need = -1;
      throw new FrameError(`invalid frame length ${len} (limit ${this.maxFrame})`, len);
    }
    if (len > this.maxFrame)
      this.skipping = {
        head: Buffer.alloc(Math.min(SKIPPED_HEAD, len)),
        headHave: 0,
        remaining: len,
        length: len,
      };
    return len;
  }

  /** Passes over the skipped frame's bytes from `off`; the offset after it, or -1 if `chunk` ran out. */
  private skip(chunk: Buffer, off: number): number {
    const s = this.skipping;
    if (s === null) return off;
    const take = Math.min(s.head.length - s.headHave, chunk.length - off);
    if (take > 0) {
      chunk.copy(s.head, s.headHave, off, off + take);
      s.headHave += take;
      s.remaining -= take;
      off += take;
    }
    const drop = Math.min(s.remaining, chunk.length - off);
    s.remaining -= drop;
    off += drop;
    if (s.remaining > 0) return -1;
    this.skipping = null;
    this.oversized?.(s.head, s.length);
    return off;
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
