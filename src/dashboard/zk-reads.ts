/**
 * Reads of the task layout (src/tasks/layout.ts) the ZooKeeper source is built from. Every read is a
 * plain request on our client, so many of them in flight share one socket write per event-loop turn,
 * made through a `Reader` that gives each request a deadline (so no pass can wait forever).
 * Nothing here reads more than one node's data per request: a multiRead of large payloads could pass
 * jute.maxbuffer, which Apache answers by dropping the connection.
 */
import { NoNodeError, type GetDataResult, type Stat, type ZooKeeperClient } from "../client/index.js";
import { decodeEnvelope, decodeOutcome, type Envelope } from "../tasks/envelope.js";
import { isRawKey, keyOfAssignName, type Layout } from "../tasks/layout.js";
import { decodeWorkerInfo } from "../tasks/worker-info.js";
import type { Assignment, TaskEntry, TaskIndex } from "./task-index.js";
import type { MasterInfo, TaskState, WorkerView } from "./types.js";

/** Envelopes larger than this are not read for the list (type and delay are then unknown). */
export const ENVELOPE_READ_LIMIT = 16 * 1024;

/** The three reads the dashboard makes. */
export interface Reader {
  getData(path: string): Promise<GetDataResult>;
  getChildren(path: string): Promise<string[]>;
  exists(path: string): Promise<Stat | null>;
}

/** `client`'s reads, each failing with OperationTimeoutError after `timeout` ms (0 = the client's own). */
export function boundedReader(client: ZooKeeperClient, timeout: number): Reader {
  const opts = timeout > 0 ? { timeout } : {};
  return {
    getData: (path) => client.getData(path, opts),
    getChildren: (path) => client.getChildren(path, opts),
    exists: (path) => client.exists(path, opts),
  };
}

/**
 * Waits for every promise to settle, then rejects with the first failure: a failed pass leaves no read
 * running that could still write its (older) result into the state after the next pass.
 */
export async function settleAll(jobs: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

/**
 * Runs `fn` over `items`, at most `width` at once. After a failure no further item is started, and the
 * call rejects only once the items already running have settled (see `settleAll`).
 */
export async function eachLimit<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await settleAll(Array.from({ length: Math.min(width, items.length) }, lane));
}

