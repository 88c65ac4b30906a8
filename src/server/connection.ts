/**
 * One client TCP connection: four-letter-word detection, framing, and batched output. Everything a
 * socket chunk produces (replies, and notifications from other connections' writes) is written in
 * one socket write per connection after the whole chunk has been processed. No exception escapes
 * the socket handlers: any failure closes this connection only.
 *
 * Durability gate: output is held until the txn log has synced the writes it may reveal (see
 * output-batch.ts), and released strictly in order, keeping FIFO replies.
 *
 * Backpressure: once `maxOutstanding` replies are queued or held, or the socket's own write buffer
 * passes WRITE_HIGH_WATER (a client that does not read), the connection stops reading; frames
 * already received wait in `backlog`. Reading resumes when the replies drain.
 */
import type { Socket } from "node:net";
import { EVENT_DATA_LIMIT, FrameDecoder, type Id, type JuteWriter } from "../protocol/index.js";
import { normalizeAddress } from "./acl.js";
import { fourLetterCode } from "./fourletter.js";
import type { Logger } from "./logger.js";
import type { DataNode } from "./node.js";
import { OutputBatch } from "./output-batch.js";
import type { Session, SessionOwner } from "./sessions.js";
import { WatchSet, type Watcher } from "./watches.js";

/** Unsent bytes in the socket above which the connection stops reading requests. */
export const WRITE_HIGH_WATER = 1 << 20;

export interface ConnectionLimits {
  readonly maxBuffer: number;
  /** Replies queued or awaiting the log sync before reading pauses. */
  readonly maxOutstanding: number;
  /** Close a connection that has not completed its handshake within this many ms. */
  readonly handshakeTimeoutMs: number;
}

export interface ConnectionHandler {
  handshake(conn: Connection, frame: Buffer): void;
  request(conn: Connection, frame: Buffer): void;
  fourLetter(conn: Connection, word: string): void;
  closed(conn: Connection): void;
  /** Flush every connection that has output queued (called once per processed chunk). */
  flushAll(): void;
  markDirty(conn: Connection): void;
}

let nextConnectionId = 1;

export class Connection implements Watcher, SessionOwner {
  readonly id = nextConnectionId++;
  readonly address: string;
  readonly port: number;
  readonly watches = new WatchSet();
  authIds: Id[];
  session: Session | null = null;
  /** The client sent the trailing readOnly byte, so our ConnectResponse carries one (PROTOCOL.md §2.1). */
  readOnlyByte = false;
  /** The client asked for events that carry data (protocol/extensions.ts, PROTOCOL.md §10). */
  eventData = false;
  received = 0;
  sent = 0;
  /** Set once the connection must not process more input (close requested or underway). */
  closing = false;
  private handshakeDone = false;
  private firstBytesChecked = false;
  private head: Buffer | null = null;
  private readonly decoder: FrameDecoder;
  private readonly output = new OutputBatch();
  private queued = false;
  private endRequested = false;
  private backlog: Buffer[] = [];
  private paused = false;
  private resumeScheduled = false;
  private handshakeTimer: NodeJS.Timeout | null;

