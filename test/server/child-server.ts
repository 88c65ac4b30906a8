/**
 * Runs test/server/fixtures/run-server.ts as a child process, for crash (SIGKILL) and restart tests, and
 * for the benchmarks (`compiled: true`: bench/lib/run-server.mjs, the same server from dist/ under plain
 * node, which the caller must have built).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { writeMultiRequest, type Codec, type MultiOp } from "../../src/protocol/index.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/run-server.ts", import.meta.url));
const COMPILED = fileURLToPath(new URL("../../bench/lib/run-server.mjs", import.meta.url));

export interface ChildServer {
  readonly port: number;
  readonly proc: ChildProcess;
  /** stderr lines so far (JSON log records of warnings and errors). */
  readonly stderr: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface LaunchOptions {
  /** Run the compiled server (dist/, under plain node) instead of src/ through tsx; dist/ must be built. */
  compiled?: boolean;
}

export async function startChildServer(
  dataDir: string,
  port = 0,
  opts: object = {},
  launch: LaunchOptions = {},
): Promise<ChildServer> {
  const args = [dataDir, String(port), JSON.stringify(opts)];
  const argv = launch.compiled === true ? [COMPILED, ...args] : ["--import", "tsx", FIXTURE, ...args];
  const proc = spawn(process.execPath, argv, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  let errBuf = "";
  proc.stderr?.on("data", (d: Buffer) => {
    errBuf += d.toString();
    const lines = errBuf.split("\n");
    errBuf = lines.pop() ?? "";
    stderr.push(...lines);
  });
  const exited = once(proc, "exit");
  const ready = new Promise<number>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m?.[1] !== undefined) resolve(Number(m[1]));
    });
    void exited.then(() =>
      reject(new Error(`server exited before listening: ${stderr.join("\n")}${errBuf}`)),
    );
  });
  const actualPort = await ready;
  return {
    port: actualPort,
    proc,
    stderr,
    kill: async (signal: NodeJS.Signals = "SIGKILL") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export const multiCodec: Codec<MultiOp[]> = {
  write: (w, v) => writeMultiRequest(w, v),
  read: () => [],
};
