/**
 * An overseer master candidate or worker as its own process, for `npm run bench:tasks`.
 *   node --import tsx overseer-role.ts <master|worker> <connectString> <root> <id> <sessionTimeout> <concurrency|default>
 * Prints one JSON object per line, each with `t` (Date.now(), so the bench can time events across
 * processes on this machine): {"ready":pid,"session":ms}, master: {"leader":epoch}, {"assigned":event} (a term's first only);
 * worker: {"started":taskId} for "sleep" tasks only (the "noop" handler prints nothing and returns null;
 * "parent", a flow's, returns how many child results it read).
 */
import type { TaskContext } from "../../src/tasks/index.js";
import { Master, Worker, ZooKeeperClient } from "../lib/overseer.js";

const [role, connectString = "", root = "/", id = "x", timeout = "2000", concurrency = "16"] =
  process.argv.slice(2);
const say = (o: object): void => void process.stdout.write(`${JSON.stringify({ ...o, t: Date.now() })}\n`);

const client = new ZooKeeperClient({ connectString, sessionTimeout: Number(timeout) });
await client.connect();
if (role === "master") {
  const master = new Master(client, { root, id });
  // Only a term's first assignment is printed (the failover measurement waits for it): a line per task
  // cost this process a JSON.stringify and a pipe write, and the bench driver a JSON.parse, per task.
  let first = false;
  master.on("leader", (epoch) => ((first = true), say({ leader: epoch })));
  master.on("assigned", (n) => (first ? ((first = false), say({ assigned: n })) : undefined));
  master.on("recovered", (worker, n) => say({ recovered: worker, n }));
  await master.start();
} else if (role === "worker") {
  const noop = (): null => null;
  const sleep = async (ctx: TaskContext<{ ms: number }>): Promise<string> => {
    say({ started: ctx.id });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ctx.payload.ms);
      ctx.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
    return id;
  };
  // A flow's parent (bench/flows.ts) reads its children's results, as a real one would.
  const parent = async (ctx: TaskContext): Promise<number> => Object.keys(await ctx.childResults()).length;
  // "default": the Worker's own concurrency and prefetch defaults (bench/latency.ts).
  const slots = concurrency === "default" ? {} : { concurrency: Number(concurrency) };
  const worker = new Worker(client, { noop, sleep, parent }, { root, id, ...slots });
  await worker.start();
} else {
  throw new Error(`unknown role ${String(role)}`);
}
// SIGTERM exits normally, so `--cpu-prof` (npm run bench:tasks -- --profile DIR) writes its profile.
process.on("SIGTERM", () => process.exit(0));
say({ ready: process.pid, session: client.sessionTimeout });
