/**
 * Pings and the read timeout, as the Java client does them (PROTOCOL.md §7.7): a ping after timeout/3 of
 * *send* idleness (at least every MAX_PING_INTERVAL), and the connection is dropped when nothing
 * at all was received for 2/3 of the negotiated timeout. One lazily re-armed timer per connection.
 *
 * A read timeout is only trusted after one more turn of the event loop's I/O poll. Timers run before
 * the poll phase, so after the process itself was blocked (long synchronous work, a long GC pause)
 * the timer fires while the server's replies still sit unread in the socket: `lastRecv` then says
 * "silent" about a healthy connection. The check is repeated from setImmediate, which runs after the
 * poll has read whatever arrived; only a connection still silent then is dropped.
 */
import { OpCode, Xid } from "../protocol/index.js";
import type { Connection } from "./connection.js";
import { ConnectionLossError } from "./errors.js";
import { MAX_PING_INTERVAL } from "./options.js";

/** Starts the heartbeat of `conn`; returns its stop function. */
export function startHeartbeat(conn: Connection, sessionTimeout: number): () => void {
  const readTimeout = (sessionTimeout * 2) / 3;
  const pingAfter = Math.min(sessionTimeout / 3, MAX_PING_INTERVAL);
  let timer: NodeJS.Timeout | null = null;
  let confirm: NodeJS.Immediate | null = null;
  const silent = (): boolean => performance.now() - conn.lastRecv >= readTimeout;
  const tick = (): void => {
    timer = null;
    if (!conn.isOpen) return;
    if (silent()) {
      // Let the poll phase read what is already in the socket, then look again.
      confirm = setImmediate(check);
      return;
    }
    check();
  };
  const check = (): void => {
    confirm = null;
    if (!conn.isOpen) return;
    if (silent()) {
      conn.destroy(
        new ConnectionLossError({
          message: `no reply from ${conn.server} within ${Math.round(readTimeout)} ms`,
        }),
      );
      return;
    }
    const now = performance.now();
    if (now - conn.lastSend >= pingAfter) {
      const off = conn.beginFrame();
      conn.out.writeInt(Xid.ping).writeInt(OpCode.ping);
      conn.endFrame(off);
      conn.flush();
    }
    const next = Math.min(conn.lastSend + pingAfter, conn.lastRecv + readTimeout) - performance.now();
    timer = setTimeout(tick, Math.max(1, next));
  };
  timer = setTimeout(tick, pingAfter);
  return () => {
    if (timer !== null) clearTimeout(timer);
    if (confirm !== null) clearImmediate(confirm);
    timer = null;
    confirm = null;
  };
}
