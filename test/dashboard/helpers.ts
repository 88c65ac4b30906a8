/** Shared by the dashboard tests: an embedded server, a cluster root laid out by hand, a running dashboard. */
import { request } from "node:http";
import { randomBytes } from "node:crypto";
import { CreateMode, ZooKeeperClient } from "../../src/client/index.js";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { Layout, keyOfId, assignName } from "../../src/tasks/layout.js";
import { encodeOutcome } from "../../src/tasks/envelope.js";
import { TaskLimits } from "../../src/tasks/index.js";
import {
  DashboardMetrics,
  TaskSystemActions,
  ZkClusterSource,
  startDashboard,
  type RunningDashboard,
} from "../../src/dashboard/index.js";

export interface Fixture {
  server: RunningServer;
  client: ZooKeeperClient;
  layout: Layout;
  root: string;
  dash: RunningDashboard;
  source: ZkClusterSource;
  close(): Promise<void>;
}

export async function startFixture(opts: { token?: string } = {}): Promise<Fixture> {
  const server = await startServer({ port: 0, fourLetterWords: ["mntr", "srvr"] });
  const client = new ZooKeeperClient({ connectString: server.connectString, sessionTimeout: 4000 });
  await client.connect();
  const root = `/dash-${randomBytes(4).toString("hex")}`;
  await client.create(root, null);
  const layout = new Layout(root);
  const source = new ZkClusterSource({ client, root, coalesceMs: 5 });
  await source.start();
  const metrics = new DashboardMetrics({
    source,
    mntr: [{ host: server.host, port: server.port }],
    processMetrics: false,
  });
  const dash = await startDashboard({
    source,
    client,
    metrics,
    actions: new TaskSystemActions(client, root),
    root,
    limits: () => new TaskLimits(client, { root }).usage(),
    port: 0,
    ...(opts.token === undefined ? {} : { token: opts.token }),
  });
  return {
    server,
    client,
    layout,
    root,
    dash,
    source,
    close: async () => {
      await dash.close();
      metrics.close();
      await source.close();
      await client.close();
      await server.close();
    },
  };
}

export async function addWorker(c: ZooKeeperClient, l: Layout, id: string, capacity = 2): Promise<void> {
  for (const p of [l.workers, l.assign]) await c.create(p, null).catch(() => undefined);
  const info = { capacity, labels: ["demo"], types: ["echo"], raw: false, host: "test-host", pid: 1 };
  await c.create(l.worker(id), JSON.stringify(info), { mode: CreateMode.EPHEMERAL });
  await c.create(l.assignDir(id), null).catch(() => undefined);
}

export async function assign(c: ZooKeeperClient, l: Layout, worker: string, id: string): Promise<void> {
  const key = keyOfId(id);
  const token = (await c.exists(l.task(key)))?.version ?? 0;
  await c.create(
    `${l.assignDir(worker)}/${assignName(key)}`,
    JSON.stringify({ task: key, token, attempt: 1 }),
  );
}

/** Ends a task as the worker would: the outcome at its status, the assignment gone. */
export async function finish(
  c: ZooKeeperClient,
  l: Layout,
  worker: string,
  id: string,
  outcome: "done" | "failed",
): Promise<void> {
  const key = keyOfId(id);
  const o =
    outcome === "done"
      ? { state: "done" as const, result: { ok: true }, attempt: 1, worker, at: Date.now() }
      : { state: "failed" as const, reason: "boom: handler threw", attempt: 1, worker, at: Date.now() };
  const tx = c.transaction().create(l.status(key), encodeOutcome(o));
  if ((await c.exists(`${l.assignDir(worker)}/${assignName(key)}`)) !== null)
    tx.delete(`${l.assignDir(worker)}/${assignName(key)}`);
  await tx.commit();
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? "GET", headers: opts.headers ?? {} }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await http(url, { headers });
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

/** Parses Prometheus text into `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (m !== null && m[1] !== undefined && m[2] !== undefined) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Server-sent events as a list that grows, and a way to wait for one that matches. */
export class SseClient {
  readonly events: { event: string; data: string }[] = [];
  private waiters: (() => void)[] = [];
  private closeFn: () => void = () => undefined;

  static open(url: string): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      const req = request(url, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE ${res.statusCode ?? 0}`));
        res.setEncoding("utf8");
        let buf = "";
        res.on("data", (d: string) => {
          buf += d;
          let i: number;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            c.push(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        });
        resolve(c);
      });
      c.closeFn = () => req.destroy();
      req.on("error", (err) => (c.events.length === 0 ? reject(err) : undefined));
      req.end();
    });
  }

  async waitFor<T>(pick: (data: unknown) => T | undefined, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (let seen = 0; ;) {
      for (; seen < this.events.length; seen++) {
        const e = this.events[seen];
        if (e?.event !== "overview") continue;
        const v = pick(JSON.parse(e.data));
        if (v !== undefined) return v;
      }
      if (Date.now() > deadline) throw new Error("no matching server-sent event");
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  close(): void {
    this.closeFn();
  }

  private push(block: string): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) this.events.push({ event, data: data.join("\n") });
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

/** Retries `fn` until it returns a value (the source applies changes a few ms after they happen). */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
