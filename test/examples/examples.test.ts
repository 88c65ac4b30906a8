/** Every example in examples/ runs as its header says (imports of "overseer" resolved to this checkout's source). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startServer } from "../../src/server/index.js";
import { startCli } from "../cli/cluster.js";
import { runCli } from "../cli/run-cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("examples/quickstart.ts: server, master, worker and submitter in one process", async () => {
  const source = readFileSync(join(root, "examples/quickstart.ts"), "utf8")
    .replace(/from "overseer\/tasks"/g, `from ${JSON.stringify(join(root, "src/tasks/index.ts"))}`)
    .replace(/from "overseer"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`);
  const dir = mkdtempSync(join(root, "node_modules", ".example-"));
  try {
    const file = join(dir, "quickstart.mts");
    writeFileSync(file, source);
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
      cwd: root,
      timeout: 60_000,
    });
    assert.deepEqual(stdout.trim().split("\n"), [
      "master leading with epoch 1",
      "result { width: 320, by: 'worker-1' }",
      "done 100 tasks; last width 99",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("examples/handlers.mjs: the commands in its header work", async () => {
  const server = await startServer({ port: 0 });
  const connect = ["--connect", server.connectString];
  const master = startCli(["master", ...connect]);
  const worker = startCli([
    "worker",
    "--handlers",
    join(root, "examples/handlers.mjs"),
    "--concurrency",
    "8",
    ...connect,
  ]);
  try {
    await master.waitFor((l) => l["event"] === "leader", "leadership");
    await worker.waitFor((l) => l["event"] === "ready", "ready");
    const resize = await runCli(["submit", "resize", '{"width":640}', "--wait", ...connect]);
    assert.equal(resize.stdout.trim(), '{"width":320}', resize.stderr);
    const slug = await runCli(["submit", "slugify", '"Hello, World"', "--wait", ...connect]);
    assert.equal(slug.stdout.trim(), "hello-world", slug.stderr);
    const countdown = await runCli(["submit", "countdown", "3", "--wait", ...connect]);
    assert.equal(countdown.stdout.trim(), "liftoff", countdown.stderr);
  } finally {
    await worker.stop();
    await master.stop();
    await server.close();
  }
});