function parseObject(data: Buffer | null): Record<string, unknown> | null {
  if (data === null || data[0] !== 0x7b) return null;
  try {
    const v: unknown = JSON.parse(data.toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export interface ElectionInfo {
  epoch: number | null;
  /** Candidate identities in succession order (the first is the leader). */
  candidates: string[];
}

export async function readMaster(client: Reader, layout: Layout): Promise<MasterInfo | null> {
  const got = await orNull(client.getData(layout.master));
  if (got === null) return null;
  const obj = parseObject(got.data);
  const text = got.data?.toString("utf8") ?? "";
  const idField = obj?.["id"] ?? obj?.["master"] ?? obj?.["name"];
  const epoch = obj?.["epoch"];
  return {
    id: typeof idField === "string" ? idField : text,
    epoch: typeof epoch === "number" ? epoch : null,
    since: got.stat.ctime,
  };
}

const seq = (name: string): number => Number(name.slice(name.lastIndexOf("-") + 1));

export async function readElection(client: Reader, layout: Layout): Promise<ElectionInfo> {
  const [epochStat, names] = await Promise.all([
    orNull(client.exists(`${layout.election}/epoch`)),
    orNull(client.getChildren(`${layout.election}/candidates`)),
  ]);
  const sorted = (names ?? []).sort((a, b) => seq(a) - seq(b)).slice(0, 50);
  const ids = await Promise.all(
    sorted.map(async (n) => {
      const got = await orNull(client.getData(`${layout.election}/candidates/${n}`));
      const text = got?.data?.toString("utf8") ?? "";
      return text === "" ? n : text;
    }),
  );
  return { epoch: epochStat?.version ?? null, candidates: ids };
}

export type WorkerInfo = Omit<WorkerView, "running" | "tasks">;

export async function readWorker(client: Reader, layout: Layout, id: string): Promise<WorkerInfo | null> {
  const got = await orNull(client.getData(layout.worker(id)));
  if (got === null) return null;
  const w = decodeWorkerInfo(got.data);
  return { id, capacity: w.capacity, labels: w.labels, host: w.host, pid: w.pid };
}

export async function listChildren(client: Reader, path: string): Promise<string[]> {
  return (await orNull(client.getChildren(path))) ?? [];
}

/** Every assignment, as `<worker>/<assign-name>` paths relative to `<root>/assign`. */
export async function listAssignments(client: Reader, layout: Layout): Promise<string[]> {
  const out: string[] = [];
  await eachLimit(await listChildren(client, layout.assign), 16, async (w) => {
    for (const name of await listChildren(client, layout.assignDir(w))) out.push(`${w}/${name}`);
  });
  return out;
}

export async function readAssignment(
  client: Reader,
  layout: Layout,
  rel: string,
): Promise<{ worker: string; key: string; assignment: Assignment | null }> {
  const slash = rel.indexOf("/");
  const worker = rel.slice(0, slash);
  const key = keyOfAssignName(rel.slice(slash + 1));
  const stat = await orNull(client.exists(`${layout.assign}/${rel}`));
  return { worker, key, assignment: stat === null ? null : { worker, key, ctime: stat.ctime } };
}

/** Every task key: raw `task-<seq>` children of `<root>/tasks` and `b-<nn>/t-<id>` in each bucket. */
export async function listTaskKeys(client: Reader, layout: Layout): Promise<string[]> {
  const top = await listChildren(client, layout.tasks);
  const keys = top.filter((n) => !n.startsWith("b-"));
  await eachLimit(
    top.filter((n) => n.startsWith("b-")),
    16,
    async (b) => {
      for (const t of await listChildren(client, layout.bucket(b))) keys.push(`${b}/${t}`);
    },
  );
  return keys;
}

/** The current record of one task from ZooKeeper, or null when it is gone. */
export async function readTaskEntry(
  client: Reader,
  layout: Layout,
  index: TaskIndex,
  key: string,
): Promise<{ entry: TaskEntry; notBefore: number } | null> {
  const stat = await orNull(client.exists(layout.task(key)));
  if (stat === null) return null;
  const raw = isRawKey(key);
  const [data, status] = await Promise.all([
    !raw && stat.dataLength <= ENVELOPE_READ_LIMIT ? orNull(client.getData(layout.task(key))) : null,
    stat.numChildren > 0 ? orNull(client.getData(layout.status(key))) : null,
  ]);
  const env = data === null ? null : decodeEnvelope(data.data);
  const prev = index.get(key);
  const assignment = index.assignment(key);
  const entry: TaskEntry = {
    key,
    state: "waiting",
    type: raw ? "raw" : (env?.type ?? prev?.type ?? ""),
    submittedAt: stat.ctime,
    worker: assignment?.worker ?? prev?.worker ?? "",
    startedAt: assignment?.ctime ?? prev?.startedAt ?? null,
    finishedAt: null,
    attempt: env === null ? (prev?.attempt ?? 1) : env.run.failures + 1,
    reason: env?.run.error ?? "",
  };
  if (status !== null) return { entry: finished(entry, status.data, status.stat), notBefore: 0 };
  const notBefore = env?.run.notBefore ?? 0;
  entry.state = pendingState(assignment !== undefined, env, notBefore);
  return { entry, notBefore };
}

function pendingState(assigned: boolean, env: Envelope | null, notBefore: number): TaskState {
  if (assigned) return "running";
  if (env !== null && notBefore > Date.now()) return "delayed";
  return "waiting";
}

function finished(entry: TaskEntry, data: Buffer | null, stat: Stat): TaskEntry {
  const o = decodeOutcome(data);
  entry.state = o.state;
  entry.finishedAt = stat.ctime;
  if (o.state === "done") {
    entry.attempt = o.attempt;
    if (o.worker !== "") entry.worker = o.worker;
  } else if (o.state === "failed") {
    entry.attempt = o.attempt;
    entry.reason = o.reason.slice(0, 500);
    if (o.worker !== undefined && o.worker !== "") entry.worker = o.worker;
  }
  return entry;
}
