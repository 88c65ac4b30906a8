/**
 * `npm run bench:events`: what following a cluster costs and delivers. A cluster at full load (2 workers ×
 * 16, no-op tasks, submit → result, as bench/tasks.ts) runs rounds alternately with and without one
 * `overseer events --json` follower (the built CLI, its own process, reading every event of every task);
 * per round: tasks/s, the follower's events/s (every line it printed between the first and the last
 * `completed`) and its lag (server time of a `completed` → the line reaching this process, p50/p99).
 * Medians with min–max over the rounds.
 *
 *   npx tsx bench/events.ts [--count 10000] [--rounds 5] [--json FILE]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { DIST_DIR } from "../scripts/dist.js";
import { killAll } from "./lib/children.js";
import { ResultBuilder } from "./lib/emit.js";
import { ZooKeeperClient, startServerProcess } from "./lib/overseer.js";
import { overseerChunk, startCluster, stopCluster } from "./tasks/cluster.js";
import { drive, percentile } from "./tasks/measure.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    rounds: { type: "string", default: "5" },
    json: { type: "string" },
  },
});
const COUNT = Number(values.count);
const ROUNDS = Number(values.rounds);

interface Follower {
  lines: number;
  completed: number;
  firstAt: number;
  lastAt: number;
  lags: number[];
  stop(): Promise<void>;
}

async function follow(cs: string, root: string, expect: number): Promise<Follower & { done: Promise<void> }> {
  const proc = spawn(
    process.execPath,
    [join(DIST_DIR, "cli/main.js"), "events", "--json", "--connect", cs, "--root", root],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let resolveDone = (): void => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  const f = {
    lines: 0,
    completed: 0,
    firstAt: 0,
    lastAt: 0,
    lags: [] as number[],
    done,
    stop: async () => {
      proc.kill("SIGKILL");
      if (proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
    },
  };
  let buf = "";
  proc.stdout.on("data", (d: Buffer) => {
    const now = Date.now();
    buf += d.toString();
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines) {
      f.lines++;
      if (f.firstAt === 0) f.firstAt = now;
      const e = JSON.parse(l) as { event: string; at: number };
      if (e.event !== "completed") continue;
      f.completed++;
      f.lastAt = now;
      f.lags.push(now - e.at);
      if (f.completed >= expect) resolveDone();
    }
  });
  await new Promise<void>((resolve, reject) => {
    let err = "";
    proc.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("following task events")) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`overseer events exited ${code}: ${err}`)));
  });
  return f;
}

const med = (xs: number[]): { median: number; min: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? NaN, min: s[0] ?? NaN, max: s.at(-1) ?? NaN };
};
const r = (x: { median: number; min: number; max: number }, d = 0): string =>
  `${x.median.toFixed(d)} (${x.min.toFixed(d)}–${x.max.toFixed(d)})`;

async function main(): Promise<void> {
  const out = new ResultBuilder("events");
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-events-"));
  const server = await startServerProcess(dir, 0, { tickTime: 500, forceSync: true });
  const cs = `127.0.0.1:${server.port}`;
  const zk = new ZooKeeperClient({ connectString: cs, sessionTimeout: 30_000 });
  const plain: number[] = [];
  const followed: number[] = [];
  const eventsPerSec: number[] = [];
  const lag50: number[] = [];
  const lag99: number[] = [];
  try {
    await zk.connect();
    for (let round = 0; round < ROUNDS * 2 + 1; round++) {
      const warm = round === 0;
      const withFollower = !warm && (round % 2 === 1) === (Math.floor((round - 1) / 2) % 2 === 0);
      const root = `/events-${round}`;
      const c = await startCluster(cs, zk, root, { workers: 2, concurrency: 16, session: 4000 });
      const n = warm ? Math.min(2000, COUNT) : COUNT;
      const f = withFollower ? await follow(cs, root, n) : null;
      const t = await drive(n, 500, overseerChunk(c));
      if (f !== null) {
        // The cap's timer is cleared once the follower is done: a pending one kept the process alive
        // for up to 30 s after the last round (28 s of the full run's 56 s).
        let cap: NodeJS.Timeout | undefined;
        await Promise.race([f.done, new Promise((res) => (cap = setTimeout(res, 30_000)))]);
        clearTimeout(cap);
        await f.stop();
        const secs = (f.lastAt - f.firstAt) / 1000;
        eventsPerSec.push(f.lines / secs);
        f.lags.sort((a, b) => a - b);
        lag50.push(percentile(f.lags, 50));
        lag99.push(percentile(f.lags, 99));
        followed.push(t.perSec);
        console.log(
          `round ${round}: with follower ${t.perSec.toFixed(0)} tasks/s; follower ${f.lines} events (${f.completed}/${n} completed) at ${(f.lines / secs).toFixed(0)}/s, lag p50 ${lag50.at(-1)} ms p99 ${lag99.at(-1)} ms`,
        );
        if (f.completed < n)
          out.note(`round ${round}: the follower printed ${f.completed} of ${n} completions`);
      } else if (!warm) {
        plain.push(t.perSec);
        console.log(`round ${round}: without follower ${t.perSec.toFixed(0)} tasks/s`);
      }
      await stopCluster(c);
    }
    const p = med(plain);
    const w = med(followed);
    const e = med(eventsPerSec);
    console.log(
      `tasks/s without a follower ${r(p)}, with one ${r(w)}; follower ${r(e)} events/s; lag p50 ${r(med(lag50))} ms, p99 ${r(med(lag99))} ms`,
    );
    out.note(
      `2 workers × 16, ${COUNT} no-op tasks per round, ${ROUNDS} rounds each, alternating; medians (min–max)`,
    );
    out.add({
      key: "events.tasksPerSec.followed",
      label: "tasks/s with one follower",
      unit: "tasks/s",
      value: w.median,
      anchor: p.median,
      anchorName: "same cluster, no follower",
      higherIsBetter: true,
      params: { min: w.min, max: w.max },
    });
    out.add({
      key: "events.follower.eventsPerSec",
      label: "events/s delivered to one follower",
      unit: "events/s",
      value: e.median,
      higherIsBetter: true,
      params: { min: e.min, max: e.max },
    });
    out.add({
      key: "events.follower.lagP50",
      label: "completed → follower, p50",
      unit: "ms",
      value: med(lag50).median,
      higherIsBetter: false,
    });
    out.add({
      key: "events.follower.lagP99",
      label: "completed → follower, p99",
      unit: "ms",
      value: med(lag99).median,
      higherIsBetter: false,
    });
    out.write(values.json);
  } finally {
    await killAll();
    await zk.close().catch(() => undefined);
    await server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
