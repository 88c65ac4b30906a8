/**
 * A connection's output: the frames one socket chunk produces (replies, notifications, 4lw text) are
 * written into one buffer and leave in one socket write.
 *
 * Durability gate: `hold` tags the batch with the highest zxid it may reveal, and `take` gives it back
 * only once the txn log has synced that zxid (a reply may reveal a write, so it must not leave before
 * the write is on disk). A reply reveals at most the zxid in its header: the last applied one for
 * writes and most reads, the durable one for a read whose nodes no unsynced txn touched (reads.ts
 * `readZxid`), so such a read is not held for other sessions' syncs. Frames without a zxid of their
 * own (notifications, handshake replies, 4lw text) tag the batch with what was applied at `hold`.
 * Held output is released strictly in order, keeping FIFO replies.
 */
import { ErrorCode, JuteWriter, KeeperState } from "../protocol/index.js";
import { HeldOutput } from "./held-output.js";
import type { DataNode } from "./node.js";

/** Java clients refuse any frame longer than this (PROTOCOL.md §1.1), so replies never exceed it. */
export const MAX_REPLY_LENGTH = 0xfffff;

export class OutputBatch {
  private out = new JuteWriter(4096);
  private replyStart = 0;
  private readonly held = new HeldOutput();
  /** Replies in `out` (those in `held` are counted there): the requests outstanding with them. */
  private unreplied = 0;
  /** The highest header zxid of the replies in `out`. */
  private reveals = 0;
  /** `out` holds a frame that may reveal anything applied (it carries no zxid of its own). */
  private revealsApplied = false;

  /** Replies not handed to the socket yet. */
  get outstanding(): number {
    return this.unreplied + this.held.replies;
  }

  /** Nothing is waiting for the log. */
  get nothingHeld(): boolean {
    return this.held.empty;
  }

  /** Start a reply frame: the caller writes the body into the returned writer, then calls endReply. */
  beginReply(xid: number, zxid: number, err: number): JuteWriter {
    const w = this.out;
    this.replyStart = w.length;
    if (zxid > this.reveals) this.reveals = zxid;
    w.writeInt(0).writeInt(xid).writeLongNumber(zxid).writeInt(err);
    return w;
  }

  /**
   * Finish the frame begun by beginReply. A reply the client would refuse (> 0xfffff bytes, e.g. a
   * huge getChildren) is replaced by a MARSHALLINGERROR header: Apache would send it and the
   * client would drop the connection; an error code is the safe, retry-free answer. Returns the
   * refused body's length when that happened, else null.
   */
  endReply(): number | null {
    const w = this.out;
    const len = w.length - this.replyStart - 4;
    let refused: number | null = null;
    if (len > MAX_REPLY_LENGTH) {
      const xid = w.view().readInt32BE(this.replyStart + 4);
      const zxidHi = w.view().readInt32BE(this.replyStart + 8);
      const zxidLo = w.view().readUInt32BE(this.replyStart + 12);
      w.reset(this.replyStart);
      this.beginReply(xid, zxidHi * 0x100000000 + zxidLo, ErrorCode.MARSHALLINGERROR);
      refused = len;
    }
    w.patchInt(this.replyStart, w.length - this.replyStart - 4);
    this.unreplied++;
    return refused;
  }

  /** A complete reply frame, length prefix included (handshake replies). */
  frame(frame: Buffer): void {
    this.revealsApplied = true;
    this.out.writeRaw(frame);
    this.unreplied++;
  }

  /** ReplyHeader(−1, −1, 0) + WatcherEvent(type, SyncConnected, path): 3.8 sends zxid −1 (PROTOCOL.md §3.1). */
  /** A WatcherEvent frame; with `node`, followed by its data and Stat (protocol/extensions.ts). */
  notification(type: number, path: string, node?: DataNode): void {
    const w = this.out;
    const start = w.length;
    this.revealsApplied = true;
    w.writeInt(0).writeInt(-1).writeInt(-1).writeInt(-1).writeInt(0); // length, xid, zxid −1 (two ints), err
    w.writeInt(type).writeInt(KeeperState.SyncConnected).writeString(path);
    if (node !== undefined) {
      w.writeBuffer(node.data);
      node.writeStat(w);
    }
    w.patchInt(start, w.length - start - 4);
  }

  text(text: string): void {
    this.revealsApplied = true;
    this.out.writeRaw(Buffer.from(text, "utf8"));
  }

  /** Move what is queued behind the gate; `appliedZxid`: the last txn applied (for frames with no zxid). */
  hold(appliedZxid: number): void {
    if (this.out.length === 0) return;
    this.held.push(this.out.toBuffer(), this.unreplied, this.revealsApplied ? appliedZxid : this.reveals);
    this.unreplied = 0;
    this.reveals = 0;
    this.revealsApplied = false;
    // Don't keep a large reply's buffer alive for the connection's lifetime.
    if (this.out.length > 1 << 16) this.out = new JuteWriter(4096);
    else this.out.reset();
  }

  /** The held output the log has made durable at `durableZxid`, in order (null if none). */
  take(durableZxid: number): Buffer | null {
    return this.held.take(durableZxid);
  }

  /** Drop everything queued and held (the connection closes without sending it). */
  discard(): void {
    this.out.reset();
    this.reveals = 0;
    this.revealsApplied = false;
    this.held.clear();
  }
}
