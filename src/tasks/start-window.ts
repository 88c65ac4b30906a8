/**
 * The record of recent starts of a rate-limited type or group, as the master keeps it in memory and writes
 * it to `<root>/limit-starts/<type>[/<group>]` (JSON [[ms, count], …]); shared by the master and the
 * admin API (which reads it for `limit ls`). Pure bookkeeping, no I/O.
 */
import type { Rate } from "./limits.js";

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
