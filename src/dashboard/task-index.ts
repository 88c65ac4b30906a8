/**
 * The in-memory picture of every task: one small record per task (no payloads), counts kept
 * incrementally, and the newest-first order rebuilt lazily for paging. 100,000 tasks cost a few MB.
 */
import { emptyCounts, idOfKey } from "../tasks/index.js";
import { type FailureView, type TaskPage, type TaskQuery, type TaskRow, type TaskState } from "./types.js";

export interface TaskEntry {
  key: string;
  state: TaskState;
  type: string;
  submittedAt: number;
  worker: string;
  startedAt: number | null;
  finishedAt: number | null;
  attempt: number;
  reason: string;
}

export interface Assignment {
  worker: string;
  key: string;
  ctime: number;
}

const FAILURES = 20;

export class TaskIndex {
  private readonly entries = new Map<string, TaskEntry>();
  private readonly counts = emptyCounts();
  /** Assignments by task key (a task has at most one current assignment). */
  private readonly assigned = new Map<string, Assignment>();
  private sorted: TaskEntry[] | null = null;

  get size(): number {
    return this.entries.size;
  }

  get(key: string): TaskEntry | undefined {
    return this.entries.get(key);
  }

  /** Entries are updated in place so the cached order stays valid unless the sort key moved. */
  set(e: TaskEntry): void {
    const old = this.entries.get(e.key);
    if (old === undefined) {
      this.entries.set(e.key, { ...e });
      this.sorted = null;
    } else {
      this.counts[old.state]--;
      if (old.submittedAt !== e.submittedAt) this.sorted = null;
      Object.assign(old, e);
    }
    this.counts[e.state]++;
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.counts[old.state]--;
    this.entries.delete(key);
    this.sorted = null;
  }

  assignment(key: string): Assignment | undefined {
    return this.assigned.get(key);
  }

  setAssignment(a: Assignment): void {
    this.assigned.set(a.key, a);
  }

  /** Removes the assignment of `key` if it is the one held by `worker`. */
  deleteAssignment(key: string, worker: string): void {
    if (this.assigned.get(key)?.worker === worker) this.assigned.delete(key);
  }

  /** Drops every assignment of a worker whose assign directory went away. */
  deleteWorkerAssignments(worker: string): string[] {
    const keys: string[] = [];
    for (const a of this.assigned.values()) if (a.worker === worker) keys.push(a.key);
    for (const k of keys) this.assigned.delete(k);
    return keys;
  }

  runningByWorker(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const a of this.assigned.values()) {
      const list = out.get(a.worker);
      if (list === undefined) out.set(a.worker, [a.key]);
      else list.push(a.key);
    }
    return out;
  }

  stateCounts(): Record<TaskState, number> {
    return { ...this.counts };
  }

  failures(): FailureView[] {
    const top: TaskEntry[] = [];
    for (const e of this.entries.values()) {
      if (e.state !== "failed") continue;
      top.push(e);
      if (top.length > FAILURES * 4) {
        top.sort(byFinishedDesc);
        top.length = FAILURES;
      }
    }
    return top
      .sort(byFinishedDesc)
      .slice(0, FAILURES)
      .map((e) => ({
        key: e.key,
        reason: e.reason,
        worker: e.worker,
        attempt: e.attempt,
        at: e.finishedAt ?? 0,
      }));
  }

  page(q: TaskQuery): TaskPage {
    const all = this.order();
    const list = q.state === undefined ? all : all.filter((e) => e.state === q.state);
    return {
      total: list.length,
      offset: q.offset,
      rows: list.slice(q.offset, q.offset + q.limit).map(toRow),
    };
  }

  private order(): TaskEntry[] {
    if (this.sorted === null)
      this.sorted = [...this.entries.values()].sort(
        (a, b) => b.submittedAt - a.submittedAt || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0),
      );
    return this.sorted;
  }
}

function byFinishedDesc(a: TaskEntry, b: TaskEntry): number {
  return (b.finishedAt ?? 0) - (a.finishedAt ?? 0);
}

export function toRow(e: TaskEntry): TaskRow {
  return {
    key: e.key,
    id: idOfKey(e.key),
    state: e.state,
    type: e.type,
    worker: e.worker,
    submittedAt: e.submittedAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
    attempt: e.attempt,
  };
}
