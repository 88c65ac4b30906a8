/**
 * Leader election with fencing epochs.
 *
 * ```ts
 * const election = new LeaderElection(client, { path: "/app/election", id: "node-1" });
 * await election.start();
 * const term = await election.waitForLeadership();   // { epoch, candidatePath, signal }
 * await election.fencedTransaction(term).setData("/app/config", "x").commit();
 * term.signal.addEventListener("abort", () => stopLeaderWork());
 * await election.close();
 * ```
 *
 * Layout under `path`:
 * - `candidates/c_<sessionId hex>_<uuid>-<seq>`: one ephemeral sequential node per candidate. The
 *   session id and uuid let us find our own node after a create whose reply was lost.
 * - `epoch`: a persistent node whose data version IS the epoch. Never delete it: a recreated node
 *   starts again at version 0, so the recipe refuses to lead (and logs) while it is missing.
 *
 * Becoming leader: the lowest candidate claims a new epoch in one multi, and writes fenced by the
 * epoch fail once a newer term began (epoch.ts). Each candidate watches only its predecessor (no
 * herd effect).
 *
 * Connection states: on `suspended` the default policy ("relinquish") aborts the term at once; on
 * `reconnected` we re-check, and if the session survived and we are still first we claim a NEW term
 * (the epoch is bumped again). With "keep" the term survives a suspension if, after reconnecting,
 * our node is still first and the epoch unchanged. `lost` (session expired) is final for this
 * election: it ends as a follower; make a new client and a new LeaderElection to run again.
 */
import {
  SessionExpiredError,
  isRetriable,
  type Logger,
  type StateEvent,
  type Transaction,
  type ZooKeeperClient,
} from "../client/index.js";
import { claimEpoch, fencedTransaction } from "./epoch.js";
import { RecipeClosedError, RecipeError } from "./errors.js";
import {
  SILENT,
  backoff,
  basename,
  bySequence,
  createOwnSequential,
  deleteIfExists,
  ensurePath,
  join,
  pause,
  sessionPrefix,
} from "./internal.js";
import { parseElectionOptions, type LeaderElectionOptions, type ResolvedElectionOptions } from "./options.js";
import { Terms, type ElectionEvents, type LeadershipChange, type LeadershipTerm } from "./term.js";

export type { LeadershipTerm, LeadershipChange } from "./term.js";
export { FENCE_OPS } from "./epoch.js";

type Lifecycle = "latent" | "started" | "lost" | "closed";

export class LeaderElection implements AsyncDisposable {
  /** The node whose version is the epoch. */
  readonly epochPath: string;
  private readonly candidatesPath: string;
  private readonly opts: ResolvedElectionOptions;
  private readonly log: Logger;
  private readonly terms: Terms;
  private readonly stopped = new AbortController();
  private lifecycle: Lifecycle = "latent";
  private candidate: string | null = null;
  private dirty = false;
  private running = false;
  /** start() is laying out the path and entering: a reconnect meanwhile must not start the loop,
   * whose step would enter a second candidate beside start()'s own. */
  private starting = false;
  /** Counts suspensions, so a claim whose reply straddled one is not trusted under "relinquish". */
  private suspensions = 0;
  private closing: Promise<void> | null = null;
  private readonly kick = (): void => this.schedule();
  private readonly onState = (e: StateEvent): void => this.handleState(e);

  constructor(
    private readonly client: ZooKeeperClient,
    options: LeaderElectionOptions,
  ) {
    this.opts = parseElectionOptions(options);
    this.log = this.opts.logger ?? SILENT;
    this.terms = new Terms(this.log, this.opts.path);
    this.candidatesPath = join(this.opts.path, "candidates");
    this.epochPath = join(this.opts.path, "epoch");
  }

  /** Creates the layout and our candidate; leadership then follows asynchronously. */
  async start(): Promise<void> {
    if (this.lifecycle !== "latent") throw new RecipeError("LeaderElection.start() may be called once");
    this.lifecycle = "started";
    this.client.on("state", this.onState);
    this.starting = true;
    try {
      await ensurePath(this.client, this.candidatesPath);
      await ensurePath(this.client, this.epochPath);
      await this.enter();
    } catch (err) {
      this.finish("closed", err instanceof Error ? err : new RecipeError(String(err)));
      throw err;
    } finally {
      this.starting = false;
    }
    this.schedule();
  }

  get isLeader(): boolean {
    return this.terms.term !== null;
  }

  get term(): LeadershipTerm | null {
    return this.terms.term;
  }

  on(event: "leader", listener: (term: LeadershipTerm) => void): this;
  on(event: "follower", listener: () => void): this;
  on(event: keyof ElectionEvents, listener: ElectionEvents[keyof ElectionEvents]): this {
    this.terms.events.on(event, listener);
    return this;
  }

  off(event: "leader", listener: (term: LeadershipTerm) => void): this;
  off(event: "follower", listener: () => void): this;
  off(event: keyof ElectionEvents, listener: ElectionEvents[keyof ElectionEvents]): this {
    this.terms.events.off(event, listener);
    return this;
  }

  /** Leadership changes from now on; ends when the election closes or its session is lost. */
  changes(): AsyncIterableIterator<LeadershipChange> {
    return this.terms.changes();
  }

  /** The current term, or the next one. Rejects on abort, close (RecipeClosedError) or session loss. */
  waitForLeadership(signal?: AbortSignal): Promise<LeadershipTerm> {
    const term = this.terms.term;
    if (term !== null) return Promise.resolve(term);
    if (this.lifecycle === "closed") return Promise.reject(new RecipeClosedError("LeaderElection"));
    if (this.lifecycle === "lost") return Promise.reject(new SessionExpiredError());
    return this.terms.waitForNext(signal);
  }

