/** `overseer/tasks`: the master–worker task system (submitter, worker, master) on the ZooKeeper protocol. */
export {
  Submitter,
  DEFAULT_MAX_TASK_BYTES,
  type SubmitterOptions,
  type SubmitterEvents,
  type TaskSpec,
} from "./submit/submitter.js";
export type {
  SubmittedEvent,
  ResultEvent,
  StartedEvent,
  CommittedEvent,
  RejectedEvent,
  AssignedEvent,
  ReassignedEvent,
  TermEvent,
} from "./history.js";
export { type SubmitOptions } from "./submit/options.js";
export { type FlowNode, type FlowSubmission } from "./submit/flow.js";
export { type ChildFailureMode } from "./flow.js";
export { readFlowInfo, type FlowInfo, type FlowChildInfo, type FlowReader } from "./admin/flow-info.js";
export { TaskHandle, type TaskStatus } from "./submit/handle.js";
export { Worker, type WorkerEvents, type WorkerStats } from "./worker/worker.js";
export { type WorkerOptions, DEFAULT_CONCURRENCY, DEFAULT_SHUTDOWN_TIMEOUT } from "./worker/options.js";
export { DEFAULT_ISOLATION, type HandlerSource } from "./worker/handlers.js";
export { type Isolation } from "./worker/sandbox/messages.js";
export { SANDBOX_KILL_GRACE } from "./worker/sandbox/pool.js";
export { type TaskContext, type Handler, type AnyHandler } from "./worker/execution/execution.js";
export { type RawHandler, type RawTaskContext, shellHandler } from "./worker/raw.js";
export { type WorkerInfo } from "./worker-info.js";
export { Master, type MasterEvents } from "./master/master.js";
export { type MasterOptions, type RetentionOptions } from "./master/options.js";
export { leastLoaded, eligible, type Scheduler, type TaskView, type WorkerView } from "./master/scheduler.js";
export { TaskAdmin, keyOfTaskId, type TaskQuery, type TaskList } from "./admin/queue.js";
export { pauseAssignment, resumeAssignment, retryTask, TaskNotRetryableError } from "./admin/control.js";
export { FencedResource } from "./fencing.js";
export { TaskEvents, type TaskEventsOptions, type TaskEventMap } from "./admin/task-events.js";
export { TASK_EVENT_NAMES, type TaskEvent, type TaskEventName } from "./admin/event-types.js";
export { getTaskLogs } from "./admin/task-logs.js";
export {
  MAX_LOG_LINES,
  MAX_LOG_CHARS,
  MAX_LINE_CHARS,
  type TaskLog,
  type TaskLogLine,
} from "./worker/execution/task-log.js";
export type { ProgressListener } from "./submit/handle-progress.js";
export { TaskLimits, type LimitsInput, type LimitEntry, type LimitUsageEntry } from "./admin/limits.js";
export { parseRateText, formatRate, type Rate, type TypeLimits } from "./limits.js";
export { parseDuration } from "./duration.js";
export {
  TASK_STATES,
  FINAL_STATES,
  stateOf,
  decodeTask,
  readTask,
  readAllTasks,
  listTaskKeys,
  countByState,
  emptyCounts,
  parseJson,
  type TaskState,
  type TaskRecord,
  type TaskCounts,
  type ReadTaskOptions,
} from "./admin/inspect.js";
export {
  orNull,
  childrenOf,
  decodeMaster,
  readMaster,
  readElection,
  readWorker,
  readWorkers,
  listAssignments,
  assignmentOfPath,
  assignedByTask,
  loadByWorker,
  findAssignment,
  type ClusterReads,
  type MasterInfo,
  type ElectionInfo,
  type WorkerRecord,
  type AssignmentRef,
} from "./admin/members.js";
export { Layout, BUCKETS, isRawKey, keyOfId, idOfKey } from "./layout.js";
export { SILENT, type Logger } from "./logger.js";
export type { Delivery, Backoff, TaskOutcome, RemovePolicy } from "./envelope.js";
export {
  Schedules,
  ScheduleNotFoundError,
  type SchedulesOptions,
  type ScheduleInfo,
} from "./admin/schedules.js";
export {
  MISSED_ALL_CAP,
  type Missed,
  type ScheduleSpec,
  type ScheduleSpecInput,
  type TaskTemplate,
} from "./schedule-spec.js";
export { DEFAULT_MAX_REQUEUES, isWorkerLostReason } from "./envelope.js";
export {
  TaskError,
  PayloadTooLargeError,
  TaskFailedError,
  TaskCancelledError,
  TaskNotFoundError,
  StaleTokenError,
  TaskAbortError,
  LifecycleError,
  TaskStateError,
  WorkersRegisteredError,
  InvalidArgumentError,
} from "./errors.js";
