/** Shared helpers of the conformance suite: clients, watch promises, wire-order capture. */
import type { WatchCallback, WatchEvent } from "../../src/client/index.js";
import { clientWith } from "../harness/clients.js";

/** Session timeout used by conformance clients (ms): short, so expiry tests stay quick. */
export const SESSION_TIMEOUT = 2000;

/**
 * A connected client that sends arguments unchecked, so the server (not our client) judges paths
 * and flags. Closed automatically after the file's tests (test/harness/clients.ts). It speaks the plain
 * protocol (no events with data, which only the embedded server sends: event-data.test.ts), so both
 * backends must answer it alike.
 */
export const client = clientWith({
  sessionTimeout: SESSION_TIMEOUT,
  checkArguments: false,
  eventData: false,
});

/** A one-shot watch callback and the promise of its event; `count()` tells how often it fired. */
export function watcher(): { watch: WatchCallback; event: Promise<WatchEvent>; events: WatchEvent[] } {
  const events: WatchEvent[] = [];
  let resolve!: (e: WatchEvent) => void;
  const event = new Promise<WatchEvent>((r) => (resolve = r));
  return {
    events,
    event,
    watch: (e) => {
      events.push(e);
      resolve(e);
    },
  };
}

export function sorted(xs: readonly string[]): string[] {
  return [...xs].sort();
}
