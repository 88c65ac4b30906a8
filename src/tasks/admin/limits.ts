/**
 * Rate and concurrency limits, written by any client and applied live by the active master (it watches
 * `<root>/limits`). See docs/SEMANTICS.md "Limits and fair groups".
 */
import { NoNodeError, NodeExistsError, type ZooKeeperClient } from "../../client/index.js";
import { decodeEnvelope } from "../envelope.js";
import { keyOfAssignName, Layout } from "../layout.js";
import { checkLimitType, decodeLimits, parseLimits, type Rate, type TypeLimits } from "../limits.js";
import { StartWindow } from "../start-window.js";
import { ensurePath, mapLimit } from "../zk.js";

/** Limits as given to `set`: rates as { limit, per } or as text ("20/1s"). */
export interface LimitsInput {
  rate?: Rate | string;
  concurrency?: number;
  groupRate?: Rate | string;
  groupConcurrency?: number;
}

export interface LimitEntry {
  type: string;
  limits: TypeLimits;
}

/** What a limited type uses now. */
export interface LimitUsageEntry extends LimitEntry {
  /** Starts recorded in the current rate window (null: no rate). */
  started: number | null;
  /** Assignments held of this type (running or prefetched). */
  held: number;
  /** Assignments held per group (groups holding none are left out; "" is the default group). */
  heldByGroup: Record<string, number>;
}

export class TaskLimits {
  private readonly layout: Layout;

  constructor(
    private readonly client: ZooKeeperClient,
    opts: { root?: string } = {},
  ) {
    this.layout = new Layout(opts.root ?? "/");
  }

  /** Replaces the limits of `type` (validated first: nothing is written on error). */
  async set(type: string, limits: LimitsInput): Promise<TypeLimits> {
    checkLimitType(type);
    const parsed = parseLimits(limits);
    const path = this.layout.limit(type);
    const data = JSON.stringify(parsed);
    try {
      await this.client.setData(path, data);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      await ensurePath(this.client, this.layout.limits);
      try {
        await this.client.create(path, data);
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
        await this.client.setData(path, data);
      }
    }
    return parsed;
  }

  async get(type: string): Promise<TypeLimits | null> {
    try {
      return decodeLimits((await this.client.getData(this.layout.limit(checkLimitType(type)))).data);
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }

  /** Every type's limits, by type name. */
  async list(): Promise<LimitEntry[]> {
    let types: string[];
    try {
      types = (await this.client.getChildren(this.layout.limits)).sort();
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
    const all = await mapLimit(types, 16, async (type) => ({ type, limits: await this.get(type) }));
    return all.filter((e): e is LimitEntry => e.limits !== null);
  }

  /** Removes the limits of `type`; false if it had none. */
  async remove(type: string): Promise<boolean> {
    try {
      await this.client.delete(this.layout.limit(checkLimitType(type)));
      return true;
    } catch (err) {
      if (err instanceof NoNodeError) return false;
      throw err;
    }
  }

  /**
   * Each limited type's current use: starts in its rate window (the master's records) and assignments
   * held, counted from `<root>/assign` (one read per assignment: meant for dashboards, not hot paths).
   */
  async usage(now = Date.now()): Promise<LimitUsageEntry[]> {
    const entries = await this.list();
    if (entries.length === 0) return [];
    const held = await this.heldByType(new Set(entries.map((e) => e.type)));
    return mapLimit(entries, 16, async (e) => {
      let started: number | null = null;
      if (e.limits.rate !== undefined) {
        const data = await this.client
          .getData(this.layout.starts(e.type))
          .then((r) => r.data)
          .catch((err: unknown) => {
            if (err instanceof NoNodeError) return null;
            throw err;
          });
        started = StartWindow.decode(data).count(now, e.limits.rate.per);
      }
      const groups = held.get(e.type) ?? {};
      const total = Object.values(groups).reduce((a, b) => a + b, 0);
      return { ...e, started, held: total, heldByGroup: groups };
    });
  }

  private async heldByType(types: Set<string>): Promise<Map<string, Record<string, number>>> {
    const { client, layout } = this;
    const out = new Map<string, Record<string, number>>();
    let workers: string[];
    try {
      workers = await client.getChildren(layout.assign);
    } catch (err) {
      if (err instanceof NoNodeError) return out;
      throw err;
    }
    const keys = (
      await mapLimit(workers, 8, (w) => client.getChildren(layout.assignDir(w)).catch(() => [] as string[]))
    ).flatMap((names) => names.map(keyOfAssignName));
    await mapLimit(keys, 32, async (key) => {
      const env = decodeEnvelope(
        await client.getData(layout.task(key)).then(
          (r) => r.data,
          () => null,
        ),
      );
      if (env === null || !types.has(env.type)) return;
      const group = typeof env.options.group === "string" ? env.options.group : "";
      const g = out.get(env.type) ?? {};
      g[group] = (g[group] ?? 0) + 1;
      out.set(env.type, g);
    });
    return out;
  }
}
