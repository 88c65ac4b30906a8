/** `overseer schedule add|ls|rm|pause|resume` against an embedded server, with `overseer master` firing. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ZooKeeperClient } from "../../src/client/index.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { startCli, type CliProcess } from "./cluster.js";
import { runCli } from "./run-cli.js";
import { keyOfId } from "../../src/tasks/layout.js";
import { firedSlots, waitProgress } from "../tasks/schedule-helpers.js";

describe("overseer schedule", () => {
  let server: RunningServer;
  let connect: string[];
  let master: CliProcess;
  let zk: ZooKeeperClient;

  before(async () => {
    server = await startServer({ port: 0, tickTime: 100 });
    connect = ["--connect", server.connectString, "--root", "/cli"];
    master = startCli(["master", "--id", "m1", "--session-timeout", "1500", ...connect]);
    await master.waitFor((l) => l["event"] === "leader", "leadership");
    zk = new ZooKeeperClient({ connectString: server.connectString, sessionTimeout: 2000 });
    await zk.connect();
  });
  after(async () => {
    await zk.close();
    await master.stop();
    await server.close();
  });

  test("add fires every slot as <id>@<slot> with the submit options; ls shows the next firing", async () => {
    const add = await runCli([
      "schedule",
      "add",
      "beat",
      "echo",
      '{"n":1}',
      "--every",
      "1s",
      "--missed",
      "all",
      "--priority",
      "5",
      "--attempts",
      "3",
      "--json",
      ...connect,
    ]);
    assert.equal(add.code, 0, add.stderr);
    const added = JSON.parse(add.stdout) as { created: boolean; next: number; spec: { every: number } };
    assert.equal(added.created, true);
    assert.equal(added.spec.every, 1000);
    assert.equal(added.next % 1000, 0);
    await waitProgress(zk, "/cli", "beat", (p) => p.fired >= 2, "two firings");
    const slots = await firedSlots(zk, "/cli", "beat");
    const { data } = await zk.getData(`/cli/tasks/${keyOfId(`beat@${slots[0] ?? 0}`)}`);
    const env = JSON.parse(data?.toString() ?? "{}") as {
      payload: unknown;
      options: { priority: number; attempts: number };
    };
    assert.deepEqual([env.payload, env.options.priority, env.options.attempts], [{ n: 1 }, 5, 3]);

    const ls = await runCli(["schedule", "ls", "--json", ...connect]);
    const list = JSON.parse(ls.stdout) as { id: string; status: string; next: number; fired: number }[];
    assert.equal(list[0]?.id, "beat");
    assert.equal(list[0]?.status, "active");
    assert.ok((list[0]?.next ?? 0) > (slots.at(-1) ?? 0));
    const text = await runCli(["schedule", "ls", ...connect]);
    assert.match(
      text.stdout,
      /^beat +active +next \d{4}-\d\d-\d\dT.* fired \d+ +missed 0 +echo +every 1000 ms$/m,
    );
  });

  test("pause, resume and rm; a missing schedule exits 1", async () => {
    assert.equal((await runCli(["schedule", "pause", "beat", ...connect])).code, 0);
    const paused = await runCli(["schedule", "ls", "--json", ...connect]);
    assert.equal((JSON.parse(paused.stdout) as { status: string }[])[0]?.status, "paused");
    assert.equal((await runCli(["schedule", "resume", "beat", ...connect])).stdout.trim(), "resumed beat");
    assert.equal((await runCli(["schedule", "rm", "beat", ...connect])).stdout.trim(), "removed beat");
    const again = await runCli(["schedule", "rm", "beat", ...connect]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no schedule beat/);
    assert.equal((await runCli(["schedule", "pause", "beat", ...connect])).code, 1);
    assert.equal((await runCli(["schedule", "ls", ...connect])).stdout.trim(), "no schedules");
  });

  test("invalid specs exit 2 with a precise message and write nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["--every", "5x"], /invalid every: expected a duration like 500ms/],
      [["--cron", "61 * * * *"], /invalid cron: .*minute/],
      [["--cron", "0 9 * * *", "--tz", "Mars/Olympus"], /invalid tz: unknown time zone "Mars\/Olympus"/],
      [["--every", "1s", "--start", "tomorrow"], /invalid start: expected an ISO 8601 date/],
      [["--every", "1s", "--cron", "* * * * *"], /exactly one of --every/],
      [[], /exactly one of --every/],
      [["--every", "1s", "--limit", "0"], /--limit/],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(["schedule", "add", "bad", "echo", ...flags, ...connect]);
      assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(await zk.exists("/cli/schedules/bad"), null);
  });
});
