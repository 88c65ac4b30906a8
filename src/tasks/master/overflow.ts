/**
 * Priority overflow: how a worker that prefetches keeps strict priority order (docs/SEMANTICS.md
 * "Prefetch and priority").
 *
 * A worker runs the assignments it holds highest priority first (worker/slot-gate.ts), so among what
 * it holds, order is strict. What it cannot see is a task still pending at the master that outranks
 * one of its queued (prefetched, not started) assignments: without help that task would wait until
 * the queued ones had run. So when every slot is taken, a pending ready task that outranks more than
 * `concurrency` of a worker's assignments (then at least one of those is queued, not running) is
 * assigned to that worker beyond its capacity — at most `prefetch` beyond — and the worker runs it
 * next. Nothing is taken back: a queued assignment may already have started, and only the worker
 * knows, so the master adds rather than swaps.
 */
import type { ClusterState, WorkerEntry } from "./state.js";
import type { Pick } from "./writes.js";
import type { Scheduler, WorkerView } from "./scheduler.js";
import type { LimitGate } from "./limits.js";

interface Candidate {
  entry: WorkerEntry;
  /** Priorities of its assignments, lowest first (this round's overflow picks included). */
  held: number[];
  /** Overflow picks it may still take this round. */
  room: number;
}

/**
 * Overflow picks for this round (see the header), appended to `picks`. Cheap when it cannot apply:
 * two small maps say whether any pending task outranks any assignment at all.
 */
export function overflowPicks(
  state: ClusterState,
  scheduler: Scheduler,
  now: number,
  gate: LimitGate | null,
  picks: Pick[],
): void {
  const topPending = maxKey(state.pendingPriorities);
  const lowAssigned = minKey(state.assignedPriorities);
  if (topPending === undefined || lowAssigned === undefined || topPending <= lowAssigned) return;
  const candidates = new Map<string, Candidate>();
  for (const entry of state.workers.values()) {
    const { capacity, concurrency } = entry.info;
    const room = Math.min(capacity - concurrency, 2 * capacity - concurrency - entry.assigned.size);
    if (room <= 0 || entry.assigned.size <= concurrency) continue;
    const held: number[] = [];
    for (const key of entry.assigned) held.push(state.assignedPriority.get(key) ?? Infinity);
    held.sort((a, b) => a - b);
    candidates.set(entry.id, { entry, held, room });
  }
  if (candidates.size === 0) return;
  const picked = new Set(picks.map((p) => p.task.key));
  const round = state.fairRound();
  for (const g of round.turns()) {
    for (let task = round.next(g); task !== undefined; task = round.next(g)) {
      // A group is walked highest priority first: once nothing is outranked, nothing later is.
      if (!Number.isFinite(threshold(candidates)) || task.priority <= threshold(candidates)) break;
      if (picked.has(task.key) || task.notBefore > now) continue;
      if (gate !== null && gate.wait(task.type, task.group, now) > 0) continue;
      const views: WorkerView[] = [];
      for (const c of candidates.values())
        if (outranked(c, task.priority) > c.entry.info.concurrency) views.push(view(c));
      const id = views.length === 0 ? null : scheduler.pick(task, views);
      const c = id === null ? undefined : candidates.get(id);
      if (c === undefined) continue;
      picked.add(task.key);
      picks.push({ task, worker: c.entry.id });
      gate?.record(task, now);
      insertSorted(c.held, task.priority);
      if (--c.room === 0) candidates.delete(c.entry.id);
    }
  }
}

/** The lowest priority a task must beat to overflow anywhere: min over candidates of their
 * (concurrency + 1)-th lowest assignment. */
function threshold(candidates: Map<string, Candidate>): number {
  let t = Infinity;
  for (const c of candidates.values()) t = Math.min(t, c.held[c.entry.info.concurrency] ?? Infinity);
  return t;
}

/** How many of the candidate's assignments `priority` outranks. */
function outranked(c: Candidate, priority: number): number {
  let n = 0;
  while (n < c.held.length && (c.held[n] as number) < priority) n++;
  return n;
}

/** The view a scheduler sees: one free slot (the overflow one). */
function view(c: Candidate): WorkerView {
  const { info, id } = c.entry;
  const load = c.held.length;
  return { id, capacity: load + 1, load, labels: info.labels, types: info.types, raw: info.raw };
}

function insertSorted(xs: number[], x: number): void {
  let i = xs.length;
  while (i > 0 && (xs[i - 1] as number) > x) i--;
  xs.splice(i, 0, x);
}

function maxKey(m: Map<number, number>): number | undefined {
  let best: number | undefined;
  for (const k of m.keys()) if (best === undefined || k > best) best = k;
  return best;
}

function minKey(m: Map<number, number>): number | undefined {
  let best: number | undefined;
  for (const k of m.keys()) if (best === undefined || k < best) best = k;
  return best;
}
