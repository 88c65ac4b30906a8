/**
 * The page in a real browser (playwright-core driving Debian's chromium) on a real cluster: an embedded
 * server, a master and two worker processes. Tasks are submitted through the CLI (`overseer submit`, a
 * child process), as an operator would. Saves docs/dashboard.png.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { runCli } from "../cli/run-cli.js";
import { startRole } from "../tasks/processes.js";
import { startFixture } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = fileURLToPath(new URL("../../docs/dashboard.png", import.meta.url));
const missing = !existsSync(CHROMIUM);
if (missing && process.env["CI"] !== undefined)
  throw new Error(
    `${CHROMIUM} is missing: run scripts/install-system-deps.sh as root (apt-get install chromium)`,
  );

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function launch(): Promise<{ ctx: BrowserContext; dispose: () => Promise<void> }> {
  // A fresh profile each run; playwright passes it as --user-data-dir.
  const profile = mkdtempSync(join(tmpdir(), "overseer-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    ctx,
    dispose: async () => {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

test(
  "the page shows the live cluster: workers, a task completing, a worker leaving",
  { skip: missing ? `${CHROMIUM} not installed` : false },
  async () => {
    const f = await startFixture();
    after(() => f.close());
    await startRole("master", f.server.connectString, f.root, "master-1");
    // Fixed prefetch (the automatic one changes with the tasks' times): 3 × concurrency each.
    await startRole("worker", f.server.connectString, f.root, "worker-1", 4, "prefetch=12");
    const w2 = await startRole("worker", f.server.connectString, f.root, "worker-2", 2, "prefetch=6");
    const { ctx, dispose } = await launch();
    after(dispose);
    const page = await ctx.newPage();
    const consoleLines: string[] = [];
    page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(f.dash.url);
    const text = (id: string): Promise<string> => page.locator(`#${id}`).innerText();
    const until = async (id: string, want: string): Promise<void> => {
      // A selector, not a function: the page's CSP forbids the eval that waitForFunction(string) needs.
      await page
        .waitForSelector(`#${id}:text-is(${JSON.stringify(want)})`, { timeout: 20_000 })
        .catch(async (err: unknown) => {
          const shows = await text(id);
          // What the server side believed at that moment, to tell a stale page from a stale source.
          const api = await fetch(`${f.dash.url}api/overview`)
            .then((r) => r.text())
            .catch((e: Error) => e.message);
          const znodes = await f.client.getChildren(`${f.root}/workers`).catch((e: Error) => e.message);
          throw new Error(
            `#${id} never showed "${want}" (shows "${shows}"); /api/overview: ${api.slice(0, 400)}; ` +
              `workers znodes: ${String(znodes)}; page: ${consoleLines.join(" | ")}`,
            {
              cause: err,
            },
          );
        });
    };

    await until("worker-count", "2");
    await until("master", "master-1");
    // Concurrency 4 and 2, prefetch 12 and 6: the master sees 16 + 8 slots.
    assert.equal(await text("capacity"), "24");

    const connect = ["--connect", f.server.connectString, "--root", f.root];
    // `--wait` prints the handler's result once the task is done; the page must show it done too.
    const first = runCli(["submit", "sleep", '{"ms":200}', "--id", "first", "--wait", ...connect]);
    await until("count-done", "1");
    const submitted = await first;
    assert.equal(submitted.code, 0, submitted.stderr);
    assert.match(submitted.stdout.trim(), /^worker-[12]:first$/);

    // A little history for the screenshot: a burst of tasks, and one whose handler throws (null payload).
    const dir = mkdtempSync(join(tmpdir(), "overseer-dash-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "tasks.jsonl");
    const lines: { payload: unknown; id: string }[] = Array.from({ length: 40 }, (_, i) => ({
      payload: { ms: 50 + (i % 5) * 40 },
      id: `t${i}`,
    }));
    lines.push({ payload: null, id: "doomed" });
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
    const burst = await runCli(["submit", "sleep", "--file", file, ...connect]);
    assert.equal(burst.code, 0, burst.stderr);
    await until("count-done", "41");
    await until("count-failed", "1");
    // The live feed (a TaskEvents follower in the dashboard, pushed as SSE) shows the failure as it happened.
    await page.waitForSelector(`#live-events tr[data-event="failed"]`, { timeout: 20_000 });
    assert.match(await page.locator(`#live-events tr[data-event="failed"]`).first().innerText(), /doomed/);
    await page.locator("#tasks tbody tr").first().click();
    await page.waitForSelector("#detail-state");
    await page.waitForTimeout(1200); // the list follows the counts at most once a second
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await w2.kill("SIGKILL");
    await until("worker-count", "1");
    assert.equal(await text("capacity"), "16"); // worker-1 alone: concurrency 4 + prefetch 12
  },
);
