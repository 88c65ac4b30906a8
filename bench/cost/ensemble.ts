/**
 * Write throughput of a 3-node Apache ZooKeeper ensemble on this machine (forceSync=yes), in
 * transactions per second with 128 in flight: single creates, and 3-op multis shaped like a worker's
 * result commit (check + create + delete). What a task system can do on an ensemble is bounded by
 * this rate divided by its transactions per task.
 */
import { startApacheEnsemble } from "../../test/harness/apache-zk.js";
import { runPhase } from "../load.js";
import { connect } from "../lib/overseer.js";

export interface EnsembleRates {
  createPerSec: number;
  multiPerSec: number;
}

export async function ensembleRates(count: number): Promise<EnsembleRates> {
  const ens = await startApacheEnsemble(3, {
    tickTime: 500,
    extraConfig: { forceSync: "yes" },
    apacheDefaults: true, // G1, C2, default heap: not the harness's test-speed JVM flags
  });
  try {
    await ens.leader(60_000);
    const zk = await connect({ connectString: ens.connectString, sessionTimeout: 30_000 });
    try {
      const data = Buffer.alloc(100, 0x61);
      await zk.create("/e");
      await zk.create("/s");
      await runPhase("warm-up", Math.round(count / 4), 128, (i) => zk.create(`/e/w${i}`, data));
      const create = await runPhase("create", count, 128, (i) => zk.create(`/e/n${i}`, data));
      const multi = await runPhase("multi", count, 128, (i) =>
        zk.transaction().check("/e", -1).create(`/s/n${i}`, data).delete(`/e/n${i}`).commit(),
      );
      return { createPerSec: create.opsPerSec, multiPerSec: multi.opsPerSec };
    } finally {
      await zk.close();
    }
  } finally {
    await ens.stop();
  }
}
