/**
 * The main module of a sandbox (a worker thread or a forked child process): loads the handler module
 * named by workerData.module (thread) or argv[2] (process), says which types it has, then runs one task
 * at a time as the worker asks, relaying progress, log lines and the result, and aborting the handler's
 * signal when the worker says the execution was stopped.
 */
import { parentPort, workerData } from "node:worker_threads";
import { TaskAbortError } from "../../errors.js";
import type { TaskContext } from "../execution/types.js";
import { loadHandlerModule } from "./load.js";
import type { FromSandbox, SandboxTask, ToSandbox } from "./messages.js";

interface Port {
  send(m: FromSandbox): void;
  on(cb: (m: ToSandbox) => void): void;
}

function port(): Port {
  const p = parentPort;
  if (p !== null) return { send: (m) => p.postMessage(m), on: (cb) => p.on("message", cb) };
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error("sandbox entry: started neither as a worker thread nor as a fork");
  return { send: (m) => void send(m), on: (cb) => process.on("message", cb) };
}

const channel = port();
const runs = new Map<number, AbortController>();
const acks = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
let seq = 0;

function reply(m: FromSandbox): void {
  try {
    channel.send(m);
  } catch (err) {
    // A result that cannot be cloned: the attempt fails with the reason instead.
    if (m.t !== "done" || !m.ok) throw err;
    const why = err instanceof Error ? err.message : String(err);
    channel.send({ t: "done", n: m.n, ok: false, error: `result cannot leave the sandbox: ${why}` });
  }
}

function context(n: number, task: SandboxTask, signal: AbortSignal): TaskContext<never> {
  const ask = <R>(what: "results" | "failures"): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const s = ++seq;
      acks.set(s, { resolve: (v) => resolve(v as R), reject });
      channel.send({ t: "children", n, seq: s, what });
    });
  return {
    ...task,
    payload: task.payload as never,
    signal,
    progress: (value: unknown) =>
      new Promise<void>((resolve, reject) => {
        const s = ++seq;
        acks.set(s, { resolve: () => resolve(), reject });
        channel.send({ t: "progress", n, seq: s, value });
      }),
    log: (line: string) => channel.send({ t: "log", n, line: String(line) }),
    childResults: <R>() => ask<Record<string, R>>("results"),
    childFailures: () => ask<Record<string, string>>("failures"),
  };
}

const moduleUrl = String(parentPort !== null ? (workerData as { module: string }).module : process.argv[2]);
try {
  const handlers = await loadHandlerModule(moduleUrl);
  channel.on((m) => {
    if (m.t === "ack") {
      const a = acks.get(m.seq);
      acks.delete(m.seq);
      if (m.error === undefined) a?.resolve(m.value);
      else a?.reject(new Error(m.error));
    } else if (m.t === "abort") runs.get(m.n)?.abort(new TaskAbortError(m.reason));
    else {
      const ac = new AbortController();
      runs.set(m.n, ac);
      const handler = handlers.get(m.task.type);
      Promise.resolve()
        .then(() => {
          if (handler === undefined) throw new Error(`no handler for task type "${m.task.type}"`);
          return handler(context(m.n, m.task, ac.signal));
        })
        .then(
          (value: unknown) => reply({ t: "done", n: m.n, ok: true, value }),
          (err: unknown) =>
            reply({ t: "done", n: m.n, ok: false, error: err instanceof Error ? err.message : String(err) }),
        )
        .finally(() => runs.delete(m.n));
    }
  });
  channel.send({ t: "ready", types: [...handlers.keys()] });
} catch (err) {
  channel.send({ t: "load-failed", message: err instanceof Error ? err.message : String(err) });
}
