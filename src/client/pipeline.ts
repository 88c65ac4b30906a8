/**
 * The requests in flight on a connection: xids (from 1, counting on across reconnects), encoding
 * straight into the connection's write buffer, FIFO reply matching (PROTOCOL.md §3.1), and the highest zxid
 * seen (sent as lastZxidSeen when reconnecting, PROTOCOL.md §2.1).
 */
import { ErrorCode, JuteReader, longAt } from "../protocol/index.js";
import type { Connection } from "./connection.js";
import { ConnectionLossError, createError } from "./errors.js";
import { Fifo } from "./fifo.js";
import type { Packet } from "./packet.js";

export class Pipeline {
  lastZxid = 0n;
  /** `lastZxid`'s signed high and unsigned low words, compared before a reply's zxid is decoded. */
  private lastZxidHi = 0;
  private lastZxidLo = 0;
  private xid = 0;
  private readonly pending = new Fifo<Packet>();

  /** @param maxLength largest buffer or string accepted in a reply body */
  constructor(private readonly maxLength: number) {}

  /** Encode `p` straight into the connection's write buffer and queue it for its reply. */
  write(p: Packet, conn: Connection): void {
    p.xid = this.nextXid();
    const off = conn.beginFrame();
    try {
      conn.out.writeInt(p.xid).writeInt(p.op);
      p.encode(conn.out);
    } catch (err) {
      conn.abortFrame(off);
      p.fail(createError(ErrorCode.MARSHALLINGERROR, undefined, err));
      return;
    }
    conn.endFrame(off);
    this.pending.push(p);
  }

  /** The next xid (also for requests answered outside the FIFO, such as SASL's). */
  nextXid(): number {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    return this.xid;
  }

  /**
   * Settles the oldest request with the reply `buf[start, end)` (header included). Throws when the
   * xid is out of order or the body is undecodable: the connection must then be dropped.
   */
  reply(xid: number, buf: Buffer, start: number, end: number): void {
    const p = this.pending.shift();
    if (p === undefined || p.xid !== xid) {
      p?.fail(new ConnectionLossError({ message: `xid out of order: got ${xid}, expected ${p.xid}` }));
      throw new Error(`reply xid ${xid} does not match the oldest pending request ${p?.xid ?? "(none)"}`);
    }
    this.seeZxid(buf, start + 4);
    try {
      p.reply(buf.readInt32BE(start + 12), new JuteReader(buf, start + 16, end, this.maxLength));
    } catch (e) {
      p.fail(createError(ErrorCode.MARSHALLINGERROR, undefined, e));
      throw e;
    }
  }

  /**
   * A reply was longer than the frame limit and was skipped (`head` is its 16-byte header, which
   * names its xid): that request alone fails with MARSHALLINGERROR, as the embedded server answers a
   * reply it cannot frame, and the connection goes on.
   */
  oversized(head: Buffer, length: number, limit: number): void {
    const xid = head.length >= 16 ? head.readInt32BE(0) : -1;
    // Only a reply can fail alone; a notification (or anything else) that large is a broken stream.
    if (xid < 0) throw new Error(`frame of ${length} bytes (xid ${xid}) over the limit of ${limit}`);
    const p = this.pending.shift();
    if (p === undefined || p.xid !== xid) {
      p?.fail(new ConnectionLossError({ message: `xid out of order: got ${xid}, expected ${p.xid}` }));
      throw new Error(`reply xid ${xid} does not match the oldest pending request ${p?.xid ?? "(none)"}`);
    }
    this.seeZxid(head, 4);
    const cause = new Error(
      `reply of ${length} bytes is over the client's frame limit (maxFrameSize ${limit})`,
    );
    p.fail(createError(ErrorCode.MARSHALLINGERROR, undefined, cause));
  }

  /** Remove and return every request in flight, oldest first. */
  drain(): Packet[] {
    return this.pending.drain();
  }

  /** Tracks the highest zxid; a BigInt is made only when it grows (reads all carry the same one). */
  private seeZxid(buf: Buffer, at: number): void {
    const hi = buf.readInt32BE(at);
    const lo = buf.readUInt32BE(at + 4);
    if (hi < this.lastZxidHi || (hi === this.lastZxidHi && lo <= this.lastZxidLo)) return;
    this.lastZxidHi = hi;
    this.lastZxidLo = lo;
    const zxid = longAt(buf, at);
    if (zxid > this.lastZxid) this.lastZxid = zxid;
  }
}
