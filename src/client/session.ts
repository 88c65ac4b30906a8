/**
 * The session: connects to one host after another, resumes the session after connection loss
 * (lastZxidSeen, sessionId, passwd, §2.1), re-sends auth and watches (§2.4, §6.6), pipelines
 * requests and matches replies FIFO by xid (§3.1), pings on send idleness and drops a silent
 * server after the read timeout (§7.7), and turns expiry into the terminal "lost" state.
 */
import { ErrorCode, JuteReader, OpCode, PASSWORD_LENGTH, Xid, records, type JuteWriter } from "../protocol/index.js";
import { Connection } from "./connection.js";
import { formatHost, stripPath, type HostPort } from "./connect-string.js";
import {
  ClientClosedError,
  ConnectionLossError,
  OperationTimeoutError,
  SessionExpiredError,
  createError,
  type ZooKeeperError,
} from "./errors.js";
import { Fifo } from "./fifo.js";
import { MAX_PING_INTERVAL, type ResolvedOptions } from "./options.js";
import { StateHub, isTerminal } from "./states.js";
import { WatchManager } from "./watches.js";
import { sendSetWatches } from "./set-watches.js";

/** One request: encodes its body, then settles from its reply or a failure. */
export interface Packet {
  readonly op: number;
  xid: number;
  encode(w: JuteWriter): void;
  /** `r` is positioned at the reply body; only read it when err === 0 (§3.1). May throw on bad bytes. */
  reply(err: number, r: JuteReader): void;
  fail(err: ZooKeeperError): void;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface StoredAuth {
  scheme: string;
  auth: Buffer;
  /** The caller of addAuth, until the credential's first reply. */
  waiter: Waiter | null;
}

const NOOP_WAITER: Waiter = { resolve: () => undefined, reject: () => undefined };
const CLOSE_WAIT_MAX = 2_000;

export class Session {
  readonly states: StateHub;
  readonly watches: WatchManager;
  sessionId = 0n;
  lastZxid = 0n;
  /** Negotiated timeout (ms); 0 until the first session. */
  timeout = 0;
  private passwd: Buffer = Buffer.alloc(PASSWORD_LENGTH);
  private conn: Connection | null = null;
  private readonly pending = new Fifo<Packet>();
  private waiting: Packet[] = [];
  private authReplies = new Fifo<StoredAuth>();
  private readonly credentials: StoredAuth[];
  private xid = 0;
  private readonly hosts: HostPort[];
  private hostIndex = 0;
  private readonly abort = new AbortController();
  private pingTimer: NodeJS.Timeout | null = null;
  private lostTimer: NodeJS.Timeout | null = null;
  private connClosed: (() => void) | null = null;
  private firstConnect: Waiter | null = null;
  private closing: Promise<void> | null = null;
  private closeRequested = false;
  private terminalError: ZooKeeperError | null = null;

  constructor(private readonly opts: ResolvedOptions) {
    this.states = new StateHub(opts.logger);
    this.watches = new WatchManager(opts.logger);
    this.hosts = [...opts.connect.hosts];
    if (opts.shuffleHosts) {
      for (let i = this.hosts.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [this.hosts[i], this.hosts[j]] = [this.hosts[j] as HostPort, this.hosts[i] as HostPort];
      }
    }
    this.credentials = opts.auth.map((c) => ({ scheme: c.scheme, auth: toBuffer(c.auth), waiter: null }));
  }

