/**
 * The data tree, its watches and the zxid counter. `commit` is the single place where state
 * changes: it assigns the next zxid, hands the txn to the sink (the txn log, when the server has a
 * data dir) and applies it. The sink only buffers; the server releases replies once it is synced.
 */
import type { Stat } from "../protocol/index.js";
import { DataTree, type DataNode } from "./tree.js";
import { applyTxn, type Txn, type TxnHeader } from "./txn.js";
import { WatchManager } from "./watches.js";

export interface TxnSink {
  append(hdr: TxnHeader, txn: Txn): void;
}

export class ZkDatabase {
  readonly watches = new WatchManager();
  readonly tree = new DataTree(this.watches);
  /** lastProcessedZxid: epoch 0, so the counter stays far below 2^53 and fits a JS number. */
  lastZxid = 0;
  sink: TxnSink | null = null;
  /** Txns up to here are on disk (told by `durable`). */
  private synced = 0;

  /** The last txn on disk: with no sink, the last applied. */
  get durableZxid(): number {
    return this.sink === null ? this.lastZxid : this.synced;
  }

  /** The sink has made every txn up to `zxid` durable. */
  durable(zxid: number): void {
    if (zxid > this.synced) this.synced = zxid;
  }

  /** Recovered up to `zxid` (all of it on disk). */
  recovered(zxid: number): void {
    this.lastZxid = this.synced = zxid;
  }

  commit(
    sessionId: bigint,
    txn: Txn,
    multiStats?: (Stat | null)[],
    wantStat?: readonly boolean[],
  ): DataNode | null {
    const hdr: TxnHeader = { sessionId, zxid: this.lastZxid + 1, time: Date.now() };
    // Logged before it is applied: if encoding throws, nothing changed and the zxid is not used.
    this.sink?.append(hdr, txn);
    this.lastZxid = hdr.zxid;
    return applyTxn(this.tree, hdr, txn, multiStats, wantStat);
  }
}
