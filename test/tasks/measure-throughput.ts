/**
 * Throughput of the task system end to end (submit → result seen by the submitter), no-op tasks:
 * the embedded server (durable, fsync on) as its own process, one master and N workers × C concurrency
 * each as their own process, the submitter in this process (submitMany in chunks, every result awaited).
 *
 * Also prints ZooKeeper requests and transactions (multi = 1) per task, from the server's `srvr`.
 *
 * overseer runs from dist/, as users run it (bench/lib/overseer.ts builds it first if src/ is newer): the
 * server under plain node, the master and workers as bench/tasks/overseer-role.ts.
 *
 *   node --import tsx test/tasks/measure-throughput.ts [count=5000] [workers=2] [concurrency=16] [chunk=500]
 * PROFILE=<dir>: the master and workers run with --cpu-prof into <dir>.
 */
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuMs, startChild, type Child } from "../../bench/lib/children.js";
import { Submitter, ZooKeeperClient, startServerProcess } from "../../bench/lib/overseer.js";
import type { TaskHandle } from "../../src/tasks/index.js";

const [count = 5000, workers = 2, concurrency = 16, chunk = 500] = process.argv.slice(2).map(Number);
const ROLE = fileURLToPath(new URL("../../bench/tasks/overseer-role.ts", import.meta.url));
const children: Child[] = [];

/** CPU seconds (user + system) a process has used so far. */
const cpu = (pid: number | undefined): number => cpuMs(pid) / 1000;

/** Requests received and the zxid (= transactions committed) from the server's `srvr`. */
function srvr(port: number): Promise<{ received: number; zxid: number }> {
  return new Promise((resolve, reject) => {
    let text = "";
    const s = connect({ host: "127.0.0.1", port }, () => s.write("srvr"));
    s.on("data", (d: Buffer) => (text += d.toString()));
    s.on("error", reject);
    s.on("close", () => {
      const received = Number(/Received: (\d+)/.exec(text)?.[1] ?? NaN);
      resolve({ received, zxid: Number(/Zxid: (0x[0-9a-f]+)/.exec(text)?.[1] ?? NaN) });
    });
  });
}

async function role(args: string[]): Promise<void> {
  const prof = process.env["PROFILE"];
  const flags = prof === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${prof}`];
  children.push(await startChild(`${args[0] ?? "role"} ${args[3] ?? ""}`, ROLE, args, flags));
}

const dir = mkdtempSync(join(tmpdir(), "overseer-tput-"));
const server = await startServerProcess(dir, 0, { maxSessionTimeout: 60_000, fourLetterWords: "srvr" });
const connectString = `127.0.0.1:${server.port}`;
try {
  const zk = new ZooKeeperClient({ connectString, sessionTimeout: 10_000 });
  await zk.connect();
  const sub = new Submitter(zk);
  await role(["master", connectString, "/", "m1", "5000", "1", "quiet"]);
  for (let i = 0; i < workers; i++)
    await role(["worker", connectString, "/", `w${i}`, "5000", String(concurrency), "quiet"]);
  const run = async (n: number, label: string): Promise<void> => {
    const pids = [server.proc.pid, ...children.map((c) => c.pid), process.pid];
    const c0 = pids.map(cpu);
    const z0 = await srvr(server.port);
    const t0 = performance.now();
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < n; i += chunk) {
      const hs: TaskHandle[] = await sub.submitMany(
        Array.from({ length: Math.min(chunk, n - i) }, () => ({ type: "noop" })),
      );
      for (const h of hs) all.push(h.result());
    }
    await Promise.all(all);
    const s = (performance.now() - t0) / 1000;
    const z1 = await srvr(server.port);
    console.log(`${label}: ${n} no-op tasks in ${s.toFixed(2)} s = ${Math.round(n / s)} tasks/s`);
    const names = ["server", "master", ...children.slice(1).map((_, i) => `worker${i}`), "submitter"];
    const used = pids.map((p, i) => `${names[i] ?? "?"} ${(cpu(p) - (c0[i] ?? 0)).toFixed(2)}`);
    console.log(`  cpu s: ${used.join(", ")}`);
    const per = (d: number): string => (d / n).toFixed(2);
    console.log(
      `  per task: ${per(z1.received - z0.received)} requests, ${per(z1.zxid - z0.zxid)} transactions`,
    );
  };
  await run(Math.min(1000, count), "warm-up");
  await run(count, `${workers} workers × ${concurrency}`);
  await zk.close();
} finally {
  // SIGTERM first: a role exits normally on it, so --cpu-prof (PROFILE) writes its profile.
  await Promise.all(children.map((c) => c.kill("SIGTERM")));
  await server.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
