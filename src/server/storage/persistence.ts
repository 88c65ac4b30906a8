/**
 * Ties the txn log and snapshots to the database: every committed txn is appended to the log
 * (ZkDatabase.sink), the server kicks a group commit once per event-loop turn, and every
 * `snapCount` txns a snapshot is written in the background, after which old files are purged.
 */
import type { Logger } from "../logger.js";
import type { DataTree } from "../tree.js";
import type { Txn, TxnHeader } from "../txn.js";
import { purge } from "./files.js";
import { SnapshotWriter, type SessionImage, type SnapshotResult } from "./snapshot.js";
import { TxnLog, type BatchStats } from "./txnlog.js";

export interface PersistenceOptions {
  readonly dataDir: string;
  readonly logDir: string;
  readonly forceSync: boolean;
  readonly snapCount: number;
  readonly snapRetainCount: number;
  readonly logger: Logger;
}

/** What persistence needs from the server. */
export interface PersistenceHost {
  readonly tree: DataTree;
  lastZxid(): number;
  sessionImages(): SessionImage[];
  nextSessionId(): bigint;
  onDurable(zxid: number): void;
  onFatal(err: unknown): void;
}

export class Persistence {
  private readonly log: TxnLog;
  private sinceSnapshot = 0;
  private snapshotScheduled = false;
  private writer: SnapshotWriter | null = null;
  private running: Promise<SnapshotResult | null> | null = null;
  private durableWaiters: { zxid: number; resolve: () => void }[] = [];
  lastSnapshot: SnapshotResult | null = null;

  constructor(
    private readonly opts: PersistenceOptions,
    private readonly host: PersistenceHost,
    durableZxid: number,
  ) {
    this.log = new TxnLog(
      {
        dir: opts.logDir,
        forceSync: opts.forceSync,
        logger: opts.logger,
        onDurable: (z) => this.durable(z),
        onFatal: (err) => host.onFatal(err),
      },
      durableZxid,
    );
  }

  get durableZxid(): number {
    return this.log.durableZxid;
  }

  get logStats(): BatchStats {
    return this.log.stats;
  }

  append(hdr: TxnHeader, txn: Txn): void {
    this.log.append(hdr, txn);
    if (++this.sinceSnapshot >= this.opts.snapCount && this.running === null && !this.snapshotScheduled) {
      // Never inside a txn or a request: the snapshot must start between txns.
      this.snapshotScheduled = true;
      setImmediate(() => {
        this.snapshotScheduled = false;
        if (this.running === null) void this.takeSnapshot();
      });
    }
  }

  /** Group commit: sync what this turn appended (called once per processed socket chunk or timer). */
  kick(): void {
    this.log.schedule();
  }

  private durable(zxid: number): void {
    if (this.durableWaiters.length > 0) {
      const ready = this.durableWaiters.filter((w) => w.zxid <= zxid);
      this.durableWaiters = this.durableWaiters.filter((w) => w.zxid > zxid);
      for (const w of ready) w.resolve();
    }
    this.host.onDurable(zxid);
  }

  private untilDurable(zxid: number): Promise<void> {
    if (this.log.durableZxid >= zxid) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ zxid, resolve }));
  }

  /** Start a snapshot now (or join the running one). Resolves with its figures, null if it failed. */
  takeSnapshot(): Promise<SnapshotResult | null> {
    if (this.running !== null) return this.running;
    this.sinceSnapshot = 0;
    this.log.roll();
    const zxid = this.host.lastZxid();
    const writer = new SnapshotWriter(
      this.opts.dataDir,
      this.host.tree,
      zxid,
      this.host.sessionImages(),
      this.host.nextSessionId(),
      () => this.untilDurable(zxid),
    );
    this.writer = writer;
    const log = this.opts.logger;
    this.running = writer.write().then(
      async (res) => {
        this.lastSnapshot = res;
        log.info({ ...res }, "snapshot written");
        await purge(this.opts.dataDir, this.opts.logDir, this.opts.snapRetainCount, log).catch(
          (err: unknown) => log.warn({ err }, "purge failed"),
        );
        return res;
      },
      (err: unknown) => {
        log.error({ err }, "snapshot failed");
        return null;
      },
    );
    void this.running.finally(() => {
      this.running = null;
      this.writer = null;
    });
    return this.running;
  }

  /** Abort a running snapshot, finish the fsync in flight and whatever is queued, close the log. */
  async close(): Promise<void> {
    this.writer?.abort();
    await this.running;
    await this.log.close();
  }
}
