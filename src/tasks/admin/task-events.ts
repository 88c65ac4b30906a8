/**
 * TaskEvents: any process follows a cluster's task events (BullMQ's QueueEvents, from ZooKeeper).
 *
 * Two persistent recursive watches (`<root>/tasks`, `<root>/assign`) tell which node changed; the
 * follower reads it and turns the change into an event. Reads are issued in notification order on one
 * connection and answered in that order, and the facts are applied in that order too, so events come out
 * as ZooKeeper ordered the changes. Watch notifications sent while the connection is down are lost, so
 * after a reconnect the follower re-reads the cluster (resync.ts) and reports every final state it did
 * not report yet, marked `replayed` — a final state is never missed; it may be repeated, marked.
 */
import { Channel, type PersistentWatch, type StateEvent, type ZooKeeperClient } from "../../client/index.js";
import { LifecycleError } from "../errors.js";
import { TypedEvents } from "../events.js";
import { keyOfId, Layout } from "../layout.js";
import { bestEffort, SILENT, type Logger } from "../logger.js";
import { applyFact, readFacts, type Fact, type Reads } from "./event-facts.js";
import { ReadBatcher } from "../read-batch.js";
import { resyncFacts } from "./event-resync.js";
import { classify, type KnownTask, type TaskEvent, type TaskEventName } from "./event-types.js";

export interface TaskEventsOptions {
  /** Cluster root; default "/". */
  root?: string;
  /** Follow one task only (its id), e.g. a handle's progress. Default: every task. */
  task?: string;
  /** Report only tasks of these types (raw seed tasks have none and are left out). Default: all. */
  types?: readonly string[];
  logger?: Logger;
}

export type TaskEventMap = { [K in TaskEventName]: [TaskEvent] } & {
  /** Every event, whatever its name. */
  event: [TaskEvent];
  /** The follower stopped for good (its session was lost); iteration ends with this error. */
  error: [Error];
};

export class TaskEvents extends TypedEvents<TaskEventMap> implements AsyncIterable<TaskEvent> {
  readonly #client: ZooKeeperClient;
  readonly #layout: Layout;
  readonly #onlyKey: string | undefined;
  readonly #types: ReadonlySet<string> | null;
  readonly #log: Logger;
  readonly #known = new Map<string, KnownTask>();
  readonly #queue: Promise<Fact[]>[] = [];
  readonly #channels = new Set<Channel<TaskEvent>>();
  readonly #watches: PersistentWatch[] = [];
  #started = false;
  #closed = false;
  /** Keys whose read failed (the connection broke): re-read at the next resync whatever their zxid. */
  readonly #dirty = new Set<string>();
  #pumping = false;
  #suspendedAt: bigint | null = null;
  readonly #onState = (e: StateEvent): void => this.#stateChanged(e);
  readonly #read: Reads;

  /** Opens a follower: it reports what changes from now on. */
  static async open(client: ZooKeeperClient, opts: TaskEventsOptions = {}): Promise<TaskEvents> {
    const events = new TaskEvents(client, opts);
    await events.start();
    return events;
  }

  constructor(client: ZooKeeperClient, opts: TaskEventsOptions = {}) {
    const log = opts.logger ?? SILENT;
    super(log);
    this.#client = client;
    this.#layout = new Layout(opts.root ?? "/");
    this.#onlyKey = opts.task === undefined ? undefined : keyOfId(opts.task);
    this.#types = opts.types === undefined ? null : new Set(opts.types);
    this.#log = log;
    const batcher = new ReadBatcher(client);
    this.#read = (ops) => batcher.read(ops);
  }

  async start(): Promise<void> {
    if (this.#closed) throw new LifecycleError("events", "start", "closed");
    if (this.#started) throw new LifecycleError("events", "start", "started");
    this.#started = true;
    const { tasks, assign } = this.#layout;
    const targets = this.#onlyKey === undefined ? [tasks, assign] : [this.#layout.task(this.#onlyKey)];
    for (const path of targets) {
      const watch = await this.#client.addWatch(path, { recursive: true });
      this.#watches.push(watch);
      void this.#follow(watch);
    }
    this.#client.on("state", this.#onState);
  }

  /** Every event from now on, until close() (or the session's loss, which throws). */
  [Symbol.asyncIterator](): AsyncIterator<TaskEvent> {
    const ch = new Channel<TaskEvent>(() => this.#channels.delete(ch));
    if (this.#closed) ch.end();
    else this.#channels.add(ch);
    return ch;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.off("state", this.#onState);
    for (const ch of this.#channels) ch.end();
    this.#channels.clear();
    await Promise.all(
      this.#watches.map((w) => bestEffort(this.#log, "removing a task-event watch", w.close())),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #follow(watch: PersistentWatch): Promise<void> {
    try {
      for await (const ev of watch) {
        const node = classify(this.#layout, ev.path);
        if (node.kind === "other") continue;
        if (this.#onlyKey !== undefined && node.key !== this.#onlyKey) continue;
        this.#enqueue(readFacts(this.#read, this.#layout, this.#known, node, ev.type, this.#dirty));
      }
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #stateChanged(e: StateEvent): void {
    if (e.type === "suspended") this.#suspendedAt ??= this.#client.lastZxid;
    else if (e.type === "reconnected" && this.#suspendedAt !== null) {
      const since = this.#suspendedAt;
      this.#suspendedAt = null;
      const keys = this.#onlyKey === undefined ? null : [this.#onlyKey];
      this.#enqueue(resyncFacts(this.#client, this.#layout, this.#known, since, this.#dirty, keys));
    }
  }

  #enqueue(facts: Promise<Fact[]>): void {
    // #pump awaits these in order. A lost connection fails every read in flight at once, before the pump
    // reaches them: marked handled here, or Node would end the process on the first unhandled rejection.
    facts.catch(() => undefined);
    this.#queue.push(facts);
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        let facts: Fact[];
        try {
          facts = await next;
        } catch (err) {
          this.#log.debug({ err }, "tasks: a task event's read failed; the next resync covers it");
          continue;
        }
        for (const fact of facts) {
          const event = applyFact(this.#known, fact);
          if (event !== null) this.#deliver(event);
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  #deliver(event: TaskEvent): void {
    if (this.#closed) return;
    if (this.#types !== null && (event.type === null || !this.#types.has(event.type))) return;
    this.emit(event.event, event);
    this.emit("event", event);
    for (const ch of this.#channels) ch.push(event);
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.emit("error", err);
    for (const ch of this.#channels) ch.fail(err);
    this.#channels.clear();
  }
}
