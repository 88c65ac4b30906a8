/**
 * `overseer status`: the active master and its epoch, the backups, the workers with their load, and the
 * queue depth by state — read from ZooKeeper alone, as a new master would. Also the readers that
 * `overseer tasks` and `overseer workers` share.
 */
import type { Command } from "commander";
import { NoNodeError, type ZooKeeperClient } from "../../client/index.js";
import { decodeEnvelope, decodeOutcome, type Envelope, type TaskOutcome } from "../../tasks/envelope.js";
import { Layout, idOfKey, keyOfAssignName } from "../../tasks/layout.js";
import { decodeWorkerInfo, type WorkerInfo } from "../../tasks/worker-info.js";
import { mapLimit } from "../../tasks/zk.js";
import { addConnectionOptions, CliError, ExitCode, withClient, type ConnectionFlags } from "../connection.js";
import { printJson } from "../output.js";

export type TaskState = "waiting" | "delayed" | "running" | "done" | "failed" | "cancelled";
export const TASK_STATES: readonly TaskState[] = [
  "waiting",
  "delayed",
  "running",
  "done",
  "failed",
  "cancelled",
];

export interface MasterView {
  id: string;
  epoch: number | null;
  pid: number | null;
  since: number | null;
}

export interface WorkerRow extends WorkerInfo {
  id: string;
  load: number;
}

export interface TaskRow {
  id: string;
  key: string;
  type: string | null;
  state: TaskState;
  worker: string | null;
  attempt: number;
  requeues: number;
  priority: number;
  submittedAt: number | null;
  envelope: Envelope | null;
  /** Raw seed tasks: their bytes as text. */
  raw: string | null;
  outcome: TaskOutcome | null;
}

export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

export async function readMaster(client: ZooKeeperClient, layout: Layout): Promise<MasterView | null> {
  const got = await orNull(client.getData(layout.master));
  if (got === null) return null;
  const text = got.data?.toString("utf8") ?? "";
  try {
    const v = JSON.parse(text) as Partial<Record<keyof MasterView, unknown>>;
    const num = (x: unknown): number | null => (typeof x === "number" ? x : null);
    return {
      id: typeof v.id === "string" ? v.id : text,
      epoch: num(v.epoch),
      pid: num(v.pid),
      since: num(v.since),
    };
  } catch {
    return { id: text, epoch: null, pid: null, since: null }; // a master registered by hand in zkCli
  }
}

/** Candidate identities in succession order (the first is the leader, the rest are backups). */
export async function readCandidates(client: ZooKeeperClient, layout: Layout): Promise<string[]> {
  const dir = `${layout.election}/candidates`;
  const names = (await orNull(client.getChildren(dir))) ?? [];
  const seq = (n: string): number => Number(n.slice(n.lastIndexOf("-") + 1));
  const sorted = names.filter((n) => Number.isInteger(seq(n))).sort((a, b) => seq(a) - seq(b));
  const ids = await mapLimit(sorted, 32, async (n) => (await orNull(client.getData(`${dir}/${n}`)))?.data);
  return ids.flatMap((d) => (d === undefined || d === null ? [] : [d.toString("utf8")]));
}

/** worker id → assigned task keys, for live workers and for directories of workers that are gone. */
export async function readAssignments(
  client: ZooKeeperClient,
  layout: Layout,
): Promise<Map<string, string[]>> {
  const dirs = (await orNull(client.getChildren(layout.assign))) ?? [];
  const out = new Map<string, string[]>();
  await mapLimit(dirs, 32, async (w) => {
    const names = (await orNull(client.getChildren(layout.assignDir(w)))) ?? [];
    out.set(w, names.map(keyOfAssignName));
  });
  return out;
}

export async function readWorkers(
  client: ZooKeeperClient,
  layout: Layout,
  assigned?: Map<string, string[]>,
): Promise<WorkerRow[]> {
  const ids = ((await orNull(client.getChildren(layout.workers))) ?? []).sort();
  const byWorker = assigned ?? (await readAssignments(client, layout));
  const rows = await mapLimit(ids, 32, async (id) => {
    const got = await orNull(client.getData(layout.worker(id)));
    if (got === null) return null;
    return { id, ...decodeWorkerInfo(got.data), load: byWorker.get(id)?.length ?? 0 };
  });
  return rows.filter((r): r is WorkerRow => r !== null);
}

/** Every task key: raw seed tasks flat under /tasks, structured ones in their buckets. */
export async function listTaskKeys(client: ZooKeeperClient, layout: Layout): Promise<string[]> {
  const top = (await orNull(client.getChildren(layout.tasks))) ?? [];
  const raw = top.filter((n) => n.startsWith("task-")).sort();
  const buckets = top.filter((n) => n.startsWith("b-")).sort();
  const inBuckets = await mapLimit(buckets, 16, async (b) =>
    ((await orNull(client.getChildren(layout.bucket(b)))) ?? []).map((n) => `${b}/${n}`),
  );
  return [...raw, ...inBuckets.flat()];
}

