/**
 * Transactions: every change to the data tree is a Txn applied by `applyTxn`, so a txn log can
 * record and replay exactly what happened (storage/txnlog.ts). A Txn holds only decided
 * values (final path, new versions, parent cversion); all checks already ran in prep.ts.
 */
import type { ACL, Stat } from "../protocol/index.js";
import type { DataNode, DataTree, NodeKind } from "./tree.js";

export interface TxnHeader {
  readonly sessionId: bigint;
  readonly zxid: number;
  /** Wall-clock ms; becomes ctime/mtime. */
  readonly time: number;
}

export type Txn =
  | {
      type: "create";
      path: string;
      data: Buffer | null;
      acl: readonly ACL[];
      kind: NodeKind;
      owner: bigint;
      ttl: number;
      /** The parent's stored cversion after this create (PROTOCOL.md §7.4). */
      parentCversion: number;
    }
  | { type: "delete"; path: string }
  | { type: "setData"; path: string; data: Buffer | null; version: number }
  | { type: "setACL"; path: string; acl: readonly ACL[]; aversion: number }
  | { type: "check"; path: string }
  /** The password is logged so a session can be resumed after a restart. */
  | { type: "createSession"; timeout: number; password: Buffer }
  | { type: "closeSession" }
  /** A failed write still consumes its zxid (PROTOCOL.md §7.5). */
  | { type: "error"; err: number }
  | { type: "multi"; txns: Txn[] };

/**
 * Apply one txn. Watches fire synchronously through the tree's event sink, so notifications are
 * queued before the caller queues its reply (PROTOCOL.md §6.4). Returns the node a single op touched; for a
 * multi, pushes each sub-op's Stat snapshot onto `multiStats` (a later op may change the node
 * again, and each result must show the Stat as of its own op).
 */
export function applyTxn(
  tree: DataTree,
  hdr: TxnHeader,
  txn: Txn,
  multiStats?: (Stat | null)[],
  /** Which sub-ops' Stats the caller uses (the rest are pushed as null); all when omitted. */
  wantStat?: readonly boolean[],
): DataNode | null {
  switch (txn.type) {
    case "create":
      return tree.createNode(
        txn.path,
        txn.data,
        txn.acl,
        txn.kind,
        txn.owner,
        txn.ttl,
        txn.parentCversion,
        hdr.zxid,
        hdr.time,
      );
    case "delete":
      tree.deleteNode(txn.path, hdr.zxid);
      return null;
    case "setData":
      return tree.setData(txn.path, txn.data, txn.version, hdr.zxid, hdr.time);
    case "setACL":
      tree.aclZxid = hdr.zxid;
      return tree.setACL(txn.path, txn.acl, txn.aversion);
    case "closeSession":
      // Sorted so deletions (and their events) are deterministic on replay.
      for (const path of [...tree.ephemeralsOf(hdr.sessionId)].sort()) tree.deleteNode(path, hdr.zxid);
      return null;
    case "multi":
      tree.withEventsHeld(() => {
        for (let i = 0; i < txn.txns.length; i++) {
          const t = txn.txns[i];
          if (t === undefined) continue;
          const node = applyTxn(tree, hdr, t);
          multiStats?.push(node === null || wantStat?.[i] === false ? null : node.stat());
        }
      });
      return null;
    case "check":
    case "createSession":
    case "error":
      return null;
  }
}
