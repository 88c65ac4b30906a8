/**
 * Slot arithmetic of schedules: pure functions of (schedule, progress, clock), so the master's decisions
 * can be tested with a fake clock and readers (CLI, dashboard) compute "next firing" the same way.
 *
 * A slot is an instant a schedule is due: `k·every` since the epoch (or `start + k·every`), or a cron
 * instant. The master deals with slots in order and records the latest one dealt with (`last`). A slot
 * that comes due while a master runs and the schedule is active fires. Slots that came while no master
 * ran, or while the schedule was paused (those up to the master's `watchFrom` or the schedule's
 * `resumedAt`), are *missed* and follow `missed`: "skip" fires none, "one" the latest, "all" each, up
 * to the latest MISSED_ALL_CAP of them; the rest are counted as missed.
 */
import type { Cron } from "croner";
import {
  cronOf,
  MISSED_ALL_CAP,
  type ScheduleNode,
  type ScheduleProgress,
  type ScheduleSpec,
} from "./schedule-spec.js";

/** Cron slots are counted one by one up to this many per gap; beyond it the missed count is a lower bound. */
const CRON_SCAN = 100_000;

export interface Slots {
  /** The first slot strictly after `t`; null if there is none. */
  after(t: number): number | null;
  /** Slots in (a, b]: the latest `n` of them (ascending) and how many there are. */
  between(a: number, b: number, n: number): { slots: number[]; count: number };
}

export function slotsOf(spec: ScheduleSpec): Slots {
  if (spec.every !== undefined) return everySlots(spec.every, spec.start ?? 0);
  return cronSlots(cronOf(spec.cron ?? "", spec.tz));
}

function everySlots(every: number, anchor: number): Slots {
  const floorSlot = (t: number): number => anchor + Math.floor((t - anchor) / every) * every;
  return {
    after: (t) => floorSlot(t) + every,
    between(a, b, n) {
      const first = floorSlot(a) + every;
      const lastSlot = floorSlot(b);
      if (lastSlot < first) return { slots: [], count: 0 };
      const count = (lastSlot - first) / every + 1;
      const k = Math.min(n, count);
      return { slots: Array.from({ length: k }, (_, i) => lastSlot - (k - 1 - i) * every), count };
    },
  };
}

function cronSlots(cron: Cron): Slots {
  const after = (t: number): number | null => cron.nextRun(new Date(t))?.getTime() ?? null;
  return {
    after,
    between(a, b, n) {
      const ring: number[] = [];
      let count = 0;
      for (let s = after(a); s !== null && s <= b; s = after(s)) {
        if (++count > CRON_SCAN) {
          // A very long gap: take the latest n directly; the count stays a lower bound.
          const latest = cron
            .previousRuns(n, new Date(b + 1))
            .map((d) => d.getTime())
            .filter((x) => x > a)
            .reverse();
          return { slots: latest, count: Math.max(count, latest.length) };
        }
        ring.push(s);
        if (ring.length > n) ring.shift();
      }
      return { slots: ring, count };
    },
  };
}

export interface Plan {
  /** Slots to fire now, ascending. */
  fire: number[];
  /** Slots given up (missed and not fired). */
  missed: number;
  /** Progress after this plan (unchanged when there is nothing to do). */
  progress: ScheduleProgress;
  /** The next slot to wake up for; null when the schedule has nothing more to fire (paused, ended, at its limit). */
  next: number | null;
}

/** The earliest instant a slot may have: its start, and never before the schedule existed. */
function lowerBound(node: ScheduleNode): number {
  return Math.max(node.spec.start ?? -Infinity, node.createdAt);
}

/** What a master that has been able to fire since `watchFrom` does at `now`. */
export function planFirings(
  node: ScheduleNode,
  progress: ScheduleProgress,
  now: number,
  watchFrom: number,
  slots: Slots = slotsOf(node.spec),
): Plan {
  const { spec } = node;
  const remaining = (spec.limit ?? Infinity) - progress.fired;
  const idle: Plan = { fire: [], missed: 0, progress, next: null };
  if (node.paused || remaining <= 0) return idle;
  const from = Math.max(progress.last ?? -Infinity, lowerBound(node) - 1);
  const hi = Math.min(now, spec.end ?? Infinity);
  const missedUpTo = Math.min(Math.max(watchFrom, node.resumedAt ?? -Infinity), hi);
  const fire: number[] = [];
  let missed = 0;
  let last = progress.last;
  if (missedUpTo > from) {
    const gap = slots.between(from, missedUpTo, spec.missed === "all" ? MISSED_ALL_CAP : 1);
    const keep = spec.missed === "skip" ? [] : gap.slots;
    fire.push(...keep);
    missed += gap.count - keep.length;
    if (gap.count > 0) last = gap.slots[gap.slots.length - 1] ?? last;
  }
  const onTimeFrom = Math.max(from, missedUpTo);
  if (hi > onTimeFrom) {
    // Normally one slot; more only if this master fell behind while it held its term.
    const due = slots.between(onTimeFrom, hi, MISSED_ALL_CAP);
    fire.push(...due.slots);
    missed += due.count - due.slots.length;
    if (due.count > 0) last = due.slots[due.slots.length - 1] ?? last;
  }
  let fired = fire;
  if (fire.length > remaining) {
    // The limit cuts the plan: the earliest slots fire, the rest never will.
    fired = fire.slice(0, remaining);
    last = fired[fired.length - 1] ?? last;
  }
  const after = { last, fired: progress.fired + fired.length, missed: progress.missed + missed };
  const changed = last !== progress.last || missed > 0;
  return {
    fire: fired,
    missed,
    progress: changed ? after : progress,
    next: nextSlot(node, after, slots),
  };
}

/** The next slot that will fire (may already be due: a master fires it shortly); null if none will. */
export function nextSlot(
  node: ScheduleNode,
  progress: ScheduleProgress,
  slots: Slots = slotsOf(node.spec),
): number | null {
  const { spec } = node;
  if (node.paused || progress.fired >= (spec.limit ?? Infinity)) return null;
  const next = slots.after(Math.max(progress.last ?? -Infinity, lowerBound(node) - 1));
  return next === null || next > (spec.end ?? Infinity) ? null : next;
}

/** active: will fire again; paused; finished: past its end or at its limit. */
export function scheduleStatus(
  node: ScheduleNode,
  progress: ScheduleProgress,
): "active" | "paused" | "finished" {
  if (node.paused) return "paused";
  return nextSlot(node, progress) === null ? "finished" : "active";
}
