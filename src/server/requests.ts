/**
 * Request dispatch for an established session (PROTOCOL.md §3, §4). Requests are handled strictly in
 * arrival order, synchronously, one reply each, so replies and notifications keep FIFO order.
 * A body that does not decode gets MARSHALLINGERROR and the connection closes; nothing is applied,
 * because every case decodes its whole body before touching state.
 */
import {
  AddWatchMode,
  CreateMode,
  ErrorCode,
  JuteDecodeError,
  JuteReader,
  JuteWriter,
  OpCode,
  readMultiRequest,
  records,
  writeMultiResponse,
  type MultiOp,
  type MultiResult,
  type Stat,
} from "../protocol/index.js";
import { enforceAuth, handleAuth, handleSasl, whoAmI } from "./auth.js";
import type { Connection } from "./connection.js";
import { prepCreate, prepDelete, prepMulti, prepSetACL, prepSetData, type PrepContext } from "./prep.js";
import * as reads from "./reads.js";
import type { ZkServer } from "./server.js";
import type { Session } from "./sessions.js";
import type { Txn } from "./txn.js";

export function handleRequest(srv: ZkServer, conn: Connection, frame: Buffer): void {
  const session = conn.session;
  // Packets after closeSession, or for a session that is going away, are ignored (PROTOCOL.md §7.6).
  if (session === null || session.closing) return;
  srv.sessions.touch(session, Date.now());
  const r = new JuteReader(frame, 0, frame.length, srv.options.maxBuffer * 2);
  const xid = r.readInt();
  const type = r.readInt();
  srv.packetsReceived++;
  if (!enforceAuth(srv, conn, xid, type)) return;
  try {
    dispatch(srv, conn, session, r, xid, type);
  } catch (err) {
    if (!(err instanceof JuteDecodeError)) throw err;
    srv.options.logger.debug({ conn: conn.id, xid, type, err }, "undecodable request body");
    conn.beginReply(xid, srv.db.lastZxid, ErrorCode.MARSHALLINGERROR);
    conn.endReply();
    conn.closeAfterFlush();
  }
}

function replier(srv: ZkServer, conn: Connection, xid: number): reads.Reply {
  return (err, body, zxid) => {
    const w = conn.beginReply(xid, zxid ?? srv.db.lastZxid, err);
    if (err === 0 && body !== undefined) body(w);
    conn.endReply();
  };
}

/** A write: prep it, commit its txn (or an error txn: failed writes take a zxid too, PROTOCOL.md §7.5). */
function write(
  srv: ZkServer,
  conn: Connection,
  sessionId: bigint,
  xid: number,
  prepared: Txn | number,
  body?: (w: JuteWriter, node: NonNullable<ReturnType<ZkServer["db"]["commit"]>>, txn: Txn) => void,
): void {
  if (typeof prepared === "number") {
    srv.db.commit(sessionId, { type: "error", err: prepared });
    return replier(srv, conn, xid)(prepared);
  }
  const node = srv.db.commit(sessionId, prepared);
  const w = conn.beginReply(xid, srv.db.lastZxid, 0);
  if (body !== undefined && node !== null) body(w, node, prepared);
  conn.endReply();
}

function prepContext(srv: ZkServer, conn: Connection, session: Session): PrepContext {
  return { sessionId: session.id, ids: conn.authIds, extendedTypesEnabled: srv.options.extendedTypesEnabled };
}

function multiResults(
  ops: readonly MultiOp[],
  txn: Extract<Txn, { type: "multi" }>,
  stats: (Stat | null)[],
): MultiResult[] {
  return ops.map((op, i): MultiResult => {
    const sub = txn.txns[i];
    const stat = stats[i] ?? null;
    const path = sub?.type === "create" ? sub.path : "";
    switch (op.type) {
      case OpCode.create:
      case OpCode.create2:
        // Verified against Apache 3.8: a create2 sub-op answers type 1 without a Stat; containers
        // and TTL nodes answer 15 with the Stat (PROTOCOL.md §4.3).
        return { type: OpCode.create, path };
      case OpCode.createContainer:
      case OpCode.createTTL:
        return stat === null ? { type: OpCode.create, path } : { type: OpCode.create2, path, stat };
      case OpCode.setData:
        return stat === null
          ? { type: OpCode.error, err: ErrorCode.SYSTEMERROR }
          : { type: OpCode.setData, stat };
      case OpCode.delete:
        return { type: OpCode.delete };
      default:
        return { type: OpCode.check };
    }
  });
}

/**
 * Apache's MultiOperationRecord decodes a createTTL sub-op through `Op.create(…, flags, ttl)`, which
 * keeps the TTL only for a TTL mode: with any other mode the op is a plain create (createContainer for
 * a container) and the ttl is dropped, so it answers as such instead of BADARGUMENTS. Found by
 * test/differential; a single createTTL request with a non-TTL mode still gets BADARGUMENTS.
 */
function asApacheDecodes(op: MultiOp): MultiOp {
  if (op.type !== OpCode.createTTL) return op;
  const flags = op.req.flags;
  if (flags === CreateMode.PERSISTENT_WITH_TTL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)
    return op;
  return { type: flags === CreateMode.CONTAINER ? OpCode.createContainer : OpCode.create, req: op.req };
}

