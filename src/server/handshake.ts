/**
 * The ConnectRequest → ConnectResponse exchange (PROTOCOL.md §2): refuse clients that have seen a
 * newer zxid, negotiate the timeout, create or resume the session, mirror the readOnly byte.
 */
import {
  FEATURE_EVENT_DATA,
  JuteReader,
  JuteWriter,
  PASSWORD_LENGTH,
  readExtension,
  records,
  writeExtension,
} from "../protocol/index.js";
import type { Connection } from "./connection.js";
import type { ZkServer } from "./server.js";

const ZERO_PASSWORD = Buffer.alloc(PASSWORD_LENGTH);

function connectResponse(conn: Connection, timeOut: number, sessionId: bigint, passwd: Buffer): Buffer {
  const w = new JuteWriter(48);
  w.writeInt(0);
  records.ConnectResponse.write(w, { protocolVersion: 0, timeOut, sessionId, passwd });
  if (conn.readOnlyByte) w.writeBool(false); // standalone is never read-only
  // To a client that asked for events with data: what it gets (PROTOCOL.md §10); no other client sees it.
  if (conn.eventData) writeExtension(w, FEATURE_EVENT_DATA);
  w.patchInt(0, w.length - 4);
  return w.toBuffer();
}

/** Throws JuteDecodeError on a body that is not a ConnectRequest; the connection then closes. */
export function handleHandshake(srv: ZkServer, conn: Connection, frame: Buffer): void {
  const r = new JuteReader(frame);
  const req = records.ConnectRequest.read(r);
  // The trailing readOnly byte is optional (node-zookeeper-client omits it); mirror its presence.
  conn.readOnlyByte = r.remaining > 0;
  // After it, overseer's client may ask for events with data (protocol/extensions.ts); others send nothing.
  conn.eventData = (readExtension(r) & FEATURE_EVENT_DATA) !== 0;
  const log = srv.options.logger;
  if (req.protocolVersion !== 0) {
    // Every known client sends 0; anything else is most likely a request sent before the handshake.
    log.debug({ conn: conn.id, protocolVersion: req.protocolVersion }, "not a ConnectRequest; closing");
    conn.closeAfterFlush();
    return;
  }
  if (Number(req.lastZxidSeen) > srv.db.lastZxid) {
    log.info(
      { conn: conn.id, clientZxid: req.lastZxidSeen.toString(16), serverZxid: srv.db.lastZxid.toString(16) },
      "refusing session request: client has seen a newer zxid than this server",
    );
    conn.closeAfterFlush();
    return;
  }
  const o = srv.options;
  const timeout = Math.min(Math.max(req.timeOut, o.minSessionTimeout), o.maxSessionTimeout);
  const now = Date.now();
  let session;
  if (req.sessionId === 0n) {
    session = srv.createSession(timeout, now);
  } else {
    const s = srv.sessions.get(req.sessionId);
    const passwordOk = s !== undefined && req.passwd !== null && req.passwd.equals(s.password);
    if (s === undefined || s.closing || !passwordOk) {
      log.debug(
        { conn: conn.id, sessionId: req.sessionId.toString(16) },
        "invalid session; replying timeOut 0",
      );
      conn.sendFrame(connectResponse(conn, 0, 0n, ZERO_PASSWORD));
      conn.closeAfterFlush();
      return;
    }
    // The session moves to this connection: the old one is closed (reason CLIENT_RECONNECT).
    if (s.owner !== null && s.owner !== conn) s.owner.close("session resumed on another connection");
    s.timeout = timeout;
    srv.sessions.touch(s, now);
    session = s;
  }
  session.owner = conn;
  conn.session = session;
  conn.markHandshakeDone();
  conn.sendFrame(connectResponse(conn, timeout, session.id, session.password));
}
