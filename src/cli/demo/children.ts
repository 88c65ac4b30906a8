/** The demo's child processes: `overseer master|worker|dashboard …` run by this same Node and entry point. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** JSON lines it printed (with --json), and plain lines as { line }. */
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  waitFor(
    match: (l: Record<string, unknown>) => boolean,
    what: string,
    ms?: number,
  ): Promise<Record<string, unknown>>;
  readonly alive: boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** The command line that started us, so children run from dist or from source (tsx) alike. */
function self(): string[] {
  const entry = process.argv[1];
  if (entry === undefined) throw new Error("cannot tell which script is running");
  return [...process.execArgv, entry];
}

function handlersModule(): string {
  // From source (tsx) this file is .ts and so is the module; from dist both are .js.
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), here.endsWith(".ts") ? "handlers.ts" : "handlers.js");
}

/** The arguments of a demo worker: the demo's handlers module, `concurrency` slots. */
export function workerArgs(concurrency: number): string[] {
  return ["worker", "--handlers", handlersModule(), "--concurrency", String(concurrency)];
}

export function spawnChild(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, [...self(), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, OVERSEER_LOG_LEVEL: process.env["OVERSEER_LOG_LEVEL"] ?? "warn", ...env },
  });
  const exited = once(proc, "exit");
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buf = "";
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString("utf8");
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const p of parts) {
      try {
        lines.push(p.startsWith("{") ? (JSON.parse(p) as Record<string, unknown>) : { line: p });
      } catch {
        lines.push({ line: p });
      }
    }
    for (const w of [...waiters]) w();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    stderr.push(d.toString("utf8"));
    if (stderr.length > 50) stderr.shift();
  });
  proc.on("exit", () => {
    for (const w of [...waiters]) w();
  });
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  return {
    name,
    proc,
    lines,
    stderr,
    get alive() {
      return alive();
    },
    waitFor: (match, what, ms = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = lines.find(match);
          if (hit === undefined && alive()) return;
          waiters.delete(check);
          clearTimeout(timer);
          if (hit !== undefined) resolve(hit);
          else
            reject(
              new Error(
                `${name} exited (${proc.exitCode ?? proc.signalCode}) before ${what}: ${stderr.join("").trim().slice(-600)}`,
              ),
            );
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${name}: no ${what} within ${ms} ms: ${stderr.join("").trim().slice(-600)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    async kill(signal) {
      if (!alive()) return;
      proc.kill(signal);
      await exited;
    },
  };
}
