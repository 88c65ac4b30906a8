/**
 * What the limits count: starts in a sliding window (StartWindow, persisted in `<root>/limit-starts`) and
 * assignments held (LimitUsage, rebuilt from the assignments a term loads). Pure bookkeeping, no I/O.
 */
import type { Rate } from "../limits.js";

/** Entries per window at most (about): times are rounded up to 1/64 of the window when they crowd. */
const SLOTS = 64;

/**
 * Recent starts as [time, count] entries, oldest first. Starts whose times fall in the same 1/64 of
 * the window share one entry stamped with the latest of them: a start may count as later than it was
 * (never earlier), so the window is never under-counted and its node stays small (≤ 65 entries).
 */
export class StartWindow {
  private times: number[] = [];
  private counts: number[] = [];
  private head = 0;
  private total = 0;

  static decode(data: Buffer | null): StartWindow {
    const w = new StartWindow();
    if (data === null || data.length === 0) return w;
    try {
      const v: unknown = JSON.parse(data.toString("utf8"));
      if (!Array.isArray(v)) return w;
      for (const e of v as unknown[]) {
        if (!Array.isArray(e)) continue;
        const [t, c] = e as unknown[];
        if (typeof t === "number" && typeof c === "number" && c > 0) w.push(t, c, 1);
      }
    } catch {
      // An unreadable record counts as empty (only the master writes these nodes).
    }
    return w;
  }

  /** Starts in (now - per, now]. */
  count(now: number, per: number): number {
    this.prune(now, per);
    return this.total;
  }

  /** Records `c` starts at `t`; `per` sets the rounding. */
  add(t: number, c: number, per: number): void {
    this.push(t, c, Math.max(1, Math.ceil(per / SLOTS)));
  }

  /** When the count in the window falls below `limit` (now if it already is). */
  freeAt(now: number, rate: Rate): number {
    let left = this.count(now, rate.per);
    if (left < rate.limit) return now;
    for (let i = this.head; i < this.times.length; i++) {
      left -= this.counts[i] as number;
      if (left < rate.limit) return (this.times[i] as number) + rate.per;
    }
    return now;
  }

  encode(now: number, per: number): string {
    this.prune(now, per);
    const parts: string[] = [];
    for (let i = this.head; i < this.times.length; i++) parts.push(`[${this.times[i]},${this.counts[i]}]`);
    return `[${parts.join(",")}]`;
  }

  /** No start left in the window. */
  empty(now: number, per: number): boolean {
    return this.count(now, per) === 0;
  }

  private push(t: number, c: number, quantum: number): void {
    const last = this.times.length - 1;
    const lt = this.times[last];
    if (
      last >= this.head &&
      lt !== undefined &&
      (t <= lt || Math.ceil(lt / quantum) === Math.ceil(t / quantum))
    ) {
      this.times[last] = Math.max(lt, t);
      this.counts[last] = (this.counts[last] as number) + c;
    } else {
      this.times.push(t);
      this.counts.push(c);
    }
    this.total += c;
  }

  private prune(now: number, per: number): void {
    const cutoff = now - per;
    while (this.head < this.times.length && (this.times[this.head] as number) <= cutoff) {
      this.total -= this.counts[this.head] as number;
      this.head++;
    }
    if (this.head > 32 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.counts = this.counts.slice(this.head);
      this.head = 0;
    }
  }
}

/** Assignments held per type and per (type, group), by task key. */
export class LimitUsage {
  private readonly byKey = new Map<string, { type: string; group: string }>();
  private readonly types = new Map<string, number>();
  private readonly groups = new Map<string, Map<string, number>>();

  hold(key: string, type: string | null, group: string): void {
    if (type === null || this.byKey.has(key)) return;
    this.byKey.set(key, { type, group });
    this.types.set(type, (this.types.get(type) ?? 0) + 1);
    let g = this.groups.get(type);
    if (g === undefined) this.groups.set(type, (g = new Map<string, number>()));
    g.set(group, (g.get(group) ?? 0) + 1);
  }

  release(key: string): void {
    const c = this.byKey.get(key);
    if (c === undefined) return;
    this.byKey.delete(key);
    this.types.set(c.type, (this.types.get(c.type) ?? 1) - 1);
    const g = this.groups.get(c.type);
    const n = (g?.get(c.group) ?? 1) - 1;
    if (n <= 0) g?.delete(c.group);
    else g?.set(c.group, n);
  }

  held(type: string): number {
    return this.types.get(type) ?? 0;
  }

  heldInGroup(type: string, group: string): number {
    return this.groups.get(type)?.get(group) ?? 0;
  }

  /** Groups of `type` holding assignments (for the dashboard). */
  groupsOf(type: string): ReadonlyMap<string, number> {
    return this.groups.get(type) ?? new Map();
  }
}