function multi(srv: ZkServer, conn: Connection, session: Session, xid: number, received: MultiOp[]): void {
  const ops = received.map(asApacheDecodes);
  const prepared = prepMulti(srv.db.tree, prepContext(srv, conn, session), ops);
  let results: MultiResult[];
  if (Array.isArray(prepared)) {
    // Nothing applied, but the failed multi still consumes its zxid; header err stays 0 (PROTOCOL.md §4.3).
    srv.db.commit(session.id, { type: "error", err: prepared.find((e) => e !== 0 && e !== -2) ?? 0 });
    results = prepared.map((err) => ({ type: OpCode.error, err }));
  } else {
    const stats: (Stat | null)[] = [];
    // Only these results carry a Stat (multiResults); the others skip the snapshot.
    const wanted = ops.map(
      (op) =>
        op.type === OpCode.setData || op.type === OpCode.createContainer || op.type === OpCode.createTTL,
    );
    srv.db.commit(session.id, prepared, stats, wanted);
    results = multiResults(ops, prepared as Extract<Txn, { type: "multi" }>, stats);
  }
  const w = conn.beginReply(xid, srv.db.lastZxid, 0);
  writeMultiResponse(w, results);
  conn.endReply();
}

function unimplemented(srv: ZkServer, conn: Connection, xid: number): void {
  conn.beginReply(xid, srv.db.lastZxid, ErrorCode.UNIMPLEMENTED);
  conn.endReply();
  conn.closeAfterFlush();
}

function dispatch(
  srv: ZkServer,
  conn: Connection,
  session: Session,
  r: JuteReader,
  xid: number,
  type: number,
): void {
  const db = srv.db;
  const reply = replier(srv, conn, xid);
  const ctx = (): PrepContext => prepContext(srv, conn, session);
  switch (type) {
    case OpCode.ping:
      return reply(0);
    case OpCode.getData:
      return reads.getData(db, conn, records.PathWatchRequest.read(r), reply);
    case OpCode.exists:
      return reads.exists(db, conn, records.PathWatchRequest.read(r), reply);
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return reads.getChildren(
        db,
        conn,
        records.PathWatchRequest.read(r),
        type === OpCode.getChildren2,
        reply,
      );
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL: {
      let req: records.CreateRequest;
      let ttl = -1; // create, create2 and createContainer carry an implicit ttl of −1 (PROTOCOL.md §7.2)
      if (type === OpCode.createTTL) {
        const t = records.CreateTTLRequest.read(r);
        req = t;
        ttl = t.ttl;
      } else req = records.CreateRequest.read(r);
      return write(srv, conn, session.id, xid, prepCreate(db.tree, ctx(), req, ttl), (w, node, txn) => {
        w.writeString(txn.type === "create" ? txn.path : "");
        if (type !== OpCode.create) node.writeStat(w);
      });
    }
    case OpCode.delete:
      return write(srv, conn, session.id, xid, prepDelete(db.tree, ctx(), records.DeleteRequest.read(r)));
    case OpCode.setData:
      return write(
        srv,
        conn,
        session.id,
        xid,
        prepSetData(db.tree, ctx(), records.SetDataRequest.read(r)),
        (w, n) => n.writeStat(w),
      );
    case OpCode.setACL:
      return write(
        srv,
        conn,
        session.id,
        xid,
        prepSetACL(db.tree, ctx(), records.SetACLRequest.read(r)),
        (w, n) => n.writeStat(w),
      );
    case OpCode.getACL:
      return reads.getACL(db, conn, records.PathRequest.read(r), reply);
    case OpCode.multi:
      return multi(srv, conn, session, xid, readMultiRequest(r, "write"));
    case OpCode.multiRead: {
      const { results, zxid } = reads.multiRead(db, conn, readMultiRequest(r, "read"));
      return reply(0, (w) => writeMultiResponse(w, results), zxid);
    }
    case OpCode.sync: {
      const req = records.PathRequest.read(r);
      return reply(0, (w) => w.writeString(req.path));
    }
    case OpCode.checkWatches:
    case OpCode.removeWatches: {
      const req = records.WatchesRequest.read(r);
      const found = db.watches.matchWatches(req.path, req.type, conn, type === OpCode.removeWatches);
      return reply(found ? 0 : ErrorCode.NOWATCHER);
    }
    case OpCode.addWatch: {
      const req = records.AddWatchRequest.read(r);
      if (req.mode !== AddWatchMode.PERSISTENT && req.mode !== AddWatchMode.PERSISTENT_RECURSIVE) {
        // Apache fails to map the mode and answers MARSHALLINGERROR, keeping the connection.
        return reply(ErrorCode.MARSHALLINGERROR);
      }
      db.watches.addPersistent(req.path, conn, req.mode === AddWatchMode.PERSISTENT_RECURSIVE);
      return reply(0, (w) => w.writeInt(0));
    }
    case OpCode.setWatches:
    case OpCode.setWatches2: {
      const req =
        type === OpCode.setWatches2
          ? records.SetWatches2.read(r)
          : { ...records.SetWatches.read(r), persistentWatches: [], persistentRecursiveWatches: [] };
      reads.setWatches(db, conn, req);
      return reply(0);
    }
    case OpCode.auth:
      return handleAuth(srv, conn, xid, r);
    case OpCode.sasl:
      return handleSasl(srv, conn, xid, r);
    case OpCode.getEphemerals:
      return reads.getEphemerals(db, conn, records.PathRequest.read(r), reply);
    case OpCode.getAllChildrenNumber:
      return reads.getAllChildrenNumber(db, conn, records.PathRequest.read(r), reply);
    case OpCode.whoAmI: {
      const clientInfo = whoAmI(conn.authIds);
      return reply(0, (w) => records.WhoAmIResponse.write(w, { clientInfo }));
    }
    case OpCode.reconfig:
      records.ReconfigRequest.read(r);
      return write(srv, conn, session.id, xid, ErrorCode.RECONFIGDISABLED);
    case OpCode.closeSession:
      srv.closeSession(session, "closeSession request");
      reply(0);
      conn.closeAfterFlush();
      return;
    default:
      // check (13) outside a multi, deleteContainer (20), notification (0), unknown codes.
      return unimplemented(srv, conn, xid);
  }
}
