/**
 * One overseer cluster for a scaling measurement: a server — by default a fresh embedded server process
 * (its own data dir, forceSync), or a given one (e.g. Apache ZooKeeper, bench/scaling/apache.ts) —, tasks
 * pre-loaded with `submitMany`, master candidates and worker hosts as processes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TaskSpec } from "../../src/tasks/index.js";
import { Child, rssMiB, startChild, type Line } from "../lib/children.js";
import { Submitter, ZooKeeperClient, startServerProcess } from "../lib/overseer.js";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const MASTER = here("./master.ts");
const WORKERS = here("./workers.ts");

/** Master candidates' session timeout (ms); failover waits for it to expire. */
export const MASTER_SESSION = 2000;
/** Worker sessions are longer, so hundreds of them on 2 busy cores never expire by accident. */
const WORKER_SESSION = 10_000;

/** The server a cluster runs on. */
export interface ScalingServer {
  readonly port: number;
  /** Its process (or the wrapper it runs under), for resident memory. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** A fresh embedded server process: own data dir, forceSync, tickTime 500 (sessions of 1–10 s), no
 * per-address connection cap (hundreds of worker sessions). */
export async function embeddedServer(): Promise<ScalingServer> {
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-scaling-"));
  const server = await startServerProcess(dir, 0, { tickTime: 500, forceSync: true, maxClientCnxns: 0 });
  return {
    port: server.port,
    pid: server.proc.pid,
    stop: async () => {
      await server.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resident memory of the server process (with its children), bytes. */
export function serverRss(server: ScalingServer): number {
  try {
    return rssMiB(server.pid) * 2 ** 20;
  } catch {
    return NaN;
  }
}

export class Cluster {
  readonly masters: Child[] = [];
  readonly hosts: Child[] = [];
  private constructor(
    readonly masterSession: number,
    readonly server: ScalingServer,
    readonly zk: ZooKeeperClient,
    readonly root: string,
    /** Stop the server with the cluster (it was started for it). */
    private readonly ownsServer: boolean,
  ) {}

  get cs(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  /** A cluster under `root` on `server`, or on a fresh embedded server process that it stops with it. */
  static async start(
    masterSession = MASTER_SESSION,
    server?: ScalingServer,
    root = "/scaling",
  ): Promise<Cluster> {
    const srv = server ?? (await embeddedServer());
    const zk = new ZooKeeperClient({ connectString: `127.0.0.1:${srv.port}`, sessionTimeout: 10_000 });
    await zk.connect();
    const c = new Cluster(masterSession, srv, zk, root, server === undefined);
    await zk.create(c.root, null);
    return c;
  }

  /** Writes `n` no-op tasks with submitMany, `lanes` calls of `chunk` tasks in flight; returns ms. */
  async preload(n: number, chunk = 5000, lanes = 16): Promise<number> {
    const sub = new Submitter(this.zk, { root: this.root });
    const start = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < n) {
        const size = Math.min(chunk, n - next);
        next += size;
        const specs: TaskSpec[] = Array.from({ length: size }, () => ({ type: "noop" }));
        await sub.submitMany(specs);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return performance.now() - start;
  }

  async startMaster(id: string): Promise<Child> {
    const m = await startChild(
      `master ${id}`,
      MASTER,
      [this.cs, this.root, id, String(this.masterSession)],
      ["--expose-gc"],
    );
    this.masters.push(m);
    return m;
  }

  /** `total` worker sessions spread over `procs` processes, each worker with `concurrency` slots. */
  async startWorkers(total: number, procs: number, concurrency: number): Promise<void> {
    const n = Math.min(procs, total);
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const count = Math.floor(total / n) + (i < total % n ? 1 : 0);
        const args = [
          this.cs,
          this.root,
          `h${i}`,
          String(count),
          String(concurrency),
          String(WORKER_SESSION),
        ];
        this.hosts.push(await startChild(`workers h${i}`, WORKERS, args));
      }),
    );
  }

  /** Tasks completed by all worker hosts so far. */
  done(): number {
    let sum = 0;
    for (const h of this.hosts) {
      const last = lastWith(h, "done");
      sum += last === undefined ? 0 : Number(last["done"]);
    }
    return sum;
  }

  /** Resolves with Date.now() once the worker hosts have completed `n` tasks in all. */
  async doneAt(n: number, ms = 300_000): Promise<number> {
    const [h] = this.hosts;
    if (h === undefined) throw new Error("no worker hosts");
    // Any host's new line re-checks the sum; all hosts report every 50 ms while they work.
    await Promise.race(
      this.hosts.map((x) => x.until(() => (this.done() >= n ? true : undefined), `${n} done`, ms)),
    );
    return Date.now();
  }

  /** The master's memory after a full GC (it prints it on SIGUSR2) and its peak RSS. */
  async memory(m: Child): Promise<{ rss: number; heapUsed: number; peakRss: number }> {
    const from = m.lines.length;
    m.proc.kill("SIGUSR2");
    const l = await m.waitFor((x) => "mem" in x, "memory", from, 60_000);
    const mem = l["mem"] as { rss: number; heapUsed: number };
    return { rss: mem.rss, heapUsed: mem.heapUsed, peakRss: Number(l["peakRss"]) };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.masters, ...this.hosts].map((c) => c.kill("SIGKILL")));
    await this.zk.close().catch(() => undefined);
    if (this.ownsServer) await this.server.stop();
  }
}

export function lastWith(c: Child, key: string): Line | undefined {
  for (let i = c.lines.length - 1; i >= 0; i--) {
    const l = c.lines[i];
    if (l !== undefined && key in l) return l;
  }
  return undefined;
}
