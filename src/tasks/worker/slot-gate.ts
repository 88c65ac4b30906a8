/**
 * A worker's handler slots: at most `size` handlers run at once. An execution reads its assignment and
 * task before it asks for a slot, so a prefetched assignment is ready the moment a slot frees and a
 * slot is held only while a handler runs (and, at-most-once, while it is marked started). A freed slot
 * goes to the waiter of highest priority, first come first served among equals: what a worker holds
 * runs in the master's priority order (docs/SEMANTICS.md "Prefetch and priority").
 */
export class SlotGate {
  private used = 0;
  /** Waiters in the order they are served: priority high first, then arrival. */
  private waiters: { priority: number; granted: () => void }[] = [];
  private head = 0;

  constructor(
    readonly size: number,
    /** Told how long each slot was held (a handler's run) and its task's size: the automatic prefetch's input. */
    private readonly onHeld: ((ms: number, bytes: number) => void) | null = null,
  ) {}

  held(ms: number, bytes: number): void {
    this.onHeld?.(ms, bytes);
  }

  /** Takes a slot for `granted`: at once (true, `granted` not called) when one is free, else `granted`
   * is called when one is handed over (false). A waiter that no longer wants its slot gives it back. */
  take(granted: () => void, priority = 0): boolean {
    if (this.used < this.size) {
      this.used++;
      return true;
    }
    const w = this.waiters;
    let i = w.length;
    // Usually appended (one priority); otherwise placed after every waiter of its priority or higher.
    while (i > this.head && (w[i - 1] as { priority: number }).priority < priority) i--;
    if (i === w.length) w.push({ priority, granted });
    else w.splice(i, 0, { priority, granted });
    return false;
  }

  /** Frees a slot: it goes straight to the first waiter, if any. */
  give(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head] as { granted: () => void };
      this.waiters[this.head++] = SERVED;
      if (this.head === this.waiters.length) {
        this.waiters = [];
        this.head = 0;
      }
      next.granted();
      return;
    }
    this.used--;
  }

  /** Slots in use. */
  get busy(): number {
    return this.used;
  }

  /** Executions ready to run their handler, waiting for a slot to free. */
  get waiting(): number {
    return this.waiters.length - this.head;
  }
}

const NOOP = (): void => undefined;
/** A served waiter's place (priority Infinity: nothing is ever placed before it). */
const SERVED = { priority: Infinity, granted: NOOP };

/** What a claim needs of its execution's stop switch. */
interface Stoppable {
  stopped(): unknown;
  /** Rejects once stopped. */
  race(): Promise<never>;
}

/** One execution's claim on a slot of its worker's gate (no gate: no limit). */
export class SlotClaim {
  private holding = false;
  /** When it got its slot (performance.now()). */
  private since = 0;
  /** Has had its slot (its handler runs or ran): false while reading or waiting for one. */
  had = false;
  /** Its task's data length, once read (told to the gate with the hold time). */
  bytes = 0;

  constructor(
    private readonly gate:
      (Pick<SlotGate, "take" | "give"> & { held?(ms: number, bytes: number): void }) | undefined,
    /** Its task's priority: the order it is handed a slot in among waiters. */
    public priority = 0,
  ) {}

  /** True: taken at once. Else resolves true once handed a slot, false once `halt` stops (before or
   * while waiting; a slot handed over after that is given straight back). */
  take(halt: Stoppable): true | Promise<boolean> {
    const { gate } = this;
    if (gate === undefined) return (this.had = true);
    if (halt.stopped() !== null) return Promise.resolve(false);
    let waiting = true;
    let resolve: (got: boolean) => void = NOOP;
    const granted = (): void => {
      if (!waiting) return gate.give();
      waiting = false;
      this.holding = this.had = true;
      this.since = performance.now();
      resolve(true);
    };
    if (gate.take(granted, this.priority)) {
      waiting = false;
      this.since = performance.now();
      return (this.holding = this.had = true);
    }
    return new Promise<boolean>((r) => {
      resolve = r;
      halt.race().catch(() => {
        if (!waiting) return;
        waiting = false;
        resolve(false);
      });
    });
  }

  /** Gives the slot back (if held; once). */
  release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.gate?.held?.(performance.now() - this.since, this.bytes);
    this.gate?.give();
  }
}
