/**
 * How a TaskHandle waits for its outcome (OutcomeWait), and how the waits of one submitter end together
 * when its session does (SessionWaits).
 */
import {
  isRetriable,
  NoNodeError,
  SessionExpiredError,
  type StateEvent,
  type WatchCallback,
  type WatchEvent,
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
  /** The server's watch events carry data (PROTOCOL.md §10). */
  readonly eventsCarryData: boolean;
  /** Sets an exists watch on the status node; true if the node exists already. */
  watchStatus(watch: WatchCallback): Promise<boolean>;
  /** Drops this wait's watch on the status node (best effort). */
  dropStatusWatch(watch: WatchCallback): void;
  /** The outcome in a status node's data (told to the observer). */
  outcomeOf(data: Buffer | null): TaskOutcome;
}

/**
 * Up to this many waits on at once, each wait also leaves an exists watch on its status node when the
 * server's events carry data: the status's NodeCreated event then brings the outcome, and the read after
 * the event is saved (a round trip on a lone task's path). With more waits on, the outcome reads of one
 * event-loop turn share a request anyway (read-batch.ts), and the extra request per wait would cost more
 * than it saves.
 */
export const STATUS_WATCH_WAITS = 8;

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
  /** An exists watch on the status node is set and has not fired. */
  private statusWatched = false;

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
    if (!this.statusWatched && this.h.eventsCarryData && this.waits.size <= STATUS_WATCH_WAITS) {
      // Sent before the listing (its answer comes first): a status there already is found by the listing.
      this.statusWatched = true;
      this.h.watchStatus(this.onStatus).then(
        (exists) => {
          if (!exists) return;
          // A data watch on an existing status would stay until the node goes: not needed.
          this.statusWatched = false;
          this.h.dropStatusWatch(this.onStatus);
        },
        () => (this.statusWatched = false), // the listing's failure decides what happens
      );
    }
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

  /** The status node's exists watch: its NodeCreated with data is the outcome; anything else wakes the wait. */
  private readonly onStatus = (e: WatchEvent): void => {
    this.statusWatched = false;
    if (this.done) return;
    if (e.type === "NodeCreated" && e.data !== undefined) return this.finish(this.h.outcomeOf(e.data));
    this.fire(this.gen);
  };

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
    // Ended another way (task gone, stopped): its status watch is not needed any more.
    if (this.statusWatched) {
      this.statusWatched = false;
      this.h.dropStatusWatch(this.onStatus);
    }
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
  /** Waits on now. */
  size = 0;

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
    this.size++;
  }

  delete(w: OutcomeWait): void {
    if (w.prev !== null) w.prev.next = w.next;
    else if (this.head === w) this.head = w.next;
    else return; // not in the list
    if (w.next !== null) w.next.prev = w.prev;
    w.prev = w.next = null;
    this.size--;
    if (this.head === null) this.client.off("state", this.onState);
  }
}
