/**
 * Reading txn log files back. The first record header of 8 zero bytes is the end of the records: the
 * rest of the file is preallocated space (txnlog.ts), or writes of a batch that was never
 * acknowledged. A record that is torn (its length runs past the end of the file) or
 * fails its CRC or does not decode ends the readable log. In the newest file that is the expected
 * result of a crash during a write, and nothing after it was acknowledged (a batch is acknowledged
 * only after the whole batch is synced), so the file is truncated there with a warning. In an
 * older file it means real corruption and recovery stops with StorageCorruptError.
 */
import { readFile, truncate } from "node:fs/promises";
import { JuteReader } from "../../protocol/index.js";
import { StorageCorruptError } from "../errors.js";
import type { Logger } from "../logger.js";
import { crc32, readTxnRecord, type TxnRecord } from "./codec.js";
import { LOG_HEADER_LENGTH, LOG_MAGIC, LOG_VERSION, MAX_RECORD_LENGTH } from "./txnlog.js";

export interface LogReadResult {
  readonly records: number;
  /** Bytes cut off the end of the file, 0 if it was intact. */
  readonly truncatedBytes: number;
}

function damage(buf: Buffer, off: number): string | null {
  if (buf.length - off < 8) return `torn record header (${buf.length - off} bytes)`;
  const len = buf.readInt32BE(off);
  if (len <= 0 || len > MAX_RECORD_LENGTH) return `invalid record length ${len}`;
  if (len > buf.length - off - 8) return `torn record: length ${len}, ${buf.length - off - 8} bytes left`;
  const crc = buf.readUInt32BE(off + 4);
  if (crc32(buf.subarray(off + 8, off + 8 + len)) !== crc) return "CRC mismatch";
  return null;
}

/**
 * Feed every valid record of `path` to `onRecord`, in order. `isLast`: the newest log file, whose
 * damaged tail is cut off instead of failing recovery.
 */
export async function readLogFile(
  path: string,
  isLast: boolean,
  logger: Logger,
  onRecord: (rec: TxnRecord) => void,
): Promise<LogReadResult> {
  const buf = await readFile(path);
  let records = 0;
  const cut = async (off: number, why: string): Promise<LogReadResult> => {
    if (!isLast) throw new StorageCorruptError(`${path}: ${why} at offset ${off}`);
    logger.warn(
      { path, offset: off, droppedBytes: buf.length - off, reason: why },
      "txn log ends with a damaged record (crash during a write?); truncating it away",
    );
    // An empty header-less file is rewritten from scratch by the next log roll anyway.
    await truncate(path, off < LOG_HEADER_LENGTH ? 0 : off);
    return { records, truncatedBytes: buf.length - off };
  };
  if (buf.length < LOG_HEADER_LENGTH)
    return buf.length === 0 ? { records, truncatedBytes: 0 } : cut(0, "torn header");
  if (!buf.subarray(0, 4).equals(LOG_MAGIC) || buf.readInt32BE(4) !== LOG_VERSION) {
    throw new StorageCorruptError(`${path}: not an overseer txn log (bad magic or version)`);
  }
  let off = LOG_HEADER_LENGTH;
  while (off < buf.length) {
    if (buf.length - off >= 8 && buf.readInt32BE(off) === 0 && buf.readInt32BE(off + 4) === 0) break;
    const why = damage(buf, off);
    if (why !== null) return cut(off, why);
    const len = buf.readInt32BE(off);
    let rec: TxnRecord;
    try {
      rec = readTxnRecord(new JuteReader(buf, off + 8, off + 8 + len, MAX_RECORD_LENGTH));
    } catch (err) {
      return cut(off, `undecodable record (${(err as Error).message})`);
    }
    onRecord(rec);
    records++;
    off += 8 + len;
  }
  return { records, truncatedBytes: 0 };
}
