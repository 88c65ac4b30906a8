/**
 * The limits of a master's term: the configuration under `<root>/limits` (one persistent recursive watch
 * marks it to be read again), the starts of rate-limited types and groups (StartWindows, loaded from
 * `<root>/limit-starts` at the start of the term and written back in the same fenced multi as the
 * assignments that made them), and the assignments held per type and group (ClusterState.usage).
 * `gate(now)` answers, for one round, whether a task may start now.
 */
import { bestEffort, SILENT, type Logger } from "../logger.js";
import { NoNodeError, type PersistentWatch, type Transaction } from "../../client/index.js";
import { decodeEnvelope } from "../envelope.js";
import { decodeLimits, type Rate, type TypeLimits } from "../limits.js";
import { StartWindow } from "../start-window.js";
import type { PendingTask } from "./pending-order.js";
import { ensureFenced, fencedTx, type Pick, type WriteContext } from "./writes.js";
import { mapLimit, watchRecursive } from "../zk.js";

/** Decides for one round; counts what the round has picked on top of what is held. */
export interface LimitGate {
  /** 0 if a task of `type` in `group` may start now; else when it may (Infinity: when one ends). */
  wait(type: string | null, group: string, now: number): number;
  /** `task` was picked at `now`. */
  record(task: PendingTask, now: number): void;
}

export class TermLimits {
  readonly configs = new Map<string, TypeLimits>();
  private readonly windows = new Map<string, StartWindow>();
  private readonly groupWindows = new Map<string, Map<string, StartWindow>>();
  /** Start nodes known to exist (else the next write creates them). */
  private readonly nodes = new Set<string>();
  private dirtyConfig = true;
  private watch: PersistentWatch | null = null;

  constructor(
    private readonly ctx: WriteContext,
    private readonly kick: () => void,
    private readonly log: Logger = SILENT,
  ) {}

  /** Something must be read before limits can be applied exactly. */
  get dirty(): boolean {
    return this.dirtyConfig || this.ctx.state.unclassified.size > 0;
  }

  /** At the start of a term: the watch, then every recorded start (before any assignment is made). */
  async start(): Promise<void> {
    const { client, layout } = this.ctx;
    await ensureFenced(this.ctx, layout.limits);
    await ensureFenced(this.ctx, layout.limitStarts);
    this.watch = await watchRecursive(
      client,
      layout.limits,
      () => {
        this.dirtyConfig = true;
        this.kick();
      },
      this.log,
    );
    for (const type of await client.getChildren(layout.limitStarts)) {
      const path = layout.starts(type);
      const [d, c] = await client.multiRead([
        { type: "getData", path },
        { type: "getChildren", path },
      ]);
      if (d?.type !== "getData") continue;
      this.nodes.add(path);
      this.windows.set(type, StartWindow.decode(d.data));
      const names = c?.type === "getChildren" ? c.children : [];
      const groups = new Map<string, StartWindow>();
      this.groupWindows.set(type, groups);
      await mapLimit(names, 16, async (name) => {
        const gp = `${path}/${name}`;
        try {
          const w = StartWindow.decode((await client.getData(gp)).data);
          this.nodes.add(gp);
          groups.set(name === "@default" ? "" : name, w);
        } catch (err) {
          if (!(err instanceof NoNodeError)) throw err;
        }
      });
    }
  }

  close(): void {
    if (this.watch !== null && this.watch !== undefined)
      void bestEffort(this.log, "removing the limits watch", this.watch.close());
  }

