/** Choosing a worker for a task. Pluggable: pass your own `Scheduler` to the master. */

export interface TaskView {
  readonly key: string;
  /** null for raw seed tasks. */
  readonly type: string | null;
  readonly priority: number;
  readonly labels: readonly string[];
}

export interface WorkerView {
  readonly id: string;
  readonly capacity: number;
  /** Assignments it holds now (including ones made earlier in this round). */
  readonly load: number;
  readonly labels: readonly string[];
  readonly types: readonly string[];
  readonly raw: boolean;
}

export interface Scheduler {
  /** The id of a worker from `workers` for `task`, or null to leave it waiting. Called synchronously. */
  pick(task: TaskView, workers: readonly WorkerView[]): string | null;
}

/** Can this worker run this task at all (type and labels), ignoring load? */
export function eligible(task: TaskView, w: WorkerView): boolean {
  if (task.type === null ? !w.raw : !w.types.includes(task.type)) return false;
  return task.labels.every((l) => w.labels.includes(l));
}

/** Default: among eligible workers with free capacity, the least loaded relative to capacity. */
export const leastLoaded: Scheduler = {
  pick(task, workers) {
    let best: WorkerView | null = null;
    let bestRatio = Infinity;
    for (const w of workers) {
      if (w.load >= w.capacity || !eligible(task, w)) continue;
      const ratio = w.load / w.capacity;
      if (ratio < bestRatio) {
        best = w;
        bestRatio = ratio;
      }
    }
    return best?.id ?? null;
  },
};
