/**
 * The session: connects to one host after another, resumes the session after connection loss
 * (lastZxidSeen, sessionId, passwd, §2.1), re-sends auth and watches (PROTOCOL.md §2.4, §6.6), pipelines
 * requests and matches replies FIFO by xid (PROTOCOL.md §3.1), pings on send idleness and drops a silent
 * server after the read timeout (PROTOCOL.md §7.7), and turns expiry into the terminal "lost" state.
 */
import { FEATURE_EVENT_DATA, JuteReader, OpCode, PASSWORD_LENGTH, Xid, readStat } from "../protocol/index.js";
import type { Connection } from "./connection.js";
import { attempt, FatalFailures } from "./attempt.js";
import { formatHost, stripPath } from "./connect-string.js";
import { HostRotation, sleep } from "./hosts.js";
import { toBuffer } from "./requests.js";
import {
  ClientClosedError,
  ConnectionLossError,
  OperationTimeoutError,
  SessionExpiredError,
  type ZooKeeperError,
} from "./errors.js";
import { Pipeline } from "./pipeline.js";
import type { ResolvedOptions } from "./options.js";
import { Credentials } from "./credentials.js";
import { startHeartbeat } from "./heartbeat.js";
import { StateHub, isTerminal } from "./states.js";
import { WatchManager } from "./watches.js";
import { sendSetWatches } from "./set-watches.js";
import { withDeadline, type Packet } from "./packet.js";

export type { Packet } from "./packet.js";

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

const CLOSE_WAIT_MAX = 2_000;
/**
 * One connection attempt gets at most this share of the session timeout (Java's client gives it
 * sessionTimeout / hosts). A server that accepts and never answers — Apache 3.8 does this to some
 * connections while it starts — would otherwise use up the whole lost-timer budget on one host.
 */
const ATTEMPTS_PER_TIMEOUT = 3;

export class Session {
  readonly states: StateHub;
  readonly watches: WatchManager;
  sessionId = 0n;
  /** Negotiated timeout (ms); 0 until the first session. */
  timeout = 0;
  private passwd: Buffer = Buffer.alloc(PASSWORD_LENGTH);
  private conn: Connection | null = null;
  private readonly pipeline: Pipeline;
  private waiting: Packet[] = [];
  private readonly credentials: Credentials;
  private readonly hosts: HostRotation;
  private readonly abort = new AbortController();
  private stopHeartbeat: (() => void) | null = null;
  private lostTimer: NodeJS.Timeout | null = null;
  private connClosed: (() => void) | null = null;
  private firstConnect: Waiter | null = null;
  private closing: Promise<void> | null = null;
  private closeRequested = false;
  private started: Promise<void> | null = null;
  private terminalError: ZooKeeperError | null = null;
  private lastAttemptError: Error | null = null;

  constructor(private readonly opts: ResolvedOptions) {
    this.states = new StateHub(opts.logger);
    this.watches = new WatchManager(opts.logger);
    this.hosts = new HostRotation(opts.connect.hosts, opts.shuffleHosts);
    this.credentials = new Credentials(opts.logger);
    this.pipeline = new Pipeline(opts.maxFrameSize * 2);
    for (const c of opts.auth) this.credentials.preload(c.scheme, toBuffer(c.auth));
  }

  /** The server of the current connection sends events with data (PROTOCOL.md §10). */
  get eventsCarryData(): boolean {
    return this.conn !== null && (this.conn.features & FEATURE_EVENT_DATA) !== 0;
  }

  /** The highest zxid seen (sent as lastZxidSeen when reconnecting, and in SetWatches). */
  get lastZxid(): bigint {
    return this.pipeline.lastZxid;
  }