  /** Reads the configuration if it changed, and the type and group of assignments found at load. */
  async refresh(): Promise<void> {
    const { client, layout, state } = this.ctx;
    if (this.dirtyConfig) {
      this.dirtyConfig = false;
      const types = await client.getChildren(layout.limits);
      const read = await mapLimit(types, 16, async (t) => {
        try {
          return decodeLimits((await client.getData(layout.limit(t))).data);
        } catch (err) {
          if (err instanceof NoNodeError) return null;
          throw err;
        }
      });
      this.configs.clear();
      types.forEach((t, i) => {
        const l = read[i];
        if (l !== null && l !== undefined) this.configs.set(t, l);
      });
    }
    const keys = [...state.unclassified];
    await mapLimit(keys, 32, async (key) => {
      let type: string | null = null;
      let group = "";
      try {
        const env = decodeEnvelope((await client.getData(layout.task(key))).data);
        if (env !== null) {
          type = env.type;
          group = typeof env.options.group === "string" ? env.options.group : "";
        }
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
      if (!state.unclassified.delete(key) || !state.assigned.has(key)) return;
      state.usage.hold(key, type, group);
    });
  }

  /** The round's gate, or null when no limit is set (then nothing is counted). */
  gate(): LimitGate | null {
    if (this.configs.size === 0) return null;
    return new RoundGate(this);
  }

  window(type: string, group?: string): StartWindow {
    if (group === undefined) {
      let w = this.windows.get(type);
      if (w === undefined) this.windows.set(type, (w = new StartWindow()));
      return w;
    }
    let g = this.groupWindows.get(type);
    if (g === undefined) this.groupWindows.set(type, (g = new Map<string, StartWindow>()));
    let w = g.get(group);
    if (w === undefined) g.set(group, (w = new StartWindow()));
    return w;
  }

  /** How many `type` tasks `group` holds / the type holds (for the gate). */
  held(type: string, group?: string): number {
    const u = this.ctx.state.usage;
    return group === undefined ? u.held(type) : u.heldInGroup(type, group);
  }

  /**
   * Adds to `tx` the start records of the rate-limited types and groups among `picks` (their windows
   * already hold the picks), so the starts and their record commit or fail together.
   */
  persist(tx: Transaction, picks: readonly Pick[], at: number): void {
    const { layout } = this.ctx;
    const done = new Set<string>();
    const write = (path: string, w: StartWindow, rate: Rate): void => {
      if (done.has(path)) return;
      done.add(path);
      const data = w.encode(at, rate.per);
      if (this.nodes.has(path)) tx.setData(path, data);
      else {
        tx.create(path, data);
        this.nodes.add(path);
      }
    };
    for (const { task } of picks) {
      if (task.type === null) continue;
      const l = this.configs.get(task.type);
      if (l === undefined) continue;
      if (l.rate !== undefined) write(layout.starts(task.type), this.window(task.type), l.rate);
      if (l.groupRate !== undefined)
        write(layout.starts(task.type, task.group), this.window(task.type, task.group), l.groupRate);
    }
  }

  /** Creates the type's start node before any group node under it (outside an assignment multi). */
  async prepare(): Promise<void> {
    for (const [type, l] of this.configs) {
      if (l.rate === undefined && l.groupRate === undefined) continue;
      const path = this.ctx.layout.starts(type);
      if (this.nodes.has(path)) continue;
      await ensureFenced(this.ctx, path);
      this.nodes.add(path);
    }
  }

  /** Deletes group start records with no start left in their window (a term's housekeeping). */
  async sweep(now: number): Promise<void> {
    const { layout } = this.ctx;
    const stale: string[] = [];
    for (const [type, groups] of this.groupWindows) {
      const per = this.configs.get(type)?.groupRate?.per ?? 0;
      for (const [group, w] of groups) {
        if (!w.empty(now, per)) continue;
        groups.delete(group);
        const path = layout.starts(type, group);
        if (this.nodes.delete(path)) stale.push(path);
      }
    }
    for (let i = 0; i < stale.length; i += 100) {
      const tx = fencedTx(this.ctx);
      for (const p of stale.slice(i, i + 100)) tx.delete(p);
      await tx.commit().catch((err: unknown) => {
        if (!(err instanceof NoNodeError)) throw err;
      });
    }
  }
}

class RoundGate implements LimitGate {
  /** Picked this round, not yet held: by type, and by type + "\n" + group. */
  private readonly picked = new Map<string, number>();

  constructor(private readonly limits: TermLimits) {}

  wait(type: string | null, group: string, now: number): number {
    if (type === null) return 0;
    const l = this.limits.configs.get(type);
    if (l === undefined) return 0;
    let at = 0;
    if (l.concurrency !== undefined && this.limits.held(type) + this.count(type) >= l.concurrency)
      return Infinity;
    const gk = `${type}\n${group}`;
    if (
      l.groupConcurrency !== undefined &&
      this.limits.held(type, group) + this.count(gk) >= l.groupConcurrency
    )
      return Infinity;
    if (l.rate !== undefined) {
      const free = this.limits.window(type).freeAt(now, l.rate);
      if (free > now) at = free;
    }
    if (l.groupRate !== undefined) {
      const free = this.limits.window(type, group).freeAt(now, l.groupRate);
      if (free > now) at = Math.max(at, free);
    }
    return at;
  }

  record(task: PendingTask, now: number): void {
    const type = task.type;
    if (type === null) return;
    const l = this.limits.configs.get(type);
    if (l === undefined) return;
    if (l.concurrency !== undefined) this.picked.set(type, this.count(type) + 1);
    if (l.groupConcurrency !== undefined) {
      const gk = `${type}\n${task.group}`;
      this.picked.set(gk, this.count(gk) + 1);
    }
    if (l.rate !== undefined) this.limits.window(type).add(now, 1, l.rate.per);
    if (l.groupRate !== undefined) this.limits.window(type, task.group).add(now, 1, l.groupRate.per);
  }

  private count(k: string): number {
    return this.picked.get(k) ?? 0;
  }
}
