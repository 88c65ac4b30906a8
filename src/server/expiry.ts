/**
 * When the session sweep runs: a one-shot timer for the earliest expiry bucket (Apache's session
 * tracker likewise sleeps until its next bucket), instead of a sweep on a fixed period whose phase is
 * unrelated to the buckets and so adds up to one more period to every expiry. Re-armed after each sweep,
 * and earlier whenever a session lands in a bucket before the one it waits for.
 */
export class ExpiryTimer {
  private timer: NodeJS.Timeout | null = null;
  /** The bucket time the timer is set for (Infinity: none). */
  private at = Infinity;
  private running = false;

  constructor(
    /** Expires the sessions due at `now`. */
    private readonly sweep: (now: number) => void,
    /** The earliest bucket time still holding sessions, or null. */
    private readonly earliest: () => number | null,
  ) {}

  start(): void {
    this.running = true;
    this.rearm();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.at = Infinity;
  }

  /** A session was put in the bucket at `at`. */
  due(at: number): void {
    if (this.running && at < this.at) this.arm(at);
  }

  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.at = at;
    // At least 1 ms: a timer may fire when Date.now() is still a millisecond short of the bucket,
    // and the next arm must not spin.
    this.timer = setTimeout(() => this.fire(), Math.max(1, at - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.at = Infinity;
    try {
      this.sweep(Date.now());
    } finally {
      this.rearm();
    }
  }

  private rearm(): void {
    const next = this.earliest();
    if (this.running && next !== null) this.arm(next);
  }
}
