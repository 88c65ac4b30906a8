/**
 * CPU profile of every process of the task system during a no-op run (submit → result seen):
 * the embedded server, one master, N workers and the submitter (this process), each with --cpu-prof,
 * then ms of CPU per task per process and each one's hottest functions (self time). overseer runs from
 * dist/ (bench/lib/overseer.ts builds it if src/ is newer): the server under plain node
 * (bench/lib/run-server.mjs), the roles as bench/tasks/overseer-role.ts.
 *
 *   node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/tasks/profile.ts DIR [count=5000] [workers=2] [concurrency=16]
 *   (or: node --import tsx bench/tasks/profile.ts --report DIR   to print an existing directory's profiles)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TaskHandle } from "../../src/tasks/index.js";
import { cpuMs, startChild, type Child } from "../lib/children.js";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (ms) over the whole profile, hottest first. */
export function hottest(file: string, top = 12): { total: number; rows: [string, number][] } {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    if (n === undefined) return;
    const f = n.callFrame;
    if (f.functionName === "(idle)") return;
    total += dt;
    const where = f.url.replace(/^.*\/(src|dist|node_modules)\//, "$1/");
    const key = `${f.functionName || "(anon)"} ${where}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { total, rows };
}

function report(dir: string): void {
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".cpuprofile"))) {
    const { total, rows } = hottest(join(dir, f));
    console.log(`\n${f}: ${total.toFixed(0)} ms sampled (not idle)`);
    for (const [k, ms] of rows) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
  }
}

const args = process.argv.slice(2);
if (args[0] === "--report") {
  report(args[1] ?? ".");
  process.exit(0);
}
const { Submitter, ZooKeeperClient } = await import("../lib/overseer.js");
const [out = "prof", ...nums] = args;
const [count = 5000, workers = 2, concurrency = 16] = nums.map(Number);
mkdirSync(out, { recursive: true });
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const SERVER = here("../lib/run-server.mjs");
const ROLE = here("./overseer-role.ts");
const prof = ["--cpu-prof", `--cpu-prof-dir=${out}`];
/** The embedded server (dist/, plain node) under --cpu-prof; resolves with its port once it listens. */
function startServer(argv: string[]): Promise<{ proc: ChildProcess; port: string }> {
  const proc = spawn(process.execPath, [...prof, SERVER, ...argv], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => {
    let buf = "";
    proc.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m?.[1] !== undefined) resolve({ proc, port: m[1] });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "overseer-prof-"));
const opts = JSON.stringify({ maxSessionTimeout: 60_000 });
const { proc: server, port } = await startServer([dir, "0", opts]);
const cs = `127.0.0.1:${port}`;
const zk = new ZooKeeperClient({ connectString: cs, sessionTimeout: 10_000 });
await zk.connect();
const sub = new Submitter(zk);
const roles: Child[] = [
  await startChild("master", ROLE, ["master", cs, "/", "m1", "5000", "1", "quiet"], prof),
];
for (let i = 0; i < workers; i++)
  roles.push(
    await startChild(
      `worker${i}`,
      ROLE,
      ["worker", cs, "/", `w${i}`, "5000", String(concurrency), "quiet"],
      prof,
    ),
  );
const round = async (n: number): Promise<number> => {
  const t0 = performance.now();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += 500) {
    const hs: TaskHandle[] = await sub.submitMany(
      Array.from({ length: Math.min(500, n - i) }, () => ({ type: "noop" })),
    );
    for (const h of hs) all.push(h.result());
  }
  await Promise.all(all);
  return n / ((performance.now() - t0) / 1000);
};
await round(1000);
const pids = [server.pid, ...roles.map((c) => c.pid), process.pid];
const c0 = pids.map(cpuMs);
const rate = await round(count);
const names = ["server", "master", ...Array.from({ length: workers }, (_, i) => `worker${i}`), "submitter"];
const per = pids.map((p, i) => `${names[i] ?? "?"} ${((cpuMs(p) - (c0[i] ?? 0)) / count).toFixed(3)}`);
console.log(`${count} tasks: ${Math.round(rate)} tasks/s (profiled); CPU ms per task: ${per.join(", ")}`);
await zk.close();
// SIGTERM: each exits normally, so --cpu-prof writes its profile.
await Promise.all(roles.map((c) => c.kill("SIGTERM")));
server.kill("SIGTERM");
await once(server, "exit");
rmSync(dir, { recursive: true, force: true });
console.log(`pids: ${pids.map((p, i) => `${names[i] ?? "?"}=${p ?? "?"}`).join(" ")}`);
