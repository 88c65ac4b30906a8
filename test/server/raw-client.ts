/**
 * A minimal raw-protocol client for server tests, built on src/protocol only: it lets tests send
 * exact bytes and read exact replies, notifications included.
 */
import { connect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { once } from "node:events";
import {
  FrameDecoder,
  JuteReader,
  JuteWriter,
  OpCode,
  records,
  startFrame,
  finishFrame,
  type Codec,
  type WatcherEvent,
} from "../../src/protocol/index.js";

export interface Reply<T> {
  xid: number;
  zxid: bigint;
  err: number;
  body: T | null;
}

export interface HandshakeOptions {
  timeout?: number;
  sessionId?: bigint;
  passwd?: Buffer;
  lastZxidSeen?: bigint;
  /** Send the trailing readOnly byte (default true). */
  readOnlyByte?: boolean;
}

export class RawClient {
  readonly events: WatcherEvent[] = [];
  /** Every frame in arrival order, as (xid, kind) — for ordering assertions. */
  readonly log: { xid: number; event?: WatcherEvent }[] = [];
  sessionId = 0n;
  passwd: Buffer = Buffer.alloc(16);
  timeOut = 0;
  handshakeBytes = 0;
  private readonly decoder = new FrameDecoder(0x7fffffff);
  private readonly frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  private xid = 1;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push(f);
      this.wake();
    });
    socket.on("error", () => undefined);
    this.closedPromise = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async open(port: number, host = "127.0.0.1"): Promise<RawClient> {
    const socket = connect(port, host);
    await once(socket, "connect");
    return new RawClient(socket);
  }

  /** A TLS connection; rejects if the TLS handshake fails (e.g. the server refused our certificate). */
  static async openTls(port: number, tls: ConnectionOptions = {}): Promise<RawClient> {
    const socket = tlsConnect({ host: "127.0.0.1", port, ...tls });
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    return new RawClient(socket);
  }

  /** Open a connection and perform the handshake; `timeOut` 0 means the server refused the session. */
  static async connect(port: number, opts: HandshakeOptions = {}): Promise<RawClient> {
    const c = await RawClient.open(port);
    await c.handshake(opts);
    return c;
  }

  async handshake(opts: HandshakeOptions = {}): Promise<void> {
    const w = startFrame();
    records.ConnectRequest.write(w, {
      protocolVersion: 0,
      lastZxidSeen: opts.lastZxidSeen ?? 0n,
      timeOut: opts.timeout ?? 30000,
      sessionId: opts.sessionId ?? 0n,
      passwd: opts.passwd ?? Buffer.alloc(16),
    });
    if (opts.readOnlyByte ?? true) w.writeBool(false);
    this.send(finishFrame(w));
    const f = await this.nextFrame();
    this.handshakeBytes = f.length;
    const resp = records.ConnectResponse.read(new JuteReader(f));
    this.sessionId = resp.sessionId;
    this.passwd = resp.passwd ?? Buffer.alloc(0);
    this.timeOut = resp.timeOut;
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async nextFrame(): Promise<Buffer> {
    for (;;) {
      const f = this.frames.shift();
      if (f !== undefined) return f;
      if (this.closed) throw new Error("connection closed");
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Encode a request (with a fresh xid unless given) without waiting for the reply. */
  frame<T>(type: number, codec: Codec<T> | null, body: T, xid = this.xid++): Buffer {
    const w = startFrame(new JuteWriter());
    records.RequestHeader.write(w, { xid, type });
    if (codec !== null) codec.write(w, body);
    return finishFrame(w);
  }

  /** Next non-notification reply; notifications seen on the way are recorded in `events`. */
  async reply<T>(codec: Codec<T> | null): Promise<Reply<T>> {
    for (;;) {
      const f = await this.nextFrame();
      const r = new JuteReader(f);
      const h = records.ReplyHeader.read(r);
      if (h.xid === -1) {
        const ev = records.WatcherEvent.read(r);
        this.events.push(ev);
        this.log.push({ xid: -1, event: ev });
        continue;
      }
      this.log.push({ xid: h.xid });
      const body = h.err === 0 && codec !== null ? codec.read(r) : null;
      return { xid: h.xid, zxid: h.zxid, err: h.err, body };
    }
  }

  async call<Req, Res>(
    type: number,
    reqCodec: Codec<Req> | null,
    req: Req,
    resCodec: Codec<Res> | null,
  ): Promise<Reply<Res>> {
    this.send(this.frame(type, reqCodec, req));
    return this.reply(resCodec);
  }

  /** Wait until at least `n` notifications have arrived (reading frames as needed). */
  async waitEvents(n: number): Promise<WatcherEvent[]> {
    while (this.events.length < n) {
      const f = await this.nextFrame();
      const r = new JuteReader(f);
      const h = records.ReplyHeader.read(r);
      if (h.xid !== -1) throw new Error(`unexpected reply xid ${h.xid} while waiting for events`);
      const ev = records.WatcherEvent.read(r);
      this.events.push(ev);
      this.log.push({ xid: -1, event: ev });
    }
    return this.events;
  }

  // ---- convenience wrappers ----

  create(
    path: string,
    data: string | null = "",
    flags = 0,
    acl = OPEN,
  ): Promise<Reply<records.CreateResponse>> {
    return this.call(
      OpCode.create,
      records.CreateRequest,
      { path, data: data === null ? null : Buffer.from(data), acl, flags },
      records.CreateResponse,
    );
  }

  create2(
    path: string,
    data = "",
    flags = 0,
    op: number = OpCode.create2,
  ): Promise<Reply<records.Create2Response>> {
    return this.call(
      op,
      records.CreateRequest,
      { path, data: Buffer.from(data), acl: OPEN, flags },
      records.Create2Response,
    );
  }

  getData(path: string, watch = false): Promise<Reply<records.GetDataResponse>> {
    return this.call(OpCode.getData, records.PathWatchRequest, { path, watch }, records.GetDataResponse);
  }

  exists(path: string, watch = false): Promise<Reply<records.StatResponse>> {
    return this.call(OpCode.exists, records.PathWatchRequest, { path, watch }, records.StatResponse);
  }

  getChildren(path: string, watch = false): Promise<Reply<records.GetChildren2Response>> {
    return this.call(
      OpCode.getChildren2,
      records.PathWatchRequest,
      { path, watch },
      records.GetChildren2Response,
    );
  }

  setData(path: string, data: string, version = -1): Promise<Reply<records.StatResponse>> {
    return this.call(
      OpCode.setData,
      records.SetDataRequest,
      { path, data: Buffer.from(data), version },
      records.StatResponse,
    );
  }

  delete(path: string, version = -1): Promise<Reply<null>> {
    return this.call(OpCode.delete, records.DeleteRequest, { path, version }, null);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.destroy();
    await this.closedPromise;
  }

  async closeSession(): Promise<Reply<null>> {
    const r = await this.call<null, null>(OpCode.closeSession, null, null, null);
    await this.closedPromise;
    return r;
  }
}

export const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
