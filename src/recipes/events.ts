/**
 * Small event plumbing shared by the recipes (the client's own channel is internal to it):
 * a typed listener table and an unbounded push → async-iterable queue.
 */
import type { Logger } from "../client/index.js";

type Listener = (...args: never[]) => void;

/** `on/off/emit` checked against a map of event name → listener signature. */
export class Listeners<M extends { [K in keyof M]: Listener }> {
  private readonly table = new Map<keyof M, Set<M[keyof M]>>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof M>(event: K, listener: M[K]): void {
    let set = this.table.get(event);
    if (set === undefined) this.table.set(event, (set = new Set()));
    set.add(listener);
  }

  off<K extends keyof M>(event: K, listener: M[K]): void {
    this.table.get(event)?.delete(listener);
  }

  /** A listener that throws is logged; it never stops the others or the recipe. */
  emit<K extends keyof M>(event: K, ...args: Parameters<M[K]>): void {
    for (const l of [...(this.table.get(event) ?? [])]) {
      try {
        (l as (...a: Parameters<M[K]>) => void)(...args);
      } catch (err) {
        this.log.error({ err, event }, "recipe listener threw");
      }
    }
  }
}

/** Push → async iterable; `end()` finishes after buffered items; `return()` (break) detaches. */
export class EventChannel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiters: ((r: IteratorResult<T>) => void)[] = [];
  private done = false;

  constructor(private readonly onDetach: (ch: EventChannel<T>) => void) {}

  push(item: T): void {
    if (this.done) return;
    const w = this.waiters.shift();
    if (w === undefined) this.items.push(item);
    else w({ value: item, done: false });
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    this.onDetach(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** A set of channels fed together (one per `changes()` call). */
export class ChannelSet<T> {
  private readonly channels = new Set<EventChannel<T>>();
  private ended = false;

  open(): EventChannel<T> {
    const ch = new EventChannel<T>((c) => this.channels.delete(c));
    if (this.ended) ch.end();
    else this.channels.add(ch);
    return ch;
  }

  push(item: T): void {
    for (const ch of this.channels) ch.push(item);
  }

  end(): void {
    this.ended = true;
    for (const ch of this.channels) ch.end();
    this.channels.clear();
  }
}
