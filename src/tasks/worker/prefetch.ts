/**
 * Automatic prefetch (the default; docs/SEMANTICS.md "Prefetch and priority"): how many assignments a
 * worker queues beyond its slots, from how long its handlers take.
 *
 * Queued assignments pay for themselves when tasks are short: a freed slot starts the next one at once
 * instead of idling for the master's cycle (commit → the master sees it → its assignment multi → the
 * worker reads it: two fsyncs and three round trips, a few ms). They cost when tasks are long: a queued
 * task waits on its busy worker while another worker may be idle. So the queue is sized to cover about
 * TARGET_MS of the worker's work: `concurrency × TARGET_MS ÷ mean handler time`, between 0 and `max`.
 * No-op handlers get `max`; handlers of TARGET_MS or longer get none at one at a time. A queued
 * assignment holds its task's data in memory, so the queue is also kept under TARGET_BYTES by the
 * running mean size of the tasks read: large payloads queue fewer.
 *
 * The worker advertises `concurrency + prefetch` in its /workers node; a new value is written only when
 * it has at least doubled or halved (or reaches 0 or `max`), so the node changes rarely. It starts at
 * `concurrency` (at most `max`): a burst of long tasks is not grabbed before their length is known, and
 * short ones raise it after the first handler ends.
 */
import { bestEffort, type Logger } from "../logger.js";

/** The work, in ms, the queue is sized to cover (a few of the master's cycles). */
export const TARGET_MS = 50;
/** The task data the queue may hold, by the running mean task size (bytes). */
export const TARGET_BYTES = 16 * 1024 * 1024;
/** Weight of the newest handler time (and task size) in the running means. */
const ALPHA = 0.2;

export class AutoPrefetch {
  /** The prefetch advertised now (or being written). */
  current: number;
  private meanMs = -1;
  private meanBytes = 0;
  private writing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly concurrency: number,
    /** The most it will advertise. */
    readonly max: number,
    /** Writes the worker's node with capacity `concurrency + prefetch`. */
    private readonly advertise: (prefetch: number) => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.current = Math.min(max, concurrency);
  }

  /** A handler held its slot for `ms`; its task's data was `bytes` long. */
  held(ms: number, bytes = 0): void {
    const first = this.meanMs < 0;
    this.meanMs = first ? ms : this.meanMs + ALPHA * (ms - this.meanMs);
    this.meanBytes = first ? bytes : this.meanBytes + ALPHA * (bytes - this.meanBytes);
    this.retarget();
  }

  /** What the running mean asks for now. */
  target(): number {
    if (this.meanMs < 0) return this.max;
    const byTime = Math.floor((this.concurrency * TARGET_MS) / Math.max(this.meanMs, 1e-3));
    const bySize = Math.floor(TARGET_BYTES / Math.max(this.meanBytes, 1));
    return Math.max(0, Math.min(this.max, byTime, bySize));
  }

  close(): void {
    this.closed = true;
  }

  private retarget(): void {
    if (this.writing !== null || this.closed) return;
    const want = this.target();
    const now = this.current;
    const moved = want === 0 || want === this.max ? want !== now : want >= 2 * now || 2 * want <= now;
    if (!moved) return;
    this.current = want;
    // Handlers that ended while it was written moved the mean: look again once it is done.
    this.writing = bestEffort(this.logger, "advertising the worker's prefetch", this.advertise(want)).finally(
      () => {
        this.writing = null;
        this.retarget();
      },
    );
  }
}
