/**
 * The leadership terms of one LeaderElection and everything that observes them: listeners, the
 * `changes()` iterators and `waitForLeadership` waiters. Kept apart from the election protocol so
 * the order of notifications is decided in one place: a term's signal aborts before "follower".
 */
import type { Logger } from "../client/index.js";
import { LeadershipLostError, type LeadershipLossReason } from "./errors.js";
import { ChannelSet, Listeners } from "./events.js";
import { Waiters } from "./waiters.js";

export interface LeadershipTerm {
  /** Strictly greater than every earlier term's epoch on this election path. */
  readonly epoch: number;
  /** Our ephemeral sequential candidate node. */
  readonly candidatePath: string;
  /** Aborted (reason: LeadershipLostError) the moment this term ends, for whatever reason. */
  readonly signal: AbortSignal;
}

export type LeadershipChange = { type: "leader"; term: LeadershipTerm } | { type: "follower" };

export interface ElectionEvents {
  leader: (term: LeadershipTerm) => void;
  follower: () => void;
}

export class Terms {
  readonly events: Listeners<ElectionEvents>;
  private readonly changeSet = new ChannelSet<LeadershipChange>();
  private readonly waiters = new Waiters<LeadershipTerm>();
  private current: { term: LeadershipTerm; abort: AbortController } | null = null;

  constructor(
    private readonly log: Logger,
    private readonly path: string,
  ) {
    this.events = new Listeners(log);
  }

  get term(): LeadershipTerm | null {
    return this.current?.term ?? null;
  }

  changes(): AsyncIterableIterator<LeadershipChange> {
    return this.changeSet.open();
  }

  waitForNext(signal?: AbortSignal): Promise<LeadershipTerm> {
    return this.waiters.wait(signal);
  }

  begin(epoch: number, candidatePath: string): void {
    this.end("deposed");
    const abort = new AbortController();
    const term: LeadershipTerm = Object.freeze({ epoch, candidatePath, signal: abort.signal });
    this.current = { term, abort };
    this.log.info({ path: this.path, epoch }, "election: became leader");
    this.events.emit("leader", term);
    this.changeSet.push({ type: "leader", term });
    this.waiters.resolveAll(term);
  }

  end(reason: LeadershipLossReason): void {
    const current = this.current;
    if (current === null) return;
    this.current = null;
    this.log.info({ path: this.path, epoch: current.term.epoch, reason }, "election: leadership ended");
    current.abort.abort(new LeadershipLostError(reason, current.term.epoch));
    this.events.emit("follower");
    this.changeSet.push({ type: "follower" });
  }

  /** No more terms: waiters reject with `err`, iterators end. */
  finish(reason: LeadershipLossReason, err: Error): void {
    this.end(reason);
    this.waiters.rejectAll(err);
    this.changeSet.end();
  }
}
