/**
 * Read-side operations (PROTOCOL.md §4.2, §6.2, §7.9, §7.11): they never consume a zxid. Each
 * returns an error code or writes its reply body via the `reply` callback's writer.
 */
import {
  ErrorCode,
  EventType,
  OpCode,
  Perms,
  records,
  type JuteWriter,
  type MultiOp,
  type MultiResult,
} from "../protocol/index.js";
import { checkAcl, maskDigests } from "./acl.js";
import type { Connection } from "./connection.js";
import type { ZkDatabase } from "./database.js";
import type { DataNode } from "./tree.js";

/**
 * Writes a reply whose body `body` writes (bodies go straight into the output batch). `zxid`: its
 * header zxid (readZxid), by default the last applied one.
 */
export type Reply = (err: number, body?: (w: JuteWriter) => void, zxid?: number) => void;

/**
 * The header zxid of a read that shows `node`: the durable zxid when no txn still being synced
 * touched it (its creation, data, children, or any ACL), else the last applied. The header zxid is
 * what the reply may reveal (output-batch.ts), so such a read is not held for other sessions' syncs:
 * at load, a task's reads no longer wait out an fsync cycle each. A missing node or a failed read
 * keeps the last applied zxid (a delete in flight may be what it shows).
 */
export function readZxid(db: ZkDatabase, node: DataNode): number {
  const durable = db.durableZxid;
  const touched = Math.max(node.czxid, node.mzxid, node.pzxid, db.tree.aclZxid);
  return touched <= durable ? durable : db.lastZxid;
}

export function exists(db: ZkDatabase, conn: Connection, req: records.PathWatchRequest, reply: Reply): void {
  if (req.path.includes("\u0000")) return reply(ErrorCode.BADARGUMENTS);
  const node = db.tree.get(req.path);
  if (node !== undefined && !checkAcl(node.acl, Perms.READ, conn.authIds)) return reply(ErrorCode.NOAUTH);
  // An exists watch is registered even when the node is missing: it then waits for NodeCreated.
  if (req.watch) db.watches.addDataWatch(req.path, conn);
  if (node === undefined) return reply(ErrorCode.NONODE);
  reply(0, (w) => node.writeStat(w), readZxid(db, node));
}

export function getData(db: ZkDatabase, conn: Connection, req: records.PathWatchRequest, reply: Reply): void {
  const node = db.tree.get(req.path);
  if (node === undefined) return reply(ErrorCode.NONODE);
  if (!checkAcl(node.acl, Perms.READ, conn.authIds)) return reply(ErrorCode.NOAUTH);
  if (req.watch) db.watches.addDataWatch(req.path, conn);
  reply(
    0,
    (w) => {
      w.writeBuffer(node.data);
      node.writeStat(w);
    },
    readZxid(db, node),
  );
}

export function getChildren(
  db: ZkDatabase,
  conn: Connection,
  req: records.PathWatchRequest,
  withStat: boolean,
  reply: Reply,
): void {
  const node = db.tree.get(req.path);
  if (node === undefined) return reply(ErrorCode.NONODE);
  if (!checkAcl(node.acl, Perms.READ, conn.authIds)) return reply(ErrorCode.NOAUTH);
  if (req.watch) db.watches.addChildWatch(req.path, conn);
  reply(
    0,
    (w) => {
      const children = node.children;
      if (children === null) w.writeInt(0);
      else {
        w.writeInt(children.size);
        for (const c of children) w.writeString(c);
      }
      if (withStat) node.writeStat(w);
    },
    readZxid(db, node),
  );
}

export function getACL(db: ZkDatabase, conn: Connection, req: records.PathRequest, reply: Reply): void {
  const node = db.tree.get(req.path);
  if (node === undefined) return reply(ErrorCode.NONODE);
  if (!checkAcl(node.acl, Perms.READ | Perms.ADMIN, conn.authIds)) return reply(ErrorCode.NOAUTH);
  const acl = checkAcl(node.acl, Perms.ADMIN, conn.authIds) ? node.acl : maskDigests(node.acl);
  reply(0, (w) => {
    records.ACLList.write(w, [...acl]);
    node.writeStat(w);
  });
}

