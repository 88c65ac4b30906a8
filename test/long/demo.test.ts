/**
 * `npm start` exactly as the README says (the default demo: 2,000 tasks, 2 masters and 3 workers as
 * processes, SIGKILLs midway) passes its own summary check, in under 60 s on a 2-core machine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

function run(
  cmd: string,
  args: string[],
  timeout: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root, timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr });
    });
  });
}

test("npm start: every task completes with exactly one committed result, within 60 s", async () => {
  // dist may predate the source under test (CI builds it in `npm ci`; a local checkout may not have).
  const build = await run("npm", ["run", "build", "--silent"], 120_000);
  assert.equal(build.code, 0, build.stderr + build.stdout);
  const t0 = Date.now();
  const res = await run("npm", ["start", "--silent"], 90_000);
  const ms = Date.now() - t0;
  assert.equal(res.code, 0, `exit ${res.code}\n${res.stdout}\n${res.stderr.slice(-3000)}`);
  assert.match(res.stdout, /completed +2000 \/ 2000 tasks/);
  assert.match(res.stdout, /committed results +2000 — one per task, each from an observed execution/);
  assert.match(res.stdout, /master failover +\d+ ms from SIGKILL/);
  assert.match(res.stdout, /PASS: every task completed with exactly one committed result/);
  assert.ok(ms < 60_000, `npm start took ${ms} ms`);
});
