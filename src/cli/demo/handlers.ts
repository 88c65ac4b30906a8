/**
 * The demo's handlers, loaded by `overseer worker --handlers` like any user module. Each execution first
 * appends one line to the file named by OVERSEER_DEMO_LOG (a synchronous write, so it survives a SIGKILL a
 * moment later): that is how the demo observes duplicate executions, which no result can show.
 */
import { appendFileSync } from "node:fs";
import type { TaskContext } from "../../tasks/index.js";

export interface DemoPayload {
  n: number;
  /** Simulated work, ms. */
  ms: number;
}

export interface DemoResult {
  n: number;
  square: number;
  worker: string;
  token: number;
}

const log = process.env["OVERSEER_DEMO_LOG"];

async function work(ctx: TaskContext<DemoPayload>): Promise<DemoResult> {
  if (log !== undefined) appendFileSync(log, `${ctx.id} ${ctx.workerId} ${ctx.token}\n`);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ctx.payload.ms);
    ctx.signal.addEventListener("abort", () => (clearTimeout(t), reject(ctx.signal.reason as Error)), {
      once: true,
    });
  });
  return { n: ctx.payload.n, square: ctx.payload.n * ctx.payload.n, worker: ctx.workerId, token: ctx.token };
}

export const handlers = { "demo.square": work };
