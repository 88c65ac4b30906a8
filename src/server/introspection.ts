/** What the four-letter words report about the server and its connections. */
import type { Connection } from "./connection.js";
import type { ZkDatabase } from "./database.js";
import type { ConnectionInfo, ServerStats } from "./fourletter.js";
import type { SessionTracker } from "./sessions.js";

export interface StatsSource {
  readonly db: ZkDatabase;
  readonly sessions: SessionTracker;
  readonly packetsReceived: number;
}

export function serverStats(
  srv: StatsSource,
  connections: ReadonlySet<Connection>,
  startedAt: number,
): ServerStats {
  return {
    connections: connections.size,
    sessions: srv.sessions.size,
    nodes: srv.db.tree.nodeCount,
    watches: srv.db.watches.count,
    watchedPaths: srv.db.watches.pathCount,
    ephemerals: srv.db.tree.ephemeralCount,
    approximateDataSize: srv.db.tree.approximateDataSize,
    zxid: srv.db.lastZxid,
    packetsReceived: srv.packetsReceived,
    packetsSent: [...connections].reduce((n, c) => n + c.sent, 0),
    outstandingRequests: [...connections].reduce((n, c) => n + c.outstanding, 0),
    uptimeMs: Date.now() - startedAt,
  };
}

export function connectionInfo(connections: ReadonlySet<Connection>): ConnectionInfo[] {
  return [...connections].map((c) => ({
    address: c.address,
    port: c.port,
    received: c.received,
    sent: c.sent,
    sessionId: c.session?.id ?? null,
    timeout: c.session?.timeout ?? 0,
    watchPaths: [
      ...new Set([...c.watches.data, ...c.watches.child, ...c.watches.persistent, ...c.watches.recursive]),
    ],
  }));
}
