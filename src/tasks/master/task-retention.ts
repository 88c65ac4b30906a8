/**
 * Per-task retention (`removeOnComplete` / `removeOnFail`, docs/SEMANTICS.md): the master learns a task's
 * policy when it reads the task pending (or finished, at a rebuild), reads the outcome of such a task
 * once it sees it finished, and `due()` says which of them go now. The removal itself is the term's
 * fenced `removeFinished`, as for cluster-wide retention. Tasks without a policy cost nothing here.
 */
import type { WatchEvent, ZooKeeperClient } from "../../client/index.js";
import { decodeEnvelope, decodeOutcome, type Envelope, type RemovePolicy } from "../envelope.js";
import type { Layout } from "../layout.js";
import { mapLimit } from "../zk.js";
import { taskChange } from "./events.js";

export interface RemovePolicies {
  complete?: RemovePolicy;
  fail?: RemovePolicy;
}

/** In every envelope that carries a policy (removeOnComplete / removeOnFail); a Buffer, so the test
 * encodes nothing per task (a rebuild tests every task it reads). */
const POLICY_MARK = Buffer.from("removeOn");

interface Held {
  at: number;
  policy: RemovePolicy;
  kind: "complete" | "fail";
}

/** The policies a task's envelope carries; undefined when none (the common case). */
export function policiesOf(env: Envelope | null): RemovePolicies | undefined {
  const c = env?.options.removeOnComplete;
  const f = env?.options.removeOnFail;
  if (c === undefined && f === undefined) return undefined;
  return { ...(c === undefined ? {} : { complete: c }), ...(f === undefined ? {} : { fail: f }) };
}

export class TaskRetention {
  /** Tasks with a policy, not seen finished yet. */
  private readonly watching = new Map<string, RemovePolicies>();
  /** Tasks whose policy is not known (assigned when the term began: their envelope was not read). */
  private readonly unknown = new Set<string>();
  /** Watched or unknown tasks seen finished: their outcome is read by the next settle(). */
  private ready = new Set<string>();
  /** Finished tasks a policy applies to, waiting for their turn. */
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly layout: Layout,
  ) {}

  /** Anything to read or remove (else the master's pass skips per-task retention). */
  get active(): boolean {
    return this.ready.size + this.held.size > 0;
  }

  /** A pending task's node as read: its policy, if the data has one. */
  notePending(key: string, data: Buffer | null): void {
    if (data === null || !data.includes(POLICY_MARK)) return;
    const p = policiesOf(decodeEnvelope(data));
    if (p !== undefined) this.watching.set(key, p);
  }

  /** A finished task's node read at a rebuild: its policy, if the data has one. */
  noteFinished(key: string, data: Buffer | null): void {
    if (data === null || !data.includes(POLICY_MARK)) return;
    const p = policiesOf(decodeEnvelope(data));
    if (p === undefined) return;
    this.watching.set(key, p);
    this.ready.add(key);
  }

  /** An event of the term's watch on `<root>/tasks` (`base`): a watched task finished, or one is gone. */
  event(base: string, e: WatchEvent): void {
    if (this.watching.size + this.unknown.size + this.held.size === 0) return;
    const c = taskChange(base, e);
    if (c === null || c.kind === "task") return;
    if (c.kind === "gone") {
      this.forget(c.key);
      this.held.delete(c.key);
    } else if (this.watching.has(c.key) || this.unknown.has(c.key)) this.ready.add(c.key);
  }

  /** Keys whose policy must be read from the task when they finish. */
  adopt(keys: Iterable<string>): void {
    for (const k of keys) if (!this.watching.has(k)) this.unknown.add(k);
  }

  /** Reads the outcome of each watched task seen finished since the last call. */
  async settle(): Promise<void> {
    if (this.ready.size === 0) return;
    const ready = [...this.ready];
    this.ready = new Set();
    await mapLimit(ready, 32, (k) => this.read(k));
  }

  private forget(key: string): void {
    this.watching.delete(key);
    this.unknown.delete(key);
  }

  private async read(key: string): Promise<void> {
    const unknown = this.unknown.has(key);
    const [task, status] = await this.client.multiRead([
      { type: "getData", path: this.layout.task(key) },
      { type: "getData", path: this.layout.status(key) },
    ]);
    const policies = unknown
      ? policiesOf(task?.type === "getData" ? decodeEnvelope(task.data) : null)
      : this.watching.get(key);
    this.forget(key);
    if (policies === undefined || status?.type !== "getData") return;
    const o = decodeOutcome(status.data);
    const kind = o.state === "done" ? "complete" : o.state === "failed" ? "fail" : null;
    const policy = kind === null ? undefined : policies[kind];
    if (kind !== null && policy !== undefined) this.held.set(key, { at: status.stat.ctime, policy, kind });
  }

  /** The held tasks to remove now, and when the next one falls due (Infinity: none). */
  due(now: number): { drop: string[]; nextAt: number } {
    const drop: string[] = [];
    let nextAt = Infinity;
    const counted: Record<Held["kind"], [string, Held][]> = { complete: [], fail: [] };
    for (const [key, h] of this.held) {
      if (h.policy === true) drop.push(key);
      else if (typeof h.policy === "number") counted[h.kind].push([key, h]);
      else if (h.at + h.policy.age <= now) drop.push(key);
      else nextAt = Math.min(nextAt, h.at + h.policy.age);
    }
    // A count N keeps a task while it is among the N newest kept tasks that ended the same way with a count.
    for (const list of Object.values(counted)) {
      list.sort((a, b) => b[1].at - a[1].at);
      list.forEach(([key, h], rank) => {
        if (rank >= (h.policy as number)) drop.push(key);
      });
    }
    for (const k of drop) this.held.delete(k);
    return { drop, nextAt };
  }
}
