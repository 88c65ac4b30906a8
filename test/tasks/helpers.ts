/** Shared helpers of the task tests: clients with short sessions, cleanup, a task cluster, waiting on events. */
import type { ZooKeeperClient } from "../../src/client/index.js";
import {
  Master,
  Submitter,
  Worker,
  type AnyHandler,
  type MasterOptions,
  type WorkerOptions,
} from "../../src/tasks/index.js";
import { uniqueRoot } from "../harness/backends.js";
import { cleanup, clientWith, type ClientTarget } from "../harness/clients.js";

export { cleanup };

/** Short, so crash tests stay quick; within every backend's [2, 20] × tickTime bounds. */
export const SESSION_TIMEOUT = 1500;

/** A connected short-session client, closed after the file (test/harness/clients.ts). */
export const client = clientWith({ sessionTimeout: SESSION_TIMEOUT });

export interface TaskClusterSpec {
  /** Names the cluster's root (a fresh `uniqueRoot(label)`). */
  label: string;
  /** The master's options, or false for no master. Default: a started master with defaults. */
  master?: Omit<MasterOptions, "root"> | false;
  /** The worker's handlers; no worker without them. */
  handlers?: Record<string, AnyHandler>;
  worker?: Omit<WorkerOptions, "root">;
  /** Start the worker (default true). */
  startWorker?: boolean;
  /** Give the master and the worker clients of their own (default: all roles share `zk`). */
  ownClients?: boolean;
}

export interface TaskCluster {
  root: string;
  /** The submitter's client (and every role's, unless `ownClients`). */
  zk: ZooKeeperClient;
  sub: Submitter;
  /** The master (throws if the spec had `master: false`). */
  readonly master: Master;
  /** The first worker (throws if the spec had no handlers). */
  readonly worker: Worker;
  /** Another worker on this root, on a client of its own unless `shared`; started unless `start` is false. */
  readonly addWorker: (
    handlers: Record<string, AnyHandler>,
    opts?: Omit<WorkerOptions, "root">,
    how?: { shared?: boolean; start?: boolean },
  ) => Promise<Worker>;
}

/**
 * The in-process cluster most task tests need: a fresh root, a started master, one worker and a
 * submitter, all closed after the file (workers and master before their clients).
 */
export async function startTaskCluster(target: ClientTarget, spec: TaskClusterSpec): Promise<TaskCluster> {
  const root = uniqueRoot(spec.label);
  const zk = await client(target);
  await zk.create(root, null);
  const own = async (): Promise<ZooKeeperClient> => (spec.ownClients === true ? client(target) : zk);
  let master: Master | null = null;
  if (spec.master !== false) {
    const m = new Master(await own(), { root, ...spec.master });
    cleanup(() => m.close());
    await m.start();
    master = m;
  }
  const addWorker: TaskCluster["addWorker"] = async (handlers, opts = {}, how = {}) => {
    const w = new Worker(how.shared === true ? zk : await client(target), handlers, { root, ...opts });
    cleanup(() => w.close());
    if (how.start !== false) await w.start();
    return w;
  };
  const worker =
    spec.handlers === undefined
      ? null
      : await addWorker(spec.handlers, spec.worker, {
          shared: spec.ownClients !== true,
          start: spec.startWorker !== false,
        });
  const missing = (what: string): never => {
    throw new Error(`startTaskCluster(${spec.label}): no ${what} in this cluster`);
  };
  return {
    root,
    zk,
    sub: new Submitter(zk, { root }),
    get master() {
      return master ?? missing("master");
    },
    get worker() {
      return worker ?? missing("worker");
    },
    addWorker,
  };
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
