/**
 * Child processes for the benchmarks: each runs a script under tsx and prints JSON lines (each with
 * `t` = Date.now(), so events can be timed across processes on one machine), starting with {"ready":…}.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export type Line = Record<string, unknown> & { t: number };

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly lines: Line[];
  waitFor(match: (l: Line) => boolean, what: string, ms?: number): Promise<Line>;
  /** Sends `signal` (default SIGKILL) and waits for the exit; resolves with Date.now() at the signal. */
  kill(signal?: NodeJS.Signals): Promise<number>;
}

/** The repository root (children run there so tsx finds the project's config). */
export const ROOT_DIR = fileURLToPath(new URL("../..", import.meta.url));

const children = new Set<Child>();

export async function startChild(
  name: string,
  script: string,
  args: string[],
  flags: string[] = [],
): Promise<Child> {
  const proc = spawn(process.execPath, [...flags, "--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    cwd: ROOT_DIR,
  });
  const exited = once(proc, "exit");
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  let buf = "";
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Line);
    for (const w of [...waiters]) w();
  });
  const waitFor = (match: (l: Line) => boolean, what: string, ms = 120_000): Promise<Line> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = lines.find(match);
        if (hit === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`${name}: timed out waiting for ${what}; last lines ${JSON.stringify(lines.slice(-3))}`),
        );
      }, ms);
      waiters.add(check);
      check();
    });
  const child: Child = {
    name,
    proc,
    lines,
    waitFor,
    kill: async (signal = "SIGKILL") => {
      const at = Date.now();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
      children.delete(child);
      return at;
    },
  };
  children.add(child);
  await waitFor((l) => "ready" in l, "ready", 60_000);
  return child;
}

/** SIGKILLs every child still running whose name passes `filter` (all by default). */
export async function killAll(filter: (name: string) => boolean = () => true): Promise<void> {
  await Promise.all([...children].filter((c) => filter(c.name)).map((c) => c.kill("SIGKILL")));
}

/** CPU time (user + system) of a process so far, ms; from /proc (Linux). */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** CPU ms each named process spends while `fn` runs (plus "submitter": this process). */
export async function withCpu<T>(
  pids: Record<string, number | undefined>,
  fn: () => Promise<T>,
): Promise<[T, Record<string, number>]> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const self = process.cpuUsage();
  const out = await fn();
  const used: Record<string, number> = {};
  for (const [k, pid] of Object.entries(pids)) used[k] = cpuMs(pid) - (before[k] ?? 0);
  const d = process.cpuUsage(self);
  used["submitter"] = (d.user + d.system) / 1000;
  return [out, used];
}

/** Resident memory of `pid` and its descendants, MiB (the harness may start the JVM under a wrapper). */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  let kib = Number(m?.[1] ?? 0);
  for (const tid of readdirSyncSafe(`/proc/${pid}/task`)) {
    const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
    for (const k of kids === "" ? [] : kids.split(/\s+/)) kib += rssMiB(Number(k)) * 1024;
  }
  return kib / 1024;
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const addr = srv.address();
  srv.close();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
