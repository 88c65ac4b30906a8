/**
 * A BullMQ worker process for the task benchmarks.
 *   node --import tsx bullmq-worker.ts <redisPort> <queue> <concurrency> [settingsJson]
 * BullMQ's default worker options (stalledInterval 30 s, lockDuration 30 s) unless settingsJson sets
 * them (and `limiter`, its rate limiter). Jobs named "noop" return null; "parent" (a flow's) returns how many children values it read; "sleep" jobs print {"started":jobId,"t":Date.now()} and wait
 * data.ms. Prints {"ready":pid} once running.
 */
import { Worker, type Job } from "bullmq";

const [port = "6379", queue = "bench", concurrency = "16", settings = "{}"] = process.argv.slice(2);
const say = (o: object): void => void process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);
const stall = JSON.parse(settings) as {
  lockDuration?: number;
  stalledInterval?: number;
  /** BullMQ's rate limiter (bench/limits.ts). */
  limiter?: { max: number; duration: number };
};

const worker = new Worker(
  queue,
  async (job: Job<{ ms?: number }>) => {
    // A flow's parent (bench/flows.ts) reads its children's results, as a real one would.
    if (job.name === "parent") return Object.keys(await job.getChildrenValues()).length;
    if (job.name !== "sleep") return null;
    say({ started: job.id });
    await new Promise((resolve) => setTimeout(resolve, job.data.ms ?? 0));
    return "slept";
  },
  { connection: { host: "127.0.0.1", port: Number(port) }, concurrency: Number(concurrency), ...stall },
);
worker.on("error", (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
await worker.waitUntilReady();
say({ ready: process.pid });
