/**
 * How a TaskHandle waits for its outcome (OutcomeWait), and how the waits of one submitter end together
 * when its session does (SessionWaits).
 */
import {
  isRetriable,
  NoNodeError,
  SessionExpiredError,
  type StateEvent,
  type ZooKeeperClient,
} from "../../client/index.js";
import type { TaskOutcome } from "../envelope.js";
import { TaskNotFoundError } from "../errors.js";

/** What a wait needs from its handle. */
export interface WaitTarget {
  readonly id: string;
  /** The stored outcome (told to the observer), or null when there is none. */
  readOutcome(): Promise<TaskOutcome | null>;
  /** Lists the task's children with a one-shot watch. */
  listChildren(watch: () => void): Promise<string[]>;
}

/**
 * One wait for a handle's outcome. Steps: (after a watch fired) read the status at once; else list the
 * task's children with a watch — `status` there: read it; not there: sleep until the watch fires. A
 * missing task ends the wait with TaskNotFoundError; a lost connection is not a lost result: the step
 * is tried again 50 ms later (requests made meanwhile wait for the reconnect anyway). A stop (session
 * ended, signal aborted) ends the wait at its next step, and wakes it if it sleeps.
 */
export class OutcomeWait {
  reason: unknown = undefined;
  stopped = false;
  /** Neighbours in its SessionWaits list. */
  prev: OutcomeWait | null = null;
  next: OutcomeWait | null = null;
  private done = false;
  /** A watch has fired: read the status before listing again. */
  private probe = false;
  /** Which listing's watch counts (an older one may still fire after a reconnect). */
  private gen = 0;
  private phase: "busy" | "watching" | "sleeping" = "busy";
  private firedEarly = false;
  private timer: NodeJS.Timeout | undefined;
  private signal: AbortSignal | undefined;
  private onAbort: (() => void) | undefined;

  constructor(
    private readonly h: WaitTarget,
    private readonly waits: SessionWaits,
    private readonly resolve: (o: TaskOutcome) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  begin(signal: AbortSignal | undefined): void {
    this.waits.add(this);
    if (signal !== undefined) {
      this.signal = signal;
      this.onAbort = () => this.stop(signal.reason);
      signal.addEventListener("abort", this.onAbort, { once: true });
      if (signal.aborted) this.stop(signal.reason);
    }
    this.step();
  }

  stop(reason: unknown): void {
    if (!this.stopped) {
      this.reason = reason;
      this.stopped = true;
    }
    if (this.phase === "watching") this.fire(this.gen);
    else if (this.phase === "sleeping") {
      clearTimeout(this.timer);
      this.step();
    } else this.firedEarly = true;
  }

  private step(): void {
    if (this.done) return;
    this.phase = "busy";
    if (this.stopped) return this.end(this.reason);
    if (!this.probe) return this.list();
    this.h.readOutcome().then(
      (o) => (o === null ? this.list() : this.finish(o)),
      (err: unknown) => this.failed(err),
    );
  }

  private list(): void {
    if (this.stopped) return this.end(this.reason);
    const gen = ++this.gen;
    this.firedEarly = false;
    this.h
      .listChildren(() => this.fire(gen))
      .then(
        (children) => this.listed(children),
        (err: unknown) => this.failed(err),
      );
  }

  private listed(children: string[]): void {
    if (children.includes("status")) {
      this.h.readOutcome().then(
        (o) => (o === null ? this.failed(new TaskNotFoundError(this.h.id)) : this.finish(o)),
        (err: unknown) => this.failed(err),
      );
    } else if (this.firedEarly) this.woke();
    else this.phase = "watching";
  }

  private fire(gen: number): void {
    if (gen !== this.gen || this.done) return;
    if (this.phase === "watching") this.woke();
    else this.firedEarly = true;
  }

  private woke(): void {
    this.probe = true;
    this.step();
  }

  private failed(err: unknown): void {
    if (err instanceof NoNodeError) return this.end(new TaskNotFoundError(this.h.id));
    if (!isRetriable(err)) return this.end(err);
    this.phase = "sleeping";
    this.timer = setTimeout(() => this.step(), 50);
  }

  private finish(o: TaskOutcome): void {
    this.settle();
    this.resolve(o);
  }

  private end(err: unknown): void {
    this.settle();
    this.reject(err);
  }

  private settle(): void {
    this.done = true;
    this.waits.delete(this);
    if (this.onAbort !== undefined) this.signal?.removeEventListener("abort", this.onAbort);
  }
}

/**
 * The waits of many handles that end when the client's session does: one state listener for all of
 * them (registered while any wait is on), instead of one listener added and removed per wait. The waits
 * form a linked list through their own fields: adding and removing one allocates and hashes nothing.
 */
export class SessionWaits {
  private head: OutcomeWait | null = null;

  constructor(private readonly client: ZooKeeperClient) {}

  private readonly onState = (e: StateEvent): void => {
    if (e.type === "lost" || e.type === "closed") this.stopAll(new SessionExpiredError());
  };

  /** Set by close(): a wait that begins afterwards ends at once with it. */
  private closedWith: unknown = undefined;

  /** Ends every wait with `reason`, and (closing) every wait that begins later. */
  stopAll(reason: unknown, closing = false): void {
    if (closing) this.closedWith = reason;
    const all: OutcomeWait[] = [];
    for (let w = this.head; w !== null; w = w.next) all.push(w);
    for (const w of all) w.stop(reason);
  }

  add(w: OutcomeWait): void {
    if (this.closedWith !== undefined) return w.stop(this.closedWith);
    if (this.head === null) this.client.on("state", this.onState);
    else this.head.prev = w;
    w.next = this.head;
    w.prev = null;
    this.head = w;
  }

  delete(w: OutcomeWait): void {
    if (w.prev !== null) w.prev.next = w.next;
    else if (this.head === w) this.head = w.next;
    else return; // not in the list
    if (w.next !== null) w.next.prev = w.prev;
    w.prev = w.next = null;
    if (this.head === null) this.client.off("state", this.onState);
  }
}
