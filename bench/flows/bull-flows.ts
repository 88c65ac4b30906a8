/** BullMQ's side of the flow benchmark: FlowProducer.addBulk, a "parent" job over 10 "noop" children. */
import { fileURLToPath } from "node:url";
import { FlowProducer, Queue, QueueEvents } from "bullmq";
import { startChild, type Child } from "../lib/children.js";
import type { ChunkSubmitter } from "../tasks/measure.js";

const BULL_WORKER = fileURLToPath(new URL("../tasks/bullmq-worker.ts", import.meta.url));

export interface BullFlows {
  /** `size` tasks as size ÷ (fanout + 1) flows; one promise per flow, settled by its parent's completion. */
  chunk: ChunkSubmitter;
  workers: Child[];
  close(): Promise<void>;
}

export async function startBullFlows(
  port: number,
  name: string,
  workers: number,
  concurrency: number,
  fanout: number,
): Promise<BullFlows> {
  const connection = { host: "127.0.0.1", port };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const producer = new FlowProducer({ connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const procs: Child[] = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      startChild(`bullmq ${name} worker ${i + 1}`, BULL_WORKER, [String(port), name, String(concurrency)]),
    ),
  );
  // Parents carry our own job ids ("p-<n>"): children's completions are not awaited by anyone.
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  events.on("completed", ({ jobId }) => {
    if (!jobId.startsWith("p-")) return;
    const w = waiting.get(jobId);
    if (w === undefined) return void seen.add(jobId);
    waiting.delete(jobId);
    w();
  });
  let next = 0;
  return {
    chunk: async (size) => {
      const flows = Array.from({ length: Math.round(size / (fanout + 1)) }, () => ({
        name: "parent",
        queueName: name,
        data: {},
        opts: { jobId: `p-${++next}` },
        children: Array.from({ length: fanout }, () => ({ name: "noop", queueName: name, data: {} })),
      }));
      const nodes = await producer.addBulk(flows);
      return nodes.map((n) => {
        const id = n.job.id ?? "";
        if (seen.delete(id)) return Promise.resolve();
        return new Promise<void>((resolve) => waiting.set(id, resolve));
      });
    },
    workers: procs,
    close: async () => {
      await Promise.all(procs.map((w) => w.kill("SIGKILL")));
      await producer.close();
      await events.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}
