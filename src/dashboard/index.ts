/** `overseer/dashboard`: the cluster as a live web page, a JSON API and Prometheus metrics. */
export { startDashboard, DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT } from "./server.js";
export type { DashboardOptions, RunningDashboard } from "./server.js";
export { ZkClusterSource, type ZkSourceOptions } from "./zk-source.js";
export { TaskSystemActions } from "./actions.js";
export { DashboardMetrics, type MetricsOptions } from "./metrics.js";
export { fetchMntr, parseMntr, type MntrResult } from "./mntr.js";
export { statJson } from "./znodes.js";
export { scheduleRows, type ScheduleReader, type ScheduleRow } from "./schedules.js";
export { DashboardOptionError, checkBind, isLoopback } from "./auth.js";
export type {
  ClusterSource,
  ClusterActions,
  ClusterEvent,
  ActionResult,
  Overview,
  MasterInfo,
  WorkerView,
  FailureView,
  TaskState,
  TaskRow,
  TaskQuery,
  TaskPage,
  TaskDetail,
  SessionState,
} from "./types.js";
