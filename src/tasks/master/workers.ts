/**
 * The workers of a master's term: who is registered (one-shot watches on `<root>/workers` and on each
 * worker's node), what each one holds (its `/assign/<worker>` folder, listed when it appears), and the
 * recovery of every assignment of a worker that is gone. Watches only mark what must be read again and
 * wake the term's loop; the loop calls `refresh()`.
 */
import { NoNodeError, type ReadOpResult, type ZooKeeperClient } from "../../client/index.js";
import { keyOfAssignName, type Layout } from "../layout.js";
import type { ClusterState } from "./state.js";
import { ensureFenced, recoverAssignments, type WriteContext } from "./writes.js";
import { decodeWorkerInfo } from "../worker-info.js";
import { mapLimit } from "../zk.js";

export class TermWorkers {
  /** The `/workers` listing must be read (again). */
  private dirtyList = true;
  /** Workers whose node changed (capacity, labels). */
  private readonly dirtyData = new Set<string>();
  /** Workers (or `/assign` folders) whose assignments are to be taken back. */
  private readonly dead = new Set<string>();
  private readonly client: ZooKeeperClient;
  private readonly layout: Layout;
  private readonly state: ClusterState;

  constructor(
    private readonly ctx: WriteContext,
    private readonly kick: () => void,
  ) {
    this.client = ctx.client;
    this.layout = ctx.layout;
    this.state = ctx.state;
  }

  /** Something is to be read or recovered. */
  get dirty(): boolean {
    return this.dirtyList || this.dirtyData.size + this.dead.size > 0;
  }

  /** The initial picture: workers, then every `/assign` folder (those of workers gone: recovered next). */
  async load(): Promise<void> {
    await this.readWorkers();
    const dirs = await this.client.getChildren(this.layout.assign);
    await mapLimit(dirs, 16, async (dir) => {
      if (!this.state.workers.has(dir)) return void this.dead.add(dir);
      await this.listAssignments(dir);
    });
  }

  /** Reads what watches marked, then takes back the assignments of workers that are gone. */
  async refresh(): Promise<void> {
    if (this.dirtyList) await this.readWorkers();
    await mapLimit(take(this.dirtyData), 16, (w) => this.readWorkerInfo(w));
    await mapLimit(take(this.dead), 8, (w) => this.recoverWorker(w));
  }

  private async listAssignments(id: string): Promise<void> {
    try {
      for (const name of await this.client.getChildren(this.layout.assignDir(id)))
        this.state.assign(keyOfAssignName(name), id);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      await ensureFenced(this.ctx, this.layout.assignDir(id));
    }
  }

  private async readWorkers(): Promise<void> {
    this.dirtyList = false;
    const names = new Set(
      await this.client.getChildren(this.layout.workers, {
        watch: () => ((this.dirtyList = true), this.kick()),
      }),
    );
    for (const id of this.state.workers.keys()) if (!names.has(id)) this.dead.add(id);
    const fresh = [...names].filter((id) => !this.state.workers.has(id));
    await mapLimit(fresh, 16, (id) => this.readWorkerInfo(id));
  }

  private async readWorkerInfo(id: string): Promise<void> {
    try {
      const { data } = await this.client.getData(this.layout.worker(id), {
        watch: () => (this.dirtyData.add(id), this.kick()),
      });
      const entry = this.state.workers.get(id);
      if (entry !== undefined) entry.info = decodeWorkerInfo(data);
      else {
        this.state.workers.set(id, { id, info: decodeWorkerInfo(data), assigned: new Set() });
        // The seed's master makes /assign/<worker> when a worker appears; whatever is in it is its load.
        await ensureFenced(this.ctx, this.layout.assignDir(id));
        await this.listAssignments(id);
      }
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      if (this.state.workers.has(id)) this.dead.add(id);
    }
  }

  private async recoverWorker(id: string): Promise<void> {
    // An /assign folder seen before its worker's /workers node (a worker registering during the load),
    // or a worker back under the same id: alive, so nothing to take back.
    if ((await this.client.exists(this.layout.worker(id))) !== null) {
      if (!this.state.workers.has(id)) this.dirtyList = true;
      return;
    }
    const dir = this.layout.assignDir(id);
    const [list, folder] = await this.client.multiRead([
      { type: "getChildren", path: dir },
      { type: "getData", path: dir },
    ]);
    const entry = this.state.workers.get(id);
    const keys = new Set([...namesOf(list).map(keyOfAssignName), ...(entry?.assigned ?? [])]);
    this.state.workers.delete(id);
    // A worker this term never saw registered (it died before or with the previous master) left its
    // concurrency in its folder's data; without it, one task would be charged for the ~concurrency running.
    const concurrency = entry?.info.concurrency ?? folderConcurrency(folder);
    await recoverAssignments(this.ctx, id, [...keys], concurrency);
    if (keys.size > 0) this.ctx.hooks.recovered(id, keys.size);
  }
}

/** A folder listing's names: none when the folder is gone. */
function namesOf(r: ReadOpResult | undefined): string[] {
  if (r?.type === "getChildren") return r.children;
  if (r?.type === "error" && !(r.error instanceof NoNodeError)) throw r.error;
  return [];
}

/**
 * The concurrency a worker wrote into its `/assign/<worker>` folder at start (`{"concurrency":N}`,
 * worker/worker.ts); 1 when the folder has none — gone, written by an older worker, or made empty by
 * zkCli or `ensureFenced` — so an unreadable folder never stops a recovery.
 */
export function folderConcurrency(r: ReadOpResult | undefined): number {
  if (r?.type !== "getData" || r.data === null || r.data.length === 0) return 1;
  let c: unknown;
  try {
    c = (JSON.parse(r.data.toString("utf8")) as { concurrency?: unknown } | null)?.concurrency;
  } catch {
    return 1;
  }
  return typeof c === "number" && Number.isSafeInteger(c) && c >= 1 ? c : 1;
}

export function take<T>(set: Set<T>): T[] {
  const items = [...set];
  set.clear();
  return items;
}
