/**
 * The data tree, its watches and the zxid counter. `commit` is the single place where state
 * changes: it assigns the next zxid and applies one Txn. A txn log will append here (before the
 * replies of the current batch are flushed) to make acknowledged writes durable.
 */
import type { Stat } from "../protocol/index.js";
import { DataTree, type DataNode } from "./tree.js";
import { applyTxn, type Txn } from "./txn.js";
import { WatchManager } from "./watches.js";

export class ZkDatabase {
  readonly watches = new WatchManager();
  readonly tree = new DataTree(this.watches);
  /** lastProcessedZxid: epoch 0, so the counter stays far below 2^53 and fits a JS number. */
  lastZxid = 0;

  commit(sessionId: bigint, txn: Txn, multiStats?: (Stat | null)[]): DataNode | null {
    const zxid = ++this.lastZxid;
    return applyTxn(this.tree, { sessionId, zxid, time: Date.now() }, txn, multiStats);
  }
}
