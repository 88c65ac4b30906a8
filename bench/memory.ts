/**
 * `npm run bench:memory`: server resident memory as znodes accumulate, embedded server vs Apache
 * ZooKeeper 3.8, in one run. Each server is filled with --nodes znodes of --data-size bytes
 * (/mem/n<i>, 128 creates in flight, overseer's client) in --steps equal steps; after each step the
 * server process's RSS (with its children) is read from /proc. Bytes per znode = (RSS at the end − RSS
 * before the first create) / nodes.
 *
 * The embedded server runs as its own process with a data dir (durable, no forceSync: fsync does not
 * change memory); Apache standalone with its own JVM defaults (G1, C2, heap up to ¼ of RAM). A JVM's
 * RSS is heap the collector has grown into, not live data: read Apache's figure as what an operator
 * sees in `top`.
 *
 *   npm run bench:memory [-- --nodes 200000 --steps 4 --data-size 100 --json FILE]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startApacheZooKeeper } from "../test/harness/apache-zk.js";
import { rssMiB, sleep } from "./lib/children.js";
import { ResultBuilder, ratio } from "./lib/emit.js";
import { connect, howRun, startServerProcess } from "./lib/overseer.js";
import { apacheVersion, javaVersion, overseerVersion } from "./lib/versions.js";
import { fmt, runPhase } from "./load.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "200000" },
    steps: { type: "string", default: "4" },
    "data-size": { type: "string", default: "100" },
    json: { type: "string" },
  },
});
const NODES = Number(values.nodes);
const STEPS = Number(values.steps);
const DATA = Buffer.alloc(Number(values["data-size"]), 0x61);

/** RSS in MiB before the first create and after each step: [znodes, MiB][]. */
async function curve(connectString: string, pid: () => number | undefined): Promise<[number, number][]> {
  const zk = await connect({ connectString, sessionTimeout: 30_000 });
  try {
    await zk.create("/mem");
    await sleep(500);
    const points: [number, number][] = [[0, rssMiB(pid())]];
    let done = 0;
    for (let s = 1; s <= STEPS; s++) {
      const upTo = Math.round((NODES * s) / STEPS);
      const from = done;
      await runPhase("fill", upTo - from, 128, (i) => zk.create(`/mem/n${from + i}`, DATA));
      done = upTo;
      await sleep(300);
      points.push([done, rssMiB(pid())]);
      console.log(`  ${fmt(done)} znodes: ${fmt(points.at(-1)?.[1] ?? NaN)} MiB`);
    }
    return points;
  } finally {
    await zk.close();
  }
}

async function main(): Promise<void> {
  const out = new ResultBuilder("memory");
  Object.assign(out.versions, {
    overseer: overseerVersion(),
    "Apache ZooKeeper": apacheVersion(),
    java: javaVersion(),
  });
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-memory-"));
  let ours: [number, number][];
  try {
    console.log("embedded server:");
    const embedded = await startServerProcess(dir, 0, { tickTime: 2000 });
    try {
      ours = await curve(`127.0.0.1:${embedded.port}`, () => embedded.proc.pid);
    } finally {
      await embedded.kill("SIGKILL");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("Apache ZooKeeper:");
  const apache = await startApacheZooKeeper({
    tickTime: 2000,
    apacheDefaults: true, // G1, C2, default heap (¼ of RAM): not the harness's test-speed JVM flags
  });
  let theirs: [number, number][];
  try {
    theirs = await curve(apache.connectString, () => apache.pid);
  } finally {
    await apache.stop();
  }

  const anchorName = "Apache ZooKeeper 3.8 (JVM defaults: G1, heap ≤ ¼ of RAM)";
  for (const [i, [n, mib]] of ours.entries()) {
    out.add({
      key: `memory.rss.${n}`,
      label: `resident memory with ${fmt(n)} znodes`,
      unit: "MiB",
      value: mib,
      anchor: theirs[i]?.[1],
      anchorName,
      higherIsBetter: false,
      params: { znodes: n },
    });
  }
  const perNode = (pts: [number, number][]): number =>
    (((pts.at(-1)?.[1] ?? NaN) - (pts[0]?.[1] ?? NaN)) * 2 ** 20) / NODES;
  const a = perNode(ours);
  const b = perNode(theirs);
  out.add({
    key: "memory.perZnode",
    label: `bytes of RSS per znode (${DATA.length}-byte data)`,
    unit: "bytes",
    value: a,
    anchor: b,
    anchorName,
    higherIsBetter: false,
    params: { znodes: NODES, dataSize: DATA.length },
  });
  out.note(
    `${fmt(NODES)} znodes of ${DATA.length} bytes created in ${STEPS} steps (128 in flight); RSS of the server process and its children from /proc after each step`,
  );
  out.note(
    "a JVM's RSS is the heap its collector has grown into, not live data; the embedded server's includes V8's heap headroom likewise",
  );
  out.note(`${howRun()}: the server under plain node, no tsx`);
  console.log(`bytes of RSS per znode: embedded ${fmt(a)}, Apache ${fmt(b)} (${ratio(a, b)})`);
  out.write(values.json);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
