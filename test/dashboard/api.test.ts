/** The dashboard's HTTP API, SSE and /metrics against an embedded server and a cluster laid out by hand. */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { CreateMode } from "../../src/client/index.js";
import { assignName, keyOfId } from "../../src/tasks/layout.js";
import { Submitter } from "../../src/tasks/submit/submitter.js";
import { TaskLimits, type LimitUsageEntry } from "../../src/tasks/index.js";
import {
  DashboardOptionError,
  startDashboard,
  type Overview,
  type TaskPage,
} from "../../src/dashboard/index.js";
import { runCli } from "../cli/run-cli.js";
import {
  addWorker,
  eventually,
  assign,
  finish,
  getJson,
  http,
  parseMetrics,
  SseClient,
  startFixture,
  type Fixture,
} from "./helpers.js";

const TOKEN = "s3cret-token-for-tests";
let f: Fixture;

before(async () => {
  f = await startFixture({ token: TOKEN });
});
after(async () => {
  await f?.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const api = <T>(path: string): Promise<T> => getJson<T>(new URL(path, f.dash.url).href, auth);

async function metrics(): Promise<Map<string, number>> {
  const r = await http(new URL("/metrics", f.dash.url).href, { headers: auth });
  assert.equal(r.status, 200);
  return parseMetrics(r.body);
}

test("the overview, task list, detail, znodes, SSE and metrics follow the cluster", async () => {
  const { client: c, layout: l } = f;
  const submitter = new Submitter(c, { root: f.root });
  await addWorker(c, l, "w1", 4);
  await c.create(l.tasks, null).catch(() => undefined);
  const handles = await submitter.submitMany(
    ["a", "b", "c", "d"].map((id) => ({ type: "echo", payload: { n: id }, options: { id } })),
  );
  assert.equal(handles.length, 4);
  await c.create(`${l.tasks}/task-`, "echo hi", { mode: CreateMode.PERSISTENT_SEQUENTIAL });
  await assign(c, l, "w1", "a");
  await assign(c, l, "w1", "b");

  const sse = await SseClient.open(new URL(`/api/events?token=${TOKEN}`, f.dash.url).href);
  const first = await sse.waitFor((o) => {
    const v = o as Overview;
    return v.ready && v.total === 5 && v.counts.running === 2 ? v : undefined;
  });
  assert.equal(first.workers.length, 1);
  assert.deepEqual(
    { capacity: first.workers[0]?.capacity, running: first.workers[0]?.running },
    { capacity: 4, running: 2 },
  );
  assert.equal(first.counts.waiting, 3);

  const before = await metrics();
  assert.equal(before.get("overseer_workers"), 1);
  assert.equal(before.get('overseer_tasks{state="running"}'), 2);
  assert.equal(before.get('overseer_mntr_up{server="127.0.0.1:' + f.server.port + '"}'), 1);
  assert.ok((before.get(`zk_znode_count{server="127.0.0.1:${f.server.port}"}`) ?? 0) > 5);

  // A change arrives over SSE without asking: a second worker, one task done, one failed.
  await addWorker(c, l, "w2", 1);
  await finish(c, l, "w1", "a", "done");
  await finish(c, l, "w1", "b", "failed");
  const next = await sse.waitFor((o) => {
    const v = o as Overview;
    return v.workers.length === 2 && v.counts.done === 1 && v.counts.failed === 1 ? v : undefined;
  });
  assert.equal(next.counts.running, 0);
  assert.equal(next.failures[0]?.reason, "boom: handler threw");
  sse.close();

  const afterM = await metrics();
  assert.equal(afterM.get("overseer_workers"), 2);
  assert.equal(afterM.get('overseer_tasks{state="done"}'), 1);
  assert.equal(afterM.get('overseer_tasks_finished_total{state="failed"}'), 1);
  assert.equal(afterM.get("overseer_assignments_total"), 2);
  assert.equal(afterM.get("overseer_task_turnaround_seconds_count"), 2);

  const page = await api<TaskPage>("/api/tasks?limit=2");
  assert.equal(page.total, 5);
  assert.equal(page.rows.length, 2);
  const failed = await api<TaskPage>("/api/tasks?state=failed");
  assert.deepEqual(
    failed.rows.map((r) => r.id),
    ["b"],
  );
  const detail = await api<{ payload: unknown; outcome: unknown; worker: string; timeline: unknown[] }>(
    `/api/task?key=${encodeURIComponent(failed.rows[0]?.key ?? "")}`,
  );
  assert.deepEqual(detail.payload, { n: "b" });
  assert.equal(detail.worker, "w1");
  assert.ok(detail.timeline.length >= 2);

  const z = await api<{ children: string[]; numChildren: number }>(
    `/api/znodes?path=${encodeURIComponent(l.workers)}`,
  );
  assert.deepEqual(z.children, ["w1", "w2"]);
  const missing = await http(new URL(`/api/znodes?path=${l.root}/nope`, f.dash.url).href, { headers: auth });
  assert.equal(missing.status, 404);

  // An assignment carrying its task's bytes (docs/SEMANTICS.md): the detail shows it without that copy.
  const cKey = keyOfId("c");
  const carried = { task: cKey, token: 0, attempt: 1, data: Buffer.from('{"v":1}').toString("base64") };
  await c.create(`${l.assignDir("w2")}/${assignName(cKey)}`, JSON.stringify(carried));
  const shown = await eventually(async () => {
    const d = await api<{ assignment: { worker: string; data: unknown } | null }>(
      `/api/task?key=${encodeURIComponent(cKey)}`,
    );
    return d.assignment ?? undefined;
  });
  assert.deepEqual(shown, { worker: "w2", data: { task: cKey, token: 0, attempt: 1 } });
});

test("token rules: reads and actions need the token; actions only in a header", async () => {
  const url = (p: string): string => new URL(p, f.dash.url).href;
  assert.equal((await http(url("/api/overview"))).status, 401);
  assert.equal((await http(url("/metrics"))).status, 401);
  assert.equal((await http(url("/"))).status, 200, "the page itself holds no data");
  await new Submitter(f.client, { root: f.root }).submit("echo", 1, { id: "to-cancel" });
  const key = encodeURIComponent("b-01/t-x"); // any key: the token is checked first
  assert.equal((await http(url(`/api/tasks/cancel?key=${key}`), { method: "POST" })).status, 401);
  const viaQuery = await http(url(`/api/tasks/cancel?key=${key}&token=${TOKEN}`), { method: "POST" });
  assert.equal(viaQuery.status, 401, "a token in the query string never authorizes an action");
  const row = await eventually(async () =>
    (await api<TaskPage>("/api/tasks?state=waiting&limit=500")).rows.find((r) => r.id === "to-cancel"),
  );
  const ok = await http(url(`/api/tasks/cancel?key=${encodeURIComponent(row.key)}`), {
    method: "POST",
    headers: auth,
  });
  assert.equal(ok.status, 200, ok.body);
  const again = await http(url(`/api/tasks/cancel?key=${encodeURIComponent(row.key)}`), {
    method: "POST",
    headers: auth,
  });
  assert.equal(again.status, 409);
  await eventually(async () =>
    (await api<TaskPage>("/api/tasks?state=cancelled")).rows.some((r) => r.id === "to-cancel")
      ? true
      : undefined,
  );
});

test("retry: refused without the token; with it, a failed or cancelled task is resubmitted once", async () => {
  const url = (p: string): string => new URL(p, f.dash.url).href;
  const post = (path: string, headers: Record<string, string> = auth): ReturnType<typeof http> =>
    http(url(path), { method: "POST", headers });
  const submitter = new Submitter(f.client, { root: f.root });
  const h = await submitter.submit("echo", { n: 1 }, { id: "to-retry", attempts: 2, priority: 3 });
  const retryOf = (key: string): string => `/api/tasks/retry?key=${encodeURIComponent(key)}`;

  const early = await post(retryOf(h.key));
  assert.equal(early.status, 409, "a waiting task is not retried");
  assert.match(early.body, /to-retry is waiting; only failed or cancelled tasks can be retried/);
  assert.equal(await h.cancel(), true);

  const refused = await post(retryOf(h.key), {});
  assert.equal(refused.status, 401);
  assert.equal(await f.client.exists(f.layout.task(submitter.handle("to-retry.retry-1").key)), null);

  const ok = await post(retryOf(h.key));
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual(JSON.parse(ok.body), {
    message: "resubmitted to-retry as to-retry.retry-1",
    id: "to-retry.retry-1",
  });
  const again = await post(retryOf(h.key));
  assert.equal((JSON.parse(again.body) as { id: string }).id, "to-retry.retry-2", "each retry is a new task");

  const retried = await f.client.getData(f.layout.task(submitter.handle("to-retry.retry-1").key));
  const env = JSON.parse(retried.data?.toString("utf8") ?? "") as Record<string, unknown>;
  assert.equal(env["type"], "echo");
  assert.deepEqual(env["payload"], { n: 1 });
  assert.deepEqual((env["options"] as Record<string, unknown>)["attempts"], 2);
  assert.deepEqual((env["options"] as Record<string, unknown>)["priority"], 3);
  await eventually(async () =>
    (await api<TaskPage>("/api/tasks?state=waiting&limit=500")).rows.some((r) => r.id === "to-retry.retry-1")
      ? true
      : undefined,
  );

  assert.equal((await post(retryOf("b-01/t-nope"))).status, 404);
  assert.equal((await post(retryOf("task-0000000001"))).status, 501, "raw seed tasks are not retried");
});

test("promote and remove go through the admin API", async () => {
  const post = (what: string, key: string): ReturnType<typeof http> =>
    http(new URL(`/api/tasks/${what}?key=${encodeURIComponent(key)}`, f.dash.url).href, {
      method: "POST",
      headers: auth,
    });
  const submitter = new Submitter(f.client, { root: f.root });
  const h = await submitter.submit("echo", null, { id: "to-promote", delay: 600_000 });
  await eventually(async () =>
    (await api<TaskPage>("/api/tasks?state=delayed&limit=500")).rows.some((r) => r.id === "to-promote")
      ? true
      : undefined,
  );
  const promoted = await post("promote", h.key);
  assert.equal(promoted.status, 200, promoted.body);
  assert.equal((await post("promote", h.key)).status, 409, "a waiting task is not promoted");
  await eventually(async () =>
    (await api<TaskPage>("/api/tasks?state=waiting&limit=500")).rows.some((r) => r.id === "to-promote")
      ? true
      : undefined,
  );
  const removed = await post("remove", h.key);
  assert.equal(removed.status, 200, removed.body);
  assert.equal(await f.client.exists(h.path), null);
  assert.equal((await post("remove", h.key)).status, 404);
  assert.equal((await post("remove", "b-01/t-nope")).status, 404);
});

test("a loopback dashboard without a token refuses actions and foreign Host headers", async () => {
  const dash = await startDashboard({ source: f.source, client: f.client, port: 0 });
  try {
    const url = new URL("/api/tasks/cancel?key=b-01/t-x", dash.url).href;
    const r = await http(url, { method: "POST" });
    assert.equal(r.status, 401);
    assert.match(r.body, /--token/);
    assert.equal((await http(new URL("/api/overview", dash.url).href)).status, 200);
    const rebinding = await http(new URL("/api/overview", dash.url).href, {
      headers: { host: "evil.example:80" },
    });
    assert.equal(rebinding.status, 403);
  } finally {
    await dash.close();
  }
});

test("binding a non-loopback address without a token is refused", async () => {
  await assert.rejects(
    startDashboard({ source: f.source, client: f.client, host: "0.0.0.0", port: 0 }),
    (err: unknown) => err instanceof DashboardOptionError && /--token/.test(err.message),
  );
  const cli = await runCli([
    "dashboard",
    "--host",
    "0.0.0.0",
    "--port",
    "0",
    "--connect",
    f.server.connectString,
  ]);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /refusing to bind 0\.0\.0\.0 without a token/);
});

test("the live task-event feed and a task's log lines", async () => {
  const sub = new Submitter(f.client, { root: f.root });
  await sub.submit("feed", { n: 1 }, { id: "feed-1" });
  await addWorker(f.client, f.layout, "w-feed");
  await assign(f.client, f.layout, "w-feed", "feed-1");
  await f.client.create(
    f.layout.logs(keyOfId("feed-1")),
    JSON.stringify({ lines: [{ at: 1, attempt: 1, line: "hello from the handler" }], dropped: 0 }),
  );
  await finish(f.client, f.layout, "w-feed", "feed-1", "done");
  const events = await eventually(async () => {
    const r = await api<{ event: string; id: string }[]>("/api/task-events");
    const mine = r.filter((e) => e.id === "feed-1").map((e) => e.event);
    return mine.includes("completed") ? mine : undefined;
  });
  assert.deepEqual(events, ["completed", "active", "submitted"], "newest first");
  const log = await api<{ lines: { line: string }[] }>("/api/task/logs?id=feed-1");
  assert.deepEqual(
    log.lines.map((l) => l.line),
    ["hello from the handler"],
  );
  const missing = await http(new URL("/api/task/logs?id=nope", f.dash.url).href, { headers: auth });
  assert.equal(missing.status, 404);
});

test("/api/limits: each limited type with its starts in the window and the assignments it holds", async () => {
  const { client: c, layout: l } = f;
  assert.deepEqual(await api<LimitUsageEntry[]>("/api/limits"), []);
  await new TaskLimits(c, { root: f.root }).set("mail", { rate: "5/1m", groupConcurrency: 1 });
  await addWorker(c, l, "wl", 4);
  await new Submitter(c, { root: f.root }).submit("mail", null, { id: "m1", group: "acme" });
  await assign(c, l, "wl", "m1");
  const [u] = await api<LimitUsageEntry[]>("/api/limits");
  assert.deepEqual(u, {
    type: "mail",
    limits: { rate: { limit: 5, per: 60_000 }, groupConcurrency: 1 },
    started: 0,
    held: 1,
    heldByGroup: { acme: 1 },
  });
});
