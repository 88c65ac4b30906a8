/**
 * The follower's two steps per change: read the changed node (issued at once, in notification order),
 * then apply what was read to the follower's memory of each task, in the same order, to get the event.
 * Splitting them keeps reads pipelined while every "is this new / a retry / already final" decision is
 * taken against the state left by all earlier events. Reads go through a ReadBatcher: the reads of one
 * burst of notifications travel as one multiRead (a follower at full load costs the server a few requests
 * per burst, not a few per task). A notification that carried its node's data (PROTOCOL.md §10) needs no
 * read of that node: withReading answers it from the event, so the fact is the one a read would give.
 */
import {
  NoNodeError,
  type NodeEventType,
  type ReadOp,
  type ReadOpResult,
  type Stat,
} from "../../client/index.js";
import { idOfKey, isRawKey, type Layout } from "../layout.js";
import {
  activeEvent,
  knownFrom,
  outcomeEvent,
  progressEvent,
  taskChange,
  type KnownTask,
  type TaskEvent,
  type WatchedNode,
} from "./event-types.js";

interface Read {
  data: Buffer | null;
  stat: Stat;
}

export type Fact =
  | ({ kind: "task"; key: string; created: boolean; replayed?: true } & Read)
  | { kind: "gone"; key: string; replayed?: true }
  | ({ kind: "status" | "progress"; key: string; type: string | null; replayed?: true } & Read)
  /** `stat` null: the assignment was gone by the time it was read (a fast task: its worker committed first). */
  | {
      kind: "assignment";
      key: string;
      type: string | null;
      worker: string;
      data: Buffer | null;
      stat: Stat | null;
    };

/** Reads the node a notification names (and the task, when its type is not known yet). */
export type Reads = (ops: readonly ReadOp[]) => Promise<ReadOpResult[]>;

/**
 * `read`, with the getData of `path` answered by `reading` — a watch event's data and Stat, exactly what
 * that getData would return — instead of the server. The other ops still go to `read`, together; when
 * none is left, no request is made.
 */
export function withReading(read: Reads, path: string, reading: ReadOpResult): Reads {
  const given = (op: ReadOp): boolean => op.type === "getData" && op.path === path;
  return async (ops) => {
    const rest = ops.filter((op) => !given(op));
    const answers = rest.length === 0 ? [] : await read(rest);
    let i = 0;
    return ops.map((op) => (given(op) ? reading : (answers[i++] as ReadOpResult)));
  };
}

/** What readFacts needs of the follower's memory: a task's type (task-events.ts adds the ones just told). */
export type KnownTypes = Pick<ReadonlyMap<string, Pick<KnownTask, "type">>, "get">;

export async function readFacts(
  read: Reads,
  layout: Layout,
  known: KnownTypes,
  node: Exclude<WatchedNode, { kind: "other" }>,
  event: NodeEventType,
  dirty: Set<string>,
): Promise<Fact[]> {
  const { key } = node;
  try {
    if (node.kind === "task") {
      if (event === "NodeDeleted") return [{ kind: "gone", key }];
      const r = await getData(read, layout.task(key));
      return r === null ? [] : [{ kind: "task", key, created: event === "NodeCreated", ...r }];
    }
    if (event !== "NodeCreated" && !(node.kind === "progress" && event === "NodeDataChanged")) return [];
    const path =
      node.kind === "status"
        ? layout.status(key)
        : node.kind === "progress"
          ? layout.progress(key)
          : layout.assignment(node.worker, key);
    const { node: r, type } = await readWithType(read, layout, known, key, path);
    // The NodeCreated says it was assigned, even if the worker's commit deleted it before this read
    // (a fast task): then the fact has no data.
    if (node.kind === "assignment")
      return [
        { kind: "assignment", key, worker: node.worker, type, data: r?.data ?? null, stat: r?.stat ?? null },
      ];
    if (r === null) return [];
    return [{ kind: node.kind, key, type, ...r }];
  } catch (err) {
    dirty.add(key);
    throw err;
  }
}

/** Updates what is known of the task and returns the event the fact means (null: nothing new). */
export function applyFact(known: Map<string, KnownTask>, fact: Fact): TaskEvent | null {
  const { key } = fact;
  const mark = <E extends TaskEvent>(e: E): E => {
    if ("replayed" in fact && fact.replayed === true) e.replayed = true;
    return e;
  };
  switch (fact.kind) {
    case "gone":
      return known.delete(key)
        ? mark({ event: "removed", id: idOfKey(key), key, type: null, at: Date.now() })
        : null;
    case "task": {
      const before = known.get(key);
      const after = knownFrom(key, fact.data);
      if (before === undefined) {
        known.set(key, after);
        if (!fact.created) return null;
        return mark({ event: "submitted", id: idOfKey(key), key, type: after.type, at: fact.stat.ctime });
      }
      after.final = before.final;
      if (before.progressVersion !== undefined) after.progressVersion = before.progressVersion;
      known.set(key, after);
      const change = taskChange(key, before, after, fact.stat.mtime);
      return change === null ? null : mark(change);
    }
    case "status": {
      const k = remember(known, key, fact.type);
      if (k.final) return null;
      k.final = true;
      return mark(outcomeEvent(key, k.type, fact.data, fact.stat.mtime));
    }
    case "progress": {
      const k = remember(known, key, fact.type);
      if (k.progressVersion !== undefined && fact.stat.version <= k.progressVersion) return null;
      k.progressVersion = fact.stat.version;
      return mark(progressEvent(key, k.type, fact.data, fact.stat.mtime));
    }
    case "assignment":
      return activeEvent(
        key,
        remember(known, key, fact.type).type,
        fact.worker,
        fact.data,
        fact.stat?.ctime ?? Date.now(),
      );
  }
}

function remember(known: Map<string, KnownTask>, key: string, type: string | null): KnownTask {
  let k = known.get(key);
  if (k === undefined) {
    k = { type, failures: 0, requeues: 0, final: false, partial: true };
    known.set(key, k);
  }
  return k;
}

function dataOf(r: ReadOpResult | undefined): Read | null {
  // Data and Stat only: the result's own `type` ("getData") would overwrite a fact's task type.
  if (r?.type === "getData") return { data: r.data, stat: r.stat };
  if (r?.type === "error" && !(r.error instanceof NoNodeError)) throw r.error;
  return null;
}

async function getData(read: Reads, path: string): Promise<Read | null> {
  return dataOf((await read([{ type: "getData", path }]))[0]);
}

/**
 * A node's data (null when it is gone), with the task's type from memory or, when unknown, read in the
 * same multiRead (the task node outlives its status, progress and assignment).
 */
async function readWithType(
  read: Reads,
  layout: Layout,
  known: KnownTypes,
  key: string,
  path: string,
): Promise<{ node: Read | null; type: string | null }> {
  const k = known.get(key);
  if (k !== undefined || isRawKey(key)) return { node: await getData(read, path), type: k?.type ?? null };
  const [node, task] = await read([
    { type: "getData", path },
    { type: "getData", path: layout.task(key) },
  ]);
  return { node: dataOf(node), type: task?.type === "getData" ? knownFrom(key, task.data).type : null };
}
