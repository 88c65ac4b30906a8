/** The non-task part of the picture: active master, election candidates, paused flag, live workers. */
import {
  childrenOf,
  readElection,
  readMaster,
  readWorker,
  type ElectionInfo,
  type Layout,
  type MasterInfo,
} from "../tasks/index.js";
import type { Dirty } from "./dirty.js";
import type { ClusterEvent } from "./types.js";
import { eachLimit, settleAll, type Reader, type WorkerInfo } from "./zk-reads.js";

/** Election candidates read (the page shows a few backups, not a thousand). */
const ELECTION_SHOWN = 50;

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
    const election = readElection(this.client, this.layout, ELECTION_SHOWN);
    const paused = this.client.exists(this.layout.paused);
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
    if (d.election) jobs.push(readElection(c, l, ELECTION_SHOWN).then((e) => void (this.election = e)));
    if (d.paused) jobs.push(c.exists(l.paused).then((s) => void (this.paused = s !== null)));
    if (d.workerList) jobs.push(this.readWorkers().then((w) => void (this.workers = w)));
    if (d.master) jobs.push(readMaster(c, l).then((m) => this.setMaster(m, true)));
    await settleAll(jobs);
  }

  /** The master with the authoritative epoch (the epoch node's version) when there is one. */
  currentMaster(): MasterInfo | null {
    return this.master === null ? null : { ...this.master, epoch: this.election.epoch ?? this.master.epoch };
  }

  private async readWorkers(): Promise<Map<string, WorkerInfo>> {
    const ids = await childrenOf(this.client, this.layout.workers);
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
