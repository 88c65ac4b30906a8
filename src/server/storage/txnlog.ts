/**
 * The append-only txn log with group commit. `append` only encodes into an in-memory batch; once
 * per event-loop turn (`schedule`), the whole batch goes to disk with one write and one fdatasync,
 * and only then is `onDurable(lastZxid)` called so the server may release the replies of that
 * batch. Txns applied while an fsync is in flight simply join the next batch. The fdatasync runs on
 * the event loop while syncs are fast, in the thread pool after a slow one (sync-policy.ts).
 *
 * File layout: header = "OVLG" + int version, then records:
 *   int length (of payload), uint32 crc32(payload), payload = TxnRecord (codec.ts)
 * A record is never split across files; a multi is one record, so it is all-or-nothing on disk.
 *
 * Preallocation (as Apache does): a file is grown with zeros PREALLOC bytes at a time ahead of the
 * records, so a batch's fdatasync flushes data only, without a file-size change to journal — about a
 * third faster per sync on ext4. The zeros after the last record read as the end of the log (a record
 * length of 0 is never written); a graceful close cuts them off.
 */
import { fdatasync, fdatasyncSync, writeSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { JuteWriter } from "../../protocol/index.js";
import type { Logger } from "../logger.js";
import type { Txn, TxnHeader } from "../txn.js";
import { crc32, writeTxnRecord } from "./codec.js";
import { LOG_PREFIX, fileName, fsyncDir } from "./files.js";
import { SyncPolicy } from "./sync-policy.js";

export const LOG_MAGIC = Buffer.from("OVLG", "latin1");
export const LOG_VERSION = 1;
export const LOG_HEADER_LENGTH = 8;
/** Records above this are treated as garbage when reading (a multi is bounded by jute.maxbuffer). */
export const MAX_RECORD_LENGTH = 256 * 1024 * 1024;
/** Bytes a log file is grown by (with zeros) whenever the records reach its end. */
export const PREALLOC = 16 * 1024 * 1024;
const ZEROS = Buffer.alloc(1024 * 1024);

export interface TxnLogOptions {
  readonly dir: string;
  /** fdatasync after each batch (Apache's forceSync). Without it a batch is acknowledged once written. */
  readonly forceSync: boolean;
  readonly logger: Logger;
  /** Every txn up to `zxid` is on disk. */
  readonly onDurable: (zxid: number) => void;
  /** A write or sync failed: nothing more can be acknowledged. */
  readonly onFatal: (err: unknown) => void;
}

export interface BatchStats {
  batches: number;
  /** Batches whose fdatasync ran in the thread pool (while syncs were slow on average; sync-policy.ts). */
  pooled: number;
  /** fdatasyncs of a new zero-fill, done apart from any batch's sync (grow). */
  fillSyncs: number;
  records: number;
  bytes: number;
}

export class TxnLog {
  private batch = new JuteWriter(64 * 1024);
  private spare: JuteWriter | null = new JuteWriter(64 * 1024);
  private batchFirst = 0;
  private batchLast = 0;
  private batchRecords = 0;
  private file: FileHandle | null = null;
  /** Where the next record goes in `file`, and how far the file has been grown with zeros. */
  private pos = 0;
  private allocated = 0;
  private inFlight = false;
  private scheduled = false;
  private rollRequested = false;
  private failed = false;
  private drained: (() => void)[] = [];
  private readonly syncs = new SyncPolicy();
  readonly stats: BatchStats = { batches: 0, pooled: 0, fillSyncs: 0, records: 0, bytes: 0 };

  constructor(
    private readonly opts: TxnLogOptions,
    /** Highest zxid already on disk (from recovery). */
    public durableZxid: number,
  ) {}

  append(hdr: TxnHeader, txn: Txn): void {
    const w = this.batch;
    const start = w.length;
    w.writeInt(0).writeInt(0);
    try {
      writeTxnRecord(w, hdr, txn);
    } catch (err) {
      w.truncate(start);
      throw err;
    }
    const len = w.length - start - 8;
    w.patchInt(start, len);
    w.patchInt(start + 4, crc32(w.view().subarray(start + 8)) | 0);
    if (this.batchRecords === 0) this.batchFirst = hdr.zxid;
    this.batchLast = hdr.zxid;
    this.batchRecords++;
  }

  /** Txns appended but not yet durable? */
  get pending(): boolean {
    return this.batchRecords > 0 || this.inFlight;
  }

  /** Start a new file with the next batch (called when a snapshot begins, so old files can be purged). */
  roll(): void {
    this.rollRequested = true;
  }

  /** Sync the current batch after this event-loop turn, so every socket read in it shares one fsync. */
  schedule(): void {
    if (this.scheduled || this.inFlight || this.batchRecords === 0 || this.failed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.syncBatch();
    });
  }

  private async syncBatch(): Promise<void> {
    if (this.inFlight || this.batchRecords === 0 || this.failed) return;
    const w = this.batch;
    this.batch = this.spare ?? new JuteWriter(64 * 1024);
    this.spare = null;
    const first = this.batchFirst;
    const last = this.batchLast;
    const count = this.batchRecords;
    this.batchRecords = 0;
    this.inFlight = true;
    try {
      const file = await this.fileFor(first);
      const bytes = w.view();
      await this.grow(file, this.pos + bytes.length);
      // A write into the page cache takes microseconds: done here, it saves the batch a thread-pool
      // round trip (under load, a wait for this loop to come back to it), leaving only the sync.
      for (let off = 0; off < bytes.length;)
        off += writeSync(file.fd, bytes, off, bytes.length - off, this.pos + off);
      this.pos += bytes.length;
      if (this.opts.forceSync) await this.sync(file.fd);
      this.stats.batches++;
      this.stats.records += count;
      this.stats.bytes += bytes.length;
    } catch (err) {
      this.failed = true;
      this.inFlight = false;
      this.wakeDrained();
      this.opts.onFatal(err);
      return;
    }
    w.reset();
    this.spare = w;
    this.inFlight = false;
    this.durableZxid = last;
    try {
      this.opts.onDurable(last);
    } finally {
      if (this.batchRecords > 0) this.schedule();
      else this.wakeDrained();
    }
  }

  /** fdatasync on the event loop while syncs are fast, else in the thread pool (sync-policy.ts). */
  private async sync(fd: number): Promise<void> {
    const t0 = performance.now();
    if (this.syncs.inline()) fdatasyncSync(fd);
    else {
      this.stats.pooled++;
      await datasync(fd);
    }
    this.syncs.took(performance.now() - t0);
  }

  private async fileFor(firstZxid: number): Promise<FileHandle> {
    if (this.file !== null && !this.rollRequested) return this.file;
    this.rollRequested = false;
    if (this.file !== null) {
      const old = this.file;
      this.file = null;
      await old.close();
    }
    const path = join(this.opts.dir, fileName(LOG_PREFIX, firstZxid));
    const file = await open(path, "w");
    const header = Buffer.alloc(LOG_HEADER_LENGTH);
    LOG_MAGIC.copy(header, 0);
    header.writeInt32BE(LOG_VERSION, 4);
    await file.write(header, 0, header.length, 0);
    this.pos = this.allocated = LOG_HEADER_LENGTH;
    await fsyncDir(this.opts.dir);
    this.file = file;
    this.opts.logger.debug({ path }, "new txn log file");
    return file;
  }

  /**
   * Zero-fills `file` up to at least `end` (in PREALLOC steps). With forceSync the zeros are synced
   * here, in the thread pool: left to the batch's own fdatasync they made it a 16 MiB flush (~12 ms on
   * this VM's ext4), which the sync policy took for a slow disk and sent later batches to the thread pool.
   */
  private async grow(file: FileHandle, end: number): Promise<void> {
    if (end <= this.allocated) return;
    const target = Math.ceil(end / PREALLOC) * PREALLOC;
    for (let at = this.allocated; at < target;) {
      const { bytesWritten } = await file.write(ZEROS, 0, Math.min(ZEROS.length, target - at), at);
      at += bytesWritten;
    }
    if (this.opts.forceSync) {
      await datasync(file.fd);
      this.stats.fillSyncs++;
    }
    this.allocated = target;
  }

  private wakeDrained(): void {
    const d = this.drained;
    this.drained = [];
    for (const f of d) f();
  }

  /** Finish the batch in flight and whatever is still queued, then close the file. */
  async close(): Promise<void> {
    while ((this.inFlight || this.batchRecords > 0) && !this.failed) {
      const done = new Promise<void>((resolve) => this.drained.push(resolve));
      if (!this.inFlight) void this.syncBatch();
      await done;
    }
    const file = this.file;
    this.file = null;
    if (file !== null && !this.failed) {
      // A clean shutdown leaves no preallocated zeros behind.
      await file.truncate(this.pos);
      if (this.opts.forceSync) await file.datasync();
    }
    await file?.close();
  }
}

/** fdatasync through the callback API: less per call than FileHandle.datasync(). */
function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err === null ? resolve() : reject(err))));
}
