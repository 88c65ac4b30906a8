/**
 * `npm run bench:server`: the same load, driven by overseer's client with 128 requests in flight
 * (create, getData, setData, delete; N of each), against the embedded server and Apache ZooKeeper 3.8,
 * in one run. Prints ops/s per operation and the embedded/Apache ratio.
 *
 *   npm run bench:server [-- --count 50000 --in-flight 128]
 */
import { parseArgs } from "node:util";
import { cpus } from "node:os";
import { connect } from "../src/client/index.js";
import { startServer } from "../src/server/index.js";
import { startApacheZooKeeper } from "../test/harness/apache-zk.js";
import { fmt, runPhase, type PhaseResult } from "./load.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "50000" },
    "in-flight": { type: "string", default: "128" },
    "data-size": { type: "string", default: "100" },
  },
});
const COUNT = Number(values.count);
const IN_FLIGHT = Number(values["in-flight"]);
const DATA = Buffer.alloc(Number(values["data-size"]), 0x61);

async function drive(connectString: string): Promise<PhaseResult[]> {
  const zk = await connect({ connectString, sessionTimeout: 30_000 });
  try {
    const root = `/bench-${process.pid}-${Date.now()}`;
    await zk.create(root);
    const p = (i: number): string => `${root}/n${i}`;
    const results = [
      await runPhase("create", COUNT, IN_FLIGHT, (i) => zk.create(p(i), DATA)),
      await runPhase("getData", COUNT, IN_FLIGHT, (i) => zk.getData(p(i))),
      await runPhase("setData", COUNT, IN_FLIGHT, (i) => zk.setData(p(i), DATA)),
      await runPhase("delete", COUNT, IN_FLIGHT, (i) => zk.delete(p(i))),
    ];
    await zk.delete(root);
    return results;
  } finally {
    await zk.close();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`);
  console.log(
    `load: ${fmt(COUNT)} of each op, ${IN_FLIGHT} in flight, ${DATA.length}-byte data, overseer client\n`,
  );

  const embedded = await startServer({ port: 0, tickTime: 2000 });
  let ours: PhaseResult[];
  try {
    ours = await drive(embedded.connectString);
  } finally {
    await embedded.close();
  }

  const apache = await startApacheZooKeeper({ tickTime: 2000, extraConfig: { forceSync: "yes" } });
  let theirs: PhaseResult[];
  try {
    theirs = await drive(apache.connectString);
  } finally {
    await apache.stop();
  }

  console.log("op        embedded ops/s   Apache ZK 3.8 ops/s   ratio");
  for (const [i, r] of ours.entries()) {
    const a = theirs[i];
    if (a === undefined) continue;
    console.log(
      `${r.op.padEnd(9)} ${fmt(r.opsPerSec).padStart(14)}   ${fmt(a.opsPerSec).padStart(19)}   ${(r.opsPerSec / a.opsPerSec).toFixed(2)}×`,
    );
  }
  console.log(
    "\nNote: the embedded server keeps its tree in memory and does not fsync yet; Apache ZooKeeper fsyncs its txn log (forceSync=yes).",
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
