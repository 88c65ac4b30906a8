/** A sandbox in a child process (child_process.fork): a crash, process.exit or OOM ends only it. */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FromSandbox, SandboxChannel } from "./messages.js";
import { entryUrl } from "./thread.js";

export function startProcess(module: string): SandboxChannel {
  // The parent's execArgv (e.g. `--import tsx` from source) is inherited, so a .ts entry loads too.
  const child = fork(fileURLToPath(entryUrl()), [module], { serialization: "advanced" });
  let exited = false;
  let onExit: (why: string) => void = () => undefined;
  child.on("exit", (code, signal) => {
    exited = true;
    onExit(`process exited with ${signal ?? `code ${code ?? "?"}`}`);
  });
  // A send racing the child's exit fails with EPIPE: the exit event reports it.
  child.on("error", () => undefined);
  return {
    send: (m) => {
      if (!exited && child.connected) child.send(m);
    },
    onMessage: (cb) => child.on("message", (m) => cb(m as FromSandbox)),
    onExit: (cb) => (onExit = cb),
    terminate: () => {
      if (!exited) child.kill("SIGKILL");
    },
  };
}
