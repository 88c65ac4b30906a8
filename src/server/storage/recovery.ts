/**
 * Startup: load the newest snapshot that verifies (falling back to older ones), then replay every
 * logged txn after its zxid, in order, checking that no zxid is missing. The result is the tree,
 * the last zxid and the sessions that were open, ready for the server to continue from.
 */
import { mkdir } from "node:fs/promises";
import { StorageCorruptError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { DataTree } from "../tree.js";
import { applyTxn } from "../txn.js";
import { LOG_PREFIX, SNAP_PREFIX, listFiles, removeTempFiles } from "./files.js";
import { readLogFile } from "./logreader.js";
import { readSnapshot, type SessionImage } from "./snapshot.js";

export interface Recovered {
  readonly lastZxid: number;
  /** Sessions open at lastZxid. */
  readonly sessions: SessionImage[];
  /** Session ids at or above this were never handed out. */
  readonly nextSessionId: bigint;
  readonly snapshotZxid: number;
  readonly replayed: number;
  readonly truncatedBytes: number;
}

export async function recover(
  tree: DataTree,
  dataDir: string,
  logDir: string,
  logger: Logger,
): Promise<Recovered> {
  await mkdir(dataDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  await removeTempFiles(dataDir);
  let snapZxid = 0;
  let nextSessionId = 0n;
  const sessions = new Map<bigint, SessionImage>();
  const snaps = await listFiles(dataDir, SNAP_PREFIX);
  let loaded = false;
  for (let i = snaps.length - 1; i >= 0; i--) {
    const s = snaps[i];
    if (s === undefined) continue;
    try {
      const img = await readSnapshot(s.path, (acl) => tree.internAcl(acl));
      tree.load(img.nodes);
      snapZxid = img.zxid;
      nextSessionId = img.nextSessionId;
      for (const si of img.sessions) sessions.set(si.id, si);
      loaded = true;
      logger.info({ path: s.path, nodes: img.nodes.size, zxid: snapZxid }, "loaded snapshot");
      break;
    } catch (err) {
      logger.warn({ err, path: s.path }, "snapshot unreadable; trying an older one");
    }
  }
  if (snaps.length > 0 && !loaded) {
    throw new StorageCorruptError(`no snapshot in ${dataDir} could be read`);
  }

  const logs = await listFiles(logDir, LOG_PREFIX);
  // The file holding snapZxid + 1 is the last one starting at or before it.
  let first = 0;
  for (let i = 0; i < logs.length; i++) if ((logs[i]?.zxid ?? Infinity) <= snapZxid + 1) first = i;
  let lastZxid = snapZxid;
  let replayed = 0;
  let truncatedBytes = 0;
  for (let i = first; i < logs.length; i++) {
    const f = logs[i];
    if (f === undefined) continue;
    const res = await readLogFile(f.path, i === logs.length - 1, logger, ({ hdr, txn }) => {
      if (hdr.zxid <= lastZxid) return; // already in the snapshot
      if (hdr.zxid !== lastZxid + 1) {
        throw new StorageCorruptError(
          `txn log gap: expected zxid ${lastZxid + 1}, found ${hdr.zxid} in ${f.path}`,
        );
      }
      applyTxn(tree, hdr, txn);
      if (txn.type === "createSession") {
        sessions.set(hdr.sessionId, { id: hdr.sessionId, password: txn.password, timeout: txn.timeout });
        if (hdr.sessionId >= nextSessionId) nextSessionId = hdr.sessionId + 1n;
      } else if (txn.type === "closeSession") sessions.delete(hdr.sessionId);
      lastZxid = hdr.zxid;
      replayed++;
    });
    truncatedBytes += res.truncatedBytes;
  }
  logger.info(
    { zxid: lastZxid, snapshotZxid: snapZxid, replayed, sessions: sessions.size },
    "recovered data dir",
  );
  return {
    lastZxid,
    sessions: [...sessions.values()],
    nextSessionId,
    snapshotZxid: snapZxid,
    replayed,
    truncatedBytes,
  };
}
