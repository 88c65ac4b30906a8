/**
 * How an execution is stopped (cancel, timeout, revoke, shutdown, lost session): the handler's
 * AbortSignal and the race invoke() runs the handler against. The signal is made on first use — most
 * handlers never read it, and an AbortController costs more than the rest of a no-op task — and a stop
 * that arrives once the handler has settled (our own commit's assignment delete) builds nothing.
 */
import { TaskAbortError } from "../../errors.js";

export class StopSwitch {
  private controller: AbortController | null = null;
  private rejectRace: ((err: TaskAbortError) => void) | null = null;
  private reason: TaskAbortError | null = null;
  /** The handler has returned or thrown: stopping now changes nothing. */
  settled = false;

  /** Why the execution was stopped, or null. */
  stopped(): TaskAbortError | null {
    return this.reason;
  }

  stop(reason: TaskAbortError["reason"]): void {
    if (this.settled || this.reason !== null) return;
    this.reason = new TaskAbortError(reason);
    this.controller?.abort(this.reason);
    this.rejectRace?.(this.reason);
  }

  /** Aborts (its reason a TaskAbortError) when the execution is stopped. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.reason !== null) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Rejects with the TaskAbortError once stopped (observed through Promise.race). */
  race(): Promise<never> {
    const p = new Promise<never>((_, reject) => {
      if (this.reason !== null) reject(this.reason);
      else this.rejectRace = reject;
    });
    p.catch(() => undefined);
    return p;
  }
}

/**
 * Calls `fire(item)` `delay` ms after `add(item)` (or up to `delay / 4` later), for many items with one
 * timer: items come due in the order they were added (the delay is the same for all), so a queue and a
 * timer for its head do what a timer per item would, without making and clearing one per execution.
 * Items are not removed: `fire` decides whether the item still wants it.
 *
 * The timer is re-armed no sooner than `delay / 4`: armed for the head alone, it chased a steady
 * stream of items and woke the process once per item (one task every 1.5 ms: a timer every 1.5 ms,
 * each wake-up taking a vCPU from the task's own next step); now each tick serves every item due by
 * then, at most 4 ticks per `delay`.
 */
export class DelayedCalls<T> {
  private items: (T | undefined)[] = [];
  private dues: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  private readonly minGap: number;

  constructor(
    private readonly delay: number,
    private readonly fire: (item: T) => void,
  ) {
    this.minGap = Math.max(1, Math.floor(delay / 4));
  }

  add(item: T): void {
    this.items.push(item);
    this.dues.push(Date.now() + this.delay);
    this.timer ??= setTimeout(this.tick, this.delay);
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = Date.now();
    const { items, dues } = this;
    while (this.head < items.length && (dues[this.head] ?? 0) <= now) {
      const item = items[this.head] as T;
      items[this.head++] = undefined;
      this.fire(item);
    }
    if (this.head >= items.length) {
      this.items = [];
      this.dues = [];
      this.head = 0;
      return;
    }
    if (this.head >= 1024) {
      this.items = items.slice(this.head);
      this.dues = dues.slice(this.head);
      this.head = 0;
    }
    const wait = Math.max(this.minGap, (this.dues[this.head] ?? now) - now);
    this.timer ??= setTimeout(this.tick, wait);
  };
}
