/**
 * `npm run bench:server`: the same load, driven by overseer's client with 128 requests in flight
 * (create, getData, setData, delete; N of each), against the embedded server and Apache ZooKeeper 3.8,
 * in one run, both durable: the embedded server runs as its own process with a data dir and
 * forceSync, Apache with forceSync=yes. Prints ops/s per operation and the embedded/Apache ratio.
 *
 * Each server is warmed up with one unreported pass of the same load first.
 *
 * Then (unless --nodes 0) it fills each server with N znodes of 100 bytes and reports each server
 * process's resident memory, the longest gap between two replies while filling (snapshots happen
 * every 100,000 txns on both), and, for the embedded server, the longest reply gap while it writes a
 * snapshot of all N nodes on demand.
 *
 * Memory per znode as a curve, without the snapshot part, is bench/memory.ts.
 *
 *   npm run bench:server [-- --count 50000 --in-flight 128 --nodes 1000000 --json FILE]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startApacheZooKeeper } from "../test/harness/apache-zk.js";
import type { ChildServer } from "../test/server/child-server.js";
import { connect, startServerProcess } from "./lib/overseer.js";
import { fmt, runPhase, type PhaseResult } from "./load.js";
import { serverFigures } from "./server/figures.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "50000" },
    "in-flight": { type: "string", default: "128" },
    "data-size": { type: "string", default: "100" },
    nodes: { type: "string", default: "1000000" },
    json: { type: "string" },
  },
});
const COUNT = Number(values.count);
const IN_FLIGHT = Number(values["in-flight"]);
const DATA = Buffer.alloc(Number(values["data-size"]), 0x61);
const NODES = Number(values.nodes);

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

/** Resident memory of `pid` and its descendants (the harness may start the JVM under a wrapper). */
function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  let kib = Number(m?.[1] ?? 0);
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
    for (const k of kids === "" ? [] : kids.split(/\s+/)) kib += rssMiB(Number(k)) * 1024;
  }
  return kib / 1024;
}

/** Runs `op` closed-loop and tracks the longest time between two consecutive replies. */
class GapMeter {
  private last = performance.now();
  maxGap = 0;
  tick(): void {
    const now = performance.now();
    this.maxGap = Math.max(this.maxGap, now - this.last);
    this.last = now;
  }
  reset(): void {
    this.last = performance.now();
    this.maxGap = 0;
  }
}

interface MemoryResult {
  rss: number;
  fillOpsPerSec: number;
  fillMaxGap: number;
  snapshot?: { maxGap: number; baselineGap: number; ms: number; longestSliceMs: number; mib: number };
}

async function fill(
  connectString: string,
  pid: () => number | undefined,
  child?: ChildServer,
): Promise<MemoryResult> {
  const zk = await connect({ connectString, sessionTimeout: 30_000 });
  try {
    await zk.create("/mem");
    const gaps = new GapMeter();
    const r = await runPhase("fill", NODES, IN_FLIGHT, async (i) => {
      await zk.create(`/mem/n${i}`, DATA);
      gaps.tick();
    });
    const out: MemoryResult = { rss: rssMiB(pid()), fillOpsPerSec: r.opsPerSec, fillMaxGap: gaps.maxGap };
    if (child === undefined) return out;
    // Longest reply gap under a read+write load, first without, then during a full snapshot.
    let stop = false;
    const load = async (lane: number): Promise<void> => {
      for (let i = lane; !stop; i += 16) {
        await (i % 2 === 0 ? zk.getData(`/mem/n${i % NODES}`) : zk.setData(`/mem/n${i % NODES}`, DATA));
        gaps.tick();
      }
    };
    gaps.reset();
    const lanes = Array.from({ length: 16 }, (_, i) => load(i));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const baselineGap = gaps.maxGap;
    const done = new Promise<{ durationMs: number; longestSliceMs: number; bytes: number }>((resolve) => {
      const onData = (d: Buffer): void => {
        const m = /\{"snapshot":(\{.*\})\}/.exec(d.toString());
        if (m?.[1] === undefined) return;
        child.proc.stdout?.off("data", onData);
        resolve(JSON.parse(m[1]) as { durationMs: number; longestSliceMs: number; bytes: number });
      };
      child.proc.stdout?.on("data", onData);
    });
    gaps.reset();
    child.proc.kill("SIGUSR2");
    const snap = await done;
    const maxGap = gaps.maxGap;
    stop = true;
    await Promise.all(lanes);
    out.snapshot = {
      maxGap,
      baselineGap,
      ms: snap.durationMs,
      longestSliceMs: snap.longestSliceMs,
      mib: snap.bytes / 2 ** 20,
    };
    return out;
  } finally {
    await zk.close();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`);
  console.log(
    `load: ${fmt(COUNT)} of each op, ${IN_FLIGHT} in flight, ${DATA.length}-byte data, overseer client`,
  );
  console.log(
    "both servers durable: embedded with a data dir and forceSync, Apache ZooKeeper with forceSync=yes\n",
  );

  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-server-"));
  let ours: PhaseResult[];
  let oursMem: MemoryResult | undefined;
  try {
    const embedded = await startServerProcess(dir, 0, { tickTime: 2000 });
    try {
      const cs = `127.0.0.1:${embedded.port}`;
      await drive(cs); // warm-up (JIT, page cache), not reported
      ours = await drive(cs);
      if (NODES > 0) oursMem = await fill(cs, () => embedded.proc.pid, embedded);
    } finally {
      await embedded.kill("SIGKILL");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const apache = await startApacheZooKeeper({
    tickTime: 2000,
    extraConfig: { forceSync: "yes" },
    // Apache's own defaults (G1, C2, heap ¼ of RAM, 64 MiB txn-log preallocation), not the harness's
    // test-speed JVM flags (serial GC, C1 only, -Xmx256m).
    apacheDefaults: true,
  });
  let theirs: PhaseResult[];
  let theirsMem: MemoryResult | undefined;
  try {
    await drive(apache.connectString); // warm-up (JIT, page cache), not reported
    theirs = await drive(apache.connectString);
    if (NODES > 0) theirsMem = await fill(apache.connectString, () => apache.pid);
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
  serverFigures(values.json, { count: COUNT, inFlight: IN_FLIGHT, dataSize: DATA.length }, ours, theirs);
  if (oursMem === undefined || theirsMem === undefined) return;
  console.log(`\nwith ${fmt(NODES)} znodes of ${DATA.length} bytes:`);
  console.log(`                      embedded      Apache ZK 3.8   ratio`);
  const row = (label: string, a: number, b: number, unit: string): void =>
    console.log(
      `${label.padEnd(20)} ${`${fmt(a)} ${unit}`.padStart(10)}   ${`${fmt(b)} ${unit}`.padStart(14)}   ${(a / b).toFixed(2)}×`,
    );
  row("resident memory", oursMem.rss, theirsMem.rss, "MiB");
  row("fill creates/s", oursMem.fillOpsPerSec, theirsMem.fillOpsPerSec, "/s");
  row("longest gap, fill", oursMem.fillMaxGap, theirsMem.fillMaxGap, "ms");
  const s = oursMem.snapshot;
  if (s !== undefined) {
    console.log(
      `\nembedded snapshot of all nodes under load (16 in flight, getData+setData): ${fmt(s.ms)} ms, ${fmt(s.mib)} MiB, ` +
        `longest slice ${s.longestSliceMs.toFixed(1)} ms; longest reply gap ${s.maxGap.toFixed(1)} ms during it vs ${s.baselineGap.toFixed(1)} ms in the 2 s before`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
