/** The dashboard's schedules: /api/schedules with the next firing, /metrics with firings and misses. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ZooKeeperClient } from "../../src/client/index.js";
import { startServer } from "../../src/server/index.js";
import { Master, Schedules } from "../../src/tasks/index.js";
import {
  DashboardMetrics,
  ZkClusterSource,
  startDashboard,
  type ScheduleRow,
} from "../../src/dashboard/index.js";
import { waitProgress } from "../tasks/schedule-helpers.js";
import { getJson, http, parseMetrics } from "./helpers.js";

test("schedules on the dashboard: next firing in the JSON API and the page; firings and misses in /metrics", async (t) => {
  const server = await startServer({ port: 0, tickTime: 100 });
  t.after(() => server.close());
  const client = new ZooKeeperClient({ connectString: server.connectString, sessionTimeout: 2000 });
  await client.connect();
  t.after(() => client.close());
  const root = `/dash-${randomBytes(4).toString("hex")}`;
  await client.create(root, null);
  const master = new Master(client, { root, id: "m" });
  t.after(() => master.close());
  await master.start();
  await master.waitForLeadership();
  const schedules = new Schedules(client, { root });
  const read = () => schedules.list();
  const source = new ZkClusterSource({ client, root, coalesceMs: 5 });
  await source.start();
  t.after(() => source.close());
  const metrics = new DashboardMetrics({ source, schedules: read, processMetrics: false });
  t.after(() => metrics.close());
  const dash = await startDashboard({ source, client, metrics, schedules: read, port: 0 });
  t.after(() => dash.close());

  await schedules.upsert("beat", { every: "1s", limit: 2 }, { type: "echo" });
  await schedules.upsert("nightly", { cron: "0 3 * * *", tz: "Europe/Berlin" }, { type: "report" });
  await schedules.pause("nightly");
  await waitProgress(client, root, "beat", (p) => p.fired === 2, "two firings");

  const api = await getJson<{ now: number; schedules: ScheduleRow[] }>(
    new URL("/api/schedules", dash.url).href,
  );
  const byId = new Map(api.schedules.map((s) => [s.id, s]));
  assert.deepEqual(
    [byId.get("beat")?.status, byId.get("beat")?.fired, byId.get("beat")?.limit, byId.get("beat")?.next],
    ["finished", 2, 2, null],
  );
  assert.equal(byId.get("nightly")?.status, "paused");
  assert.equal(byId.get("nightly")?.when, 'cron "0 3 * * *" Europe/Berlin');
  await schedules.resume("nightly");
  const again = await getJson<{ schedules: ScheduleRow[] }>(new URL("/api/schedules", dash.url).href);
  const next = again.schedules.find((s) => s.id === "nightly")?.next ?? 0;
  assert.equal(
    new Date(next).toLocaleString("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" }),
    "03:00",
  );

  const m = parseMetrics((await http(new URL("/metrics", dash.url).href)).body);
  assert.equal(m.get('overseer_schedule_firings_total{schedule="beat"}'), 2);
  assert.equal(m.get('overseer_schedule_missed_total{schedule="beat"}'), 0);
  assert.equal(m.get('overseer_schedule_next_firing_timestamp_seconds{schedule="nightly"}'), next / 1000);
  assert.equal(m.has('overseer_schedule_next_firing_timestamp_seconds{schedule="beat"}'), false);

  const page = await http(dash.url);
  assert.match(page.body, /id="schedules"/);
  assert.equal((await http(new URL("/schedules.mjs", dash.url).href)).status, 200);
});
