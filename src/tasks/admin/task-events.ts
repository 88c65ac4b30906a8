/**
 * TaskEvents: any process follows a cluster's task events (BullMQ's QueueEvents, from ZooKeeper).
 *
 * Two persistent recursive watches (`<root>/tasks`, `<root>/assign`) tell which node changed; the
 * follower reads it — or takes it from the event, when the server sent the node's data with it
 * (PROTOCOL.md §10) — and turns the change into an event. Reads are issued in notification order on one
 * connection and answered in that order, and the facts are applied in that order too, so events come out
 * as ZooKeeper ordered the changes. Watch notifications sent while the connection is down are lost, so
 * after a reconnect the follower re-reads the cluster (resync.ts) and reports every final state it did
 * not report yet, marked `replayed` — a final state is never missed; it may be repeated, marked.
 *
 * A follower made by open() keeps its events until the first iterator attaches (up to EARLY_EVENTS), so
 * `open(); submit(); for await (…)` misses nothing even when the work finishes before the loop starts.
 */
import {
  Channel,
  type PersistentWatch,
  type StateEvent,
  type WatchEvent,
  type ZooKeeperClient,
} from "../../client/index.js";
import { LifecycleError } from "../errors.js";
import { TypedEvents } from "../events.js";
import { keyOfId, Layout } from "../layout.js";
import { bestEffort, SILENT, type Logger } from "../logger.js";
import { applyFact, readFacts, withReading, type Fact, type KnownTypes, type Reads } from "./event-facts.js";
import { ReadBatcher } from "../read-batch.js";
import { resyncFacts } from "./event-resync.js";
import { classify, knownFrom, type KnownTask, type TaskEvent, type TaskEventName } from "./event-types.js";

/** Events an open()ed follower keeps for its first iterator at most; beyond, the oldest are dropped. */
export const EARLY_EVENTS = 10_000;

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
  /**
   * Task nodes' data from events (PROTOCOL.md §10) whose facts are not applied yet: an assignment,
   * progress or status told in the same burst as its task's creation takes the type from there instead
   * of reading the task. Emptied whenever every fact is applied (#known has them all then).
   */
  readonly #noticed = new Map<string, Buffer | null>();
  readonly #typeOf: KnownTypes = {
    get: (key) => {
      const data = this.#noticed.get(key);
      return data === undefined ? this.#known.get(key) : knownFrom(key, data);
    },
  };
  readonly #queue: Promise<Fact[]>[] = [];
  readonly #channels = new Set<Channel<TaskEvent>>();
  readonly #watches: PersistentWatch[] = [];
  #started = false;
  #closed = false;
  /** Keys whose read failed (the connection broke): re-read at the next resync whatever their zxid. */
  readonly #dirty = new Set<string>();
  #pumping = false;
  #suspendedAt: bigint | null = null;
  /** Events for the first iterator, kept until it attaches (open() only; null: not kept). */
  #early: TaskEvent[] | null = null;
  /** Events dropped from #early because it was full. */
  #earlyDropped = 0;
  /** Why the follower stopped (#fail); an iterator attached afterwards throws it. */
  #failure: Error | null = null;
  readonly #onState = (e: StateEvent): void => this.#stateChanged(e);
  readonly #read: Reads;

  /**
   * Opens a follower: it reports what changes from now on. Its events are also kept for the first
   * iterator, which gets every event since open() even when it attaches after the work is done (at most
   * EARLY_EVENTS of them: beyond, the oldest are dropped and a warning logged). Listeners get events as
   * they happen, from when they are added. A follower used only through listeners keeps nothing when
   * made with `new TaskEvents(…)` and `start()`.
   */
  static async open(client: ZooKeeperClient, opts: TaskEventsOptions = {}): Promise<TaskEvents> {
    const events = new TaskEvents(client, opts);
    events.#early = [];
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
      // Each event as the client receives it, so the two watches' events keep their notification order
      // (an assignment after its task's creation); iteration only tells when the watch ends or fails.
      watch.onEvent((ev) => this.#watched(ev));
      void this.#follow(watch);
    }
    this.#client.on("state", this.#onState);
  }

  /**
   * Every event from now on, until close() (or the session's loss, which throws). The first iterator of
   * a follower made by open() starts with the events kept since open() (see open()); later iterators,
   * and every iterator of a follower made with `new` and `start()`, get the events from now on.
   */
  [Symbol.asyncIterator](): AsyncIterator<TaskEvent> {
    const ch = new Channel<TaskEvent>(() => this.#channels.delete(ch));
    const early = this.#early;
    if (early !== null) {
      this.#early = null;
      if (this.#earlyDropped > 0)
        this.#log.warn(
          { dropped: this.#earlyDropped, kept: early.length },
          "tasks: task events were dropped before the first iterator attached (the oldest beyond EARLY_EVENTS)",
        );
      for (const event of early) ch.push(event);
    }
    if (this.#failure !== null) ch.fail(this.#failure);
    else if (this.#closed) ch.end();
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

  /** Until the watch ends; its failure (the session's loss) ends the follower. Its events come through
   * onEvent, so its iterator yields nothing: the first next() settles only when the watch ends. */
  async #follow(watch: PersistentWatch): Promise<void> {
    try {
      await watch[Symbol.asyncIterator]().next();
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #watched(ev: WatchEvent): void {
    const node = classify(this.#layout, ev.path);
    if (node.kind === "other") return;
    if (this.#onlyKey !== undefined && node.key !== this.#onlyKey) return;
    // An event with the node's data (a NodeCreated from a server that sends it, PROTOCOL.md §10) holds
    // what the read of that node would return: taken as its answer, no request.
    let read = this.#read;
    if (ev.data !== undefined && ev.stat !== undefined) {
      read = withReading(read, ev.path, { type: "getData", data: ev.data, stat: ev.stat });
      if (node.kind === "task") this.#noticed.set(node.key, ev.data);
    } else if (node.kind === "task") this.#noticed.delete(node.key);
    this.#enqueue(readFacts(read, this.#layout, this.#typeOf, node, ev.type, this.#dirty));
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
      if (this.#queue.length === 0) this.#noticed.clear();
    }
  }

  #deliver(event: TaskEvent): void {
    if (this.#closed) return;
    if (this.#types !== null && (event.type === null || !this.#types.has(event.type))) return;
    this.emit(event.event, event);
    this.emit("event", event);
    for (const ch of this.#channels) ch.push(event);
    if (this.#early !== null) this.#keep(this.#early, event);
  }

  /** Keeps an event for the first iterator; when full, drops the oldest (a warning the first time). */
  #keep(early: TaskEvent[], event: TaskEvent): void {
    early.push(event);
    if (early.length <= EARLY_EVENTS) return;
    early.shift();
    if (this.#earlyDropped++ === 0)
      this.#log.warn(
        { kept: EARLY_EVENTS },
        "tasks: no iterator attached yet and its event buffer is full: dropping the oldest task events",
      );
  }

  #fail(err: Error): void {
    if (this.#closed || this.#failure !== null) return;
    this.#failure = err;
    this.emit("error", err);
    for (const ch of this.#channels) ch.fail(err);
    this.#channels.clear();
  }
}
