import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll } from "./lib/children.js";
import { ZooKeeperClient, startServerProcess } from "./lib/overseer.js";
import { startRedis } from "./lib/redis.js";
import { startBull } from "./tasks/bull.js";
import { overseerChunk, startCluster, stopCluster } from "./tasks/cluster.js";
import type { ChunkSubmitter } from "./tasks/measure.js";
const N = Number(process.argv[2] ?? 300);
async function lat(c: ChunkSubmitter): Promise<string> {
  const xs: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const [p] = await c(1);
    await p;
    xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  return `p50 ${xs[Math.floor(N / 2)]!.toFixed(2)} p99 ${xs[Math.floor(N * 0.99)]!.toFixed(2)}`;
}
const dir = mkdtempSync(join(tmpdir(), "lat-"));
const server = await startServerProcess(dir, 0, { tickTime: 500, forceSync: true });
const zk = new ZooKeeperClient({ connectString: `127.0.0.1:${server.port}`, sessionTimeout: 30000 });
await zk.connect();
const cl = await startCluster(`127.0.0.1:${server.port}`, zk, "/lat", { workers: 1, concurrency: 1, session: 4000 });
const redis = await startRedis();
const aof = await startRedis("aof-always");
const b = await startBull(redis.port, "lat", 1, 1, "events");
const d = await startBull(aof.port, "latd", 1, 1, "events");
const oc = overseerChunk(cl);
const spy = new ZooKeeperClient({ connectString: `127.0.0.1:${server.port}`, sessionTimeout: 30000 });
await spy.connect();
const ev: [number, string, string][] = [];
const w = await spy.addWatch("/lat", { recursive: true });
void (async () => { for await (const e of w) ev.push([performance.now(), e.type, e.path]); })();
async function trace(): Promise<void> {
  const steps: Record<string, number[]> = {};
  for (let i = 0; i < 200; i++) {
    ev.length = 0;
    const t0 = performance.now();
    const [p] = await oc(1);
    const t1 = performance.now();
    await p;
    const t2 = performance.now();
    await new Promise((r) => setTimeout(r, 5));
    const at = (f: (e: [number, string, string]) => boolean) => (ev.find(f)?.[0] ?? NaN) - t0;
    const rec = { submitted: t1 - t0, taskCreated: at((e) => e[1] === "NodeCreated" && /tasks\/[^/]+$/.test(e[2])),
      assigned: at((e) => e[1] === "NodeCreated" && e[2].includes("/assign/w1/")),
      status: at((e) => e[1] === "NodeCreated" && e[2].endsWith("/status")), result: t2 - t0 };
    for (const [k, v] of Object.entries(rec)) (steps[k] ??= []).push(v);
  }
  for (const [k, v] of Object.entries(steps)) { v.sort((a, b) => a - b); console.log(k, v[100]!.toFixed(2)); }
}
await trace(); await trace();
await lat(oc); await lat(b.chunk); await lat(d.chunk);
for (let r = 0; r < 2; r++) {
  console.log("overseer", await lat(oc));
  console.log("bullmq  ", await lat(b.chunk));
  console.log("bull fs ", await lat(d.chunk));
}
await spy.close(); await b.close(); await d.close(); await stopCluster(cl); await zk.close(); await server.kill("SIGKILL"); await redis.stop(); await aof.stop(); await killAll();
