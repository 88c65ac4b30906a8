/**
 * An overseer worker process for bench/sandbox.ts, its no-op handler loaded from handlers.mjs with the
 * given isolation.
 *   node --import tsx overseer-worker.ts <connectString> <root> <id> <sessionTimeout> <concurrency> <none|thread|process>
 * Prints {"ready":pid} once its sandboxes are up.
 */
import { fileURLToPath } from "node:url";
import type { Isolation } from "../../src/tasks/index.js";
import { Worker, ZooKeeperClient } from "../lib/overseer.js";

const [connectString = "", root = "/", id = "w", timeout = "4000", concurrency = "16", isolation = "none"] =
  process.argv.slice(2);
const client = new ZooKeeperClient({ connectString, sessionTimeout: Number(timeout) });
await client.connect();
const handlers = fileURLToPath(new URL("./handlers.mjs", import.meta.url));
const worker = new Worker(client, handlers, {
  root,
  id,
  concurrency: Number(concurrency),
  isolation: isolation as Isolation,
});
await worker.start();
process.on("SIGTERM", () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: process.pid, t: Date.now() })}\n`);
