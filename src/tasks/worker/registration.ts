/** A worker's membership node: `<root>/workers/<id>`, ephemeral, with what the master schedules by. */
import { hostname } from "node:os";
import { NodeExistsError, type ZooKeeperClient } from "../../client/index.js";
import type { ResolvedWorkerOptions } from "./options.js";
import { watchPromise } from "../zk.js";

/** The node's data: capacity (0 = draining), labels, task types, raw support, host and pid. */
export function workerInfo(opts: ResolvedWorkerOptions, types: string[], capacity: number): string {
  return JSON.stringify({
    capacity,
    concurrency: opts.concurrency,
    labels: opts.labels,
    types,
    raw: opts.raw !== null || opts.rawShell,
    host: hostname(),
    pid: process.pid,
  });
}

/**
 * Creates the ephemeral node; when it exists already it is either our own (a retried create) or a
 * previous incarnation's, still waiting for its session to expire: wait for that (or for `signal`).
 */
export async function registerWorker(
  client: ZooKeeperClient,
  path: string,
  info: string,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    try {
      await client.create(path, info, { mode: 1 /* EPHEMERAL */ });
      return;
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
      const w = watchPromise(signal);
      const stat = await client.exists(path, { watch: w.watch });
      if (stat?.ephemeralOwner === client.sessionId) return;
      if (stat !== null && (await w.fired) === "aborted") return;
    }
  }
}
