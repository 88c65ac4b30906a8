/**
 * Running kazoo (Debian's python3-kazoo, with python3-pure-sasl for SASL) from tests: a Python
 * snippet gets its arguments as JSON in argv[1] and prints what the test checks. Debian's packages
 * live under the system interpreter, so this uses /usr/bin/python3, not whatever `python3` is first
 * on PATH.
 */
import { execFile, execFileSync } from "node:child_process";

export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Why kazoo tests cannot run here, or false; for `describe(name, { skip: … })`. */
export function skipUnlessKazoo(): string | false {
  try {
    execFileSync(SYSTEM_PYTHON, ["-c", "import kazoo, puresasl"], { stdio: "ignore", timeout: 20_000 });
    return false;
  } catch {
    const problem = "python3-kazoo / python3-pure-sasl not installed (scripts/install-system-deps.sh)";
    if (process.env.CI) throw new Error(`kazoo tests cannot run in CI: ${problem}`);
    return problem;
  }
}

/** Run `script` with `args` as JSON in sys.argv[1]; resolves with stdout, rejects with stderr on failure. */
export function runKazoo(script: string, args: unknown, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      SYSTEM_PYTHON,
      ["-c", script, JSON.stringify(args)],
      { timeout: timeoutMs, killSignal: "SIGKILL" },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`kazoo script failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
