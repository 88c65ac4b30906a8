/**
 * One conformance suite, two servers: `forEachBackend(title, body)` registers a `describe` per
 * backend ("embedded": our server from src/server; "apache": Apache ZooKeeper 3.8), starts that
 * server once for the describe, and hands the body a getter for it. Select backends with
 * OVERSEER_BACKENDS=apache,embedded (default: both). A backend that cannot run here is skipped
 * with the reason, never silently passed.
 *
 * Both backends keep their data on disk (a temporary data dir), so `restart()` keeps the tree, the
 * sessions and the zxid, as a real restart does; `expireSession(client)` ends a client's session on
 * the server now and resolves once the client has reported it lost.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { startServer, type RunningServer, type ServerOptions } from "../../src/server/index.js";
import { skipUnlessApacheZooKeeper, startApacheZooKeeper } from "./apache-zk.js";
import { sessionLost } from "./clients.js";
import { closeSessionAs, dropConnection, sessionPassword } from "./session-control.js";

export type BackendName = "embedded" | "apache";

/** Timing knobs every backend is started with, so tests can compute their deadlines. */
export const BACKEND_TICK_TIME = 100;
/** Container/TTL reaper period the backends are configured with (ms). */
export const REAPER_INTERVAL = 200;

export interface Backend {
  readonly name: BackendName;
  readonly connectString: string;
  readonly host: string;
  readonly port: number;
  readonly tickTime: number;
  /**
   * Ends `client`'s session on the server now (its ephemerals go, watches fire) and resolves once the
   * client has reported it lost with SessionExpiredError. No waiting for a timeout.
   */
  expireSession(client: ZooKeeperClient): Promise<void>;
  /** Stops the server and starts it again on the same port with the same data. */
  restart(): Promise<void>;
}

interface Running extends Backend {
  stop(): Promise<void>;
}

/** How long a client may take to hear that the harness closed its session before its connection is dropped. */
const NUDGE_AFTER_MS = 2_000;

/** Ends the session, then waits for the client's verdict. */
async function expireAndWait(c: ZooKeeperClient, expire: () => Promise<void>): Promise<void> {
  if (c.sessionId === 0n) throw new Error("expireSession: the client has no session yet");
  const lost = sessionLost(c);
  try {
    await expire();
  } catch (err) {
    lost.catch(() => undefined); // the expire failed; its error is the one to report
    throw err;
  }
  await lost;
}

async function startEmbedded(): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), "overseer-backend-"));
  const opts: ServerOptions = {
    port: 0,
    tickTime: BACKEND_TICK_TIME,
    maxSessionTimeout: 60_000,
    fourLetterWords: "*",
    extendedTypesEnabled: true,
    containerCheckIntervalMs: REAPER_INTERVAL,
    dataDir,
    forceSync: false,
  };
  let server: RunningServer = await startServer(opts);
  const port = server.port;
  return {
    name: "embedded",
    connectString: server.connectString,
    host: server.host,
    port,
    tickTime: BACKEND_TICK_TIME,
    expireSession: (c) =>
      expireAndWait(c, async () => {
        // The server's own expiry path (the one a missed timeout takes), run now.
        if (!server.expireSession(c.sessionId))
          throw new Error(`expireSession: no session 0x${c.sessionId.toString(16)} on the server`);
      }),
    restart: async () => {
      await server.close();
      server = await startServer({ ...opts, port });
    },
    stop: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startApache(): Promise<Running> {
  const zk = await startApacheZooKeeper({
    tickTime: BACKEND_TICK_TIME,
    jvmFlags: [`-Dznode.container.checkIntervalMs=${REAPER_INTERVAL}`],
  });
  return {
    name: "apache",
    connectString: zk.connectString,
    host: zk.host,
    port: zk.port,
    tickTime: BACKEND_TICK_TIME,
    // Apache has no expire hook: resume the session on a second connection and close it there.
    expireSession: (c) =>
      expireAndWait(c, async () => {
        await closeSessionAs(zk.host, zk.port, c.sessionId, sessionPassword(c));
        // The session is closed; a client connection Apache left open and silent learns it on reconnect.
        if (
          !(await sessionLost(c, NUDGE_AFTER_MS).then(
            () => true,
            () => false,
          ))
        )
          dropConnection(c);
      }),
    restart: () => zk.restart(),
    stop: () => zk.stop(),
  };
}

const STARTERS: Record<BackendName, { problem: () => string | false; start: () => Promise<Running> }> = {
  embedded: { problem: () => false, start: startEmbedded },
  apache: { problem: skipUnlessApacheZooKeeper, start: startApache },
};

export function selectedBackends(): BackendName[] {
  const env = process.env["OVERSEER_BACKENDS"];
  if (env === undefined || env.trim() === "") return ["embedded", "apache"];
  return env.split(",").map((s) => {
    const name = s.trim();
    if (name !== "embedded" && name !== "apache")
      throw new Error(`OVERSEER_BACKENDS: unknown backend "${name}"`);
    return name;
  });
}

export function forEachBackend(title: string, body: (backend: () => Backend) => void): void {
  for (const name of selectedBackends()) {
    const starter = STARTERS[name];
    const skip = starter.problem();
    describe(`${title} [${name}]`, { skip }, () => {
      let running: Running | undefined;
      before(async () => {
        running = await starter.start();
      });
      after(async () => {
        await running?.stop();
      });
      body(() => {
        if (running === undefined) throw new Error(`${name} backend did not start`);
        return running;
      });
    });
  }
}

let counter = 0;
/** A root path no other test uses (tests share one server per describe). */
export function uniqueRoot(label: string): string {
  counter++;
  return `/t-${process.pid}-${counter}-${label.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40)}`;
}
