/**
 * The two servers a differential run compares: the embedded one (in-memory) and Apache ZooKeeper
 * 3.8, both with TTL nodes on and the container/TTL reaper slowed down so nothing is reaped
 * mid-run (reaping is timing, not semantics), and Apache without fsync (semantics, not durability).
 */
import { startServer } from "../../src/server/index.js";
import { startApacheZooKeeper } from "../harness/apache-zk.js";

export interface DiffServer {
  readonly name: "embedded" | "apache";
  readonly connectString: string;
  stop(): Promise<void>;
}

const REAPER_INTERVAL = 3_600_000;
const TICK_TIME = 100;

export async function startEmbedded(): Promise<DiffServer> {
  const s = await startServer({
    port: 0,
    tickTime: TICK_TIME,
    maxSessionTimeout: 60_000,
    extendedTypesEnabled: true,
    containerCheckIntervalMs: REAPER_INTERVAL,
    maxClientCnxns: 0,
  });
  return { name: "embedded", connectString: s.connectString, stop: () => s.close() };
}

export async function startApache(): Promise<DiffServer> {
  const zk = await startApacheZooKeeper({
    tickTime: TICK_TIME,
    extraConfig: { forceSync: "no" },
    jvmFlags: [`-Dznode.container.checkIntervalMs=${REAPER_INTERVAL}`],
  });
  return { name: "apache", connectString: zk.connectString, stop: () => zk.stop() };
}
