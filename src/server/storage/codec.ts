/**
 * Byte layouts of what the server stores: txn log records and snapshot node/session records, all in
 * jute encoding (big-endian, length-prefixed) so the same reader/writer as the wire is reused.
 *
 *   TxnRecord  = long zxid, long time, long sessionId, Txn
 *   Txn        = byte tag, then per tag (see writeTxn); a multi nests its sub-txns (tag + body)
 *   NodeRecord = ustring path, buffer data, vector<ACL> acl, byte kind, long owner, long ttl,
 *                long czxid, long mzxid, long ctime, long mtime, long pzxid,
 *                int version, int cversion (stored count), int aversion
 */
import * as zlib from "node:zlib";
import {
  JuteDecodeError,
  records,
  type ACL,
  type JuteReader,
  type JuteWriter,
} from "../../protocol/index.js";
import { NodeKind, DataNode } from "../tree.js";
import type { Txn, TxnHeader } from "../txn.js";

/** One logged transaction: its header (zxid, time, session) and what it did. */
export interface TxnRecord {
  readonly hdr: TxnHeader;
  readonly txn: Txn;
}

const Tag = {
  create: 1,
  delete: 2,
  setData: 5,
  setACL: 7,
  check: 13,
  multi: 14,
  createSession: 20,
  closeSession: 21,
  error: 22,
} as const;

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function tableCrc32(data: Uint8Array, prev = 0): number {
  let c = ~prev >>> 0;
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}

/** zlib.crc32 is native from Node 20.15; older Node 20 releases get the table version. */
export const crc32: (data: Uint8Array, prev?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === "function" ? (d, p) => zlib.crc32(d, p) : tableCrc32;

/** Same bytes as records.ACLList.write, written field by field (hot: every create is logged). */
function writeAcl(w: JuteWriter, acl: readonly ACL[]): void {
  w.writeInt(acl.length);
  for (const a of acl) w.writeInt(a.perms).writeString(a.id.scheme).writeString(a.id.id);
}

function kindOf(v: number): NodeKind {
  if (v !== NodeKind.normal && v !== NodeKind.ephemeral && v !== NodeKind.container && v !== NodeKind.ttl) {
    throw new JuteDecodeError(`invalid node kind ${v}`);
  }
  return v;
}

function str(r: JuteReader): string {
  const s = r.readString();
  if (s === null) throw new JuteDecodeError("null path");
  return s;
}

export function writeTxn(w: JuteWriter, txn: Txn): void {
  switch (txn.type) {
    case "create":
      w.writeByte(Tag.create).writeString(txn.path).writeBuffer(txn.data);
      writeAcl(w, txn.acl);
      w.writeByte(txn.kind);
      // Most creates have no owner: two zero ints, without BigInt → bytes conversion.
      if (txn.owner === 0n) w.writeInt(0).writeInt(0);
      else w.writeLong(txn.owner);
      w.writeLongNumber(txn.ttl).writeInt(txn.parentCversion);
      return;
    case "delete":
      w.writeByte(Tag.delete).writeString(txn.path);
      return;
    case "setData":
      w.writeByte(Tag.setData).writeString(txn.path).writeBuffer(txn.data).writeInt(txn.version);
      return;
    case "setACL":
      w.writeByte(Tag.setACL).writeString(txn.path);
      writeAcl(w, txn.acl);
      w.writeInt(txn.aversion);
      return;
    case "check":
      w.writeByte(Tag.check).writeString(txn.path);
      return;
    case "createSession":
      w.writeByte(Tag.createSession).writeInt(txn.timeout).writeBuffer(txn.password);
      return;
    case "closeSession":
      w.writeByte(Tag.closeSession);
      return;
    case "error":
      w.writeByte(Tag.error).writeInt(txn.err);
      return;
    case "multi":
      w.writeByte(Tag.multi).writeInt(txn.txns.length);
      for (const t of txn.txns) writeTxn(w, t);
      return;
  }
}

export function readTxn(r: JuteReader): Txn {
  const tag = r.readByte();
  switch (tag) {
    case Tag.create: {
      const path = str(r);
      const data = r.readBuffer();
      const acl = records.ACLList.read(r);
      const kind = kindOf(r.readByte());
      const owner = r.readLong();
      const ttl = r.readLongNumber();
      return { type: "create", path, data, acl, kind, owner, ttl, parentCversion: r.readInt() };
    }
    case Tag.delete:
      return { type: "delete", path: str(r) };
    case Tag.setData:
      return { type: "setData", path: str(r), data: r.readBuffer(), version: r.readInt() };
    case Tag.setACL:
      return { type: "setACL", path: str(r), acl: records.ACLList.read(r), aversion: r.readInt() };
    case Tag.check:
      return { type: "check", path: str(r) };
    case Tag.createSession:
      return { type: "createSession", timeout: r.readInt(), password: r.readBuffer() ?? Buffer.alloc(0) };
    case Tag.closeSession:
      return { type: "closeSession" };
    case Tag.error:
      return { type: "error", err: r.readInt() };
    case Tag.multi: {
      const n = r.readVectorLength();
      const txns: Txn[] = [];
      for (let i = 0; i < n; i++) txns.push(readTxn(r));
      return { type: "multi", txns };
    }
    default:
      throw new JuteDecodeError(`unknown txn tag ${tag}`);
  }
}

export function writeTxnRecord(w: JuteWriter, hdr: TxnHeader, txn: Txn): void {
  w.writeLongNumber(hdr.zxid).writeLongNumber(hdr.time).writeLong(hdr.sessionId);
  writeTxn(w, txn);
}

export function readTxnRecord(r: JuteReader): TxnRecord {
  const zxid = r.readLongNumber();
  const time = r.readLongNumber();
  const sessionId = r.readLong();
  const txn = readTxn(r);
  if (r.remaining !== 0) throw new JuteDecodeError(`${r.remaining} trailing bytes after txn ${zxid}`);
  return { hdr: { zxid, time, sessionId }, txn };
}

export function writeNode(w: JuteWriter, path: string, n: DataNode): void {
  w.writeString(path).writeBuffer(n.data);
  writeAcl(w, n.acl);
  w.writeByte(n.kind).writeLong(n.owner).writeLongNumber(n.ttl);
  w.writeLongNumber(n.czxid).writeLongNumber(n.mzxid).writeLongNumber(n.ctime).writeLongNumber(n.mtime);
  w.writeLongNumber(n.pzxid).writeInt(n.version).writeInt(n.cversion).writeInt(n.aversion);
}

/** Reads a node; `intern` lets the loader share identical ACL lists across nodes (memory). */
export function readNode(
  r: JuteReader,
  intern: (acl: ACL[]) => readonly ACL[],
): { path: string; node: DataNode } {
  const path = str(r);
  const data = r.readBuffer();
  const acl = intern(records.ACLList.read(r));
  const kind = kindOf(r.readByte());
  const owner = r.readLong();
  const ttl = r.readLongNumber();
  const czxid = r.readLongNumber();
  const mzxid = r.readLongNumber();
  const node = new DataNode(data, acl, kind, owner, ttl, czxid, r.readLongNumber());
  node.mzxid = mzxid;
  node.mtime = r.readLongNumber();
  node.pzxid = r.readLongNumber();
  node.version = r.readInt();
  node.cversion = r.readInt();
  node.aversion = r.readInt();
  return { path, node };
}
