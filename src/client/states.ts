/**
 * Connection states (Curator's model) and their events as a discriminated union (nats.js style),
 * observable three ways: `client.state`, listeners, and async iterables.
 */
import { Channel } from "./channel.js";
import type { Logger } from "./options.js";
import type { ZooKeeperError } from "./errors.js";

/**
 * latent: not started · connecting: first session being established · connected: first session up ·
 * suspended: connection lost, session maybe alive (in-flight requests failed with ConnectionLossError) ·
 * reconnected: connection re-established with the same session · lost: session expired (terminal) ·
 * closed: `close()` was called (terminal).
 */
export type ConnectionState =
  "latent" | "connecting" | "connected" | "suspended" | "reconnected" | "lost" | "closed";

export type StateEvent =
  | { type: "connected"; sessionId: bigint; sessionTimeout: number; server: string }
  | { type: "suspended"; server: string; reason: Error }
  | { type: "reconnected"; sessionId: bigint; sessionTimeout: number; server: string }
  | { type: "lost"; reason: ZooKeeperError }
  | { type: "closed" };

export type StateListener = (event: StateEvent) => void;

/** Holds the current state and fans events out to listeners and iterators, in order. */
export class StateHub {
  private current: ConnectionState = "latent";
  private readonly listeners = new Set<StateListener>();
  private readonly channels = new Set<Channel<StateEvent>>();

  constructor(private readonly log: Logger) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Set the state without an event (latent → connecting). */
  enter(state: ConnectionState): void {
    this.current = state;
  }

  emit(event: StateEvent): void {
    this.current = event.type;
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.log.error({ err }, "zookeeper state listener threw");
      }
    }
    for (const ch of this.channels) ch.push(event);
    if (event.type === "lost" || event.type === "closed") {
      for (const ch of this.channels) ch.end();
      this.channels.clear();
    }
  }

  on(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  off(listener: StateListener): void {
    this.listeners.delete(listener);
  }

  /** Events from now on; iteration ends after "lost" or "closed". */
  iterate(): AsyncIterableIterator<StateEvent> {
    const ch: Channel<StateEvent> = new Channel(() => this.channels.delete(ch));
    if (this.current === "lost" || this.current === "closed") ch.end();
    else this.channels.add(ch);
    return ch;
  }
}

export function isTerminal(state: ConnectionState): boolean {
  return state === "lost" || state === "closed";
}
