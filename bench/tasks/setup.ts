/**
 * The common start of the task benchmarks (tasks, latency, paced, limits, flows, sandbox): the load guard,
 * redis-server (without and, if asked, with appendfsync always), overseer's embedded server as its own
 * process (data dir, forceSync, tickTime 500) and a client on it (and, if asked, a second one with
 * forceSync off: like for like with Redis without persistence), the data dirs' filesystems recorded;
 * `stop()` undoes it all. What each bench measures it notes itself (oneByOneNotes for latency and paced).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll } from "../lib/children.js";
import { ResultBuilder } from "../lib/emit.js";
import { checkLoad, recordMachine } from "../lib/machine.js";
import { ZooKeeperClient, howRun, startServerProcess } from "../lib/overseer.js";
import { ensureRedis, startRedis, type Redis } from "../lib/redis.js";
import { overseerVersion, packageVersion } from "../lib/versions.js";

export interface Setup {
  out: ResultBuilder;
  /** The embedded server's connect string. */
  cs: string;
  serverPid: number | undefined;
  zk: ZooKeeperClient;
  redis: Redis;
  durable?: Redis;
  /** The second embedded server, forceSync off (not durable), when asked for. */
  nosync?: { cs: string; zk: ZooKeeperClient };
  stop(): Promise<void>;
}

export interface SetupOptions {
  allowLoad: boolean;
  durable: boolean;
  /** Also start an embedded server with forceSync off (Setup.nosync). */
  nosync?: boolean;
  /** More embedded-server options (e.g. fourLetterWords). */
  server?: Record<string, unknown>;
}

export async function setUp(name: string, o: SetupOptions): Promise<Setup> {
  const load = checkLoad({ allowLoad: o.allowLoad });
  ensureRedis();
  const out = new ResultBuilder(name);
  const redis = await startRedis();
  const durable = o.durable
    ? await startRedis("aof-always").catch(async (err: unknown) => {
        await redis.stop();
        throw err;
      })
    : undefined;
  Object.assign(out.versions, {
    overseer: overseerVersion(),
    bullmq: packageVersion("bullmq"),
    ioredis: packageVersion("ioredis"),
    "redis-server": redis.version,
  });
  const started: { stop(): Promise<void> }[] = [redis, ...(durable === undefined ? [] : [durable])];
  const stop = async (): Promise<void> => {
    await killAll();
    for (const x of started.reverse()) await x.stop();
  };
  try {
    const main = await startEmbedded(`overseer-bench-${name}-`, { forceSync: true, ...o.server });
    started.push(main);
    const nosync = o.nosync
      ? await startEmbedded(`overseer-bench-${name}-nosync-`, { ...o.server, forceSync: false })
      : undefined;
    if (nosync !== undefined) started.push(nosync);
    recordMachine(out, load, [
      main.dir,
      ...[durable, nosync].flatMap((x) => (x === undefined ? [] : [x.dir])),
    ]);
    return {
      out,
      cs: main.cs,
      serverPid: main.pid,
      zk: main.zk,
      redis,
      ...(durable === undefined ? {} : { durable }),
      ...(nosync === undefined ? {} : { nosync }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface Embedded {
  dir: string;
  cs: string;
  pid: number | undefined;
  zk: ZooKeeperClient;
  stop(): Promise<void>;
}

/** An embedded server process with its own data dir, and a client connected to it. */
async function startEmbedded(prefix: string, opts: Record<string, unknown>): Promise<Embedded> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // tickTime 500: negotiable session timeouts 1–10 s (ZooKeeper's [2, 20] × tickTime).
  const server = await startServerProcess(dir, 0, { tickTime: 500, ...opts });
  const cs = `127.0.0.1:${server.port}`;
  const zk = new ZooKeeperClient({ connectString: cs, sessionTimeout: 30_000 });
  const stop = async (): Promise<void> => {
    await zk.close().catch(() => undefined);
    await server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await zk.connect();
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, cs, pid: server.proc.pid, zk, stop };
}

/** How latency.ts and paced.ts drive both systems: single submits, one result listener. */
export function oneByOneNotes(s: Setup): void {
  const { out, durable, nosync } = s;
  out.note(
    "overseer: embedded server process (data dir, forceSync: every write fsync'd before it is acknowledged), " +
      "master + backup candidate + workers as processes, Submitter.submit + handle.result() per task",
  );
  out.note(
    "BullMQ: redis-server --save '' --appendonly no (NOT durable), queue.add + one QueueEvents 'completed' listener" +
      (durable === undefined
        ? ""
        : `; durable: a second redis-server --appendonly yes --appendfsync always (CONFIG GET: appendfsync ${durable.persistence.appendfsync})`),
  );
  if (nosync !== undefined)
    out.note(
      "like for like: overseer is also run on a second embedded server with forceSync off (acknowledged once in " +
        "the page cache, not fsync'd: NOT durable, like Redis without persistence) and compared with BullMQ on " +
        "Redis without persistence; overseer's default (the headline rows) is durable",
    );
  out.note(howRun("BullMQ"));
}

/** Which systems a latency figure pairs: overseer vs BullMQ (""), both durable, or neither durable. */
export type Pairing = "" | "durable" | "nosync";

/** The anchor's name and the label's tail for a pairing (latency.ts and paced.ts). */
export function pairingText(kind: Pairing): { anchorName: string; what: string } {
  return {
    anchorName: `BullMQ ${packageVersion("bullmq")} on Redis${kind === "durable" ? " (appendfsync always)" : ""}`,
    what:
      kind === "durable"
        ? ", vs BullMQ with Redis appendfsync always"
        : kind === "nosync"
          ? ", overseer with forceSync off (not durable) vs BullMQ on Redis without persistence"
          : "",
  };
}

/** main().catch for these benches: the load guard's refusal is printed as its message alone. */
export async function failed(err: unknown): Promise<void> {
  console.error(err instanceof Error && err.name === "LoadTooHighError" ? err.message : err);
  await killAll();
  process.exitCode = 1;
}
