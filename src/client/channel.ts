/**
 * A minimal unbounded push → async-iterable queue, used for state events and persistent watches.
 * `end()` finishes iteration after buffered items; `fail(err)` makes the next `next()` reject.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiters: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }[] = [];
  private done = false;
  private error: Error | undefined = undefined;

  constructor(private readonly onReturn?: () => void) {}

  get closed(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    const w = this.waiters.shift();
    if (w === undefined) this.items.push(item);
    else w.resolve({ value: item, done: false });
  }

  /** Removes and returns the buffered items (e.g. to hand them to a listener that takes over). */
  takeBuffered(): T[] {
    return this.items.splice(0);
  }

  end(): void {
    this.finish(undefined);
  }

  fail(err: Error): void {
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    for (const w of this.waiters.splice(0)) {
      if (err === undefined) w.resolve({ value: undefined, done: true });
      else w.reject(err);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.done) {
      if (this.error !== undefined) {
        const err = this.error;
        this.error = undefined;
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stops iteration (e.g. `break` in `for await`); buffered items are dropped. */
  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    const wasDone = this.done;
    this.finish(undefined);
    this.error = undefined;
    if (!wasDone) this.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
