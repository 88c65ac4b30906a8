/** `overseer flow submit` and the flow lines of `overseer tasks show`, against a live embedded server. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { startCli, type CliProcess } from "./cluster.js";
import { runCli } from "./run-cli.js";

const handlers = fileURLToPath(new URL("./fixtures/flow-handlers.mjs", import.meta.url));

describe("overseer flow submit, tasks show (flows)", () => {
  let server: RunningServer;
  let connect: string[];
  let master: CliProcess;
  let worker: CliProcess;
  const dir = mkdtempSync(join(tmpdir(), "overseer-flow-"));

  before(async () => {
    server = await startServer({ port: 0, tickTime: 200 });
    connect = ["--connect", server.connectString, "--root", "/flowcli"];
    master = startCli(["master", "--id", "m1", "--session-timeout", "1500", ...connect]);
    worker = startCli([
      "worker",
      "--handlers",
      handlers,
      "--id",
      "w1",
      "--session-timeout",
      "1500",
      ...connect,
    ]);
    await master.waitFor((l) => l["event"] === "leader", "leadership");
    await worker.waitFor((l) => l["event"] === "ready", "ready");
  });
  after(async () => {
    await worker.stop();
    await master.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("flow submit --wait prints the root's result; tasks show lists children and parent", async () => {
    const file = join(dir, "flow.json");
    writeFileSync(
      file,
      JSON.stringify({
        type: "sum",
        id: "total",
        children: [
          { type: "num", payload: 2, id: "two" },
          { type: "num", payload: 40, id: "forty", onFailure: "continue" },
        ],
      }),
    );
    const run = await runCli(["flow", "submit", file, "--wait", ...connect]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "42");
    const again = await runCli(["flow", "submit", file, ...connect]);
    assert.equal(again.stdout.trim(), "total (already submitted)");

    const root = await runCli(["tasks", "show", "total", ...connect]);
    assert.equal(root.code, 0, root.stderr);
    assert.match(root.stdout, /parent:\s+\(none: the flow's root\)/);
    assert.match(root.stdout, /children:\s+2\n\s+two\s+done\n\s+forty\s+done\s+\(onFailure continue\)/);
    const child = await runCli(["tasks", "show", "two", "--json", ...connect]);
    const view = JSON.parse(child.stdout) as {
      flow: { parent: { id: string }; root: string; childCount: number };
    };
    assert.deepEqual([view.flow.parent.id, view.flow.root, view.flow.childCount], ["total", "total", 0]);
  });

  test("a bad flow file exits 2 and names the place; nothing is written", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({ type: "sum", id: "bad", children: [{ type: "num", onFailure: "maybe" }] }),
    );
    const run = await runCli(["flow", "submit", file, ...connect]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /root\.children\[0\]\.onFailure/);
    const show = await runCli(["tasks", "show", "bad", ...connect]);
    assert.equal(show.code, 1, "the root was not written");
  });
});
