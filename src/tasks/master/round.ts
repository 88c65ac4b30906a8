/** The master's pure decisions over its picture: which pending tasks go where now, what retention drops. */
import type { ClusterState } from "./state.js";
import type { Pick } from "./writes.js";
import type { ResolvedMasterOptions } from "./options.js";
import type { Scheduler } from "./scheduler.js";
import type { LimitGate } from "./limits.js";
import { overflowPicks } from "./overflow.js";

/** Ready tasks in fair order (groups round-robin, see pending-groups.ts), each given to the scheduler's
 * worker while capacity lasts and `gate` (the limits) allows (then priority overflow, overflow.ts); and when the next delayed or rate-limited
 * task may start (Infinity: none, or only an ending task can free it). */
export function pickTasks(
  state: ClusterState,
  scheduler: Scheduler,
  now: number,
  gate: LimitGate | null = null,
): { picks: Pick[]; nextWake: number } {
  let free = state.freeCapacity();
  const picks: Pick[] = [];
  let nextWake = Infinity;
  if (free === 0) {
    overflowPicks(state, scheduler, now, gate, picks);
    return { picks, nextWake };
  }
  const views = state.workerViews();
  const byId = new Map(views.map((v) => [v.id, v as { load: number }]));
  const round = state.fairRound();
  for (const g of round.turns()) {
    if (free === 0) break;
    if (gate !== null) {
      // A group whose every type is over a limit is passed over without walking its tasks.
      let wait = Infinity;
      for (const type of g.types.keys())
        if ((wait = Math.min(wait, gate.wait(type, g.name, now))) === 0) break;
      if (wait > 0) {
        nextWake = Math.min(nextWake, wait);
        continue;
      }
    }
    let placed = false;
    for (let task = round.next(g); task !== undefined; task = round.next(g)) {
      if (task.notBefore > now) {
        nextWake = Math.min(nextWake, task.notBefore);
        continue;
      }
      const wait = gate === null ? 0 : gate.wait(task.type, task.group, now);
      if (wait > 0) {
        nextWake = Math.min(nextWake, wait);
        continue;
      }
      const id = scheduler.pick(task, views);
      const view = id === null ? undefined : byId.get(id);
      if (id === null || view === undefined) continue;
      view.load++;
      free--;
      gate?.record(task, now);
      picks.push({ task, worker: id });
      placed = true;
      break;
    }
    if (placed) round.served(g);
  }
  // Every slot taken: a task that outranks a worker's queued assignments may still go to it.
  if (free === 0) overflowPicks(state, scheduler, now, gate, picks);
  return { picks, nextWake };
}

/** Finished tasks retention removes now (oldest first; then those whose own removeOnComplete /
 * removeOnFail says so), and when the next one falls due. */
export function toRetain(
  state: ClusterState,
  retention: ResolvedMasterOptions["retention"],
  now: number,
  perTask?: { due(now: number): { drop: string[]; nextAt: number } },
): { drop: string[]; nextAt: number } {
  const own = perTask?.due(now) ?? { drop: [], nextAt: Infinity };
  const { maxAge, maxCount } = retention;
  if (maxAge === Infinity && maxCount === Infinity) return own;
  // Oldest first; stop at the first entry kept: a round costs what it drops, not the number finished.
  const cutoff = now - maxAge;
  let excess = state.finished.size - maxCount;
  const drop: string[] = [];
  let nextAt = Infinity;
  for (const [key, at] of state.finishedOldestFirst()) {
    if (excess > 0 || at <= cutoff) {
      drop.push(key);
      excess--;
      continue;
    }
    if (maxAge !== Infinity) nextAt = at + maxAge;
    break;
  }
  const dropping = new Set(drop);
  return {
    drop: [...drop, ...own.drop.filter((k) => !dropping.has(k))],
    nextAt: Math.min(nextAt, own.nextAt),
  };
}
