/**
 * What concurrency limits count: assignments held per type and group (rebuilt from the assignments a term
 * loads). Starts in a window are counted by StartWindow (../start-window.ts). Pure bookkeeping, no I/O.
 */

/** Assignments held per type and per (type, group), by task key. */
export class LimitUsage {
  private readonly byKey = new Map<string, { type: string; group: string }>();
  private readonly types = new Map<string, number>();
  private readonly groups = new Map<string, Map<string, number>>();

  hold(key: string, type: string | null, group: string): void {
    if (type === null || this.byKey.has(key)) return;
    this.byKey.set(key, { type, group });
    this.types.set(type, (this.types.get(type) ?? 0) + 1);
    let g = this.groups.get(type);
    if (g === undefined) this.groups.set(type, (g = new Map<string, number>()));
    g.set(group, (g.get(group) ?? 0) + 1);
  }

  release(key: string): void {
    const c = this.byKey.get(key);
    if (c === undefined) return;
    this.byKey.delete(key);
    this.types.set(c.type, (this.types.get(c.type) ?? 1) - 1);
    const g = this.groups.get(c.type);
    const n = (g?.get(c.group) ?? 1) - 1;
    if (n <= 0) g?.delete(c.group);
    else g?.set(c.group, n);
  }

  held(type: string): number {
    return this.types.get(type) ?? 0;
  }

  heldInGroup(type: string, group: string): number {
    return this.groups.get(type)?.get(group) ?? 0;
  }

  /** Groups of `type` holding assignments (for the dashboard). */
  groupsOf(type: string): ReadonlyMap<string, number> {
    return this.groups.get(type) ?? new Map();
  }
}
