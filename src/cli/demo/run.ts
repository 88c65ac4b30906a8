/**
 * One demo run: an embedded server in a temporary data dir, master candidates and workers as separate
 * processes, a batch of tasks; midway the active master and one worker are SIGKILLed and the takeover is
 * timed. `keep()` leaves the cluster running; `close()` stops it and removes its data.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePath, ZooKeeperClient } from "../../client/index.js";
import { startServer, type RunningServer } from "../../server/index.js";
import { Layout, listAssignments, readAllTasks, Submitter, type TaskSpec } from "../../tasks/index.js";
import { spawnChild, workerArgs, type Child } from "./children.js";
import { leadingMaster, timeFailover } from "./failover.js";
import { bar, progressLine } from "./progress.js";
import type { DemoFlags, DemoSummary } from "./types.js";
import { verify } from "./verify.js";

const HANDLER_TYPE = "demo.square";
const SUBMIT_CHUNK = 200;

export class Demo {
  private readonly dir = mkdtempSync(join(tmpdir(), "overseer-demo-"));
  private readonly log = join(this.dir, "executions.log");
  private readonly children: Child[] = [];
  private readonly progress = progressLine();
  private server: RunningServer | null = null;
  private client: ZooKeeperClient | null = null;
  private readonly layout = new Layout("/");
  private readonly done = new Set<string>();
  private submitted = 0;
  private readonly masters: Child[] = [];
  private readonly workers: Child[] = [];
  private killed: DemoSummary["killed"] = null;
  private failoverMs: number | null = null;
  private reassignMs: number | null = null;
  private takenBack: number | null = null;
  private onDone: (() => void) | null = null;

  constructor(private readonly o: DemoFlags) {}

  private say(text: string): void {
    if (this.o.json) return;
    this.progress.update("", true);
    process.stderr.write(process.stderr.isTTY ? "\r\x1b[2K" : "");
    console.log(text);
  }

  private role(name: string, args: string[]): Child {
    const c = spawnChild(
      name,
      [
        ...args,
        "--connect",
        this.connect,
        "--session-timeout",
        String(this.o.sessionTimeout),
        "--id",
        name,
        "--json",
      ],
      { OVERSEER_DEMO_LOG: this.log },
    );
    this.children.push(c);
    return c;
  }

  private get connect(): string {
    if (this.server === null) throw new Error("server not started");
    return this.server.connectString;
  }

  async run(): Promise<DemoSummary> {
    const t0 = Date.now();
    const o = this.o;
    this.server = await startServer({ port: o.port, dataDir: join(this.dir, "data"), tickTime: 200 });
    this.say(
      `overseer demo: embedded server on ${this.connect} (data in ${this.dir}); ` +
        `${o.masters} master candidates and ${o.workers} workers as separate processes; ${o.tasks} tasks`,
    );
    for (let i = 1; i <= o.masters; i++) this.masters.push(this.role(`demo-m${i}`, ["master"]));
    for (let i = 1; i <= o.workers; i++)
      this.workers.push(this.role(`demo-w${i}`, workerArgs(o.concurrency)));
    await Promise.all(
      this.children.map((c) => c.waitFor((l) => l["event"] === "ready", "its ready line", 30_000)),
    );
    const leader = await Promise.any(
      this.masters.map((m) => m.waitFor((l) => l["event"] === "leader", "leadership", 30_000)),
    );
    this.say(
      `${String(leader["id"])} is the active master (epoch ${String(leader["epoch"])}); the other candidates wait as backups`,
    );

    const client = new ZooKeeperClient({ connectString: this.connect, sessionTimeout: 10_000 });
    this.client = client;
    await client.connect();
    await ensurePath(client, this.layout.tasks);
    const watch = await client.addWatch(this.layout.tasks, { recursive: true });
    void (async () => {
      try {
        for await (const ev of watch) {
          if (ev.type !== "NodeCreated" || !ev.path.endsWith("/status")) continue;
          this.done.add(ev.path);
          this.onDone?.();
        }
      } catch {
        // the session ended: the final full read below decides
      }
    })();

    const runStart = Date.now();
    const ticker = setInterval(() => this.tick(), 100);
    const lastLine = { at: 0 };
    const plain = setInterval(() => {
      if (process.stderr.isTTY || o.json || Date.now() - lastLine.at < 2000) return;
      lastLine.at = Date.now();
      process.stderr.write(`${this.statusText()}\n`);
    }, 500);
    let deadlineHit = false;
    try {
      const submitting = this.submit(new Submitter(client));
      await this.watchProgress(runStart);
      await submitting;
    } catch (err) {
      if (!(err instanceof DeadlineError)) throw err;
      deadlineHit = true;
    } finally {
      clearInterval(ticker);
      clearInterval(plain);
    }
    const runMs = Date.now() - runStart;
    this.progress.done(this.statusText());
    if (deadlineHit) this.say(`deadline: not every task completed within ${o.timeout} ms`);

    const rows = await readAllTasks(client, this.layout);
    const v = verify(rows, o.tasks, this.log);
    const staleRejected = this.workers.reduce(
      (n, w) => n + w.lines.filter((l) => l["event"] === "stale").length,
      0,
    );
    await watch.close();
    return {
      ...v,
      ok: v.ok && !deadlineHit,
      notCompleted: v.notCompleted.slice(0, 20),
      unexplained: v.unexplained.slice(0, 20),
      masters: o.masters,
      workers: o.workers,
      killed: this.killed,
      failoverMs: this.failoverMs,
      reassignMs: this.reassignMs,
      takenBack: this.takenBack,
      staleRejected,
      sessionTimeoutMs: o.sessionTimeout,
      runMs,
      throughput: Math.round((v.completed / runMs) * 1000),
      totalMs: Date.now() - t0,
    };
  }

  private statusText(): string {
    const n = this.o.tasks;
    const alive = (cs: Child[]): number => cs.filter((c) => c.alive).length;
    return (
      `${bar(this.done.size, n)} ${this.done.size}/${n} done · submitted ${this.submitted} · ` +
      `masters ${alive(this.masters)}/${this.o.masters} · workers ${alive(this.workers)}/${this.o.workers}`
    );
  }

  private tick(): void {
    if (!this.o.json) this.progress.update(this.statusText());
  }

  private async submit(submitter: Submitter): Promise<void> {
    const specs: TaskSpec[] = Array.from({ length: this.o.tasks }, (_, i) => ({
      type: HANDLER_TYPE,
      payload: { n: i, ms: Math.round(this.o.workMs * (0.5 + ((i * 7919) % 100) / 100)) },
      options: { id: `demo-${String(i).padStart(5, "0")}` },
    }));
    for (let i = 0; i < specs.length; i += SUBMIT_CHUNK) {
      await submitter.submitMany(specs.slice(i, i + SUBMIT_CHUNK));
      this.submitted = Math.min(specs.length, i + SUBMIT_CHUNK);
    }
  }

  private async watchProgress(runStart: number): Promise<void> {
    const o = this.o;
    const deadline = runStart + o.timeout;
    while (this.done.size < o.tasks) {
      if (Date.now() > deadline) throw new DeadlineError();
      if (o.kill && this.killed === null && this.done.size >= o.tasks * o.killAt) await this.killSome();
      await new Promise<void>((resolve) => {
        this.onDone = resolve;
        setTimeout(resolve, 200);
      });
      this.onDone = null;
    }
  }

  /**
   * SIGKILLs the active master and a worker in the same instant (nothing awaited first: a worker's tasks
   * take milliseconds, so a kill after a round trip would find it idle), then times the takeover.
   */
  private async killSome(): Promise<void> {
    const master = leadingMaster(this.masters);
    const worker = this.workers.find((w) => w.alive);
    const at = this.done.size;
    const t0 = Date.now();
    master?.child.proc.kill("SIGKILL");
    worker?.proc.kill("SIGKILL");
    this.killed = { master: master?.child.name ?? null, worker: worker?.name ?? null, atCompleted: at };
    const lost =
      worker === undefined
        ? []
        : (await listAssignments(this.client as ZooKeeperClient, this.layout)).filter(
            (a) => a.worker === worker.name,
          );
    this.say(
      `SIGKILL → active master ${master?.child.name ?? "(none found)"} and worker ${worker?.name ?? "(none)"} ` +
        `(${lost.length} task(s) in its hands) at ${at}/${this.o.tasks} done`,
    );
    const client = this.client as ZooKeeperClient;
    void timeFailover(
      client,
      this.layout,
      this.masters,
      t0,
      master?.epoch ?? null,
      worker?.name ?? null,
      (r, text) => {
        if (r.failoverMs !== undefined) this.failoverMs = r.failoverMs;
        if (r.reassignMs !== undefined) this.reassignMs = r.reassignMs;
        if (r.takenBack !== undefined) this.takenBack = r.takenBack;
        this.say(text);
      },
    );
  }

  /** Leaves the cluster running with a dashboard until SIGINT/SIGTERM. */
  async keep(hasDashboard: boolean): Promise<void> {
    // Replace the killed processes so the cluster is whole again.
    const args = (c: Child): string[] =>
      c.name.startsWith("demo-m") ? ["master"] : workerArgs(this.o.concurrency);
    for (const list of [this.masters, this.workers])
      list.forEach((c, i) => {
        if (!c.alive) list[i] = this.role(c.name, args(c));
      });
    let url: string | null = null;
    if (hasDashboard) {
      const dash = spawnChild("dashboard", ["dashboard", "--connect", this.connect, "--port", "0"]);
      this.children.push(dash);
      const l = await dash.waitFor(
        (x) => typeof x["line"] === "string" && /https?:\/\//.test(x["line"]),
        "its URL",
      );
      url = /(https?:\/\/\S+)/.exec(String(l["line"]))?.[1] ?? null;
    }
    console.log(
      [
        "",
        "The cluster keeps running (Ctrl-C stops it and removes its data):",
        `  connect:   ${this.connect}        e.g.  OVERSEER_CONNECT=${this.connect} overseer status`,
        ...(url === null ? [] : [`  dashboard: ${url}`]),
        `  submit:    overseer submit ${HANDLER_TYPE} '{"n":7,"ms":10}' --wait --connect ${this.connect}`,
      ].join("\n"),
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        const t = setTimeout(() => c.proc.kill("SIGKILL"), 5000);
        await c.kill("SIGTERM");
        clearTimeout(t);
      }),
    );
    await this.client?.close();
    await this.server?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class DeadlineError extends Error {}
