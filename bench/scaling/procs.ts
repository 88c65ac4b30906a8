/**
 * Child processes of `npm run bench:scaling` that print one JSON object per line, each with `t`
 * (Date.now() in the child, so events can be timed across processes on this machine).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type Line = Record<string, unknown> & { t: number };

export const ROOT_DIR = fileURLToPath(new URL("../..", import.meta.url));

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

const children = new Set<Child>();

/** Starts `node [flags] --import tsx <script> ...args` and waits for its {"ready":…} line. */
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

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill("SIGKILL")));
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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) of a process so far, ms; from /proc (Linux, USER_HZ 100). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}
