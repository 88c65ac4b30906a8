/**
 * A throwaway redis-server for BullMQ's side of the benchmarks: free port, its own temp dir, and
 * either no persistence (`--save '' --appendonly no`, how BullMQ is usually run: an acknowledged job
 * can be lost on a crash) or durable (`--appendonly yes --appendfsync always`: every write is in the
 * AOF and fsync'd before Redis replies, as overseer's forceSync server does).
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis as RedisClient } from "ioredis";
import { freePort, ROOT_DIR } from "./children.js";

export interface Redis {
  port: number;
  pid: number | undefined;
  version: string;
  /** Its data dir (the AOF's, when durable). */
  dir: string;
  /** The persistence settings it runs with, as read back from it with CONFIG GET. */
  persistence: Persistence;
  stop(): Promise<void>;
}

export interface Persistence {
  appendonly: string;
  appendfsync: string;
  save: string;
}

/** "none": RDB and AOF off. "aof-always": AOF on, fsync'd before every reply; no RDB snapshots. */
export type Durability = "none" | "aof-always";

const FLAGS: Record<Durability, string[]> = {
  none: ["--save", "", "--appendonly", "no"],
  "aof-always": ["--save", "", "--appendonly", "yes", "--appendfsync", "always"],
};
const EXPECTED: Record<Durability, Partial<Persistence>> = {
  none: { appendonly: "no", save: "" },
  "aof-always": { appendonly: "yes", appendfsync: "always", save: "" },
};

/** CONFIG GET appendonly / appendfsync / save through ioredis. */
async function readPersistence(port: number): Promise<Persistence> {
  const client = new RedisClient({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const get = async (k: string): Promise<string> => {
      const reply: unknown = await client.config("GET", k);
      const [name, value] = Array.isArray(reply) ? (reply as unknown[]) : [];
      if (name !== k || typeof value !== "string")
        throw new Error(`redis CONFIG GET ${k}: unexpected reply ${JSON.stringify(reply)}`);
      return value;
    };
    return {
      appendonly: await get("appendonly"),
      appendfsync: await get("appendfsync"),
      save: await get("save"),
    };
  } finally {
    client.disconnect();
  }
}

/** Installs redis-server if missing (scripts/install-bench-deps.sh, apt-get as root) or throws. */
export function ensureRedis(): void {
  const deps = spawnSync("bash", [join(ROOT_DIR, "scripts/install-bench-deps.sh")], { stdio: "inherit" });
  if (deps.status !== 0) throw new Error("redis-server is missing: see the message above");
}

/**
 * Starts redis-server with `durability` in its own temp dir (under os.tmpdir(), the filesystem
 * overseer's bench data dirs are on) and checks with CONFIG GET that it really runs with those
 * settings: throws (and stops it) otherwise.
 */
export async function startRedis(durability: Durability = "none"): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), `overseer-bench-redis-${durability}-`));
  const port = await freePort();
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", ...FLAGS[durability], "--dir", dir],
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
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await exited.catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  let persistence: Persistence;
  try {
    persistence = await readPersistence(port);
    const wrong = Object.entries(EXPECTED[durability]).filter(
      ([k, v]) => persistence[k as keyof Persistence] !== v,
    );
    if (wrong.length > 0)
      throw new Error(
        `redis-server (${durability}) runs with ${JSON.stringify(persistence)}, expected ${JSON.stringify(EXPECTED[durability])}`,
      );
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: proc.pid, version, dir, persistence, stop };
}
