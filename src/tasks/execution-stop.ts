/**
 * How an execution is stopped (cancel, timeout, revoke, shutdown, lost session): the handler's
 * AbortSignal and the race invoke() runs the handler against. The signal is made on first use — most
 * handlers never read it, and an AbortController costs more than the rest of a no-op task — and a stop
 * that arrives once the handler has settled (our own commit's assignment delete) builds nothing.
 */
import { TaskAbortError } from "./errors.js";

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
