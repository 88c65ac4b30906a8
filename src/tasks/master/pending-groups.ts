/**
 * Fair queueing: the pending tasks of each group in their own PendingOrder (priority, then submission
 * order), and a ring of the groups. A round visits the groups in ring order and takes one task from each
 * per turn; a group that was served moves to the end of the ring, so a burst of n tasks in one group
 * delays another group's next task by one turn, not n tasks. Tasks without a group are one group ("").
 *
 * A round costs what it takes: each group's order is walked lazily (O(k·log n) for the k tasks it reads)
 * and the ring is a Map whose insertion order is the turn order (moving a group to the end is a delete
 * and a set, O(1)). A group leaves the ring when its last pending task does.
 */
import { PendingOrder, type PendingTask } from "./pending-order.js";

interface Group {
  readonly name: string;
  readonly order: PendingOrder;
  /** Live pending tasks of the group by type (null: raw tasks), kept by add/remove. */
  readonly types: Map<string | null, number>;
}

export class GroupedPending {
  /** Turn order = insertion order. */
  private readonly ring = new Map<string, Group>();

  constructor(private readonly live: (t: PendingTask) => boolean) {}

  /** A task became pending (a fresh reading; the caller removes the one it replaces first). */
  add(t: PendingTask): void {
    let g = this.ring.get(t.group);
    if (g === undefined) {
      g = { name: t.group, order: new PendingOrder(this.live), types: new Map() };
      this.ring.set(t.group, g);
    }
    g.types.set(t.type, (g.types.get(t.type) ?? 0) + 1);
    g.order.add(t);
  }

  /** A task is no longer pending (its order entry goes when walked past); an empty group leaves the ring. */
  remove(t: PendingTask): void {
    const g = this.ring.get(t.group);
    if (g === undefined) return;
    const n = (g.types.get(t.type) ?? 1) - 1;
    if (n > 0) g.types.set(t.type, n);
    else {
      g.types.delete(t.type);
      if (g.types.size === 0) this.ring.delete(g.name);
    }
  }

  /** Groups that may have pending tasks (including ones not yet found empty). */
  get groups(): number {
    return this.ring.size;
  }

  /** One scheduling round; `size` (tasks pending) only decides when orders compact. */
  round(size: number): FairRound {
    return new FairRound(this.ring, size);
  }
}

/**
 * One round over the ring. `turns()` yields groups in turn order; for each, the caller reads tasks with
 * `next(g)` until it places one (`served(g)`: the group's turn is used, it moves to the end and comes
 * round again) or gives up on the group for this round (then it keeps its place in the ring). Within a round each group's walk
 * continues where it stopped, so a task passed over (delayed, no eligible worker, over a limit) is not
 * looked at twice.
 */
export class FairRound {
  private readonly walks = new Map<Group, Generator<PendingTask>>();

  constructor(
    private readonly ring: Map<string, Group>,
    private readonly size: number,
  ) {}

  /** Groups in turn order; a served group comes again after the others (until every group is skipped). */
  *turns(): Generator<Group> {
    // A Map iterator visits entries re-inserted during the iteration: that is the next lap.
    for (const g of this.ring.values()) yield g;
  }

  /** The group's next live task in its order this round, or undefined when it has no more. */
  next(g: Group): PendingTask | undefined {
    let w = this.walks.get(g);
    if (w === undefined) {
      w = g.order.walk(this.size);
      this.walks.set(g, w);
    }
    const r = w.next();
    return r.done === true ? undefined : r.value;
  }

  served(g: Group): void {
    this.ring.delete(g.name);
    this.ring.set(g.name, g);
  }
}

export type { Group as PendingGroup };
