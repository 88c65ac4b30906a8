/** BullMQ's side of the task benchmarks: a queue, one QueueEvents listener, worker processes. */
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents, type Job } from "bullmq";
import { killAll, startChild, type Child } from "../lib/children.js";
import type { ChunkSubmitter } from "./measure.js";
import type { OneSubmitter } from "./one-by-one.js";

const BULL_WORKER = fileURLToPath(new URL("./bullmq-worker.ts", import.meta.url));

export interface Bull {
  chunk: ChunkSubmitter;
  /** One job (queue.add), its completion through the same listener. */
  one: OneSubmitter;
  workers: Child[];
  close(): Promise<void>;
}

/**
 * `workers` worker processes × `concurrency` on queue `name`. Results through one QueueEvents
 * 'completed' listener matched by job id (its cheapest push path), or with `wait` through
 * job.waitUntilFinished per job.
 */
export async function startBull(
  port: number,
  name: string,
  workers: number,
  concurrency: number,
  results: "events" | "wait" = "events",
  /** Extra Worker options as JSON (e.g. `{ limiter: { max, duration } }`), or another worker script (same
   * first three arguments) with its own arguments after them. */
  extra: { settings?: object; script?: { path: string; args: string[] } } = {},
): Promise<Bull> {
  const connection = { host: "127.0.0.1", port };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  // Side by side, as overseer's roles start (start-up is not measured).
  const procs: Child[] = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      startChild(`bullmq ${name} worker ${i + 1}`, extra.script?.path ?? BULL_WORKER, [
        String(port),
        name,
        String(concurrency),
        ...(extra.script?.args ?? [JSON.stringify(extra.settings ?? {})]),
      ]),
    ),
  );
  // One listener, completions matched to waiting submitters by job id (events may beat addBulk's reply).
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  events.on("completed", ({ jobId }) => {
    const w = waiting.get(jobId);
    if (w === undefined) return void seen.add(jobId);
    waiting.delete(jobId);
    w();
  });
  const resultOf = (job: Job): Promise<unknown> => {
    if (results === "wait") return job.waitUntilFinished(events);
    const id = job.id ?? "";
    if (seen.delete(id)) return Promise.resolve();
    return new Promise<void>((resolve) => waiting.set(id, resolve));
  };
  return {
    chunk: async (size) => {
      const jobs = await queue.addBulk(Array.from({ length: size }, () => ({ name: "noop", data: {} })));
      return jobs.map(resultOf);
    },
    one: async () => ({ done: resultOf(await queue.add("noop", {})) }),
    workers: procs,
    close: async () => {
      await Promise.all(procs.map((w) => w.kill("SIGKILL")));
      await events.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}

/** BullMQ's stalled-job settings; `undefined` fields keep its defaults (lockDuration 30 s, stalledInterval 30 s). */
export interface StallSettings {
  lockDuration?: number;
  stalledInterval?: number;
}

let stallRuns = 0;

/**
 * A sleep job whose worker is SIGKILLed mid-job: ms until another worker process starts it again
 * (BullMQ's stalled-job recovery). Its own queue and processes, so several may run at once; `onKill`
 * is called right after the SIGKILL.
 */
export async function bullStalled(
  port: number,
  settings: StallSettings = {},
  onKill: () => void = () => undefined,
): Promise<number> {
  const connection = { host: "127.0.0.1", port };
  const name = `stall-${Date.now()}-${++stallRuns}`;
  const queue = new Queue(name, { connection });
  const args = [String(port), name, "1", JSON.stringify(settings)];
  try {
    const a = await startChild(`bullmq ${name} worker a`, BULL_WORKER, args);
    const job = await queue.add("sleep", { ms: 300_000 });
    await a.waitFor((l) => l["started"] === job.id, "job started on a");
    // The survivor joins after the job is taken, so the only way it gets the job is stalled recovery.
    const b = await startChild(`bullmq ${name} worker b`, BULL_WORKER, args);
    const killed = await a.kill("SIGKILL");
    onKill();
    const again = await b.waitFor((l) => l["started"] === job.id, "the job restarted on b", 0, 180_000);
    return again.t - killed;
  } finally {
    await killAll((n) => n.startsWith(`bullmq ${name} `));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