/** Reads one task (null if it is gone). `assignedTo` maps task key → worker. */
export async function readTask(
  client: ZooKeeperClient,
  layout: Layout,
  key: string,
  assignedTo: Map<string, string>,
): Promise<TaskRow | null> {
  // Two plain reads, not one multiRead: two large payloads in one reply could pass jute.maxbuffer.
  const [task, status] = await Promise.all([
    orNull(client.getData(layout.task(key))),
    orNull(client.getData(layout.status(key))),
  ]);
  if (task === null) return null;
  const env = key.includes("/") ? decodeEnvelope(task.data) : null;
  const outcome = status === null ? null : decodeOutcome(status.data);
  const worker = assignedTo.get(key) ?? null;
  const state: TaskState =
    outcome !== null
      ? outcome.state
      : worker !== null
        ? "running"
        : env !== null && env.run.notBefore > Date.now()
          ? "delayed"
          : "waiting";
  return {
    id: idOfKey(key),
    key,
    type: env?.type ?? null,
    state,
    worker:
      worker ?? (outcome?.state === "done" || outcome?.state === "failed" ? (outcome.worker ?? null) : null),
    attempt:
      outcome !== null && outcome.state !== "cancelled" ? outcome.attempt : (env?.run.failures ?? 0) + 1,
    requeues: env?.run.requeues ?? 0,
    priority: env?.options.priority ?? 0,
    submittedAt: env?.submittedAt ?? null,
    envelope: env,
    raw: env === null ? (task.data?.toString("utf8") ?? "") : null,
    outcome,
  };
}

export function assignedByTask(assignments: Map<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [w, keys] of assignments) for (const k of keys) out.set(k, w);
  return out;
}

export async function readAllTasks(
  client: ZooKeeperClient,
  layout: Layout,
  assignments?: Map<string, string[]>,
): Promise<TaskRow[]> {
  const byTask = assignedByTask(assignments ?? (await readAssignments(client, layout)));
  const keys = await listTaskKeys(client, layout);
  const rows = await mapLimit(keys, 256, (k) => readTask(client, layout, k, byTask));
  return rows.filter((r): r is TaskRow => r !== null);
}

export function countByState(rows: readonly TaskRow[]): Record<TaskState, number> {
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  for (const r of rows) counts[r.state]++;
  return counts;
}

/** `--root` checked up front, so a typo is a usage error and not a confusing empty cluster. */
export function layoutOf(flags: ConnectionFlags): Layout {
  try {
    return new Layout(flags.root ?? "/");
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), ExitCode.usage);
  }
}

export interface StatusReport {
  root: string;
  master: MasterView | null;
  backups: string[];
  paused: boolean;
  workers: WorkerRow[];
  tasks: Record<TaskState, number> & { total: number };
}

export async function readStatus(client: ZooKeeperClient, layout: Layout): Promise<StatusReport> {
  const [master, candidates, assignments, paused] = await Promise.all([
    readMaster(client, layout),
    readCandidates(client, layout),
    readAssignments(client, layout),
    client.exists(layout.paused),
  ]);
  const [workers, tasks] = await Promise.all([
    readWorkers(client, layout, assignments),
    readAllTasks(client, layout, assignments),
  ]);
  return {
    root: layout.root,
    master,
    backups: candidates.filter((c) => c !== master?.id),
    paused: paused !== null,
    workers,
    tasks: { ...countByState(tasks), total: tasks.length },
  };
}

export function formatStatus(s: StatusReport): string {
  const lines: string[] = [];
  const m = s.master;
  lines.push(
    m === null
      ? "master:   none active (start one with `overseer master`)"
      : `master:   ${m.id}${m.epoch !== null ? ` (epoch ${m.epoch})` : ""}${m.pid !== null ? ` pid ${m.pid}` : ""}` +
          (m.since !== null ? `, leading for ${Math.round((Date.now() - m.since) / 1000)} s` : ""),
  );
  lines.push(`backups:  ${s.backups.length === 0 ? "none" : s.backups.join(", ")}`);
  if (s.paused) lines.push("assignment is PAUSED");
  lines.push(
    `workers:  ${s.workers.length}${s.workers.length === 0 ? " (start one with `overseer worker`)" : ""}`,
  );
  for (const w of s.workers)
    lines.push(
      `  ${w.id}  load ${w.load}/${w.capacity}${w.labels.length > 0 ? `  labels ${w.labels.join(",")}` : ""}`,
    );
  const t = s.tasks;
  lines.push(`tasks:    ${t.total} total — ${TASK_STATES.map((st) => `${st} ${t[st]}`).join(", ")}`);
  return lines.join("\n");
}

export function registerStatusCommand(program: Command): void {
  addConnectionOptions(
    program
      .command("status")
      .description("active master and epoch, backups, workers with load, tasks by state"),
  ).action(async (flags: ConnectionFlags) => {
    const layout = layoutOf(flags);
    const report = await withClient(flags, (c) => readStatus(c, layout));
    if (flags.json) printJson(report);
    else console.log(formatStatus(report));
  });
}
