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
export { TaskHandle, type TaskState, type TaskStatus } from "./submit/handle.js";
export { Worker, type WorkerEvents, type WorkerStats } from "./worker/worker.js";
export { type WorkerOptions, DEFAULT_CONCURRENCY, DEFAULT_SHUTDOWN_TIMEOUT } from "./worker/options.js";
export { type TaskContext, type Handler, type AnyHandler } from "./worker/execution/execution.js";
export { type RawHandler, type RawTaskContext, shellHandler } from "./worker/raw.js";
export { type WorkerInfo } from "./worker-info.js";
export { Master, type MasterEvents } from "./master/master.js";
export { type MasterOptions, type RetentionOptions } from "./master/options.js";
export { leastLoaded, eligible, type Scheduler, type TaskView, type WorkerView } from "./master/scheduler.js";
export { pauseAssignment, resumeAssignment, retryTask, TaskNotRetryableError } from "./admin/control.js";
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
