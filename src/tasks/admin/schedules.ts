/**
 * Schedules (repeatable tasks): any client writes them under `<root>/schedules`; the active master fires
 * them (master/schedules.ts). Everything is in ZooKeeper, so schedules and their progress survive
 * master failover. Invalid specs throw InvalidArgumentError before anything is written.
 *
 * ```ts
 * const schedules = new Schedules(client, { root: "/app" });
 * await schedules.upsert("nightly", { cron: "0 3 * * *", tz: "Europe/Berlin" }, { type: "report" });
 * await schedules.upsert("tick", { every: "5m", missed: "skip" }, { type: "poll", payload: { url } });
 * ```
 */
import {
  BadVersionError,
  InvalidArgumentError,
  NodeExistsError,
  NoNodeError,
  isRetriable,
  retry,
  type ZooKeeperClient,
} from "../../client/index.js";
import { encodeEnvelope } from "../envelope.js";
import { PayloadTooLargeError, TaskError } from "../errors.js";
import { Layout } from "../layout.js";
import {
  checkScheduleId,
  decodeProgress,
  decodeSchedule,
  encodeSchedule,
  INITIAL_PROGRESS,
  parseScheduleSpec,
  parseTemplate,
  type ScheduleNode,
  type ScheduleSpec,
  type ScheduleSpecInput,
  type StoredTemplate,
  type TaskTemplate,
} from "../schedule-spec.js";
import { nextSlot, scheduleStatus } from "../schedule-slots.js";
import { DEFAULT_MAX_TASK_BYTES } from "../submit/submitter.js";
import { ensurePath, mapLimit } from "../zk.js";

export interface SchedulesOptions {
  /** Cluster root; default "/". */
  root?: string;
  /** Clock for `createdAt`/`resumedAt` (ms since the epoch). Default Date.now. */
  now?: () => number;
}

/** One schedule as `list()` and `get()` report it. */
export interface ScheduleInfo {
  id: string;
  spec: ScheduleSpec;
  task: StoredTemplate;
  status: "active" | "paused" | "finished";
  /** The next slot that will fire (ms since the epoch); null when paused or finished. */
  next: number | null;
  /** Latest slot dealt with (fired or missed). */
  last: number | null;
  /** Firings so far (tasks created) and slots given up under `missed`. */
  fired: number;
  missed: number;
  createdAt: number;
}

/** pause/resume of a schedule id that does not exist. */
export class ScheduleNotFoundError extends TaskError {
  override name = "ScheduleNotFoundError";
  constructor(readonly scheduleId: string) {
    super("SCHEDULE_NOT_FOUND", `no schedule ${scheduleId}`);
  }
}

export class Schedules {
  private readonly layout: Layout;
  private readonly now: () => number;

  constructor(
    private readonly client: ZooKeeperClient,
    opts: SchedulesOptions = {},
  ) {
    for (const k of Object.keys(opts))
      if (k !== "root" && k !== "now") throw new InvalidArgumentError(k, "unknown option");
    this.layout = new Layout(opts.root);
    this.now = opts.now ?? Date.now;
  }

  /**
   * Creates the schedule, or replaces its spec and template (keeping its progress, pause state and
   * creation time). `created` says which.
   */
  async upsert(id: string, spec: ScheduleSpecInput, task: TaskTemplate): Promise<{ created: boolean }> {
    checkScheduleId(id);
    const s = parseScheduleSpec(spec);
    const t = parseTemplate(task);
    const sample = encodeEnvelope({
      v: 1,
      ...t,
      run: { failures: 0, notBefore: 0, requeues: 0 },
      submittedAt: 0,
      n: 0,
    }).length;
    if (sample > DEFAULT_MAX_TASK_BYTES) throw new PayloadTooLargeError(sample, DEFAULT_MAX_TASK_BYTES);
    await ensurePath(this.client, this.layout.schedules);
    const path = this.layout.schedule(id);
    for (;;) {
      const node: ScheduleNode = { v: 1, spec: s, task: t, paused: false, createdAt: this.now() };
      try {
        // A create whose reply was lost is retried and finds its own node: then it is an update.
        await retry(() =>
          this.client
            .transaction()
            .create(path, encodeSchedule(node))
            .create(this.layout.scheduleState(id), JSON.stringify(INITIAL_PROGRESS))
            .commit(),
        );
        return { created: true };
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
      try {
        await this.update(id, (old) => ({ ...old, spec: s, task: t }));
        return { created: false };
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err; // removed meanwhile: create it
      }
    }
  }

  /** Deletes the schedule (tasks it fired stay). False if there was none. */
  async remove(id: string): Promise<boolean> {
    checkScheduleId(id);
    return retry(async () => {
      try {
        await this.client
          .transaction()
          .delete(this.layout.scheduleState(id))
          .delete(this.layout.schedule(id))
          .commit();
        return true;
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
      try {
        await this.client.delete(this.layout.schedule(id));
        return true;
      } catch (err) {
        if (err instanceof NoNodeError) return false;
        throw err;
      }
    });
  }

  /** No slot fires while paused (a firing the master had not committed before this returns, never will). */
  async pause(id: string): Promise<void> {
    await this.update(id, (old) => (old.paused ? null : { ...old, paused: true }));
  }

  /** Fires again; slots that came while paused count as missed (the schedule's `missed` applies). */
  async resume(id: string): Promise<void> {
    await this.update(id, (old) => (old.paused ? { ...old, paused: false, resumedAt: this.now() } : null));
  }

  async get(id: string): Promise<ScheduleInfo | null> {
    checkScheduleId(id);
    const [s, st] = await this.client.multiRead([
      { type: "getData", path: this.layout.schedule(id) },
      { type: "getData", path: this.layout.scheduleState(id) },
    ]);
    const node = s?.type === "getData" ? decodeSchedule(s.data) : null;
    if (node === null) return null;
    const progress = decodeProgress(st?.type === "getData" ? st.data : null);
    return {
      id,
      spec: node.spec,
      task: node.task,
      status: scheduleStatus(node, progress),
      next: nextSlot(node, progress),
      last: progress.last,
      fired: progress.fired,
      missed: progress.missed,
      createdAt: node.createdAt,
    };
  }

  /** Every schedule, by id. */
  async list(): Promise<ScheduleInfo[]> {
    let ids: string[];
    try {
      ids = await this.client.getChildren(this.layout.schedules);
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
    const infos = await mapLimit(ids.sort(), 16, (id) => this.get(id));
    return infos.filter((i): i is ScheduleInfo => i !== null);
  }

  /** Read-modify-write of the schedule node with its version (null from `change`: nothing to write). */
  private async update(id: string, change: (old: ScheduleNode) => ScheduleNode | null): Promise<void> {
    checkScheduleId(id);
    const path = this.layout.schedule(id);
    await retry(
      async () => {
        let got;
        try {
          got = await this.client.getData(path);
        } catch (err) {
          if (err instanceof NoNodeError) throw new ScheduleNotFoundError(id);
          throw err;
        }
        const old = decodeSchedule(got.data);
        if (old === null) throw new ScheduleNotFoundError(id);
        const next = change(old);
        if (next === null) return;
        await this.client.setData(path, encodeSchedule(next), got.stat.version);
      },
      { isRetriable: (err) => err instanceof BadVersionError || isRetriable(err) },
    );
  }
}
