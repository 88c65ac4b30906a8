/** The demo's end check: every task done with exactly one committed result, set against what workers ran. */
import { readFileSync } from "node:fs";
import type { TaskRecord } from "../../tasks/index.js";

export interface Verdict {
  tasks: number;
  completed: number;
  notCompleted: string[];
  executions: number;
  /** Tasks that started more than once (each extra start is a duplicate execution). */
  duplicateTasks: number;
  duplicateExecutions: number;
  /** Tasks taken back from a dead worker and assigned again (the task's `requeues`). */
  reassigned: number;
  committedResults: number;
  /** Done tasks whose committed result names an execution no worker logged: must be 0. */
  unexplained: string[];
  ok: boolean;
}

export function verify(rows: readonly TaskRecord[], expected: number, executionLog: string): Verdict {
  const runs = new Map<string, string[]>();
  let executions = 0;
  let text = "";
  try {
    text = readFileSync(executionLog, "utf8");
  } catch {
    // no executions at all: every task will show up as unexplained or not completed
  }
  for (const line of text.split("\n")) {
    const [id, worker, token] = line.split(" ");
    if (id === undefined || worker === undefined || token === undefined) continue;
    executions++;
    const list = runs.get(id) ?? [];
    list.push(`${worker}#${token}`);
    runs.set(id, list);
  }
  const done = rows.filter((r) => r.outcome?.state === "done");
  const unexplained: string[] = [];
  for (const r of done) {
    const res =
      r.outcome?.state === "done" ? (r.outcome.result as { worker?: unknown; token?: unknown }) : {};
    const tag = `${String(res.worker)}#${String(res.token)}`;
    if (!(runs.get(r.id) ?? []).includes(tag)) unexplained.push(r.id);
  }
  let duplicateTasks = 0;
  let duplicateExecutions = 0;
  for (const list of runs.values())
    if (list.length > 1) {
      duplicateTasks++;
      duplicateExecutions += list.length - 1;
    }
  const notCompleted = rows.filter((r) => r.state !== "done").map((r) => `${r.id} (${r.state})`);
  return {
    tasks: rows.length,
    completed: done.length,
    notCompleted,
    executions,
    duplicateTasks,
    duplicateExecutions,
    reassigned: rows.filter((r) => r.requeues > 0).length,
    // One status node per task is all ZooKeeper can hold; counted, not assumed.
    committedResults: rows.filter((r) => r.outcome !== null).length,
    unexplained,
    ok: rows.length === expected && done.length === expected && unexplained.length === 0,
  };
}
