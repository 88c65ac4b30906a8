/**
 * The task commands against a live embedded server, with `overseer master` and `overseer worker` running
 * as their own processes: submit (one, --count, --file, --wait), status, workers, tasks list|show|cancel|
 * retry, and their error paths.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { freePort } from "../harness/ports.js";
import { startCli, type CliProcess } from "./cluster.js";
import { runCli } from "./run-cli.js";

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("overseer master, worker, submit, status, workers, tasks", () => {
  let server: RunningServer;
  let connect: string[];
  let master: CliProcess;
  let worker: CliProcess;
  const dir = mkdtempSync(join(tmpdir(), "overseer-cli-"));

  before(async () => {
    server = await startServer({ port: 0, tickTime: 200 });
    connect = ["--connect", server.connectString, "--root", "/cli"];
    master = startCli(["master", "--id", "m1", "--session-timeout", "1500", ...connect]);
    worker = startCli([
      "worker",
      "--handlers",
      fixture("handlers.mjs"),
      "--id",
      "w1",
      "--labels",
      "gpu",
      "--concurrency",
      "8",
      "--prefetch",
      "3",
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

  test("submit --wait prints the handler's result; a failure exits 1 with the reason", async () => {
    const ok = await runCli(["submit", "echo", '{"a":1}', "--wait", "--id", "one", ...connect]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '{"a":1}');
    const again = await runCli(["submit", "echo", '{"a":2}', "--id", "one", ...connect]);
    assert.equal(again.stdout.trim(), "one (already submitted)");
    const bad = await runCli(["submit", "fail", "x", "--wait", "--id", "bad", ...connect]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad failed: refused "x"/);
  });

  test("submit --count and --file submit many and wait for all; bad input exits 2 and names the place", async () => {
    const many = await runCli(["submit", "echo", "7", "--count", "30", "--wait", ...connect]);
    assert.equal(many.code, 0, many.stderr);
    assert.match(many.stdout, /30 done, 0 failed or cancelled, of 30/);

    const file = join(dir, "tasks.jsonl");
    writeFileSync(file, '{"type":"echo","payload":1,"id":"f1"}\n\n{"payload":2,"id":"f2"}\n');
    const fromFile = await runCli(["submit", "echo", "--file", file, "--wait", "--json", ...connect]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const results = JSON.parse(fromFile.stdout) as { id: string; state: string; result: unknown }[];
    assert.deepEqual(
      results.map((r) => [r.id, r.state, r.result]),
      [
        ["f1", "done", 1],
        ["f2", "done", 2],
      ],
    );

    writeFileSync(file, '{"type":"echo"}\n{oops\n');
    const broken = await runCli(["submit", "--file", file, ...connect]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, new RegExp(`${file.replace(/[.]/g, "\\.")}:2: not JSON`));
    const json = await runCli(["submit", "echo", "{nope", ...connect]);
    assert.equal(json.code, 2);
    assert.match(json.stderr, /payload is not valid JSON/);
    const noType = await runCli(["submit", ...connect]);
    assert.equal(noType.code, 2);
    assert.match(noType.stderr, /missing <type>/);
    const badOpt = await runCli(["submit", "echo", "--labels", "no spaces", ...connect]);
    assert.equal(badOpt.code, 2);
    assert.match(badOpt.stderr, /nothing submitted: .*labels/);
  });

  test("status and workers show the master and epoch, the worker's load and the tasks by state", async () => {
    const res = await runCli(["status", "--json", ...connect]);
    assert.equal(res.code, 0, res.stderr);
    const s = JSON.parse(res.stdout) as {
      master: { id: string; epoch: number };
      backups: string[];
      workers: { id: string; capacity: number; labels: string[] }[];
      tasks: Record<string, number>;
    };
    assert.equal(s.master.id, "m1");
    assert.ok(s.master.epoch >= 1);
    assert.deepEqual(s.backups, []);
    assert.deepEqual(
      s.workers.map((w) => [w.id, w.capacity, w.labels]),
      [["w1", 11, ["gpu"]]], // the capacity the master sees: concurrency 8 + prefetch 3
    );
    assert.ok((s.tasks["done"] ?? 0) >= 31);
    assert.ok((s.tasks["failed"] ?? 0) >= 1);
    const text = await runCli(["status", ...connect]);
    assert.match(text.stdout, /^master: +m1 \(epoch \d+\)/m);
    assert.match(text.stdout, /w1 +load \d+\/11/);

    const workers = await runCli(["workers", ...connect]);
    assert.match(workers.stdout, /^w1 +load \d+\/11 +types echo,fail +labels gpu/m);
  });

  test("tasks list, show, cancel and retry", async () => {
    const failed = await runCli(["tasks", "list", "--state", "failed", "--json", ...connect]);
    const list = JSON.parse(failed.stdout) as { tasks: { id: string; state: string }[] };
    assert.ok(list.tasks.some((t) => t.id === "bad" && t.state === "failed"));

    const show = await runCli(["tasks", "show", "bad", "--json", ...connect]);
    const shown = JSON.parse(show.stdout) as { type: string; payload: unknown; outcome: { reason: string } };
    assert.equal(shown.type, "fail");
    assert.equal(shown.payload, "x");
    assert.match(shown.outcome.reason, /refused/);

    const retry = await runCli(["tasks", "retry", "bad", ...connect]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal(retry.stdout.trim(), "bad.retry-1");
    const notFinished = await runCli(["tasks", "retry", "one", ...connect]);
    assert.equal(notFinished.code, 1);
    assert.match(notFinished.stderr, /one is done; only failed or cancelled tasks can be retried/);

    await runCli(["submit", "echo", "later", "--delay", "60000", "--id", "later", ...connect]);
    const cancel = await runCli(["tasks", "cancel", "later", ...connect]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(cancel.stdout.trim(), "cancelled later");
    const twice = await runCli(["tasks", "cancel", "later", ...connect]);
    assert.equal(twice.code, 1);
    assert.match(twice.stdout, /already finished/);

    const missing = await runCli(["tasks", "show", "nope", ...connect]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no task nope under \/cli\/tasks/);
  });
});

describe("overseer worker --handlers: a bad module names the file and what is missing (exit 2)", () => {
  const cases: [string, RegExp][] = [
    [fixture("missing.mjs"), /missing\.mjs: no such file/],
    [fixture("no-export.mjs"), /no-export\.mjs: missing export `handlers`/],
    [fixture("not-function.mjs"), /not-function\.mjs: handlers\.resize is string, expected a function/],
  ];
  for (const [file, message] of cases)
    test(file.slice(file.lastIndexOf("/") + 1), async () => {
      const res = await runCli(["worker", "--handlers", file, "--connect", "127.0.0.1:1"]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, message);
    });
});

describe("overseer master: graceful handover and an unreachable server", () => {
  test("SIGTERM on the leader hands over to the backup well within the session timeout", async () => {
    const server = await startServer({ port: 0, tickTime: 500 });
    try {
      const args = ["--connect", server.connectString, "--session-timeout", "10000"];
      const a = startCli(["master", "--id", "a", ...args]);
      await a.waitFor((l) => l["event"] === "leader", "leadership");
      const b = startCli(["master", "--id", "b", ...args]);
      await b.waitFor((l) => l["event"] === "ready", "ready");
      const status = await runCli(["status", "--json", "--connect", server.connectString]);
      assert.deepEqual((JSON.parse(status.stdout) as { backups: string[] }).backups, ["b"]);
      const t0 = Date.now();
      assert.equal(await a.stop("SIGTERM"), 0);
      await b.waitFor((l) => l["event"] === "leader", "leadership", 5000);
      assert.ok(Date.now() - t0 < 5000, `handover took ${Date.now() - t0} ms`);
      assert.equal(await b.stop("SIGINT"), 0);
    } finally {
      await server.close();
    }
  });

  test("every command names an unreachable address and exits 3", async () => {
    const port = await freePort();
    for (const args of [["status"], ["workers"], ["tasks", "list"], ["submit", "echo"], ["master"]]) {
      const res = await runCli([...args, "--connect-timeout", "300", "--connect", `127.0.0.1:${port}`]);
      assert.equal(res.code, 3, `${args.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, /cannot reach ZooKeeper at .*overseer server/);
    }
  });
});
