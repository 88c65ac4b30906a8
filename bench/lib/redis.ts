/** A throwaway redis-server for BullMQ's side of the benchmarks: free port, temp dir, no persistence. */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, ROOT_DIR } from "./children.js";

export interface Redis {
  port: number;
  pid: number | undefined;
  version: string;
  stop(): Promise<void>;
}

/** Installs redis-server if missing (scripts/install-bench-deps.sh, apt-get as root) or throws. */
export function ensureRedis(): void {
  const deps = spawnSync("bash", [join(ROOT_DIR, "scripts/install-bench-deps.sh")], { stdio: "inherit" });
  if (deps.status !== 0) throw new Error("redis-server is missing: see the message above");
}

export async function startRedis(): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-redis-"));
  const port = await freePort();
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = once(proc, "exit");
  await new Promise<void>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited: ${out}`)));
  });
  const version = /v=(\S+)/.exec(spawnSync("redis-server", ["--version"]).stdout.toString())?.[1] ?? "?";
  return {
    port,
    pid: proc.pid,
    version,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
