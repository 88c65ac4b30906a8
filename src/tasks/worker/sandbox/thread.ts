/** A sandbox in a worker thread: its own event loop and heap; terminate() stops even a busy loop. */
import { Worker as Thread } from "node:worker_threads";
import type { FromSandbox, SandboxChannel } from "./messages.js";

/** entry.ts beside this file when run from source (tsx), entry.js once built. */
export function entryUrl(): URL {
  const self = import.meta.url;
  return new URL(self.endsWith(".ts") ? "./entry.ts" : "./entry.js", self);
}

/**
 * Run from TypeScript sources, a thread does not inherit the parent's `--import tsx` hooks: it registers
 * them itself before importing the entry (tsx is then a dependency of the source checkout anyway).
 */
function start(entry: URL, module: string): Thread {
  if (!entry.pathname.endsWith(".ts")) return new Thread(entry, { workerData: { module } });
  const code =
    `import("tsx/esm/api").then((m) => m.register())` + `.then(() => import(${JSON.stringify(entry.href)}));`;
  return new Thread(code, { eval: true, workerData: { module } });
}

export function startThread(module: string): SandboxChannel {
  const thread = start(entryUrl(), module);
  let exited = false;
  let onExit: (why: string) => void = () => undefined;
  let lastError = "";
  thread.on("error", (err) => (lastError = err.message));
  thread.on("exit", (code) => {
    exited = true;
    onExit(lastError !== "" ? `thread crashed: ${lastError}` : `thread exited with code ${code}`);
  });
  return {
    send: (m) => thread.postMessage(m),
    onMessage: (cb) => thread.on("message", (m: FromSandbox) => cb(m)),
    onExit: (cb) => (onExit = cb),
    terminate: () => {
      if (!exited) void thread.terminate();
    },
  };
}
