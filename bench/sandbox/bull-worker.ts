/**
 * A BullMQ worker process for bench/sandbox.ts: a no-op processor inline (a function), or BullMQ's
 * sandboxed processor — the file bull-processor.mjs — in child processes or worker threads.
 *   node --import tsx bull-worker.ts <redisPort> <queue> <concurrency> <inline|process|thread>
 */
import { fileURLToPath } from "node:url";
import { Worker } from "bullmq";

const [port = "6379", queue = "bench", concurrency = "16", mode = "inline"] = process.argv.slice(2);
const file = fileURLToPath(new URL("./bull-processor.mjs", import.meta.url));
const connection = { host: "127.0.0.1", port: Number(port) };
const worker =
  mode === "inline"
    ? new Worker(queue, async () => null, { connection, concurrency: Number(concurrency) })
    : new Worker(queue, file, {
        connection,
        concurrency: Number(concurrency),
        useWorkerThreads: mode === "thread",
      });
worker.on("error", (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ ready: process.pid, t: Date.now() })}\n`);
