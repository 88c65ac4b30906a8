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

/** The repository root (children run there so tsx finds the project's config). */
export const ROOT_DIR = fileURLToPath(new URL("../..", import.meta.url));

const children = new Set<Child>();

/**
 * One child's JSON lines as they arrive; waits that end with an error when the child exits first.
 * Lines carrying `error` or `lost` (trouble in a role) are shown on stderr as they happen.
 */
export class Child {
  readonly lines: Line[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly exited: Promise<unknown>;
  private buf = "";

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    this.exited = once(proc, "exit");
    proc.stdout?.on("data", (d: Buffer) => {
      this.buf += d.toString();
      const parts = this.buf.split("\n");
      this.buf = parts.pop() ?? "";
      for (const p of parts) {
        if (!p.startsWith("{")) continue;
        const line = JSON.parse(p) as Line;
        this.lines.push(line);
        // Trouble in a role (an error event, a lost session) is shown as it happens.
        if ("error" in line || "lost" in line) console.error(`    ${name}: ${JSON.stringify(line)}`);
      }
      for (const w of [...this.waiters]) w();
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Calls `check` after every batch of new lines until it returns a value (or `ms` pass). */
  until<T>(check: () => T | undefined, what: string, ms = 300_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const run = (): void => {
        let hit: T | undefined;
        try {
          hit = check();
        } catch (err) {
          done();
          return reject(err instanceof Error ? err : new Error(String(err)));
        }
        if (hit === undefined) return;
        done();
        resolve(hit);
      };
      const done = (): void => {
        this.waiters.delete(run);
        this.waiters.delete(dead);
        clearTimeout(timer);
      };
      const dead = (): void => {
        if (this.alive) return;
        done();
        reject(new Error(`${this.name} exited while waiting for ${what}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: timed out waiting for ${what}; last ${this.tail()}`));
      }, ms);
      this.waiters.add(run);
      void this.exited.then(() => {
        run();
        dead();
      });
      run();
    });
  }

  /** The first line at index ≥ `from` that matches. */
  waitFor(match: (l: Line) => boolean, what: string, from = 0, ms?: number): Promise<Line> {
    return this.until(() => this.lines.slice(from).find(match), what, ms);
  }

  tail(): string {
    return JSON.stringify(this.lines.slice(-3));
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<number> {
    const at = Date.now();
    if (this.alive) this.proc.kill(signal);
    await this.exited;
    children.delete(this);
    return at;
  }
}

/** Starts `node [flags] --import tsx <script> ...args` in the repository root and waits for its {"ready":…} line. */
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
  const child = new Child(name, proc);
  children.add(child);
  await child.waitFor((l) => "ready" in l, "ready", 0, 120_000);
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

/** Resident set size of a process now and at its peak (VmHWM), bytes; from /proc (Linux). */
export function rssOf(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: kb("VmRSS") * 1024, peak: kb("VmHWM") * 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
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
