/** Throughput and latency over time: one bucket per second, fed by the source's live events. */
import type { ClusterEvent } from "./types.js";

export interface SeriesPoint {
  /** Start of the second (ms since epoch). */
  t: number;
  done: number;
  failed: number;
  assigned: number;
  /** Mean submit → outcome (ms), null without finishes in that second. */
  turnaroundMs: number | null;
  /** Mean assignment → outcome (ms), null when not observed. */
  runMs: number | null;
  /** Mean submit → assignment (ms). */
  waitMs: number | null;
}

interface Bucket {
  sec: number;
  done: number;
  failed: number;
  assigned: number;
  turn: [number, number];
  run: [number, number];
  wait: [number, number];
}

const mean = ([sum, n]: [number, number]): number | null => (n === 0 ? null : Math.round(sum / n));

export class Series {
  private readonly buckets: Bucket[] = [];

  constructor(
    /** Seconds kept. */
    private readonly keep = 600,
    private readonly now: () => number = Date.now,
  ) {}

  record(e: ClusterEvent): void {
    if (e.type === "failover") return;
    const b = this.current();
    if (e.type === "assigned") {
      b.assigned++;
      add(b.wait, e.waitMs);
      return;
    }
    if (e.state === "done") b.done++;
    else if (e.state === "failed") b.failed++;
    add(b.turn, e.turnaroundMs);
    if (e.runMs !== null) add(b.run, e.runMs);
  }

  /** The last `seconds` seconds, oldest first, one point per second (empty seconds are zeros). */
  points(seconds = 120): SeriesPoint[] {
    const end = Math.floor(this.now() / 1000);
    const bySec = new Map(this.buckets.map((b) => [b.sec, b]));
    const out: SeriesPoint[] = [];
    for (let s = end - seconds + 1; s <= end; s++) {
      const b = bySec.get(s);
      out.push({
        t: s * 1000,
        done: b?.done ?? 0,
        failed: b?.failed ?? 0,
        assigned: b?.assigned ?? 0,
        turnaroundMs: b === undefined ? null : mean(b.turn),
        runMs: b === undefined ? null : mean(b.run),
        waitMs: b === undefined ? null : mean(b.wait),
      });
    }
    return out;
  }

  private current(): Bucket {
    const sec = Math.floor(this.now() / 1000);
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && last.sec === sec) return last;
    const b: Bucket = { sec, done: 0, failed: 0, assigned: 0, turn: [0, 0], run: [0, 0], wait: [0, 0] };
    this.buckets.push(b);
    while ((this.buckets[0]?.sec ?? sec) <= sec - this.keep) this.buckets.shift();
    return b;
  }
}

function add(acc: [number, number], v: number): void {
  acc[0] += v;
  acc[1]++;
}
