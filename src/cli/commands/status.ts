/**
 * `overseer status`: the active master and its epoch, the backups, the workers with their load, and the
 * queue depth by state — read from ZooKeeper alone, as a new master would, by the task system's cluster
 * reader (overseer/tasks). Also `layoutOf` and the worker rows that `overseer workers` prints.
 */
import type { Command } from "commander";
import type { ZooKeeperClient } from "../../client/index.js";
import {
  countByState,
  Layout,
  listAssignments,
  loadByWorker,
  readAllTasks,
  readElection,
  readMaster,
  readWorkers,
  TASK_STATES,
  type MasterInfo,
  type TaskCounts,
  type WorkerRecord,
} from "../../tasks/index.js";
import { addConnectionOptions, CliError, ExitCode, withClient, type ConnectionFlags } from "../connection.js";
import { printJson } from "../output.js";

export interface WorkerRow extends WorkerRecord {
  /** Assignments it holds. */
  load: number;
}

/** `--root` checked up front, so a typo is a usage error and not a confusing empty cluster. */
export function layoutOf(flags: ConnectionFlags): Layout {
  try {
    return new Layout(flags.root ?? "/");
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), ExitCode.usage);
  }
}

/** The live workers with the number of assignments each holds. */
export async function readWorkerRows(client: ZooKeeperClient, layout: Layout): Promise<WorkerRow[]> {
  const [workers, assignments] = await Promise.all([
    readWorkers(client, layout),
    listAssignments(client, layout),
  ]);
  const load = loadByWorker(assignments);
  return workers.map((w) => ({ ...w, load: load.get(w.id) ?? 0 }));
}

export interface StatusReport {
  root: string;
  master: MasterInfo | null;
  backups: string[];
  paused: boolean;
  workers: WorkerRow[];
  tasks: TaskCounts;
}

export async function readStatus(client: ZooKeeperClient, layout: Layout): Promise<StatusReport> {
  const [master, election, paused, workers, tasks] = await Promise.all([
    readMaster(client, layout),
    readElection(client, layout),
    client.exists(layout.paused),
    readWorkerRows(client, layout),
    readAllTasks(client, layout),
  ]);
  return {
    root: layout.root,
    master,
    backups: election.candidates.filter((c) => c !== master?.id),
    paused: paused !== null,
    workers,
    tasks: countByState(tasks),
  };
}

export function formatStatus(s: StatusReport): string {
  const lines: string[] = [];
  const m = s.master;
  lines.push(
    m === null
      ? "master:   none active (start one with `overseer master`)"
      : `master:   ${m.id}${m.epoch !== null ? ` (epoch ${m.epoch})` : ""}${m.pid !== null ? ` pid ${m.pid}` : ""}` +
          `, leading for ${Math.round((Date.now() - m.since) / 1000)} s`,
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