  constructor(
    private readonly socket: Socket,
    private readonly handler: ConnectionHandler,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
  ) {
    this.address = normalizeAddress(socket.remoteAddress);
    this.port = socket.remotePort ?? 0;
    this.authIds = [{ scheme: "ip", id: this.address }];
    this.decoder = new FrameDecoder(limits.maxBuffer);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.scheduleResume());
    socket.on("error", (err) => this.logger.debug({ err, conn: this.id }, "socket error"));
    socket.on("close", () => this.onClose());
    // A connection that never says hello must not hold a slot (and its memory) forever.
    this.handshakeTimer = setTimeout(() => {
      this.logger.debug({ conn: this.id }, "no handshake in time; closing");
      this.close("handshake timeout");
    }, limits.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  /** Requests whose replies have not reached the socket yet. */
  get outstanding(): number {
    return this.output.outstanding;
  }

  private overLimit(): boolean {
    return this.outstanding >= this.limits.maxOutstanding || this.socket.writableLength > WRITE_HIGH_WATER;
  }

  get isHandshakeDone(): boolean {
    return this.handshakeDone;
  }

  markHandshakeDone(): void {
    this.handshakeDone = true;
    this.clearHandshakeTimer();
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  private onData(chunk: Buffer): void {
    try {
      if (this.closing) return;
      if (!this.firstBytesChecked) {
        if (this.head !== null) chunk = Buffer.concat([this.head, chunk]);
        // A four-letter word is only recognised as a fresh connection's first 4 bytes (PROTOCOL.md §7.12).
        if (chunk.length < 4) {
          this.head = chunk;
          return;
        }
        this.head = null;
        this.firstBytesChecked = true;
        const word = fourLetterCode(chunk.readInt32BE(0));
        if (word !== null) {
          this.closing = true;
          this.clearHandshakeTimer();
          this.handler.fourLetter(this, word);
          return;
        }
      }
      const frames = this.decoder.push(chunk);
      if (this.backlog.length > 0) this.backlog.push(...frames);
      else this.process(frames);
    } catch (err) {
      this.badInput(err);
    } finally {
      this.safeFlushAll();
    }
  }

  /** Handle frames in order until the outstanding limit is hit; the rest wait in `backlog`. */
  private process(frames: Buffer[]): void {
    for (let i = 0; i < frames.length; i++) {
      if (this.closing) return;
      if (this.overLimit()) {
        this.backlog = frames.slice(i);
        this.pause();
        return;
      }
      const frame = frames[i];
      if (frame === undefined) continue;
      this.received++;
      if (this.handshakeDone) this.handler.request(this, frame);
      else this.handler.handshake(this, frame);
    }
    if (this.overLimit()) this.pause();
  }

  private badInput(err: unknown): void {
    // Bad lengths, undecodable handshakes, or a bug: drop this connection, keep the server up.
    this.logger.debug({ err, conn: this.id }, "closing connection after bad input");
    this.backlog = [];
    this.closeAfterFlush();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  /** Deferred: release() runs inside flushAll, which must not re-enter request processing. */
  private scheduleResume(): void {
    if (!this.paused || this.resumeScheduled || this.overLimit()) return;
    this.resumeScheduled = true;
    setImmediate(() => {
      this.resumeScheduled = false;
      if (!this.paused || this.closing || this.overLimit()) return;
      try {
        const frames = this.backlog;
        this.backlog = [];
        this.paused = false;
        this.process(frames);
        if (!this.paused) this.socket.resume();
      } catch (err) {
        this.badInput(err);
      } finally {
        this.safeFlushAll();
      }
    });
  }

  private safeFlushAll(): void {
    try {
      this.handler.flushAll();
    } catch (err) {
      this.logger.error({ err }, "flush failed");
    }
  }

  private onClose(): void {
    this.closing = true;
    this.clearHandshakeTimer();
    this.backlog = [];
    try {
      this.handler.closed(this);
    } catch (err) {
      this.logger.error({ err, conn: this.id }, "connection cleanup failed");
    }
  }

  /** Start a reply frame: the caller writes the body into the returned writer, then calls endReply. */
  beginReply(xid: number, zxid: number, err: number): JuteWriter {
    return this.output.beginReply(xid, zxid, err);
  }

  /** Finish the frame begun by beginReply (a reply over 0xfffff bytes becomes MARSHALLINGERROR). */
  endReply(): void {
    const refused = this.output.endReply();
    if (refused !== null)
      this.logger.warn(
        { conn: this.id, length: refused },
        "reply exceeds 0xfffff bytes; sent MARSHALLINGERROR instead",
      );
    this.sent++;
    this.markQueued();
  }

  /** A complete frame without length prefix handling by the caller (handshake replies). */
  sendFrame(frame: Buffer): void {
    this.output.frame(frame);
    this.sent++;
    this.markQueued();
  }

  /** A watch notification, written straight into the output batch; with the node's data and Stat
   * when this client asked for them and `node` (a created one) is small enough. */
  notify(type: number, path: string, node?: DataNode): void {
    if (this.socket.destroyed) return;
    if (this.eventData && node !== undefined && node.dataLength <= EVENT_DATA_LIMIT)
      this.output.notification(type, path, node);
    else this.output.notification(type, path);
    this.sent++;
    this.markQueued();
  }

  sendText(text: string): void {
    this.output.text(text);
    this.markQueued();
  }

  private markQueued(): void {
    if (this.queued) return;
    this.queued = true;
    this.handler.markDirty(this);
  }

  /**
   * Move queued output behind the durability gate: `appliedZxid` is what it may depend on,
   * `durableZxid` what is on disk. Returns true while output is still held back.
   */
  flush(appliedZxid: number, durableZxid: number): boolean {
    this.queued = false;
    this.output.hold(appliedZxid);
    return this.release(durableZxid);
  }

  /** Write the held output the log has made durable; true while some is still held. */
  release(durableZxid: number): boolean {
    const ready = this.output.take(durableZxid);
    if (ready !== null && !this.socket.destroyed) this.socket.write(ready);
    if (this.output.nothingHeld && this.endRequested && !this.socket.destroyed) {
      this.endRequested = false;
      this.socket.end(() => this.socket.destroy());
    }
    if (this.paused) this.scheduleResume();
    return !this.output.nothingHeld;
  }

  /** Stop reading, send what is queued (once durable), then close (after error replies that end a connection). */
  closeAfterFlush(): void {
    if (this.socket.destroyed) return;
    this.closing = true;
    this.endRequested = true;
    this.handler.markDirty(this);
  }

  /** Close without sending anything further (session moved to another connection, expiry). */
  close(_reason: string): void {
    this.closing = true;
    this.output.discard();
    this.backlog = [];
    this.clearHandshakeTimer();
    this.socket.destroy();
  }
}
