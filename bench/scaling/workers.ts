/**
 * Many worker sessions in one process, for `npm run bench:scaling`:
 *   node --import tsx workers.ts <connectString> <root> <idPrefix> <count> <concurrency> <sessionTimeout>
 * Each worker is the library's Worker on its own ZooKeeperClient (its own session, /workers node and
 * /assign watch) with a no-op handler. Prints {"ready":pid,"workers":n} once all are registered, then
 * {"done":n} (tasks completed by this process so far) every 50 ms while it changes.
 */
import { Worker, ZooKeeperClient } from "../lib/overseer.js";

const [cs = "", root = "/", prefix = "w", count = "1", concurrency = "1", timeout = "10000"] =
  process.argv.slice(2);
const say = (o: object): void => void process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);

let done = 0;
const noop = (): null => null;
const ids = Array.from({ length: Number(count) }, (_, i) => `${prefix}-${i}`);
// A few at a time: hundreds of simultaneous handshakes only queue behind each other.
for (let i = 0; i < ids.length; i += 25) {
  await Promise.all(
    ids.slice(i, i + 25).map(async (id) => {
      const client = new ZooKeeperClient({ connectString: cs, sessionTimeout: Number(timeout) });
      await client.connect();
      const worker = new Worker(client, { noop }, { root, id, concurrency: Number(concurrency) });
      worker.on("completed", () => void done++);
      worker.on("error", (err) => say({ error: err.message, worker: id }));
      worker.on("lost", () => say({ lost: id }));
      await worker.start();
    }),
  );
}
let reported = -1;
setInterval(() => {
  if (done === reported) return;
  reported = done;
  say({ done });
}, 50);
process.on("SIGTERM", () => process.exit(0));
say({ ready: process.pid, workers: ids.length });