  /** Resolves once the first session is established (the same promise however often it is called). */
  start(): Promise<void> {
    if (this.started !== null) return this.started;
    if (this.terminalError !== null || this.closeRequested)
      return Promise.reject(this.terminalError ?? new ClientClosedError());
    this.states.enter("connecting");
    this.started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const last = this.lastAttemptError;
        const hosts = this.hosts.all.map(formatHost).join(",");
        const why = last === null ? "" : `; last attempt: ${last.message}`;
        const message = `no session within connectTimeout (${this.opts.connectTimeout} ms) from ${hosts}${why}`;
        const err = new OperationTimeoutError({ message, cause: last ?? undefined });
        this.terminate(err, "closed");
        reject(err);
      }, this.opts.connectTimeout);
      this.firstConnect = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      void this.run();
    });
    return this.started;
  }

  /** Sends `packet` (or queues it until connected); `timeout` overrides requestTimeout (0 = none). */
  submit(packet: Packet, timeout?: number): void {
    const ms = timeout ?? this.opts.requestTimeout;
    const p =
      ms > 0
        ? withDeadline(packet, ms, timeout === undefined ? "requestTimeout" : "timeout", (w) => {
            const i = this.waiting.indexOf(w);
            if (i >= 0) this.waiting.splice(i, 1);
          })
        : packet;
    const conn = this.conn;
    if (conn !== null && !this.closeRequested) this.write(p, conn);
    else if (this.terminalError !== null) p.fail(this.terminalError);
    else if (this.closeRequested) p.fail(new ClientClosedError());
    else this.waiting.push(p);
  }

  addAuth(scheme: string, auth: Buffer): Promise<void> {
    if (this.terminalError !== null) return Promise.reject(this.terminalError);
    return this.credentials.add(scheme, auth, this.conn);
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
        this.write(
          { op: OpCode.closeSession, xid: 0, encode: () => undefined, reply: finish, fail: finish },
          conn,
        );
        conn.flush();
      });
    }
    this.terminate(new ClientClosedError(), "closed");
  }

  private async run(): Promise<void> {
    let failures = 0;
    const fatal = new FatalFailures(this.hosts.size);
    while (this.terminalError === null && !this.closeRequested) {
      if (failures > 0 && failures % this.hosts.size === 0) {
        await sleep(Math.random() * this.opts.reconnectDelay, this.abort.signal);
        if (this.terminalError !== null) return;
      }
      const hp = this.hosts.next();
      const requested = this.timeout > 0 ? this.timeout : this.opts.sessionTimeout;
      try {
        const { conn, response } = await attempt(
          hp,
          {
            protocolVersion: 0,
            lastZxidSeen: this.lastZxid,
            timeOut: this.opts.sessionTimeout,
            sessionId: this.sessionId,
            passwd: this.passwd,
          },
          Math.max(100, Math.floor(requested / Math.max(this.hosts.size, ATTEMPTS_PER_TIMEOUT))),
          this.opts,
          this.abort.signal,
          () => this.pipeline.nextXid(),
        );
        if (this.terminalError !== null || this.closeRequested) return conn.destroy(new ClientClosedError());
        if (response.timeOut <= 0) {
          conn.destroy(new SessionExpiredError());
          const message = `session 0x${this.sessionId.toString(16)} expired`;
          return this.terminate(new SessionExpiredError({ message }), "lost");
        }
        const closed = new Promise<void>((resolve) => (this.connClosed = resolve));
        this.established(conn, response.sessionId, response.passwd, response.timeOut);
        failures = 0;
        fatal.onSuccess();
        await closed;
      } catch (err) {
        failures++;
        this.lastAttemptError = err as Error;
        this.opts.logger.debug({ err, server: formatHost(hp) }, "zookeeper connection attempt failed");
        const end = fatal.onFailure(err, this.sessionId !== 0n);
        if (end !== null) return this.terminate(end, this.sessionId === 0n ? "closed" : "lost");
      }
    }
  }

  private established(conn: Connection, sessionId: bigint, passwd: Buffer | null, timeout: number): void {
    const first = this.sessionId === 0n;
    this.sessionId = sessionId;
    const valid = passwd !== null && passwd.length === PASSWORD_LENGTH;
    this.passwd = valid ? Buffer.from(passwd) : Buffer.alloc(PASSWORD_LENGTH);
    this.timeout = timeout;
    this.conn = conn;
    this.clearLostTimer();
    conn.attach({
      onFrame: (b, s, e) => this.onFrame(b, s, e),
      onOversized: (head, length) => this.pipeline.oversized(head, length, this.opts.maxFrameSize),
      onClose: (reason) => this.onConnClose(conn, reason),
    });
    this.credentials.sendAll(conn);
    if (!this.watches.isEmpty) sendSetWatches(this, conn, this.opts.connect.chroot);
    const waiting = this.waiting;
    this.waiting = [];
    for (const p of waiting) this.write(p, conn);
    this.stopHeartbeat = startHeartbeat(conn, timeout);
    const server = conn.server;
    const hex = `0x${sessionId.toString(16)}`;
    this.opts.logger.info({ server, sessionId: hex, timeout }, "zookeeper session established");
    this.states.emit({
      type: first ? "connected" : "reconnected",
      sessionId,
      sessionTimeout: timeout,
      server,
    });
    if (first) {
      this.firstConnect?.resolve();
      this.firstConnect = null;
    }
  }

  /** Encode `p` straight into the connection's write buffer and queue it for its reply. */
  write(p: Packet, conn: Connection): void {
    this.pipeline.write(p, conn);
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    if (end - start < 16) throw new Error(`reply of ${end - start} bytes is shorter than its header`);
    const xid = buf.readInt32BE(start);
    if (xid === Xid.notification) {
      // WatcherEvent { int type; int state; ustring path }: only type and path matter here; then, from a
      // server that sends events with data, the node's data and Stat (protocol/extensions.ts).
      const r = new JuteReader(buf, start + 16, end);
      const type = r.readInt();
      r.readInt();
      const path = stripPath(this.opts.connect.chroot, r.readString() ?? "");
      if (r.remaining === 0) this.watches.dispatch(type, path);
      else this.watches.dispatch(type, path, r.readBuffer(), readStat(r));
      return;
    }
    if (xid === Xid.ping) return;
    if (xid === Xid.auth) return this.credentials.onReply(buf.readInt32BE(start + 12));
    this.pipeline.reply(xid, buf, start, end);
  }

  private onConnClose(conn: Connection, reason: Error): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.stopHeartbeat?.();
    this.stopHeartbeat = null;
    const loss = new ConnectionLossError({
      message: `connection to ${conn.server} lost: ${reason.message}`,
      cause: reason,
    });
    for (const p of this.pipeline.drain()) p.fail(this.terminalError ?? loss);
    this.credentials.connectionLost(loss);
    this.connClosed?.();
    this.connClosed = null;
    if (this.terminalError !== null || this.closeRequested) return;
    this.opts.logger.warn({ server: conn.server, err: reason }, "zookeeper connection lost; reconnecting");
    this.states.emit({ type: "suspended", server: conn.server, reason });
    // Curator's rule: no server contact for a whole session timeout means the session is gone.
    this.lostTimer = setTimeout(() => {
      this.terminate(
        new SessionExpiredError({
          message: `no server reachable for the session timeout (${this.timeout} ms)`,
        }),
        "lost",
      );
    }, this.timeout);
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
    this.stopHeartbeat?.();
    this.stopHeartbeat = null;
    this.clearLostTimer();
    this.conn?.destroy(err);
    this.conn = null;
    for (const p of this.pipeline.drain()) p.fail(err);
    for (const p of this.waiting.splice(0)) p.fail(err);
    this.credentials.terminate(err);
    this.watches.clear(state === "lost" ? err : null);
    this.firstConnect?.reject(err);
    this.firstConnect = null;
    if (isTerminal(this.states.state)) return;
    this.states.emit(state === "lost" ? { type: "lost", reason: err } : { type: "closed" });
  }
}
