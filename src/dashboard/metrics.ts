/**
 * `/metrics`: the cluster as Prometheus figures (prom-client, one private registry per dashboard).
 * Gauges are computed at scrape time from the source's current picture; counters and histograms are fed
 * by the source's live events, so they count what this dashboard observed since it started.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { HostPort } from "../client/index.js";
import { isWorkerLostReason } from "../tasks/index.js";
import { fetchMntr } from "./mntr.js";
import { registerScheduleMetrics, type ScheduleReader } from "./schedules.js";
import { SESSION_STATES, TASK_STATES, type ClusterEvent, type ClusterSource } from "./types.js";

/** Seconds; from a few ms (no-op tasks) to an hour. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export interface MetricsOptions {
  source: ClusterSource;
  /** Servers whose `mntr` figures are exported as zk_* gauges (labelled by server); none by default. */
  mntr?: readonly HostPort[];
  /** Reads the schedules, for their firings and misses (stored in ZooKeeper by the master). */
  schedules?: ScheduleReader;
  /** Include Node's process metrics (process_*, nodejs_*). Default true. */
  processMetrics?: boolean;
}

export class DashboardMetrics {
  readonly registry = new Registry();
  private readonly mntrGauges = new Map<string, Gauge<"server">>();
  private readonly unsubscribe: () => void;

  private readonly failovers: Counter;
  private readonly assignments: Counter;
  private readonly reassignments: Counter;
  private readonly finished: Counter<"state">;
  private readonly workerLost: Counter;
  private readonly wait: Histogram;
  private readonly run: Histogram;
  private readonly turnaround: Histogram;
  private readonly mntrUp: Gauge<"server">;

  constructor(private readonly opts: MetricsOptions) {
    const r = [this.registry];
    const src = opts.source;
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "overseer_tasks",
      help: "Tasks in the system by state",
      labelNames: ["state"],
      registers: r,
      collect() {
        const counts = src.overview().counts;
        for (const s of TASK_STATES) this.set({ state: s }, counts[s]);
      },
    });
    const gauge = (name: string, help: string, value: () => number): void => {
      new Gauge({
        name,
        help,
        registers: r,
        collect() {
          this.set(value());
        },
      });
    };
    gauge(
      "overseer_workers",
      "Live workers (ephemeral nodes under <root>/workers)",
      () => src.overview().workers.length,
    );
    gauge("overseer_worker_capacity", "Sum of the live workers' capacity", () =>
      src.overview().workers.reduce((n, w) => n + w.capacity, 0),
    );
    gauge("overseer_master_epoch", "Fencing epoch of the active master (-1 without one)", () => {
      const m = src.overview().master;
      return m?.epoch ?? -1;
    });
    gauge("overseer_master_up", "1 while an active master holds <root>/master", () =>
      src.overview().master === null ? 0 : 1,
    );
    gauge("overseer_backups", "Master candidates waiting as backups", () => src.overview().backups.length);
    gauge("overseer_assignment_paused", "1 while assignment is paused", () =>
      src.overview().paused ? 1 : 0,
    );
    new Gauge({
      name: "overseer_zk_session_state",
      help: "The dashboard's ZooKeeper session state (1 for the current state)",
      labelNames: ["state"],
      registers: r,
      collect() {
        const cur = src.overview().session;
        for (const s of SESSION_STATES) this.set({ state: s }, s === cur ? 1 : 0);
      },
    });
    this.failovers = new Counter({
      name: "overseer_failovers_total",
      help: "Master changes observed",
      registers: r,
    });
    this.assignments = new Counter({
      name: "overseer_assignments_total",
      help: "Assignments observed",
      registers: r,
    });
    this.reassignments = new Counter({
      name: "overseer_reassignments_total",
      help: "Assignments of a task that had been assigned before",
      registers: r,
    });
    this.finished = new Counter({
      name: "overseer_tasks_finished_total",
      help: "Outcomes observed, by state",
      labelNames: ["state"],
      registers: r,
    });
    this.workerLost = new Counter({
      name: "overseer_tasks_worker_lost_total",
      help: "Tasks failed by the poison cap: their worker was lost more often than maxRequeues allows",
      registers: r,
    });
    const histogram = (name: string, help: string): Histogram =>
      new Histogram({ name, help, buckets: BUCKETS, registers: r });
    this.wait = histogram("overseer_task_wait_seconds", "Submit → assignment (server clock)");
    this.run = histogram(
      "overseer_task_run_seconds",
      "Assignment → outcome, when the assignment was observed",
    );
    this.turnaround = histogram("overseer_task_turnaround_seconds", "Submit → outcome (server clock)");
    this.mntrUp = new Gauge({
      name: "overseer_mntr_up",
      help: "1 when the server answered mntr (0: unreachable or mntr not whitelisted)",
      labelNames: ["server"],
      registers: r,
    });
    if (opts.schedules !== undefined) registerScheduleMetrics(this.registry, opts.schedules);
    this.unsubscribe = src.onEvent((e) => this.observe(e));
  }

  /** The exposition text; fetches `mntr` first when servers were given. */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.scrapeMntr();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.unsubscribe();
  }

  private observe(e: ClusterEvent): void {
    if (e.type === "failover") this.failovers.inc();
    else if (e.type === "assigned") {
      this.assignments.inc();
      if (e.reassigned) this.reassignments.inc();
      this.wait.observe(e.waitMs / 1000);
    } else {
      this.finished.inc({ state: e.state });
      if (e.state === "failed" && isWorkerLostReason(e.reason)) this.workerLost.inc();
      this.turnaround.observe(e.turnaroundMs / 1000);
      if (e.runMs !== null) this.run.observe(e.runMs / 1000);
    }
  }

  private async scrapeMntr(): Promise<void> {
    const servers = this.opts.mntr ?? [];
    await Promise.all(
      servers.map(async ({ host, port }) => {
        const server = `${host}:${port}`;
        const res = await fetchMntr(host, port);
        this.mntrUp.set({ server }, res.ok ? 1 : 0);
        if (!res.ok) return;
        for (const [key, value] of res.values) this.mntrGauge(key).set({ server }, value);
      }),
    );
  }

  private mntrGauge(key: string): Gauge<"server"> {
    let g = this.mntrGauges.get(key);
    if (g === undefined) {
      g = new Gauge({
        name: key,
        help: `ZooKeeper mntr ${key}`,
        labelNames: ["server"],
        registers: [this.registry],
      });
      this.mntrGauges.set(key, g);
    }
    return g;
  }
}
