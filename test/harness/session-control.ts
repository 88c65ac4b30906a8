/**
 * Ending a client's session from outside, the standard trick for servers without an expire hook
 * (Apache): resume the session on a second connection with its id and password, and close it there
 * (PROTOCOL.md §2.3, §7.6). The server closes the client's own connection when the second one
 * resumes; the client reconnects and is told its session is gone.
 */
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import type { ZooKeeperClient } from "../../src/client/index.js";
import {
  JuteReader,
  OpCode,
  PASSWORD_LENGTH,
  finishFrame,
  records,
  requestFrame,
  startFrame,
} from "../../src/protocol/index.js";

/** A private field of the client's session (src/client/session.ts); undefined if there is none. */
function sessionField(c: ZooKeeperClient, name: string): unknown {
  const session: unknown = Reflect.get(c, "session");
  return typeof session === "object" && session !== null ? Reflect.get(session, name) : undefined;
}

/**
 * The client's session password. ZooKeeperClient keeps it private (Java exposes getSessionPasswd());
 * the harness reads the field and fails loudly if it moved.
 */
export function sessionPassword(c: ZooKeeperClient): Buffer {
  const passwd = sessionField(c, "passwd");
  if (!(passwd instanceof Buffer) || passwd.length !== PASSWORD_LENGTH)
    throw new Error("harness: cannot read the client's session password (src/client/session.ts changed?)");
  return passwd;
}

/**
 * Drops the client's current connection (it reconnects on its own, to the same session if that is still
 * alive). For a connection the server keeps open but no longer answers: Apache 3.8 can leave the
 * client's connection registered to a session our closeSession already ended, and drops its requests
 * without closing it, so the client would hear nothing until its read timeout (2/3 of the session).
 */
export function dropConnection(c: ZooKeeperClient): void {
  const conn = sessionField(c, "conn");
  if (conn === null) return; // between connections: the next attempt will hear the verdict
  const destroy: unknown =
    typeof conn === "object" && conn !== undefined ? Reflect.get(conn, "destroy") : undefined;
  if (typeof destroy !== "function")
    throw new Error("harness: cannot reach the client's connection (src/client/session.ts changed?)");
  Reflect.apply(destroy, conn, [new Error("harness: connection dropped after closing its session")]);
}

/** Frames from a socket, in order; `next()` rejects once the socket has closed. */
function frames(socket: Socket): { next(): Promise<Buffer> } {
  let buf = Buffer.alloc(0);
  const ready: Buffer[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  socket.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const len = buf.readInt32BE(0);
      ready.push(buf.subarray(4, 4 + len));
      buf = buf.subarray(4 + len);
    }
    wake?.();
  });
  socket.on("close", () => ((closed = true), wake?.()));
  socket.on("error", () => undefined);
  return {
    async next() {
      for (;;) {
        const f = ready.shift();
        if (f !== undefined) return f;
        if (closed) throw new Error("connection closed");
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    },
  };
}

/** One attempt: true if the server answered our closeSession, false if it dropped us first. */
async function attempt(host: string, port: number, sessionId: bigint, passwd: Buffer): Promise<boolean> {
  const socket = connect({ host, port });
  await once(socket, "connect");
  const incoming = frames(socket);
  try {
    const w = startFrame();
    records.ConnectRequest.write(w, {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 30_000,
      sessionId,
      passwd,
    });
    w.writeBool(false);
    // Pipelined, so the closeSession is already queued when the resume takes the session over.
    socket.write(Buffer.concat([finishFrame(w), requestFrame(1, OpCode.closeSession, null, null)]));
    const resp = records.ConnectResponse.read(new JuteReader(await incoming.next()));
    // Already gone: an earlier attempt's closeSession went through although we lost its reply.
    if (resp.timeOut <= 0) return true;
    const reply = records.ReplyHeader.read(new JuteReader(await incoming.next()));
    if (reply.err !== 0) throw new Error(`closeSession answered ${reply.err}`);
    return true;
  } catch (err) {
    if (err instanceof Error && err.message === "connection closed") return false;
    throw err;
  } finally {
    socket.destroy();
  }
}

/**
 * Closes session `sessionId` on the server at host:port by resuming it on a connection of our own.
 * Retried a few times: the client, cut off by our resume, may reconnect and take the session back
 * before our closeSession is read.
 */
export async function closeSessionAs(
  host: string,
  port: number,
  sessionId: bigint,
  passwd: Buffer,
): Promise<void> {
  for (let i = 0; i < 5; i++) if (await attempt(host, port, sessionId, passwd)) return;
  throw new Error(`could not close session 0x${sessionId.toString(16)}: the client kept taking it back`);
}
