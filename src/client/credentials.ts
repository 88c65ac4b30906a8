/**
 * Stored credentials (AuthPacket, xid −4): sent first on every connection (PROTOCOL.md §2.4),
 * answered in their own FIFO because the server handles auth outside the request pipeline
 * (PROTOCOL.md §9.1). A credential the server refuses (AUTHFAILED, after which it closes the
 * connection) is forgotten, so it is not re-sent forever.
 */
import { OpCode, Xid, records } from "../protocol/index.js";
import type { Connection } from "./connection.js";
import { createError, type ZooKeeperError } from "./errors.js";
import { Fifo } from "./fifo.js";
import type { Logger } from "./options.js";

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface StoredAuth {
  scheme: string;
  auth: Buffer;
  /** The caller of addAuth, until the credential's first reply. */
  waiter: Waiter | null;
}

export class Credentials {
  private readonly stored: StoredAuth[] = [];
  private replies = new Fifo<StoredAuth>();

  constructor(private readonly log: Logger) {}

  /** Store a credential; the promise settles with its first reply. Sent now if `conn` is given. */
  add(scheme: string, auth: Buffer, conn: Connection | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cred: StoredAuth = { scheme, auth, waiter: { resolve, reject } };
      this.stored.push(cred);
      if (conn !== null) this.send(conn, cred);
    });
  }

  /** Store without waiting (credentials from the options). */
  preload(scheme: string, auth: Buffer): void {
    this.stored.push({ scheme, auth, waiter: null });
  }

  sendAll(conn: Connection): void {
    for (const cred of this.stored) this.send(conn, cred);
  }

  onReply(err: number): void {
    const cred = this.replies.shift();
    const waiter = cred?.waiter;
    if (cred !== undefined) cred.waiter = null;
    if (err === 0) return waiter?.resolve();
    if (cred !== undefined) this.stored.splice(this.stored.indexOf(cred), 1);
    this.log.warn({ err, scheme: cred?.scheme }, "zookeeper authentication failed");
    waiter?.reject(createError(err));
  }

  /** The connection died: callers waiting for a reply fail; credentials are re-sent next time. */
  connectionLost(err: ZooKeeperError): void {
    for (const cred of this.replies.drain()) {
      cred.waiter?.reject(err);
      cred.waiter = null;
    }
  }

  terminate(err: ZooKeeperError): void {
    this.connectionLost(err);
    for (const cred of this.stored) cred.waiter?.reject(err);
  }

  private send(conn: Connection, cred: StoredAuth): void {
    const off = conn.beginFrame();
    conn.out.writeInt(Xid.auth).writeInt(OpCode.auth);
    records.AuthPacket.write(conn.out, { type: 0, scheme: cred.scheme, auth: cred.auth });
    conn.endFrame(off);
    this.replies.push(cred);
  }
}
