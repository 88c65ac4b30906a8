/**
 * `startDashboard`: a node:http server with the page, a JSON API, server-sent events and /metrics.
 *
 * GET  /                      the page (static/)
 * GET  /api/overview          master, backups, workers, counts, failures, series
 * GET  /api/events            SSE: `overview` events with the same JSON, after each change; `task` events
 * GET  /api/tasks?state=&offset=&limit=      newest first, paged (limit ≤ 500)
 * GET  /api/task?key=b-17/t-abc              one task's detail
 * GET  /api/znodes?path=/&offset=&limit=     data, Stat and children of a znode
 * GET  /api/task-events                       the last 100 task events, newest first (live: `task` SSE events)
 * GET  /api/task/logs?id=abc                  a task's log lines
 * GET  /api/limits            limits per task type with their current use (501 without `limits`)
 * POST /api/tasks/cancel|retry|remove|promote?key=…  need the token (header)
 * GET  /api/schedules         schedules with their next firing, fired and missed counts
 * GET  /metrics               Prometheus text
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  InvalidArgumentError,
  NoNodeError,
  ZooKeeperError,
  type Logger,
  type ZooKeeperClient,
} from "../client/index.js";
import { Auth, checkBind, isLoopback } from "./auth.js";
import type { DashboardMetrics } from "./metrics.js";
import { Series } from "./series.js";
import { SseHub } from "./sse.js";
import { LiveTaskEvents } from "./live-events.js";
import { getTaskLogs, TaskNotFoundError } from "../tasks/index.js";
import { loadStatic, type StaticFile } from "./static-files.js";
import { ACTIONS, TASK_STATES, type ClusterActions, type ClusterSource, type TaskState } from "./types.js";
import { readZnode } from "./znodes.js";
import { scheduleRows, type ScheduleReader } from "./schedules.js";

export const DEFAULT_DASHBOARD_PORT = 8080;
export const DEFAULT_DASHBOARD_HOST = "127.0.0.1";

export interface DashboardOptions {
  source: ClusterSource;
  /** For the znode browser. */
  client: ZooKeeperClient;
  /** Cancel/retry; without it the action endpoints answer 501. */
  actions?: ClusterActions;
  metrics?: DashboardMetrics;
  /** The limits and their use (e.g. `() => new TaskLimits(client, { root }).usage()`). */
  limits?: () => Promise<unknown>;
  /** Reads the schedules for /api/schedules; without it that endpoint answers 404. */
  schedules?: ScheduleReader;
  /** Default 127.0.0.1; any other address needs `token`. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  token?: string;
  logger?: Logger;
  /** Cluster root for the live task-event feed and task logs. Default "/". */
  root?: string;
}

