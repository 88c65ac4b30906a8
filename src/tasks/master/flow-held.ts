/**
 * Flow tasks the master has read but holds back (master/flows.ts): each waits for its parent to be
 * admitted. A task still held `timeout` ms after its submission (its envelope's `submittedAt`, the
 * submitter's clock) may belong to a flow whose write was cut short and not completed by a retry: it is
 * handed to `suspect` once, still held; the tracker cancels it (`remove`) only after seeing that its
 * parent's node does not exist — a parent merely not read yet (a new term reads tasks in any order)
 * must not cost a child of a long-running flow its run.
 */
import type { Envelope } from "../envelope.js";
import type { FlowLinks } from "../flow.js";
import type { PendingTask } from "./pending-order.js";

export interface Held {
  task: PendingTask;
  flow: FlowLinks;
  env: Envelope;
}

export interface Suspect {
  parent: string;
  key: string;
}

export class HeldTasks {
  /** parent key → task key → the held reading. */
  private readonly byParent = new Map<string, Map<string, Held>>();
  /** When the next held task becomes an orphan (ms since the epoch), and its timer. */
  private next = Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** Keys already handed to `suspect` (each is told once per term). */
  private readonly told = new Set<string>();

  constructor(
    private readonly timeout: number,
    private readonly suspect: (s: Suspect[]) => void,
  ) {}

  hold(parent: string, held: Held): void {
    let h = this.byParent.get(parent);
    if (h === undefined) this.byParent.set(parent, (h = new Map<string, Held>()));
    h.set(held.task.key, held);
    this.arm(held.env.submittedAt + this.timeout);
  }

  /** The tasks held for `parent` (now released from holding), if any. */
  take(parent: string): Held[] | undefined {
    const h = this.byParent.get(parent);
    if (h === undefined) return undefined;
    this.byParent.delete(parent);
    return [...h.values()];
  }

  /** Stops holding one task (an orphan confirmed); false if it was no longer held. */
  remove(parent: string, key: string): boolean {
    const h = this.byParent.get(parent);
    if (h === undefined || !h.delete(key)) return false;
    if (h.size === 0) this.byParent.delete(parent);
    return true;
  }

  close(): void {
    clearTimeout(this.timer);
  }

  /** Arms the timer for `at` unless it fires earlier already. */
  private arm(at: number): void {
    if (!(at < this.next)) return;
    this.next = at;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sweep(), Math.min(2 ** 31 - 1, Math.max(1, at - Date.now())));
  }

  private sweep(): void {
    const now = Date.now();
    this.next = Infinity;
    let next = Infinity;
    const out: Suspect[] = [];
    for (const [parent, h] of this.byParent) {
      for (const [key, held] of h) {
        if (this.told.has(key)) continue;
        const at = held.env.submittedAt + this.timeout;
        if (at > now) next = Math.min(next, at);
        else {
          this.told.add(key);
          out.push({ parent, key });
        }
      }
    }
    if (next !== Infinity) this.arm(next);
    if (out.length > 0) this.suspect(out);
  }
}
