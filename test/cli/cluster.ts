/** Long-running `overseer master|worker` processes from source, with their --json lines awaitable. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { after } from "node:test";
import { CLI_MAIN } from "../harness/cli.js";

const running = new Set<ChildProcess>();
after(() => {
  for (const p of running) p.kill("SIGKILL");
});

export interface CliProcess {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[];
  waitFor(
    match: (l: Record<string, unknown>) => boolean,
    what: string,
    ms?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startCli(args: string[]): CliProcess {
  const proc = spawn(process.execPath, [CLI_MAIN, ...args, "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, OVERSEER_LOG_LEVEL: "warn" },
  });
  running.add(proc);
  const exited = once(proc, "exit");
  void exited.then(() => running.delete(proc));
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  let buf = "";
  const waiters = new Set<() => void>();
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return {
    proc,
    lines,
    waitFor: (match, what, ms = 20_000) =>
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
            new Error(`overseer ${args[0] ?? ""}: no ${what} within ${ms} ms; stderr: ${stderr.slice(-800)}`),
          );
        }, ms);
        waiters.add(check);
        check();
      }),
    stop: async (signal = "SIGTERM") => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
