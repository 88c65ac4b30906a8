/**
 * Schedules on the dashboard: `/api/schedules` (each with its next firing) and their figures on
 * `/metrics`. The master counts firings and misses in each schedule's state node, so these are read from
 * ZooKeeper at request time: every dashboard shows the same numbers, across master failovers.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { ScheduleInfo } from "../tasks/index.js";

/** Reads every schedule (e.g. `() => new Schedules(client, { root }).list()`). */
export type ScheduleReader = () => Promise<readonly ScheduleInfo[]>;

export interface ScheduleRow {
  id: string;
  status: ScheduleInfo["status"];
  type: string;
  /** "every 1000 ms" or `cron "0 9 * * *" Europe/Berlin`. */
  when: string;
  missedPolicy: ScheduleInfo["spec"]["missed"];
  next: number | null;
  last: number | null;
  fired: number;
  missed: number;
  limit: number | null;
}

export function scheduleRows(list: readonly ScheduleInfo[]): ScheduleRow[] {
  return list.map((s) => ({
    id: s.id,
    status: s.status,
    type: s.task.type,
    when:
      s.spec.every !== undefined
        ? `every ${s.spec.every} ms`
        : `cron "${s.spec.cron ?? ""}" ${s.spec.tz ?? "UTC"}`,
    missedPolicy: s.spec.missed,
    next: s.next,
    last: s.last,
    fired: s.fired,
    missed: s.missed,
    limit: s.spec.limit ?? null,
  }));
}

/** overseer_schedule_firings_total, overseer_schedule_missed_total and the next firing, per schedule. */
export function registerScheduleMetrics(registry: Registry, read: ScheduleReader): void {
  const registers = [registry];
  // One read per scrape, shared by the three metrics (prom-client collects them one after another).
  let pending: Promise<readonly ScheduleInfo[]> | null = null;
  const once = (): Promise<readonly ScheduleInfo[]> => {
    pending ??= read().finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  new Counter({
    name: "overseer_schedule_firings_total",
    help: "Tasks a schedule has fired (counted by the master in <root>/schedules/<id>/state)",
    labelNames: ["schedule"],
    registers,
    async collect() {
      const list = await once();
      this.reset();
      for (const s of list) this.inc({ schedule: s.id }, s.fired);
    },
  });
  new Counter({
    name: "overseer_schedule_missed_total",
    help: "Slots a schedule gave up under its `missed` policy (no master, or paused)",
    labelNames: ["schedule"],
    registers,
    async collect() {
      const list = await once();
      this.reset();
      for (const s of list) this.inc({ schedule: s.id }, s.missed);
    },
  });
  new Gauge({
    name: "overseer_schedule_next_firing_timestamp_seconds",
    help: "When a schedule fires next (absent while paused or finished)",
    labelNames: ["schedule"],
    registers,
    async collect() {
      const list = await once();
      this.reset();
      for (const s of list) if (s.next !== null) this.set({ schedule: s.id }, s.next / 1000);
    },
  });
}
