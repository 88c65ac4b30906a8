/**
 * Re-registering watches after a reconnect (PROTOCOL.md §2.4, §6.6): SetWatches (101), or SetWatches2 (105)
 * when persistent watches exist, in batches of at most 128 KiB of path characters as Java does.
 * The server fires catch-up events for changes missed since `relativeZxid` before it replies.
 */
import { OpCode, records } from "../protocol/index.js";
import { prefixPath } from "./connect-string.js";
import type { Connection } from "./connection.js";
import type { Packet, Session } from "./session.js";

const MAX_BATCH_CHARS = 128 * 1024;

type ListName =
  "dataWatches" | "existWatches" | "childWatches" | "persistentWatches" | "persistentRecursiveWatches";

export function sendSetWatches(session: Session, conn: Connection, chroot: string | null): void {
  const snap = session.watches.snapshot();
  const lists: [ListName, string[]][] = [
    ["dataWatches", snap.data],
    ["existWatches", snap.exist],
    ["childWatches", snap.child],
    ["persistentWatches", snap.persistent],
    ["persistentRecursiveWatches", snap.persistentRecursive],
  ];
  const v2 = snap.persistent.length + snap.persistentRecursive.length > 0;
  const relativeZxid = session.lastZxid;
  let batch = emptyBatch(relativeZxid);
  let chars = 0;
  const flush = (): void => {
    const body = batch;
    const p: Packet = {
      op: v2 ? OpCode.setWatches2 : OpCode.setWatches,
      xid: 0,
      encode: (w) => (v2 ? records.SetWatches2.write(w, body) : records.SetWatches.write(w, body)),
      reply: () => undefined,
      // Lost with the connection; the next reconnect sends the watches again.
      fail: () => undefined,
    };
    session.write(p, conn);
    batch = emptyBatch(relativeZxid);
    chars = 0;
  };
  for (const [name, paths] of lists) {
    for (const path of paths) {
      const serverPath = prefixPath(chroot, path);
      if (chars > 0 && chars + serverPath.length > MAX_BATCH_CHARS) flush();
      batch[name].push(serverPath);
      chars += serverPath.length;
    }
  }
  if (chars > 0) flush();
}

function emptyBatch(relativeZxid: bigint): records.SetWatches2 {
  return {
    relativeZxid,
    dataWatches: [],
    existWatches: [],
    childWatches: [],
    persistentWatches: [],
    persistentRecursiveWatches: [],
  };
}
