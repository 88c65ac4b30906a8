/** Shared helpers of the task tests: clients with short sessions, cleanup, waiting on events. */
import { after } from "node:test";
import { ZooKeeperClient, type ClientOptions } from "../../src/client/index.js";
import type { Backend } from "../harness/backends.js";

/** Short, so crash tests stay quick; within every backend's [2, 20] × tickTime bounds. */
export const SESSION_TIMEOUT = 1500;

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});

/** Runs `fn` after the file's tests (LIFO), even if a test failed. */
export function cleanup(fn: () => Promise<void>): void {
  closers.push(fn);
}

export async function client(backend: Backend, opts: Partial<ClientOptions> = {}): Promise<ZooKeeperClient> {
  const c = new ZooKeeperClient({
    connectString: backend.connectString,
    sessionTimeout: SESSION_TIMEOUT,
    connectTimeout: 10_000,
    ...opts,
  });
  cleanup(() => c.close());
  await c.connect();
  return c;
}

/** Resolves when `predicate` holds, re-evaluated whenever `subscribe`'s callback fires. */
export function until(
  subscribe: (cb: () => void) => () => void,
  predicate: () => boolean,
  what: string,
  ms = 30_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const off = subscribe(() => {
      if (!predicate()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