  /**
   * A transaction that commits only while `term` (default: the current one) is the latest: its
   * first ops are `check(epochPath, term.epoch)` and `check(candidatePath)`, so `commit()` fails with
   * BadVersionError once a newer term began, or NoNodeError once our candidate is gone. Throws
   * NotLeaderError without a term, and the term's LeadershipLostError if it already ended locally.
   */
  fencedTransaction(term: LeadershipTerm | null = this.term): Transaction {
    return fencedTransaction(this.client, this.epochPath, term);
  }

  /** Gives up the current term (if any) and re-enters at the back of the line. */
  async relinquish(): Promise<void> {
    if (this.lifecycle !== "started") return;
    const old = this.candidate;
    this.candidate = null;
    this.terms.end("relinquished");
    if (old !== null) await deleteIfExists(this.client, old);
    this.schedule();
  }

  /** Ends any term, deletes our candidate so the next one takes over at once. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    const wasLive = this.lifecycle === "started";
    this.finish("closed", new RecipeClosedError("LeaderElection"));
    const old = this.candidate;
    this.candidate = null;
    if (!wasLive || old === null) return;
    try {
      await deleteIfExists(this.client, old);
    } catch (err) {
      // The node is ephemeral: if we cannot delete it, it goes when the session ends.
      this.log.warn({ err, path: old }, "election: could not delete candidate on close");
    }
  }

  private finish(state: "lost" | "closed", err: Error): void {
    if (this.lifecycle === "latent" || this.lifecycle === "started") this.lifecycle = state;
    this.stopped.abort();
    this.client.off("state", this.onState);
    this.terms.finish(state, err);
  }

  private handleState(e: StateEvent): void {
    if (e.type === "suspended") {
      this.suspensions++;
      if (this.opts.suspendedPolicy === "relinquish") this.terms.end("suspended");
    } else if (e.type === "reconnected") {
      this.schedule();
    } else if (e.type === "lost") {
      this.candidate = null; // gone with the session
      this.finish("lost", e.reason);
    } else if (e.type === "closed") {
      this.finish("closed", new RecipeClosedError("LeaderElection (its client)"));
    }
  }

  private async enter(): Promise<void> {
    const prefix = sessionPrefix(this.client, "c");
    const data = this.opts.data;
    const made = await createOwnSequential(this.client, this.candidatesPath, prefix, data);
    if (this.lifecycle !== "started") await deleteIfExists(this.client, made);
    else this.candidate = made;
  }

  /** Runs `step` until nothing changed; one at a time, so steps never interleave. */
  private schedule(): void {
    if (this.lifecycle !== "started" || this.starting) return;
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => (this.running = false));
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.dirty && this.lifecycle === "started") {
      this.dirty = false;
      try {
        await this.step();
        failures = 0;
      } catch (err) {
        if (this.lifecycle !== "started") return;
        // Requests made while suspended wait for the reconnect, so retrying is the right default.
        const level = isRetriable(err) ? "debug" : "error";
        this.log[level]({ err, path: this.opts.path }, "election: step failed; retrying");
        this.dirty = true;
        await pause(backoff(failures++), this.stopped.signal);
      }
    }
  }

  private async step(): Promise<void> {
    if (this.candidate === null) await this.enter();
    const mine = this.candidate;
    if (mine === null) return;
    const suspensions = this.suspensions;
    const children = bySequence(await this.client.getChildren(this.candidatesPath));
    if (this.candidate !== mine) return this.schedule();
    const index = children.indexOf(basename(mine));
    if (index !== 0) {
      this.terms.end("deposed");
      const previous = children[index - 1];
      if (index < 0 || previous === undefined) return this.reenter();
      // Watch only our predecessor: when it goes, only we are woken.
      const stat = await this.client.exists(join(this.candidatesPath, previous), { watch: this.kick });
      if (stat === null) this.schedule();
      return;
    }
    // First in line: act only if the node is really this session's (Curator's ephemeralOwner check).
    const own = await this.client.exists(mine);
    if (this.candidate !== mine) return this.schedule();
    if (own === null || own.ephemeralOwner !== this.client.sessionId) return this.reenter();
    // The watch wakes a leader whose epoch someone else bumped, and re-arms after our own claim.
    const epoch = await this.client.exists(this.epochPath, { watch: this.kick });
    if (epoch === null) throw new RecipeError(`${this.epochPath} is missing; refusing to lead without it`);
    const term = this.terms.term;
    if (term !== null) {
      if (epoch.version === term.epoch && term.candidatePath === mine) return;
      this.terms.end("deposed");
    }
    if (this.opts.suspendedPolicy === "relinquish" && !this.client.isConnected) return;
    await this.claim(mine, epoch.version, suspensions);
  }

  private async claim(mine: string, seen: number, suspensions: number): Promise<void> {
    const version = await claimEpoch(this.client, mine, this.epochPath, this.opts.id, seen);
    if (version === "raced") return this.schedule(); // a racing claim: look again
    if (version === "gone") return this.reenter();
    const straddled = this.opts.suspendedPolicy === "relinquish" && this.suspensions !== suspensions;
    // Not trusted: the bump is harmless (it only fences older terms); the next step claims again.
    if (this.lifecycle !== "started" || this.candidate !== mine || straddled) return this.schedule();
    this.terms.begin(version, mine);
  }

  private reenter(): void {
    this.terms.end("deposed");
    this.candidate = null;
    this.schedule();
  }
}
