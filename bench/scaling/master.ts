/**
 * A master candidate as its own process, for `npm run bench:scaling`:
 *   node --expose-gc --import tsx master.ts <connectString> <root> <id> <sessionTimeout>
 * Prints JSON lines with `t`: {"ready":pid}, {"leader":epoch}, {"first":epoch} at its first assignment
 * of each term, every 100 ms while leading {"pending","assigned","finished","workers"} (the term's
 * picture), and on SIGUSR2 its memory after a full GC: {"mem":{rss,heapUsed,…},"peakRss"}.
 * A lost session (2 s sessions on a busy machine) is final for a client, so the candidate rejoins with
 * a new one, as a supervised deployment would; it prints {"lost":n}.
 */
import { Master, ZooKeeperClient } from "../lib/overseer.js";

const [connectString = "", root = "/", id = "m", timeout = "2000"] = process.argv.slice(2);
const say = (o: object): void => void process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);

let master: Master | null = null;
let epoch = 0;
let first = false;
let lost = 0;

async function join(): Promise<ZooKeeperClient> {
  const client = new ZooKeeperClient({ connectString, sessionTimeout: Number(timeout) });
  await client.connect();
  const m = new Master(client, { root, id });
  master = m;
  m.on("leader", (e) => {
    epoch = e;
    first = false;
    say({ leader: e });
  });
  m.on("assigned", () => {
    if (first) return;
    first = true;
    say({ first: epoch });
  });
  m.on("error", (err) => say({ error: err.message }));
  m.on("follower", () => say({ follower: epoch }));
  client.on("state", (e) => {
    if (e.type !== "lost" || master !== m) return;
    say({ lost: ++lost });
    master = null;
    void m.close().catch(() => undefined);
    void client.close().catch(() => undefined);
    void join();
  });
  await m.start();
  return client;
}

let last = "";
setInterval(() => {
  const v = master?.view ?? null;
  if (v === null) return;
  const picture = {
    pending: v.pending.size,
    assigned: v.assigned.size,
    finished: v.finished.size,
    workers: v.workers.size,
  };
  const text = JSON.stringify(picture);
  if (text !== last) say(picture);
  last = text;
}, 100);

const gc = (globalThis as { gc?: () => void }).gc;
process.on("SIGUSR2", () => {
  gc?.();
  say({ mem: process.memoryUsage(), peakRss: process.resourceUsage().maxRSS * 1024 });
});
process.on("SIGTERM", () => process.exit(0));
const client = await join();
say({ ready: process.pid, session: client.sessionTimeout });
