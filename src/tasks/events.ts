/** A typed listener registry (BullMQ style): `on/once/off` are checked against an event map at compile time. */
import type { Logger } from "./logger.js";

type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEvents<M extends { [K in keyof M]: unknown[] }> {
  private readonly listeners = new Map<keyof M, Set<Listener<never[]>>>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof M>(event: K, listener: Listener<M[K]>): this {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener<never[]>);
    return this;
  }

  once<K extends keyof M>(event: K, listener: Listener<M[K]>): this {
    const wrapped: Listener<M[K]> = (...args) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }

  off<K extends keyof M>(event: K, listener: Listener<M[K]>): this {
    this.listeners.get(event)?.delete(listener as unknown as Listener<never[]>);
    return this;
  }

  /** Whether anyone listens to `event` (so a caller can skip building a payload nobody gets). */
  protected listens(event: keyof M): boolean {
    const set = this.listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  /** A listener that throws is logged; it never breaks the emitter's caller. */
  protected emit<K extends keyof M>(event: K, ...args: M[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined || set.size === 0) return; // per-task events nobody listens to cost nothing
    for (const l of [...set]) {
      try {
        (l as unknown as Listener<M[K]>)(...args);
      } catch (err) {
        this.log.error({ err, event: String(event) }, "tasks: event listener threw");
      }
    }
  }
}
