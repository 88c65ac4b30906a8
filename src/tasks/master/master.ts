/**
 * Master: one of any number of candidates; the elected one runs terms (see master-term.ts). Every write
 * of a term goes through the election's `fencedTransaction(term)`. A term ends when leadership does
 * (session suspended or lost, deposed, closed); the next term starts from a full rebuild.
 */
import type { ZooKeeperClient } from "../../client/index.js";
import { LeaderElection, type LeadershipTerm } from "../../recipes/index.js";
import { LifecycleError } from "../errors.js";
import { TypedEvents } from "../events.js";
import type { AssignedEvent, ReassignedEvent, TermEvent } from "../history.js";
import { Layout } from "../layout.js";
import { parseMasterOptions, type MasterOptions, type ResolvedMasterOptions } from "./options.js";
import { MasterTerm } from "./term.js";

export interface MasterEvents {
  /** This candidate became the active master. */
  leader: [epoch: number];
  /** A term began: the same moment as `leader`, as a history record. */
  term: [e: TermEvent];
  /** Its term ended (it may become leader again later). */
  follower: [];
  /** One task's assignment multi committed (one event per task). */
  assigned: [e: AssignedEvent];
  /** One assignment of a worker whose session ended was taken back. */
  reassigned: [e: ReassignedEvent];
  /** The tasks of a worker whose session ended were taken back. */
  recovered: [worker: string, count: number];
  error: [err: Error];
}

export class Master extends TypedEvents<MasterEvents> {
  readonly id: string;
  private readonly opts: ResolvedMasterOptions;
  private readonly layout: Layout;
  private election: LeaderElection | null = null;
  private current: MasterTerm | null = null;
  private loop: Promise<void> | null = null;
  private readonly stopped = new AbortController();

  constructor(
    private readonly client: ZooKeeperClient,
    options: MasterOptions = {},
  ) {
    const opts = parseMasterOptions(options);
    super(opts.logger);
    this.opts = opts;
    this.id = opts.id;
    this.layout = new Layout(opts.root);
  }

  get isLeader(): boolean {
    return this.election?.isLeader ?? false;
  }

  /** The running term's state (for dashboards and tests); null when not leading. */
  get view(): MasterTerm["state"] | null {
    return this.current?.state ?? null;
  }

  /** Joins the election; leadership (and the work) follows asynchronously. */
  async start(): Promise<void> {
    if (this.stopped.signal.aborted) throw new LifecycleError("master", "start", "closed");
    if (this.election !== null) throw new LifecycleError("master", "start", "started");
    this.election = new LeaderElection(this.client, {
      path: this.layout.election,
      id: this.id,
      logger: this.opts.logger,
    });
    await this.election.start();
    this.loop = this.runTerms(this.election);
  }

  /** Resolves with the epoch once this candidate leads. */
  async waitForLeadership(signal?: AbortSignal): Promise<number> {
    if (this.election === null)
      throw new LifecycleError(
        "master",
        "waitForLeadership",
        this.stopped.signal.aborted ? "closed" : "latent",
      );
    return (await this.election.waitForLeadership(signal)).epoch;
  }

  private async runTerms(election: LeaderElection): Promise<void> {
    while (!this.stopped.signal.aborted) {
      let term: LeadershipTerm;
      try {
        term = await election.waitForLeadership(this.stopped.signal);
      } catch {
        return; // closed, or the session is gone: no more terms for this election
      }
      this.emit("leader", term.epoch);
      this.emit("term", { epoch: term.epoch, id: this.id });
      await this.runTerm(election, term);
      this.current = null;
      this.emit("follower");
    }
  }

  private async runTerm(election: LeaderElection, term: LeadershipTerm): Promise<void> {
    while (!term.signal.aborted && !this.stopped.signal.aborted) {
      const t = new MasterTerm(this.client, this.layout, election, term, this.opts, {
        assigned: (e) => this.emit("assigned", e),
        reassigned: (e) => this.emit("reassigned", e),
        recovered: (w, n) => this.emit("recovered", w, n),
      });
      this.current = t;
      try {
        await t.run();
        return;
      } catch (err) {
        if (term.signal.aborted || this.stopped.signal.aborted) return;
        // Fenced out, or a failure we cannot resolve locally: rebuild everything from ZooKeeper.
        this.opts.logger.warn({ err, epoch: term.epoch }, "tasks: master term failed; rebuilding");
        this.emit("error", err instanceof Error ? err : new Error(String(err)));
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /**
   * Graceful stop: ends the term and leaves the election at once (deleting our candidate and
   * <root>/master), so a backup takes over without waiting for a session timeout. The client stays open.
   */
  async close(): Promise<void> {
    if (this.stopped.signal.aborted) return;
    this.stopped.abort();
    const election = this.election;
    const wasLeader = election?.isLeader ?? false;
    if (wasLeader) {
      // Fenced, so it cannot remove a newer master's node.
      await election
        ?.fencedTransaction()
        .delete(this.layout.master)
        .commit()
        .catch((err: unknown) => this.opts.logger.debug({ err }, "tasks: could not delete the master node"));
    }
    await election?.close();
    await this.loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
