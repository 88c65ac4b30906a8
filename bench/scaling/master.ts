/**
 * A master candidate as its own process, for `npm run bench:scaling`:
 *   node --expose-gc --import tsx master.ts <connectString> <root> <id> <sessionTimeout>
 * Prints JSON lines with `t`: {"ready":pid}, {"leader":epoch}, {"first":epoch} at its first assignment
 * of each term, every 100 ms while leading {"pending","assigned","finished","workers"} (the term's
 * picture), and on SIGUSR2 its memory after a full GC: {"mem":{rss,heapUsed,…},"peakRss","maxStallMs"}.
 * To explain a term that ends (issue #10) it also prints its client's state changes {"state"}, warnings
 * and the election's leadership lines {"log","err","reason"}, and every event-loop stall over 200 ms
 * {"stall":ms} (long synchronous work cuts a client off from its replies).
 * A lost session (2 s sessions on a busy machine) is final for a client, so the candidate rejoins with
 * a new one, as a supervised deployment would; it prints {"lost":n}.
 */
import type { Logger } from "../../src/client/index.js";
import { Master, ZooKeeperClient } from "../lib/overseer.js";

const [connectString = "", root = "/", id = "m", timeout = "2000"] = process.argv.slice(2);
const say = (o: object): void => void process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);

let master: Master | null = null;
let epoch = 0;
let first = false;
let lost = 0;

/** Warnings, and the info lines that explain a term's end (connection lost, leadership ended), as {"log"}. */
const note =
  (level: string) =>
  (obj: object | string, msg?: string): void => {
    const text = typeof obj === "string" ? obj : (msg ?? "");
    if (level === "info" && !/leadership|became leader/.test(text)) return;
    const o = typeof obj === "string" ? {} : (obj as Record<string, unknown>);
    const err = o["err"] instanceof Error ? o["err"].message : undefined;
    say({ log: text, level, ...(err === undefined ? {} : { err }), reason: o["reason"] });
  };
const logger: Logger = {
  debug: () => undefined,
  info: note("info"),
  warn: note("warn"),
  error: note("error"),
};

// Event-loop stalls: a 50 ms interval that fires late by more than STALL_MS was blocked that long.
const STALL_MS = 200;
let maxStall = 0;
let tickAt = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - tickAt - 50;
  tickAt = now;
  maxStall = Math.max(maxStall, late);
  if (late > STALL_MS) say({ stall: Math.round(late) });
}, 50);

async function join(): Promise<ZooKeeperClient> {
  const client = new ZooKeeperClient({ connectString, sessionTimeout: Number(timeout), logger });
  await client.connect();
  client.on("state", (e) => {
    if (e.type !== "connected") say({ state: e.type });
  });
  const m = new Master(client, { root, id, logger });
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
  say({
    mem: process.memoryUsage(),
    peakRss: process.resourceUsage().maxRSS * 1024,
    maxStallMs: Math.round(maxStall),
  });
  tickAt = performance.now(); // the forced GC is the benchmark's stall, not the master's
});
process.on("SIGTERM", () => process.exit(0));
const client = await join();
say({ ready: process.pid, session: client.sessionTimeout });
