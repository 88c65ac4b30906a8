/**
 * The context a structured task's handler gets. One small object per execution: the signal is made on
 * first read (StopSwitch), and `progress` is bound on first read, so a handler that uses neither costs
 * no closure. Both stay usable when destructured (`const { signal, progress } = ctx`).
 */
import { NoNodeError } from "../../../client/index.js";
import type { Delivery } from "../../envelope.js";
import { bestEffort, SILENT } from "../../logger.js";
import type { ExecutionEnv, TaskContext } from "./types.js";
import type { StopSwitch } from "./stop.js";
import type { ChildReader } from "./children.js";

/** Where a handler's progress goes (its execution). */
export interface ProgressSink {
  reportProgress(value: unknown): Promise<void>;
  appendLog(line: string, attempt: number): void;
}

export class HandlerContext implements TaskContext<never> {
  readonly #halt: StopSwitch;
  readonly #sink: ProgressSink;
  readonly #children: ChildReader | null;
  /** The payload is whatever the submitter sent; the handler's declared type is its own claim. */
  readonly payload: never;

  constructor(
    readonly id: string,
    readonly type: string,
    payload: unknown,
    readonly attempt: number,
    readonly token: number,
    readonly delivery: Delivery,
    readonly workerId: string,
    halt: StopSwitch,
    sink: ProgressSink,
    /** A flow parent's children (null: not a parent). */
    children: ChildReader | null = null,
  ) {
    this.payload = payload as never;
    this.#halt = halt;
    this.#sink = sink;
    this.#children = children;
  }

  async childResults<R = unknown>(): Promise<Record<string, R>> {
    if (this.#children === null) return {};
    return (await this.#children.outcomes()).results as Record<string, R>;
  }

  async childFailures(): Promise<Record<string, string>> {
    if (this.#children === null) return {};
    return (await this.#children.outcomes()).failures;
  }

  get signal(): AbortSignal {
    return this.#halt.signal;
  }

  get log(): (line: string) => void {
    const sink = this.#sink;
    const attempt = this.attempt;
    return (line) => sink.appendLog(line, attempt);
  }

  get progress(): (value: unknown) => Promise<void> {
    const sink = this.#sink;
    return (value) => sink.reportProgress(value);
  }
}

/** Stores a handler's progress (JSON) under the task, checked against its token; refusals are ignored. */
export async function writeProgress(
  env: ExecutionEnv,
  key: string,
  token: number,
  value: unknown,
): Promise<void> {
  const { client, layout } = env;
  const data = JSON.stringify(value === undefined ? null : value);
  const path = layout.progress(key);
  const taskPath = layout.task(key);
  try {
    await client.transaction().check(taskPath, token).setData(path, data).commit();
  } catch (err) {
    if (!(err instanceof NoNodeError) || err.opIndex !== 1) return;
    const create = client.transaction().check(taskPath, token).create(path, data).commit();
    await bestEffort(env.logger ?? SILENT, "storing progress", create);
  }
}
