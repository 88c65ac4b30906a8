/** Runs test/tasks/fixtures/role.ts as a child process and turns its JSON lines into awaitable events. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { cleanup, SESSION_TIMEOUT } from "./helpers.js";
import { processStopped, untilStopped } from "../harness/stopped.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/role.ts", import.meta.url));

export interface RoleProcess {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first line (past or future) for which `match` holds. */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    what: string,
    ms?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` (default SIGKILL); waits for the exit (SIGKILL, SIGTERM), or until every thread is
   * stopped (SIGSTOP). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startRole(
  role: "master" | "worker",
  connectString: string,
  root: string,
  id: string,
  concurrency = 4,
  flags = "",
): Promise<RoleProcess> {
  const proc = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      FIXTURE,
      role,
      connectString,
      root,
      id,
      String(SESSION_TIMEOUT),
      String(concurrency),
      flags,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = once(proc, "exit");
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buf = "";
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  const kill = async (signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    if (signal === "SIGKILL" || signal === "SIGTERM") await exited;
    const pid = proc.pid;
    if (signal === "SIGSTOP" && pid !== undefined)
      await untilStopped(() => processStopped(pid), `${role} ${id}`);
  };
  cleanup(async () => {
    if (proc.signalCode === null && proc.exitCode === null) proc.kill("SIGKILL");
  });
  const waitFor = (
    match: (l: Record<string, unknown>) => boolean,
    what: string,
    ms = 20_000,
  ): Promise<Record<string, unknown>> =>
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
          new Error(
            `${role} ${id}: timed out waiting for ${what}; lines: ${JSON.stringify(lines.slice(-5))}`,
          ),
        );
      }, ms);
      waiters.add(check);
      check();
    });
  await waitFor((l) => "ready" in l, "ready");
  return { proc, lines, waitFor, kill };
}
