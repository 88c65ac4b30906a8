/**
 * Submitter: writes structured tasks. The task's path is a function of its id (see layout.ts), so a
 * create retried after connection loss either makes the node or finds it (NodeExists → deduplicated):
 * a retried submit never makes a second task. submitMany packs creates into multis under the size limit.
 */
import {
  InvalidArgumentError,
  NodeExistsError,
  isRetriable,
  retry,
  type ZooKeeperClient,
} from "../../client/index.js";
import type { TaskOutcome } from "../envelope.js";
import { TypedEvents } from "../events.js";
import type { ResultEvent, SubmittedEvent } from "../history.js";
import { LifecycleError } from "../errors.js";
import { SessionWaits, TaskHandle } from "./handle.js";
import { ReadBatcher } from "../read-batch.js";
import { Layout, bucketOf, keyOfId, checkTaskId } from "../layout.js";
import { SILENT, type Logger } from "../logger.js";
import type { SubmitOptions } from "./options.js";
import { ensurePath, mapLimit } from "../zk.js";
import type { FlowNode, FlowSubmission } from "./flow.js";
import { batches } from "./batch.js";
import { prepareFlow, prepareTask, type Prepared, type TaskSpec } from "./prepare.js";

export type { TaskSpec } from "./prepare.js";

/** jute.maxbuffer default (0xfffff) minus room for the request header, path and ACL. */
export const DEFAULT_MAX_TASK_BYTES = 0xfffff - 4096;

export interface SubmitterOptions {
  /** Cluster root; default "/". */
  root?: string;
  /** Largest encoded task accepted (bytes). Default jute.maxbuffer − 4 KiB; lower it if your servers use less. */
  maxTaskBytes?: number;
  logger?: Logger;
}

export interface SubmitterEvents {
  /** A task was written (or found there already: `created === false`), once per id per call. */
  submitted: [e: SubmittedEvent];
  /** A handle from this submitter observed the task's stored outcome (each time it is awaited). */
  result: [e: ResultEvent];
}

export class Submitter extends TypedEvents<SubmitterEvents> {
  private readonly layout: Layout;
  private readonly maxBytes: number;
  private readonly logger: Logger;
  private readonly buckets = new Set<string>();
  /** Outcome reads of all this submitter's handles, batched per event-loop turn. */
  private readonly reader: ReadBatcher;
  /** Outcome waits of all this submitter's handles, ended together if the session is. */
  private readonly waits: SessionWaits;
  private closed = false;

  constructor(
    private readonly client: ZooKeeperClient,
    opts: SubmitterOptions = {},
  ) {
    super(opts.logger ?? SILENT);
    for (const k of Object.keys(opts))
      if (k !== "root" && k !== "maxTaskBytes" && k !== "logger")
        throw new InvalidArgumentError(k, "unknown option");
    this.layout = new Layout(opts.root);
    this.maxBytes = opts.maxTaskBytes ?? DEFAULT_MAX_TASK_BYTES;
    this.logger = opts.logger ?? SILENT;
    this.reader = new ReadBatcher(client);
    this.waits = new SessionWaits(client);
  }

  /** A handle to an existing task by id (nothing is read until you ask). */
  handle(id: string): TaskHandle {
    this.check("handle");
    return this.makeHandle(checkTaskId(id), keyOfId(id), false);
  }

  /** The 'result' event of every handle of this submitter (one function, not a closure per handle). */
  private readonly observe = (outcome: TaskOutcome, h: TaskHandle): void => {
    if (this.listens("result")) this.emit("result", { id: h.id, key: h.key, outcome });
  };

  private makeHandle(id: string, key: string, created: boolean): TaskHandle {
    const { client, layout, observe, reader, waits } = this;
    return new TaskHandle(client, layout, id, key, created, observe, reader, waits);
  }

  private submitted(id: string, key: string, created: boolean): TaskHandle {
    if (this.listens("submitted")) this.emit("submitted", { id, key, created });
    return this.makeHandle(id, key, created);
  }

  async submit(type: string, payload?: unknown, options?: SubmitOptions): Promise<TaskHandle> {
    this.check("submit");
    const p = prepareTask(this.layout, this.maxBytes, { type, payload, options });
    await this.ensureBucket(p.key);
    const created = await retry(async (attempt) => {
      try {
        await this.client.create(p.path, p.data);
        return true;
      } catch (err) {
        if (err instanceof NodeExistsError) {
          if (attempt > 1) this.logger.debug({ id: p.id }, "tasks: retried submit found its task");
          return false;
        }
        throw err;
      }
    });
    return this.submitted(p.id, p.key, created);
  }

