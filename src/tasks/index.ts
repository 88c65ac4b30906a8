/** `overseer/tasks`: the master–worker task system (submitter, worker, master) on the ZooKeeper protocol. */
export {
  Submitter,
  DEFAULT_MAX_TASK_BYTES,
  type SubmitterOptions,
  type SubmitterEvents,
  type TaskSpec,
} from "./submitter.js";
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
export { type SubmitOptions } from "./submit-options.js";
export { TaskHandle, type TaskState, type TaskStatus } from "./handle.js";
export { Worker, type WorkerEvents, type WorkerStats } from "./worker.js";
export {
  type WorkerOptions,
  type WorkerInfo,
  DEFAULT_CONCURRENCY,
  DEFAULT_SHUTDOWN_TIMEOUT,
} from "./worker-options.js";
export { type TaskContext, type Handler, type AnyHandler } from "./execution.js";
export { type RawHandler, type RawTaskContext, shellHandler } from "./raw.js";
export { Master, type MasterEvents } from "./master.js";
export { type MasterOptions, type RetentionOptions } from "./master-options.js";
export { leastLoaded, eligible, type Scheduler, type TaskView, type WorkerView } from "./scheduler.js";
export { pauseAssignment, resumeAssignment, retryTask, TaskNotRetryableError } from "./admin.js";
export { FencedResource } from "./fencing.js";
export { Layout, BUCKETS } from "./layout.js";
export type { Delivery, Backoff, TaskOutcome } from "./envelope.js";
export {
  TaskError,
  PayloadTooLargeError,
  TaskFailedError,
  TaskCancelledError,
  TaskNotFoundError,
  StaleTokenError,
  TaskAbortError,
} from "./errors.js";