export function getAllChildrenNumber(
  db: ZkDatabase,
  conn: Connection,
  req: records.PathRequest,
  reply: Reply,
): void {
  const node = db.tree.get(req.path);
  if (node === undefined) return reply(ErrorCode.NONODE);
  if (!checkAcl(node.acl, Perms.READ, conn.authIds)) return reply(ErrorCode.NOAUTH);
  const n = db.tree.descendantCount(req.path);
  reply(0, (w) => w.writeInt(n));
}

export function getEphemerals(
  db: ZkDatabase,
  conn: Connection,
  req: records.PathRequest,
  reply: Reply,
): void {
  const prefix = req.path.trim();
  const all = conn.session === null ? [] : [...db.tree.ephemeralsOf(conn.session.id)];
  const list = prefix === "" || prefix === "/" ? all : all.filter((p) => p.startsWith(prefix));
  reply(0, (w) => records.GetEphemeralsResponse.write(w, { ephemerals: list }));
}

/**
 * multiRead: each op answers independently, no −2 cascade (PROTOCOL.md §4.3). `zxid`: the reply's
 * header zxid, readZxid's over every node shown (the last applied if an op failed).
 */
export function multiRead(
  db: ZkDatabase,
  conn: Connection,
  ops: readonly MultiOp[],
): { results: MultiResult[]; zxid: number } {
  let zxid = 0;
  const results = ops.map((op): MultiResult => {
    if (op.type !== OpCode.getData && op.type !== OpCode.getChildren) {
      zxid = db.lastZxid;
      return { type: OpCode.error, err: ErrorCode.BADARGUMENTS };
    }
    const req = op.req;
    const node = db.tree.get(req.path);
    zxid = Math.max(zxid, node === undefined ? db.lastZxid : readZxid(db, node));
    if (node === undefined) return { type: OpCode.error, err: ErrorCode.NONODE };
    if (!checkAcl(node.acl, Perms.READ, conn.authIds)) return { type: OpCode.error, err: ErrorCode.NOAUTH };
    if (op.type === OpCode.getData) {
      if (req.watch) db.watches.addDataWatch(req.path, conn);
      return { type: OpCode.getData, data: node.data, stat: node.stat() };
    }
    if (req.watch) db.watches.addChildWatch(req.path, conn);
    return { type: OpCode.getChildren, children: node.children === null ? [] : [...node.children] };
  });
  return { results, zxid: results.length === 0 ? db.lastZxid : zxid };
}

/** SetWatches / SetWatches2 catch-up (PROTOCOL.md §6.6): fire what the client missed, register the rest. */
export function setWatches(db: ZkDatabase, conn: Connection, req: records.SetWatches2): void {
  const rel = Number(req.relativeZxid);
  const { tree, watches } = db;
  for (const path of req.dataWatches) {
    const node = tree.get(path);
    if (node === undefined) watches.notifyOne(conn, EventType.NodeDeleted, path);
    else if (node.mzxid > rel) watches.notifyOne(conn, EventType.NodeDataChanged, path);
    else watches.addDataWatch(path, conn);
  }
  for (const path of req.existWatches) {
    if (tree.get(path) !== undefined) watches.notifyOne(conn, EventType.NodeCreated, path);
    else watches.addDataWatch(path, conn);
  }
  for (const path of req.childWatches) {
    const node = tree.get(path);
    if (node === undefined) watches.notifyOne(conn, EventType.NodeDeleted, path);
    else if (node.pzxid > rel) watches.notifyOne(conn, EventType.NodeChildrenChanged, path);
    else watches.addChildWatch(path, conn);
  }
  for (const path of req.persistentWatches) watches.addPersistent(path, conn, false);
  for (const path of req.persistentRecursiveWatches) watches.addPersistent(path, conn, true);
}
