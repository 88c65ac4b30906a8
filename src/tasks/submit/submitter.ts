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
import { encodeEnvelope, encodeNewEnvelope, type TaskOutcome } from "../envelope.js";
import { TypedEvents } from "../events.js";
import type { ResultEvent, SubmittedEvent } from "../history.js";
import { LifecycleError, PayloadTooLargeError } from "../errors.js";
import { SessionWaits, TaskHandle } from "./handle.js";
import { ReadBatcher } from "../read-batch.js";
import { Layout, bucketOf, keyOfId, checkTaskId } from "../layout.js";
import { SILENT, type Logger } from "../logger.js";
import {
  DEFAULT_OPTIONS_JSON,
  defaultStoredOptions,
  generateId,
  parseSubmitOptions,
  type ParsedSubmit,
  type SubmitOptions,
} from "./options.js";
import { ensurePath, mapLimit } from "../zk.js";
import { encodeFlowChildren, type FlowLinks } from "../flow.js";
import { planFlow, type FlowNode, type FlowSubmission } from "./flow.js";
import { batches } from "./batch.js";

/** jute.maxbuffer default (0xfffff) minus room for the request header, path and ACL. */
export const DEFAULT_MAX_TASK_BYTES = 0xfffff - 4096;

export interface SubmitterOptions {
  /** Cluster root; default "/". */
  root?: string;
  /** Largest encoded task accepted (bytes). Default jute.maxbuffer − 4 KiB; lower it if your servers use less. */
  maxTaskBytes?: number;
  logger?: Logger;
}

export interface TaskSpec {
  type: string;
  payload?: unknown;
  options?: SubmitOptions;
}

export interface SubmitterEvents {
  /** A task was written (or found there already: `created === false`), once per id per call. */
  submitted: [e: SubmittedEvent];
  /** A handle from this submitter observed the task's stored outcome (each time it is awaited). */
  result: [e: ResultEvent];
}

interface Prepared {
  id: string;
  key: string;
  /** The task node's path. */
  path: string;
  /** The envelope (a string goes into the request as it is, without an intermediate Buffer). */
  data: string | Buffer;
  /** Its size in bytes (with its flow node's). */
  bytes: number;
  /** A flow parent's `<task>/flow` node, created in the same multi as the task. */
  flow?: { path: string; data: string };
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
    const p = this.prepare({ type, payload, options });
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
        return this.prepare(s, i);
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
      this.prepareFlow(t, trees.length === 1 ? "" : `flows[${i}].`),
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

  /** A tree's tasks, children first (a parent's `<task>/flow` node with it); errors name `at` + the node. */
  private prepareFlow(tree: FlowNode, at: string): Prepared[] {
    return planFlow(tree, at).map((node) => {
      const { type, payload, options } = node;
      try {
        const p = this.prepare({ type, payload, options }, 0, node.links);
        if (node.children === null) return p;
        const data = encodeFlowChildren(node.children);
        const bytes = p.bytes + Buffer.byteLength(data, "utf8");
        if (bytes > this.maxBytes) throw new PayloadTooLargeError(bytes, this.maxBytes);
        return { ...p, bytes, flow: { path: this.layout.flow(p.key), data } };
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(node.at, err.message);
        throw err;
      }
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

  private prepare(spec: TaskSpec, n = 0, flow?: FlowLinks): Prepared {
    if (spec === null || typeof spec !== "object")
      throw new InvalidArgumentError("spec", "expected { type, payload, options }");
    const { type, payload, options } = spec;
    if (typeof type !== "string" || type.length === 0 || type.length > 128)
      throw new InvalidArgumentError("type", "expected a string of 1–128 characters");
    // No options (the common case): the defaults, whose JSON is a constant.
    const parsed: ParsedSubmit | null = options === undefined ? null : parseSubmitOptions(options);
    const id = parsed === null ? generateId() : parsed.id;
    const delay = parsed === null ? 0 : parsed.delay;
    const now = Date.now();
    const notBefore = delay > 0 ? now + delay : 0;
    let data: string | Buffer;
    try {
      const optionsJson = parsed === null ? DEFAULT_OPTIONS_JSON : JSON.stringify(parsed.options);
      data =
        (flow === undefined ? encodeNewEnvelope(type, payload, optionsJson, notBefore, now, n) : undefined) ??
        encodeEnvelope({
          v: 1,
          type,
          payload: payload === undefined ? null : payload,
          options: parsed === null ? defaultStoredOptions() : parsed.options,
          run: { failures: 0, notBefore, requeues: 0 },
          submittedAt: now,
          n,
          ...(flow === undefined ? {} : { flow }),
        });
    } catch (err) {
      throw new InvalidArgumentError(
        "payload",
        `not JSON-serializable: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const bytes = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length;
    if (bytes > this.maxBytes) throw new PayloadTooLargeError(bytes, this.maxBytes);
    const key = keyOfId(id);
    return { id, key, path: this.layout.task(key), data, bytes };
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
