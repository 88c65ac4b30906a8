/** Shared helpers of the conformance suite: clients, watch promises, wire-order capture. */
import { after } from "node:test";
import {
  ZooKeeperClient,
  type ClientOptions,
  type WatchCallback,
  type WatchEvent,
} from "../../src/client/index.js";
import type { Backend } from "../harness/backends.js";

/** Session timeout used by conformance clients (ms): short, so expiry tests stay quick. */
export const SESSION_TIMEOUT = 2000;

const open = new Set<ZooKeeperClient>();
after(async () => {
  await Promise.all([...open].map((c) => c.close()));
});

/**
 * A connected client that sends arguments unchecked, so the server (not our client) judges paths
 * and flags. Closed automatically after the file's tests.
 */
export async function client(backend: Backend, opts: Partial<ClientOptions> = {}): Promise<ZooKeeperClient> {
  const c = new ZooKeeperClient({
    connectString: backend.connectString,
    sessionTimeout: SESSION_TIMEOUT,
    checkArguments: false,
    connectTimeout: 10_000,
    ...opts,
  });
  open.add(c);
  await c.connect();
  return c;
}

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
