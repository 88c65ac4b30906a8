/** `startServer`: the public entry point, and the handle it returns. */
import { ServerClosedError } from "./errors.js";
import { parseOptions, type ServerOptions } from "./options.js";
import { ZkServer } from "./server.js";
import { loadSasl } from "./jaas.js";
import type { ServerStats } from "./fourletter.js";
import type { SnapshotResult } from "./storage/snapshot.js";

export interface RunningServer {
  /** `host:port`, ready for any ZooKeeper client. */
  readonly connectString: string;
  readonly host: string;
  readonly port: number;
  /** The TLS port (ServerOptions.tls), or null without one. */
  readonly securePort: number | null;
  /** `host:securePort` for TLS clients, or null. */
  readonly secureConnectString: string | null;
  /** Close the listener, every connection and every timer; safe to call twice. */
  close(): Promise<void>;
  stats(): ServerStats;
  /** Test hook: expire a session now, exactly as a missed timeout would (ephemerals go, watches fire). */
  expireSession(sessionId: bigint): boolean;
  /** Write a snapshot now (null without a dataDir, or if it failed); for tests and benchmarks. */
  takeSnapshot(): Promise<SnapshotResult | null>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** IPv6 addresses go in brackets in a connect string. */
function bracket(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Start an embedded server; resolves once it is listening. */
export async function startServer(opts?: ServerOptions): Promise<RunningServer> {
  const options = parseOptions(opts);
  const srv = new ZkServer(options);
  // A bad JAAS file stops the start, as it stops Apache's.
  srv.sasl = await loadSasl(options.security);
  await srv.openStorage();
  let addr: { host: string; port: number; securePort: number | null };
  try {
    addr = await srv.listen();
  } catch (err) {
    await srv.close();
    throw err;
  }
  const { host, port, securePort } = addr;
  const close = (): Promise<void> => srv.close();
  return {
    connectString: `${bracket(host)}:${port}`,
    host,
    port,
    securePort,
    secureConnectString:
      securePort === null ? null : `${bracket(options.security.tls?.host ?? host)}:${securePort}`,
    close,
    stats: () => srv.stats(),
    expireSession: (sessionId: bigint) => {
      if (srv.isClosed) throw new ServerClosedError("server is closed");
      return srv.expireSession(sessionId);
    },
    takeSnapshot: async () => (srv.persistence === null ? null : srv.persistence.takeSnapshot()),
    [Symbol.asyncDispose]: close,
  };
}
