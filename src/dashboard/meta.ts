/** The non-task part of the picture: active master, election candidates, paused flag, live workers. */
import type { Layout } from "../tasks/layout.js";
import type { Dirty } from "./dirty.js";
import type { ClusterEvent, MasterInfo } from "./types.js";
import {
  eachLimit,
  listChildren,
  orNull,
  readElection,
  readMaster,
  readWorker,
  settleAll,
  type ElectionInfo,
  type Reader,
  type WorkerInfo,
} from "./zk-reads.js";

export class MetaState {
  master: MasterInfo | null = null;
  election: ElectionInfo = { epoch: null, candidates: [] };
  paused = false;
  workers = new Map<string, WorkerInfo>();
  failovers = 0;
  private lastMaster: MasterInfo | null = null;

  constructor(
    private readonly client: Reader,
    private readonly layout: Layout,
    private readonly emit: (e: ClusterEvent) => void,
  ) {}

  /** Reads everything; `live` is false for the first read (a master found then is no failover). */
  async readAll(live: boolean): Promise<void> {
    const master = readMaster(this.client, this.layout);
    const election = readElection(this.client, this.layout);
    const paused = orNull(this.client.exists(this.layout.paused));
    const workers = this.readWorkers();
    await settleAll([master, election, paused, workers]);
    this.election = await election;
    this.setMaster(await master, live);
    this.paused = (await paused) !== null;
    this.workers = await workers;
  }

  async apply(d: Dirty): Promise<void> {
    const c = this.client;
    const l = this.layout;
    const jobs: Promise<void>[] = [];
    if (d.election) jobs.push(readElection(c, l).then((e) => void (this.election = e)));
    if (d.paused) jobs.push(orNull(c.exists(l.paused)).then((s) => void (this.paused = s !== null)));
    if (d.workerList) jobs.push(this.readWorkers().then((w) => void (this.workers = w)));
    if (d.master) jobs.push(readMaster(c, l).then((m) => this.setMaster(m, true)));
    await settleAll(jobs);
  }

  /** The master with the authoritative epoch (the epoch node's version) when there is one. */
  currentMaster(): MasterInfo | null {
    return this.master === null ? null : { ...this.master, epoch: this.election.epoch ?? this.master.epoch };
  }

  private async readWorkers(): Promise<Map<string, WorkerInfo>> {
    const ids = await listChildren(this.client, this.layout.workers);
    const next = new Map<string, WorkerInfo>();
    await eachLimit(ids, 32, async (id) => {
      const info = await readWorker(this.client, this.layout, id);
      if (info !== null) next.set(id, info);
    });
    return next;
  }

  /** A failover is a master node different from the last one seen (the first election is not one). */
  private setMaster(m: MasterInfo | null, live: boolean): void {
    const last = this.lastMaster;
    this.master = m;
    if (m === null) return;
    this.lastMaster = m;
    if (live && last !== null && (last.id !== m.id || last.since !== m.since)) {
      this.failovers++;
      this.emit({ type: "failover", from: last.id, to: m.id, epoch: this.election.epoch ?? m.epoch });
    }
  }
}
