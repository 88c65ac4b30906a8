/**
 * Container and TTL reaping (PROTOCOL.md §7.8). Each deletion is its own delete txn with its own zxid,
 * like Apache's internal deleteContainer request, and fires the same watches as a client delete.
 * Apache's per-minute rate cap (znode.container.maxPerMinute) is not implemented.
 */
import type { ZkDatabase } from "./database.js";

export function reapContainers(db: ZkDatabase, now: number, maxNeverUsedMs: number): number {
  const { tree } = db;
  const doomed: string[] = [];
  for (const path of tree.containers) {
    const n = tree.get(path);
    if (n === undefined || n.childCount > 0) continue;
    // A container goes once it has had a child (stored cversion > 0), or when never used for too long.
    if (n.cversion > 0 || (maxNeverUsedMs > 0 && now - n.mtime > maxNeverUsedMs)) doomed.push(path);
  }
  for (const path of tree.ttls) {
    const n = tree.get(path);
    if (n !== undefined && n.childCount === 0 && now - n.mtime > n.ttl) doomed.push(path);
  }
  for (const path of doomed) {
    // Re-check: an earlier deletion in this sweep cannot add children, but stay defensive.
    const n = tree.get(path);
    if (n !== undefined && n.childCount === 0) db.commit(0n, { type: "delete", path });
  }
  return doomed.length;
}
