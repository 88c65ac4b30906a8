/**
 * Apache ZooKeeper as the server of a scaling point (issue #20: 1M pending tasks on Apache too): standalone,
 * with its own defaults — the JVM's collector (G1), both JIT compilers, its default heap (¼ of RAM; Debian's
 * zkServer.sh sets no -Xmx either), the txn log's 64 MiB preallocation, forceSync=yes, snapCount 100,000 —
 * and tickTime 500 like the embedded server's points, so sessions and their expiry compare.
 *
 * What 1M tasks need: nothing beyond the defaults. Structured tasks live in 64 bucket parents, so a bucket
 * holds ~16,000 children at 1M and its listing stays far below jute.maxbuffer (1 MB); the heap holds 1M
 * znodes (plus their status children once done) with room to spare.
 */
import { startApacheZooKeeper } from "../../test/harness/apache-zk.js";
import { apacheZooKeeperProblem } from "../../test/harness/java.js";
import type { ScalingServer } from "./cluster.js";
import { pendingPoint, warmUp, type Point, type Settings } from "./scenarios.js";

export { apacheZooKeeperProblem };

export const APACHE_SETTINGS =
  "Apache ZooKeeper 3.8 standalone with its own defaults: G1 and C2 (the JVM's choice), default heap (¼ of RAM, no -Xmx), preAllocSize 64 MiB, forceSync=yes, snapCount 100 000; tickTime 500 like the embedded server";

export async function apacheServer(): Promise<ScalingServer> {
  const zk = await startApacheZooKeeper({
    tickTime: 500,
    apacheDefaults: true,
    extraConfig: { forceSync: "yes" },
    // A JVM with G1 and C2 on a busy 2-core machine can take longer than a test JVM to serve.
    startTimeoutMs: 120_000,
  });
  return {
    port: zk.port,
    get pid() {
      return zk.pid;
    },
    stop: () => zk.stop(),
  };
}

/**
 * Pending points of `sizes` tasks on one Apache ZooKeeper (`workers` workers drain each), after a
 * warm-up point of `warmupTasks` under its own root.
 */
export async function apachePoints(
  sizes: readonly number[],
  warmupTasks: number,
  workers: number,
  s: Settings,
): Promise<Point[]> {
  const secs = (t: number): string => `${Math.round((Date.now() - t) / 1000)} s`;
  const t0 = Date.now();
  const server = await apacheServer();
  const points: Point[] = [];
  try {
    await warmUp(server, warmupTasks, workers, s);
    s.log(`  start and warm-up (${warmupTasks} tasks) took ${secs(t0)}`);
    for (const n of sizes) {
      const t1 = Date.now();
      points.push(await pendingPoint(n, workers, s, server));
      s.log(`  ${n} pending on Apache: point took ${secs(t1)}`);
    }
  } finally {
    await server.stop();
  }
  return points;
}
