/**
 * The whole system in one process: an embedded server, a master, a worker, and a submitter.
 *   npx tsx examples/quickstart.ts
 * In production each role is its own process (`overseer master`, `overseer worker`), usually on
 * Apache ZooKeeper; the code is the same.
 */
import { connect, startServer } from "overseer";
import { Master, Submitter, Worker, type TaskContext } from "overseer/tasks";

const server = await startServer({ port: 0 });
const zk = () => connect({ connectString: server.connectString, sessionTimeout: 10_000 });
const [masterZk, workerZk, clientZk] = await Promise.all([zk(), zk(), zk()]);

const master = new Master(masterZk);
await master.start();
console.log("master leading with epoch", await master.waitForLeadership());

const worker = new Worker(
  workerZk,
  {
    // A handler gets the payload, the attempt, a fencing token and an AbortSignal.
    resize: async (ctx: TaskContext<{ width: number }>) => ({
      width: ctx.payload.width / 2,
      by: ctx.workerId,
    }),
  },
  { concurrency: 4, id: "worker-1" },
);
await worker.start();

const submitter = new Submitter(clientZk);
const task = await submitter.submit("resize", { width: 640 }, { id: "img-1", attempts: 3 });
console.log("result", await task.result());

const many = await submitter.submitMany(
  Array.from({ length: 100 }, (_, i) => ({ type: "resize", payload: { width: i * 2 } })),
);
const results = await Promise.all(many.map((h) => h.result<{ width: number }>()));
console.log("done", results.length, "tasks; last width", results.at(-1)?.width);

await worker.close();
await master.close();
for (const c of [masterZk, workerZk, clientZk]) await c.close();
await server.close();