  /** Submits many tasks in few round trips; every spec is validated before anything is written. */
  async submitMany(specs: readonly TaskSpec[]): Promise<TaskHandle[]> {
    this.check("submitMany");
    if (!Array.isArray(specs)) throw new InvalidArgumentError("specs", "expected an array");
    const prepared = specs.map((s: TaskSpec, i) => {
      try {
        return prepareTask(this.layout, this.maxBytes, s, i);
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`specs[${i}]`, err.message);
        throw err;
      }
    });
    const seen = new Set<string>();
    for (const p of prepared) {
      if (seen.has(p.id)) throw new InvalidArgumentError("specs", `id ${p.id} appears twice`);
      seen.add(p.id);
    }
    const buckets = new Set<string>();
    for (const p of prepared) {
      const b = bucketOf(p.id);
      if (!this.buckets.has(b)) buckets.add(b);
    }
    if (buckets.size > 0) await mapLimit([...buckets], 16, (b) => this.ensureBucketName(b));
    const created = new Map<string, boolean>();
    for (const batch of batches(prepared)) await this.commitBatch(batch, created);
    return prepared.map((p) => this.submitted(p.id, p.key, created.get(p.id) ?? false));
  }

  /** One flow: see submitFlows. */
  async submitFlow(tree: FlowNode): Promise<FlowSubmission> {
    return (await this.submitFlows([tree]))[0] as FlowSubmission;
  }

  /**
   * Submits flows (see submit/flow.ts). Every node is checked before anything is written; each tree's
   * children are written before their parents and its root last (trees share multis, in order), so
   * nothing of a flow runs unless all of it was written. Called again with the same ids (root `id`s)
   * after a failure, it completes them.
   */
  async submitFlows(trees: readonly FlowNode[]): Promise<FlowSubmission[]> {
    if (!Array.isArray(trees)) throw new InvalidArgumentError("flows", "expected an array of trees");
    const plans = trees.map((t: FlowNode, i) =>
      prepareFlow(this.layout, this.maxBytes, t, trees.length === 1 ? "" : `flows[${i}].`),
    );
    const all = plans.flat();
    if (new Set(all.map((p) => p.id)).size !== all.length)
      throw new InvalidArgumentError("flows", "an id appears in two of the flows");
    await mapLimit([...new Set(all.map((p) => bucketOf(p.id)))], 16, (b) => this.ensureBucketName(b));
    const created = new Map<string, boolean>();
    for (const batch of batches(all)) await this.commitBatch(batch, created);
    return plans.map((prepared) => {
      const root = prepared[prepared.length - 1] as Prepared;
      return {
        root: this.submitted(root.id, root.key, created.get(root.id) ?? false),
        ids: prepared.map((p) => p.id).reverse(),
        created: prepared.some((p) => created.get(p.id) === true),
      };
    });
  }

  private async commitBatch(batch: Prepared[], created: Map<string, boolean>): Promise<void> {
    let todo = batch;
    let uncertain = false;
    while (todo.length > 0) {
      const tx = this.client.transaction();
      for (const p of todo) {
        tx.create(p.path, p.data);
        if (p.flow !== undefined) tx.create(p.flow.path, p.flow.data);
      }
      try {
        await tx.commit();
        for (const p of todo) created.set(p.id, true);
        return;
      } catch (err) {
        if (isRetriable(err)) {
          // The multi may have been applied: the retry sorts that out through NodeExists below.
          uncertain = true;
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (!(err instanceof NodeExistsError)) throw err;
        // Some ids exist already (dedup, or our own earlier multi): drop every existing one at once.
        const exists = await mapLimit(todo, 64, (p) => this.client.exists(p.path));
        const rest: Prepared[] = [];
        todo.forEach((p, i) => {
          if (exists[i] === null) rest.push(p);
          // After an unanswered multi, existing nodes are most likely our own (multis are all or nothing).
          else created.set(p.id, uncertain);
        });
        todo = rest;
      }
    }
  }

  /**
   * Ends this submitter: its handles' waits (pending or begun later) reject with LifecycleError, and
   * submitting afterwards throws it. Tasks already written are not touched; the client stays open. Safe to call twice.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waits.stopAll(new LifecycleError("submitter", "result", "closed"), true);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private check(operation: string): void {
    if (this.closed) throw new LifecycleError("submitter", operation, "closed");
  }

  private ensureBucket(key: string): Promise<void> {
    return this.ensureBucketName(key.slice(0, key.indexOf("/")));
  }

  private async ensureBucketName(bucket: string): Promise<void> {
    if (this.buckets.has(bucket)) return;
    await ensurePath(this.client, this.layout.bucket(bucket));
    this.buckets.add(bucket);
  }
}
