/**
 * When the ZooKeeper source reads: marks gather in `dirty` for `coalesceMs`, then one pass at a time
 * applies them; marks made during a pass are applied by the next one. A failed pass (every read has a
 * deadline, so a hung request fails too) is followed by a full read, after a backoff of 0.5 s doubling
 * to 5 s while failures continue. No mark can be lost and no pass can block the ones after it.
 */
import type { Logger } from "../client/index.js";
import { Dirty } from "./dirty.js";

export interface RefresherOptions {
  coalesceMs: number;
  /** Reads what `d` marks and updates the picture; rejects when a read failed. */
  apply: (d: Dirty) => Promise<void>;
  /** Called after every pass, failed or not. */
  passed: () => void;
  log: Logger;
}

const BACKOFF_MIN = 500;
const BACKOFF_MAX = 5000;

export class Refresher {
  /** What the next pass reads. */
  dirty = new Dirty();
  private timer: NodeJS.Timeout | undefined;
  /** True from the start of `run()` until its loop has seen no more marks: a plain flag, set and
   * cleared synchronously, so it can never outlive the loop (a settled promise stored as "running"
   * after a pass that had nothing to do once left the source deaf to every later change). */
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private failures = 0;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly opts: RefresherOptions) {}

  /** Marks `dirty` and schedules a pass. */
  mark(fn: (d: Dirty) => void): void {
    fn(this.dirty);
    this.schedule();
  }

  /** Schedules a pass in `coalesceMs` when there is something to read and none is due or running. */
  schedule(): void {
    if (this.closed || this.running || this.timer !== undefined || this.dirty.empty) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.opts.coalesceMs);
  }

  /** Runs passes until nothing is marked; resolves when the loop ends (at once if one is running). */
  run(): Promise<void> {
    if (this.running) return this.done;
    this.running = true;
    this.done = this.loop();
    return this.done;
  }

  /** Stops scheduling; resolves once a running pass has ended. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
    return this.done;
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && !this.dirty.empty) {
        const d = this.dirty;
        this.dirty = new Dirty();
        try {
          await this.opts.apply(d);
          this.failures = 0;
        } catch (err) {
          this.failed(err);
          // The failed pass may have consumed marks it never applied: read everything again. Requests
          // made while disconnected wait for the reconnect or their deadline, whichever comes first.
          this.dirty.full = true;
          await this.sleep(Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (this.failures - 1)));
        }
        this.opts.passed();
      }
    } finally {
      this.running = false;
    }
  }

  private failed(err: unknown): void {
    this.failures++;
    // Once per run of failures at warn (a long disconnect would repeat it every few seconds).
    if (this.failures === 1) this.opts.log.warn({ err }, "dashboard: reading the cluster failed");
    else this.opts.log.debug({ err, failures: this.failures }, "dashboard: reading the cluster failed again");
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }
}
