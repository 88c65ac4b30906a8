/**
 * Authentication requests and their enforcement, as Apache's ZooKeeperServer.processPacket does it
 * before the request pipeline (PROTOCOL.md §9): addauth (100), sasl (102), and enforce.auth, which
 * refuses any other request from a connection holding none of the enforced schemes' identities.
 * Replies to both carry zxid 0 (PROTOCOL.md §3.1). A failure replies with an error code and then closes the
 * connection; the session stays until it expires, as in Apache.
 */
import { ErrorCode, OpCode, type Id, type JuteReader, records } from "../protocol/index.js";
import { SUPER_ID, digestOf } from "./acl.js";
import type { Connection } from "./connection.js";
import type { ZkServer } from "./server.js";

function addId(conn: Connection, scheme: string, id: string): void {
  if (!conn.authIds.some((i) => i.scheme === scheme && i.id === id)) conn.authIds.push({ scheme, id });
}

function grantSuper(conn: Connection): void {
  if (!conn.authIds.includes(SUPER_ID)) conn.authIds.push(SUPER_ID);
}

/** addauth: only the digest scheme can be added this way (sasl and x509 come from their exchanges). */
export function handleAuth(srv: ZkServer, conn: Connection, xid: number, r: JuteReader): void {
  const req = records.AuthPacket.read(r);
  const reply = (err: number): void => {
    conn.beginReply(xid, 0, err);
    conn.endReply();
  };
  if (req.scheme !== "digest" || req.auth === null || !req.auth.includes(0x3a)) {
    reply(ErrorCode.AUTHFAILED);
    conn.closeAfterFlush();
    return;
  }
  const id = digestOf(req.auth.toString("utf8"));
  addId(conn, "digest", id);
  if (srv.options.superDigest !== null && id === srv.options.superDigest) grantSuper(conn);
  reply(0);
}

/** One SASL token in, one out (SetSASLResponse, even with an error code). */
export function handleSasl(srv: ZkServer, conn: Connection, xid: number, r: JuteReader): void {
  const { token } = records.SaslToken.read(r);
  const reply = (err: number, out: Buffer | null): void => {
    conn.beginReply(xid, 0, err).writeBuffer(out);
    conn.endReply();
  };
  const sasl = srv.sasl;
  // Without a JAAS configuration Apache has no SaslServer and answers OK with a null token.
  if (sasl === null) return reply(0, null);
  const step = sasl.step(conn, token ?? Buffer.alloc(0));
  const log = srv.options.logger;
  switch (step.kind) {
    case "continue":
      if (step.user !== undefined) {
        addId(conn, "sasl", step.user);
        if (step.user === srv.options.security.saslSuperUser) grantSuper(conn);
        log.info({ conn: conn.id, user: step.user }, "SASL authentication succeeded");
      }
      return reply(0, step.token);
    case "failed": {
      log.warn(
        { conn: conn.id, address: conn.address, reason: step.reason },
        "SASL authentication failed; closing",
      );
      const required = srv.options.security.enforceAuthSchemes.has("sasl");
      reply(required ? ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH : ErrorCode.AUTHFAILED, null);
      conn.closeAfterFlush();
      return;
    }
  }
}

/**
 * enforce.auth: true when the request may proceed. Otherwise the reply is
 * SESSIONCLOSEDREQUIRESASLAUTH and the connection closes (whatever scheme is enforced).
 */
export function enforceAuth(srv: ZkServer, conn: Connection, xid: number, type: number): boolean {
  const schemes = srv.options.security.enforceAuthSchemes;
  if (schemes.size === 0 || type === OpCode.auth || type === OpCode.sasl) return true;
  if (conn.authIds.some((id) => schemes.has(id.scheme))) return true;
  srv.options.logger.warn(
    { conn: conn.id, schemes: conn.authIds.map((i) => i.scheme), required: [...schemes] },
    "request from a connection without a required authentication scheme; closing",
  );
  conn.beginReply(xid, 0, ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH);
  conn.endReply();
  conn.closeAfterFlush();
  return false;
}

/** Java's String.hashCode over UTF-16 code units. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * A connection's ids in the order Apache lists them: its authInfo is a set backed by a
 * ConcurrentHashMap (16 bins, doubled at 3/4 full), iterated bin by bin, each bin in insertion
 * order; a bin is picked by the spread of the jute Id's hashCode (17·37² + 37·scheme + id).
 */
function inApacheOrder(ids: readonly Id[]): Id[] {
  let bins = 16;
  while (ids.length >= bins * 0.75) bins *= 2;
  const bin = (id: Id): number => {
    const h = (Math.imul((Math.imul(17, 37) + javaHash(id.scheme)) | 0, 37) + javaHash(id.id)) | 0;
    return (h ^ (h >>> 16)) & 0x7fffffff & (bins - 1);
  };
  return ids
    .map((id, i) => ({ id, i, b: bin(id) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.id);
}

/**
 * whoAmI's ClientInfo list, as Apache's AuthUtil builds it: each provider's user name (a digest id
 * by its user part), "" for a scheme without a provider (super).
 */
export function whoAmI(ids: readonly Id[]): { authScheme: string; user: string }[] {
  return inApacheOrder(ids).map((id) => ({
    authScheme: id.scheme,
    user: id.scheme === "digest" ? (id.id.split(":")[0] ?? id.id) : id.scheme === "super" ? "" : id.id,
  }));
}
