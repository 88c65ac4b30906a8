/**
 * How a resource uses fencing tokens (Kleppmann's fencing, per task): it remembers the highest token it
 * has accepted for each task and refuses anything older. Handlers pass `ctx.token` with every write, so
 * a zombie execution (paused past its session, then resumed) cannot overwrite a newer one's effects.
 * Real resources keep `highest` durably, next to the data it guards (e.g. a column checked in the same
 * SQL UPDATE: `... WHERE task = $1 AND fence <= $2`).
 */
import { StaleTokenError } from "./errors.js";

export class FencedResource<V> {
  private readonly highest = new Map<string, number>();
  private readonly values = new Map<string, V>();

  /** Writes `value` for `taskId` if `token` is not older than any token seen for it; else throws StaleTokenError. */
  write(taskId: string, token: number, value: V): void {
    const seen = this.highest.get(taskId);
    if (seen !== undefined && token < seen) throw new StaleTokenError(taskId, token);
    this.highest.set(taskId, token);
    this.values.set(taskId, value);
  }

  read(taskId: string): V | undefined {
    return this.values.get(taskId);
  }
}