  /** Resolves once the first session is established. */
  start(): Promise<void> {
    if (this.states.state !== "latent") {
      return this.terminalError !== null ? Promise.reject(this.terminalError) : Promise.resolve();
    }
    this.states.enter("connecting");
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new OperationTimeoutError({
          message: `no session within connectTimeout (${this.opts.connectTimeout} ms) from ${this.hosts.map(formatHost).join(",")}`,
        });
        this.terminate(err, "closed");
        reject(err);
      }, this.opts.connectTimeout);
      this.firstConnect = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      void this.run();
    });
  }

  submit(p: Packet): void {
    const conn = this.conn;
    if (conn !== null && !this.closeRequested) this.write(p, conn);
    else if (this.terminalError !== null) p.fail(this.terminalError);
    else if (this.closeRequested) p.fail(new ClientClosedError());
    else this.waiting.push(p);
  }

  addAuth(scheme: string, auth: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.terminalError !== null) return reject(this.terminalError);
      const cred: StoredAuth = { scheme, auth, waiter: { resolve, reject } };
      this.credentials.push(cred);
      if (this.conn !== null) this.sendAuth(this.conn, cred);
    });
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closeRequested = true;
    const conn = this.conn;
    if (conn !== null) {
      await new Promise<void>((done) => {
        const timer = setTimeout(done, Math.min(CLOSE_WAIT_MAX, Math.max(1, this.timeout * (2 / 3))));
        const finish = (): void => (clearTimeout(timer), done());
        this.write({ op: OpCode.closeSession, xid: 0, encode: () => undefined, reply: finish, fail: finish }, conn);
        conn.flush();
      });
    }
    this.terminate(new ClientClosedError(), "closed");
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.terminalError === null && !this.closeRequested) {
      if (failures > 0 && failures % this.hosts.length === 0) {
        await sleep(Math.random() * this.opts.reconnectDelay, this.abort.signal);
        if (this.terminalError !== null) return;
      }
      const hp = this.hosts[this.hostIndex++ % this.hosts.length] as HostPort;
      const requested = this.timeout > 0 ? this.timeout : this.opts.sessionTimeout;
      try {
        const { conn, response } = await Connection.open(
          hp,
          { protocolVersion: 0, lastZxidSeen: this.lastZxid, timeOut: this.opts.sessionTimeout, sessionId: this.sessionId, passwd: this.passwd },
          Math.max(100, Math.floor(requested / this.hosts.length)),
          this.opts.maxFrameSize,
          this.abort.signal,
        );
        if (this.terminalError !== null || this.closeRequested) {
          conn.destroy(new ClientClosedError());
          return;
        }
        if (response.timeOut <= 0) {
          conn.destroy(new SessionExpiredError());
          this.terminate(new SessionExpiredError({ message: `session 0x${this.sessionId.toString(16)} expired` }), "lost");
          return;
        }
        const closed = new Promise<void>((resolve) => (this.connClosed = resolve));
        this.established(conn, response.sessionId, response.passwd, response.timeOut);
        failures = 0;
        await closed;
      } catch (err) {
        failures++;
        this.opts.logger.debug({ err, server: formatHost(hp) }, "zookeeper connection attempt failed");
      }
    }
  }

  private established(conn: Connection, sessionId: bigint, passwd: Buffer | null, timeout: number): void {
    const first = this.sessionId === 0n;
    this.sessionId = sessionId;
    this.passwd = passwd !== null && passwd.length === PASSWORD_LENGTH ? Buffer.from(passwd) : Buffer.alloc(PASSWORD_LENGTH);
    this.timeout = timeout;
    this.conn = conn;
    this.clearLostTimer();
    conn.attach({ onFrame: (f) => this.onFrame(f), onClose: (reason) => this.onConnClose(conn, reason) });
    for (const cred of this.credentials) this.sendAuth(conn, cred);
    if (!this.watches.isEmpty) sendSetWatches(this, conn, this.opts.connect.chroot);
    const waiting = this.waiting;
    this.waiting = [];
    for (const p of waiting) this.write(p, conn);
    this.armPing(conn);
    const server = conn.server;
    this.opts.logger.info({ server, sessionId: `0x${sessionId.toString(16)}`, timeout }, "zookeeper session established");
    this.states.emit({ type: first ? "connected" : "reconnected", sessionId, sessionTimeout: timeout, server });
    if (first) {
      this.firstConnect?.resolve();
      this.firstConnect = null;
    }
  }

  /** Encode `p` straight into the connection's write buffer and queue it for its reply. */
  write(p: Packet, conn: Connection): void {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    p.xid = this.xid;
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

  private sendAuth(conn: Connection, cred: StoredAuth): void {
    const off = conn.beginFrame();
    conn.out.writeInt(Xid.auth).writeInt(OpCode.auth);
    records.AuthPacket.write(conn.out, { type: 0, scheme: cred.scheme, auth: cred.auth });
    conn.endFrame(off);
    this.authReplies.push(cred);
  }

  private onFrame(frame: Buffer): void {
    const xid = frame.readInt32BE(0);
    const err = frame.readInt32BE(12);
    if (xid === Xid.notification) {
      const ev = records.WatcherEvent.read(new JuteReader(frame, 16));
      this.watches.dispatch(ev.type, stripPath(this.opts.connect.chroot, ev.path));
      return;
    }
    if (xid === Xid.ping) return;
    if (xid === Xid.auth) return this.onAuthReply(err);
    const p = this.pending.shift();
    if (p === undefined || p.xid !== xid) {
      p?.fail(new ConnectionLossError({ message: `xid out of order: got ${xid}, expected ${p.xid}` }));
      throw new Error(`reply xid ${xid} does not match the oldest pending request ${p?.xid ?? "(none)"}`);
    }
    const zxid = frame.readBigInt64BE(4);
    if (zxid > this.lastZxid) this.lastZxid = zxid;
    try {
      p.reply(err, new JuteReader(frame, 16, frame.length, this.opts.maxFrameSize * 2));
    } catch (e) {
      p.fail(createError(ErrorCode.MARSHALLINGERROR, undefined, e));
      throw e;
    }
  }

  private onAuthReply(err: number): void {
    const cred = this.authReplies.shift();
    const waiter = cred?.waiter ?? NOOP_WAITER;
    if (cred !== undefined) cred.waiter = null;
    if (err === 0) return waiter.resolve();
    // The server closes the connection after AUTHFAILED; don't re-send a credential it refused.
    if (cred !== undefined) this.credentials.splice(this.credentials.indexOf(cred), 1);
    this.opts.logger.warn({ err, scheme: cred?.scheme }, "zookeeper authentication failed");
    waiter.reject(createError(err));
  }

  private onConnClose(conn: Connection, reason: Error): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.clearPingTimer();
    const loss = new ConnectionLossError({ message: `connection to ${conn.server} lost: ${reason.message}`, cause: reason });
    for (const p of this.pending.drain()) p.fail(this.terminalError ?? loss);
    for (const cred of this.authReplies.drain()) {
      // Re-sent with the next connection; only the caller's promise fails now.
      cred.waiter?.reject(loss);
      cred.waiter = null;
    }
    this.connClosed?.();
    this.connClosed = null;
    if (this.terminalError !== null || this.closeRequested) return;
    this.opts.logger.warn({ server: conn.server, err: reason }, "zookeeper connection lost; reconnecting");
    this.states.emit({ type: "suspended", server: conn.server, reason });
    // Curator's rule: no server contact for a whole session timeout means the session is gone.
    this.lostTimer = setTimeout(() => {
      this.terminate(new SessionExpiredError({ message: `no server reachable for the session timeout (${this.timeout} ms)` }), "lost");
    }, this.timeout);
  }

  private armPing(conn: Connection): void {
    const readTimeout = (this.timeout * 2) / 3;
    const pingAfter = Math.min(this.timeout / 3, MAX_PING_INTERVAL);
    const tick = (): void => {
      this.pingTimer = null;
      if (this.conn !== conn) return;
      const now = performance.now();
      if (now - conn.lastRecv >= readTimeout) {
        conn.destroy(new ConnectionLossError({ message: `no reply from ${conn.server} within ${Math.round(readTimeout)} ms` }));
        return;
      }
      if (now - conn.lastSend >= pingAfter) {
        const off = conn.beginFrame();
        conn.out.writeInt(Xid.ping).writeInt(OpCode.ping);
        conn.endFrame(off);
        conn.flush();
      }
      const next = Math.min(conn.lastSend + pingAfter, conn.lastRecv + readTimeout) - performance.now();
      this.pingTimer = setTimeout(tick, Math.max(1, next));
    };
    this.pingTimer = setTimeout(tick, pingAfter);
  }

  private clearPingTimer(): void {
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }

  private clearLostTimer(): void {
    if (this.lostTimer !== null) clearTimeout(this.lostTimer);
    this.lostTimer = null;
  }

  /** Enter a terminal state: nothing stays pending, no timer or socket is left. */
  private terminate(err: ZooKeeperError, state: "lost" | "closed"): void {
    if (this.terminalError !== null) {
      if (state === "closed" && this.states.state === "lost") this.states.enter("closed");
      return;
    }
    this.terminalError = err;
    this.abort.abort();
    this.clearPingTimer();
    this.clearLostTimer();
    this.conn?.destroy(err);
    this.conn = null;
    for (const p of this.pending.drain()) p.fail(err);
    for (const p of this.waiting.splice(0)) p.fail(err);
    for (const cred of this.credentials) cred.waiter?.reject(err);
    this.watches.clear(state === "lost" ? err : null);
    this.firstConnect?.reject(err);
    this.firstConnect = null;
    if (isTerminal(this.states.state)) return;
    this.states.emit(state === "lost" ? { type: "lost", reason: err } : { type: "closed" });
  }
}

function toBuffer(v: Uint8Array | string): Buffer {
  return typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
