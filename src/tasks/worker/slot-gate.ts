/**
 * A worker's handler slots: at most `size` handlers run at once. An execution reads its assignment and
 * task before it asks for a slot, so a prefetched assignment is ready the moment a slot frees and a
 * slot is held only while a handler runs (and, at-most-once, while it is marked started). Waiters are
 * served first come, first served.
 */
export class SlotGate {
  private used = 0;
  private waiters: (() => void)[] = [];
  private head = 0;

  constructor(readonly size: number) {}

  /** Takes a slot for `granted`: at once (true, `granted` not called) when one is free, else `granted`
   * is called when one is handed over (false). A waiter that no longer wants its slot gives it back. */
  take(granted: () => void): boolean {
    if (this.used < this.size) {
      this.used++;
      return true;
    }
    this.waiters.push(granted);
    return false;
  }

  /** Frees a slot: it goes straight to the longest waiter, if any. */
  give(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head] as () => void;
      this.waiters[this.head++] = NOOP;
      if (this.head === this.waiters.length) {
        this.waiters = [];
        this.head = 0;
      }
      next();
      return;
    }
    this.used--;
  }

  /** Slots in use. */
  get busy(): number {
    return this.used;
  }
}

const NOOP = (): void => undefined;

/** What a claim needs of its execution's stop switch. */
interface Stoppable {
  stopped(): unknown;
  /** Rejects once stopped. */
  race(): Promise<never>;
}

/** One execution's claim on a slot of its worker's gate (no gate: no limit). */
export class SlotClaim {
  private holding = false;
  /** Has had its slot (its handler runs or ran): false while reading or waiting for one. */
  had = false;

  constructor(private readonly gate: Pick<SlotGate, "take" | "give"> | undefined) {}

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
      resolve(true);
    };
    if (gate.take(granted)) {
      waiting = false;
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
    this.gate?.give();
  }
}
