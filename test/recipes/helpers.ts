/** Shared helpers of the recipe tests: short-session clients closed after the file, polling, children. */
import { after } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { clientWith } from "../harness/clients.js";

/** Session timeout of recipe test clients (ms): short, so expiry tests stay quick. */
export const SESSION_TIMEOUT = 1500;

/** A connected short-session client, closed after the file (test/harness/clients.ts). */
export const client = clientWith({ sessionTimeout: SESSION_TIMEOUT });

/** Polls `check` every 20 ms until it returns true; throws after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A child process running a fixture; `lines` yields its stdout lines, `send` writes a stdin line. */
export interface Child {
  readonly proc: ChildProcess;
  next(match?: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  send(line: string): void;
  kill(signal: NodeJS.Signals): void;
}

const children = new Set<ChildProcess>();
after(() => {
  for (const p of children) if (p.exitCode === null) p.kill("SIGKILL");
});

export function spawnFixture(name: string, args: string[]): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", `${FIXTURES}${name}`, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(proc);
  const buffered: string[] = [];
  const wanted: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  createInterface({ input: proc.stdout }).on("line", (line) => {
    const i = wanted.findIndex((w) => w.match(line));
    const w = wanted[i];
    if (w !== undefined) {
      wanted.splice(i, 1);
      w.resolve(line);
    } else buffered.push(line);
  });
  return {
    proc,
    next(match = () => true, timeoutMs = 20_000) {
      const i = buffered.findIndex(match);
      if (i >= 0) return Promise.resolve(buffered.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`fixture ${name}: no matching line in ${timeoutMs} ms`)),
          timeoutMs,
        );
        wanted.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
    send: (line) => void proc.stdin.write(`${line}\n`),
    kill: (signal) => void proc.kill(signal),
  };
}