export interface RunningDashboard {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function intParam(url: URL, name: string, dflt: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return dflt;
  if (!/^\d+$/.test(v)) throw new HttpError(400, `${name} must be a non-negative integer`);
  return Math.min(Number(v), max);
}

export async function startDashboard(opts: DashboardOptions): Promise<RunningDashboard> {
  const host = opts.host ?? DEFAULT_DASHBOARD_HOST;
  checkBind(host, opts.token);
  const files = await loadStatic();
  const auth = new Auth(opts.token, isLoopback(host));
  const { source } = opts;
  const series = new Series();
  const offEvent = source.onEvent((e) => series.record(e));
  const snapshot = (): unknown => ({ ...source.overview(), series: series.points() });
  const hub = new SseHub({ build: () => JSON.stringify(snapshot()) });
  const offChange = source.onChange(() => hub.changed());
  const live = await LiveTaskEvents.start(opts.client, opts.root ?? "/", hub, opts.logger);

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const p = url.pathname;
    if (req.method === "POST") {
      const ok = auth.act(req);
      if (!ok.ok) return json(res, ok.status, { error: ok.message });
      const key = url.searchParams.get("key") ?? "";
      const action = ACTIONS.find((a) => p === `/api/tasks/${a}`);
      if (action === undefined) throw new HttpError(404, `no ${p}`);
      if (opts.actions === undefined) throw new HttpError(501, "this dashboard has no task actions");
      const r = await opts.actions[action](key);
      if (!r.ok) return json(res, r.status, { error: r.message });
      return json(res, 200, r.id === undefined ? { message: r.message } : { message: r.message, id: r.id });
    }
    if (req.method !== "GET") throw new HttpError(405, `${req.method ?? "?"} not allowed`);
    const ok = auth.read(req, url);
    if (!ok.ok) return json(res, ok.status, { error: ok.message });
    switch (p) {
      case "/api/overview":
        return json(res, 200, snapshot());
      case "/api/events":
        return hub.add(res);
      case "/api/tasks": {
        const state = url.searchParams.get("state") ?? "";
        if (state !== "" && !TASK_STATES.includes(state as TaskState))
          throw new HttpError(400, `state must be one of ${TASK_STATES.join(", ")}`);
        const q = { offset: intParam(url, "offset", 0, 1e9), limit: intParam(url, "limit", 50, 500) };
        return json(res, 200, source.tasks(state === "" ? q : { ...q, state: state as TaskState }));
      }
      case "/api/task": {
        const detail = await source.task(url.searchParams.get("key") ?? "");
        return detail === null ? json(res, 404, { error: "no such task" }) : json(res, 200, detail);
      }
      case "/api/task-events":
        return json(res, 200, live.recent());
      case "/api/task/logs":
        return json(
          res,
          200,
          await getTaskLogs(opts.client, url.searchParams.get("id") ?? "", { root: opts.root ?? "/" }),
        );
      case "/api/znodes": {
        const path = url.searchParams.get("path") ?? "/";
        const view = await readZnode(
          opts.client,
          path,
          intParam(url, "offset", 0, 1e9),
          intParam(url, "limit", 200, 1000),
        );
        return json(res, 200, view);
      }
      case "/api/limits":
        if (opts.limits === undefined) throw new HttpError(501, "this dashboard shows no limits");
        return json(res, 200, await opts.limits());
      case "/api/schedules": {
        if (opts.schedules === undefined) throw new HttpError(404, "no schedules reader");
        return json(res, 200, { now: Date.now(), schedules: scheduleRows(await opts.schedules()) });
      }
      case "/metrics": {
        if (opts.metrics === undefined) throw new HttpError(404, "metrics are off");
        const m = await opts.metrics.render();
        res.writeHead(200, { "content-type": m.contentType });
        return void res.end(m.body);
      }
      default:
        throw new HttpError(404, `no ${p}`);
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    const file: StaticFile | undefined = req.method === "GET" ? files.get(url.pathname) : undefined;
    if (url.pathname === "/favicon.ico") return void res.writeHead(204).end();
    if (file !== undefined) {
      res.writeHead(200, {
        "content-type": file.type,
        "cache-control": "no-cache",
        "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'",
        "x-content-type-options": "nosniff",
      });
      return void res.end(file.body);
    }
    api(req, res, url).catch((err: unknown) => {
      const [status, message] =
        err instanceof HttpError
          ? [err.status, err.message]
          : err instanceof TaskNotFoundError
            ? [404, err.message]
            : err instanceof NoNodeError
              ? [404, `no node ${err.path ?? ""}`.trim()]
              : err instanceof InvalidArgumentError
                ? [400, err.message]
                : err instanceof ZooKeeperError
                  ? [err.retriable ? 503 : 400, `${err.codeName}: ${err.message}`]
                  : [500, "internal error"];
      if (status === 500) opts.logger?.error({ err, url: req.url }, "dashboard: request failed");
      if (res.headersSent) res.end();
      else json(res, status, { error: message });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? DEFAULT_DASHBOARD_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shown}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        offEvent();
        offChange();
        void live.close();
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
