/**
 * File naming, listing, directory fsync and purge for the data dir (snapshots) and the data log dir
 * (txn logs). Names carry a zero-padded hex zxid so `ls` sorts them: `log.<first zxid in the file>`
 * and `snapshot.<last zxid the snapshot fully includes>`.
 */
import { open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../logger.js";

export const LOG_PREFIX = "log.";
export const SNAP_PREFIX = "snapshot.";
export const TMP_SUFFIX = ".tmp";

export interface StoredFile {
  readonly name: string;
  readonly path: string;
  readonly zxid: number;
}

export function fileName(prefix: string, zxid: number): string {
  return prefix + zxid.toString(16).padStart(16, "0");
}

/** Files named `<prefix><hex>` in `dir`, oldest (lowest zxid) first; temp files are skipped. */
export async function listFiles(dir: string, prefix: string): Promise<StoredFile[]> {
  const out: StoredFile[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const hex = name.slice(prefix.length);
    if (!/^[0-9a-f]{1,16}$/.test(hex)) continue;
    out.push({ name, path: join(dir, name), zxid: parseInt(hex, 16) });
  }
  return out.sort((a, b) => a.zxid - b.zxid);
}

/** A new or renamed file's directory entry is durable only once the directory itself is synced. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Keep the newest `retain` snapshots and every log file that may hold txns after the oldest of
 * them (so recovery can still fall back to it); delete the rest. Returns the deleted names.
 */
export async function purge(
  dataDir: string,
  logDir: string,
  retain: number,
  logger: Logger,
): Promise<string[]> {
  const snaps = await listFiles(dataDir, SNAP_PREFIX);
  if (snaps.length <= retain) return [];
  const oldestKept = snaps[snaps.length - retain];
  if (oldestKept === undefined) return [];
  const doomed = snaps.slice(0, snaps.length - retain).map((s) => s.path);
  const logs = await listFiles(logDir, LOG_PREFIX);
  for (let i = 0; i + 1 < logs.length; i++) {
    const next = logs[i + 1];
    const cur = logs[i];
    // Every txn in `cur` precedes `next`'s first zxid; none is needed if that is ≤ oldestKept + 1.
    if (cur !== undefined && next !== undefined && next.zxid <= oldestKept.zxid + 1) doomed.push(cur.path);
  }
  const deleted: string[] = [];
  for (const p of doomed) {
    try {
      await unlink(p);
      deleted.push(p);
    } catch (err) {
      logger.warn({ err, path: p }, "purge: could not delete");
    }
  }
  if (deleted.length > 0) logger.info({ deleted: deleted.length }, "purged old snapshots and logs");
  return deleted;
}

/** Leftovers of snapshots interrupted by a crash. */
export async function removeTempFiles(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    if (name.startsWith(SNAP_PREFIX) && name.endsWith(TMP_SUFFIX)) await unlink(join(dataDir, name));
  }
}
