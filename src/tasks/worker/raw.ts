/**
 * Raw seed tasks (`create -s /tasks/task- "cmd"`): their payload is bytes, their outcome the text
 * "done" or a failure text. Running them as shell commands is opt-in (`rawShell: true`).
 */
import { spawn } from "node:child_process";

export interface RawTaskContext {
  /** The task node's name, e.g. "task-0000000003". */
  readonly key: string;
  readonly data: Buffer | null;
  /** `data` as UTF-8 ("" for null). */
  readonly command: string;
  readonly token: number;
  readonly signal: AbortSignal;
}

/** Returns the status text to store (default "done"); throwing stores "failed: <message>". */
export type RawHandler = (ctx: RawTaskContext) => Promise<string | void> | string | void;

/** Runs the payload with `sh -c`; exit 0 → "done", otherwise throws with the code and stderr's tail. */
export const shellHandler: RawHandler = (ctx) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn("sh", ["-c", ctx.command], {
      stdio: ["ignore", "ignore", "pipe"],
      signal: ctx.signal,
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString("utf8")).slice(-400);
    });
    child.on("error", reject);
    child.on("close", (code, sig) => {
      if (code === 0) resolve("done");
      else reject(new Error(`exit ${code ?? sig ?? "?"}${stderr === "" ? "" : `: ${stderr.trim()}`}`));
    });
  });
