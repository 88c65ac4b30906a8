/**
 * The cluster reader's non-task half: the active master, the election, the live workers and who holds
 * which assignment. Pure reads through `ClusterReads`, so the CLI (a plain client), the dashboard (a
 * client whose reads have deadlines) and the task system's own admin API decode the cluster one way.
 */
import { NoNodeError, type GetDataResult, type Stat } from "../../client/index.js";
import { keyOfAssignName, type Layout } from "../layout.js";
import { decodeWorkerInfo, type WorkerInfo } from "../worker-info.js";
import { mapLimit } from "../zk.js";

/** The three reads the cluster reader makes: a ZooKeeperClient, or any wrapper of one. */
export interface ClusterReads {
  getData(path: string): Promise<GetDataResult>;
  getChildren(path: string): Promise<string[]>;
  exists(path: string): Promise<Stat | null>;
}

/** `p`'s value, or null when it failed with NoNode (the node is gone: not an error for a reader). */
export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

/** A path's children; none when the path does not exist. */
export async function childrenOf(reads: ClusterReads, path: string): Promise<string[]> {
  return (await orNull(reads.getChildren(path))) ?? [];
}

export interface MasterInfo {
  /** The active master's identity as it wrote it in `<root>/master`. */
  id: string;
  /** The epoch the master claims in its node (the election's epoch node is authoritative). */
  epoch: number | null;
  pid: number | null;
  /** When it began leading (its own clock), else the master node's creation (server clock), ms. */
  since: number;
}

/** Decodes `<root>/master`: our JSON, or any text (a master registered by hand in zkCli). */
export function decodeMaster(got: GetDataResult): MasterInfo {
  const text = got.data?.toString("utf8") ?? "";
  let obj: Record<string, unknown> = {};
  if (text.startsWith("{"))
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) obj = v as Record<string, unknown>;
    } catch {
      // not JSON: the whole text is the identity
    }
  const num = (x: unknown): number | null => (typeof x === "number" ? x : null);
  const id = obj["id"] ?? obj["master"] ?? obj["name"];
  return {
    id: typeof id === "string" ? id : text,
    epoch: num(obj["epoch"]),
    pid: num(obj["pid"]),
    since: num(obj["since"]) ?? got.stat.ctime,
  };
}

export async function readMaster(reads: ClusterReads, layout: Layout): Promise<MasterInfo | null> {
  const got = await orNull(reads.getData(layout.master));
  return got === null ? null : decodeMaster(got);
}

export interface ElectionInfo {
  /** The fencing epoch: the version of `<root>/election/epoch`; null before the first election. */
  epoch: number | null;
  /** Candidate identities in succession order (the first is the leader, the rest are backups). */
  candidates: string[];
}

const seq = (name: string): number => Number(name.slice(name.lastIndexOf("-") + 1));

/** The election; at most `limit` candidates are read (default all). */
export async function readElection(
  reads: ClusterReads,
  layout: Layout,
  limit = Infinity,
): Promise<ElectionInfo> {
  const dir = `${layout.election}/candidates`;
  const [epochStat, names] = await Promise.all([
    orNull(reads.exists(`${layout.election}/epoch`)),
    childrenOf(reads, dir),
  ]);
  const sorted = names
    .filter((n) => Number.isInteger(seq(n)))
    .sort((a, b) => seq(a) - seq(b))
    .slice(0, limit);
  const ids = await mapLimit(sorted, 32, async (n) => {
    const got = await orNull(reads.getData(`${dir}/${n}`));
    if (got === null) return null; // left the election meanwhile
    const text = got.data?.toString("utf8") ?? "";
    return text === "" ? n : text;
  });
  return { epoch: epochStat?.version ?? null, candidates: ids.filter((i): i is string => i !== null) };
}

/** A live worker: its id and what it advertises in `<root>/workers/<id>`. */
export interface WorkerRecord extends WorkerInfo {
  id: string;
}

export async function readWorker(
  reads: ClusterReads,
  layout: Layout,
  id: string,
): Promise<WorkerRecord | null> {
  const got = await orNull(reads.getData(layout.worker(id)));
  return got === null ? null : { id, ...decodeWorkerInfo(got.data) };
}

/** Every live worker, by id. */
export async function readWorkers(reads: ClusterReads, layout: Layout): Promise<WorkerRecord[]> {
  const ids = (await childrenOf(reads, layout.workers)).sort();
  const rows = await mapLimit(ids, 32, (id) => readWorker(reads, layout, id));
  return rows.filter((r): r is WorkerRecord => r !== null);
}

/** One assignment node, named by where it is: `<root>/assign/<worker>/<assign-name>`. */
export interface AssignmentRef {
  worker: string;
  /** The task's key. */
  key: string;
}

/** The assignment at `rel`, a path relative to `<root>/assign` ("w1/b-03.t-abc"). */
export function assignmentOfPath(rel: string): AssignmentRef {
  const slash = rel.indexOf("/");
  return { worker: rel.slice(0, slash), key: keyOfAssignName(rel.slice(slash + 1)) };
}

/** Every assignment, of live workers and of directories of workers that are gone. */
export async function listAssignments(reads: ClusterReads, layout: Layout): Promise<AssignmentRef[]> {
  const dirs = await childrenOf(reads, layout.assign);
  const per = await mapLimit(dirs, 32, async (worker) =>
    (await childrenOf(reads, layout.assignDir(worker))).map((n) => ({ worker, key: keyOfAssignName(n) })),
  );
  return per.flat();
}

/** task key → the worker holding its assignment. */
export function assignedByTask(assignments: readonly AssignmentRef[]): Map<string, string> {
  return new Map(assignments.map((a) => [a.key, a.worker]));
}

/** worker id → how many assignments it holds. */
export function loadByWorker(assignments: readonly AssignmentRef[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of assignments) out.set(a.worker, (out.get(a.worker) ?? 0) + 1);
  return out;
}

/** The worker holding `key`'s assignment, if any: one listing of `<root>/assign` and one read per worker. */
export async function findAssignment(
  reads: ClusterReads,
  layout: Layout,
  key: string,
): Promise<string | null> {
  const dirs = await childrenOf(reads, layout.assign);
  const held = await mapLimit(dirs, 64, async (w) =>
    (await orNull(reads.exists(layout.assignment(w, key)))) === null ? null : w,
  );
  return held.find((w): w is string => w !== null) ?? null;
}
