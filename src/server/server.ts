/**
 * The embedded single-node server: listens, owns the connections, the session table and the
 * timers (session expiry at each due bucket, container/TTL reaper), and batches output per event-loop turn.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Id } from "../protocol/index.js";
import { Connection, type ConnectionHandler } from "./connection.js";
import { ZkDatabase } from "./database.js";
import {
  notWhitelisted,
  renderFourLetter,
  type ConnectionInfo,
  type FourLetterContext,
  type ServerStats,
} from "./fourletter.js";
import { connectionInfo, serverStats } from "./introspection.js";
import { handleHandshake } from "./handshake.js";
import { bind, unbind } from "./listen.js";
import type { ResolvedOptions } from "./options.js";
import { reapContainers } from "./reaper.js";
import { handleRequest } from "./requests.js";
import { ExpiryTimer } from "./expiry.js";
import { SessionTracker, type Session } from "./sessions.js";
import { Persistence } from "./storage/persistence.js";
import type { SaslAuthenticator } from "./sasl.js";
import { createTlsListener } from "./tls.js";
import { recover } from "./storage/recovery.js";
import type { SessionImage } from "./storage/snapshot.js";

export class ZkServer implements ConnectionHandler, FourLetterContext {
  readonly db = new ZkDatabase();
  readonly sessions: SessionTracker;
  packetsReceived = 0;
  private readonly connections = new Set<Connection>();
  private readonly dirty = new Set<Connection>();
  /** Connections with output held until the log syncs. */
  private readonly waiting = new Set<Connection>();
  private flushQueued = false;
  private readonly perAddress = new Map<string, number>();
  persistence: Persistence | null = null;
  /** SASL DIGEST-MD5 logins, when a JAAS configuration named users (set before listen()). */
  sasl: SaslAuthenticator | null = null;
  private readonly startedAt = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private readonly expiry: ExpiryTimer;
  private listeners: Server[] = [];
  private port = 0;
  private securePort: number | null = null;
  private closing: Promise<void> | null = null;

  constructor(readonly options: ResolvedOptions) {
    this.sessions = new SessionTracker(options.tickTime, Date.now());
    const sweep = (now: number): void =>
      this.guard(() => this.sessions.takeExpired(now).forEach((s) => this.expire(s)));
    this.expiry = new ExpiryTimer(sweep, () => this.sessions.earliestDue());
    this.sessions.onBucket = (at) => this.expiry.due(at);
  }

  /** Load the data dir (snapshot + log replay) and start logging; before listen(). */
  async openStorage(): Promise<void> {
    const o = this.options;
    if (o.dataDir === null) return;
    const logDir = o.dataLogDir ?? o.dataDir;
    const rec = await recover(this.db.tree, o.dataDir, logDir, o.logger);
    this.db.recovered(rec.lastZxid);
    const now = Date.now();
    this.sessions.reserveBelow(rec.nextSessionId);
    for (const s of rec.sessions) this.sessions.restore(s.id, s.password, s.timeout, now);
    const p = new Persistence(
      {
        dataDir: o.dataDir,
        logDir,
        forceSync: o.forceSync,
        snapCount: o.snapCount,
        snapRetainCount: o.snapRetainCount,
        logger: o.logger,
      },
      {
        tree: this.db.tree,
        lastZxid: () => this.db.lastZxid,
        sessionImages: () => this.sessionImages(),
        nextSessionId: () => this.sessions.nextSessionId,
        onDurable: (z) => (this.db.durable(z), this.releaseHeld(z)),
        onFatal: (err) => this.storageFailed(err),
      },
      rec.lastZxid,
    );
    this.persistence = p;
    this.db.sink = p;
  }

  private sessionImages(): SessionImage[] {
    return [...this.sessions.sessions.values()].map((s) => ({
      id: s.id,
      password: s.password,
      timeout: s.timeout,
    }));
  }

  private releaseHeld(durableZxid: number): void {
    for (const c of this.waiting) if (!c.release(durableZxid)) this.waiting.delete(c);
  }

  /** Nothing more can be made durable: stop serving rather than acknowledge writes we may lose. */
  private storageFailed(err: unknown): void {
    this.options.logger.error({ err }, "txn log write failed; shutting the server down");
    void this.close();
  }

  async listen(): Promise<{ host: string; port: number; securePort: number | null }> {
    const o = this.options;
    const listener = createServer((socket) => this.accept(socket, []));
    this.listeners.push(listener);
    this.port = await bind(listener, o.port, o.host, o.logger);
    const tls = o.security.tls;
    if (tls !== null) {
      const secure = await createTlsListener(
        tls,
        o.maxSessionTimeout,
        o.security.x509SuperUser,
        o.logger,
        (s, ids) => this.accept(s, ids),
      );
      this.listeners.push(secure);
      this.securePort = await bind(secure, tls.port, tls.host ?? o.host, o.logger);
    }
    this.expiry.start();
    const reap = (): void => void reapContainers(this.db, Date.now(), o.maxNeverUsedContainerMs);
    this.timers.push(setInterval(() => this.guard(reap), o.containerCheckIntervalMs).unref());
    const { port, securePort } = this;
    o.logger.info({ host: o.host, port, securePort, dataDir: o.dataDir }, "server listening");
    return { host: o.host, port, securePort };
  }

  /** Timer callbacks must never throw into the event loop; output they queue is flushed here. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger.error({ err }, "timer task failed");
    } finally {
      this.flushAll();
    }
  }

  /** `ids`: identities the socket earned before any request (a verified client certificate). */
  private accept(socket: Socket, ids: readonly Id[]): void {
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    const o = this.options;
    const conn = new Connection(
      socket,
      this,
      {
        maxBuffer: o.maxBuffer,
        maxOutstanding: o.maxOutstandingRequests,
        handshakeTimeoutMs: o.maxSessionTimeout,
      },
      o.logger,
    );
    // Like Apache, extra connections from one address are refused by closing them at once.
    const n = this.perAddress.get(conn.address) ?? 0;
    if (o.maxClientCnxns > 0 && n >= o.maxClientCnxns) {
      o.logger.warn(
        { address: conn.address, limit: o.maxClientCnxns },
        "too many connections from one address; refusing",
      );
      conn.close("maxClientCnxns");
      return;
    }
    this.perAddress.set(conn.address, n + 1);
    this.connections.add(conn);
    conn.authIds.push(...ids);
  }

  handshake(conn: Connection, frame: Buffer): void {
    handleHandshake(this, conn, frame);
  }

  request(conn: Connection, frame: Buffer): void {
    handleRequest(this, conn, frame);
  }

  fourLetter(conn: Connection, word: string): void {
    const text = this.options.fourLetterWords.has(word) ? renderFourLetter(word, this) : notWhitelisted(word);
    conn.sendText(text);
    conn.closeAfterFlush();
  }

  closed(conn: Connection): void {
    if (!this.connections.delete(conn)) return; // refused at accept: never counted
    const n = (this.perAddress.get(conn.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(conn.address);
    else this.perAddress.set(conn.address, n);
    this.dirty.delete(conn);
    this.waiting.delete(conn);
    this.db.watches.removeWatcher(conn);
    // The session outlives its connection until it expires or is resumed elsewhere (PROTOCOL.md §7.6).
    if (conn.session !== null && conn.session.owner === conn) conn.session.owner = null;
  }

  markDirty(conn: Connection): void {
    this.dirty.add(conn);
  }

  /** Group commit (one log write + fdatasync per turn); output goes out once per turn, not per socket
   * chunk: chunks read in one poll phase share a socket write per connection (order unchanged, FIFO). */
  flushAll(): void {
    this.persistence?.kick();
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      try {
        const applied = this.db.lastZxid;
        const durable = this.db.durableZxid;
        for (const c of this.dirty) if (c.flush(applied, durable)) this.waiting.add(c);
        this.dirty.clear();
      } catch (err) {
        this.options.logger.error({ err }, "flush failed");
      }
    });
  }

  createSession(timeout: number, now: number): Session {
    const s = this.sessions.create(timeout, now);
    this.db.commit(s.id, { type: "createSession", timeout, password: s.password });
    return s;
  }

  /** closeSession txn: ephemerals are deleted under one zxid and their watches fire. */
  closeSession(s: Session, reason: string): void {
    if (s.closing) return;
    s.closing = true;
    this.sessions.remove(s);
    this.db.commit(s.id, { type: "closeSession" });
    this.options.logger.debug({ sessionId: s.id.toString(16), reason }, "session closed");
  }

  private expire(s: Session): void {
    this.closeSession(s, "expired");
    // The connection (if any) is closed without a reply; the client learns on reconnect (PROTOCOL.md §7.6).
    s.owner?.close("session expired");
    s.owner = null;
  }

  expireSession(sessionId: bigint): boolean {
    const s = this.sessions.get(sessionId);
    if (s === undefined) return false;
    this.guard(() => this.expire(s));
    return true;
  }

  stats(): ServerStats {
    return serverStats(this, this.connections, this.startedAt);
  }

  connectionInfo(): ConnectionInfo[] {
    return connectionInfo(this.connections);
  }

  config(): readonly (readonly [string, string])[] {
    const o = this.options;
    return [
      ["clientPort", String(this.port)],
      ...(this.securePort === null ? [] : [["secureClientPort", String(this.securePort)] as const]),
      ["clientPortAddress", o.host],
      ["dataDir", o.dataDir ?? ""],
      ["tickTime", String(o.tickTime)],
      ["minSessionTimeout", String(o.minSessionTimeout)],
      ["maxSessionTimeout", String(o.maxSessionTimeout)],
      ["jute.maxbuffer", String(o.maxBuffer)],
      ["serverId", "0"],
    ];
  }

  get isClosed(): boolean {
    return this.closing !== null;
  }

  resetStats(): void {
    this.packetsReceived = 0;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      this.timers = [];
      this.expiry.stop();
      for (const c of this.connections) c.close("server shutting down");
      await Promise.all(this.listeners.map(unbind));
      // Finish the fsync in flight (and anything queued) so the data dir ends consistent.
      await this.persistence?.close();
    })();
    return this.closing;
  }
}
