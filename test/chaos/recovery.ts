/** Recovery times per fault kind, from the merged history and the final read (see checker.ts). */
import type { Figures, FinalRead } from "./checker.js";
import type { FaultKind, HistoryEvent } from "./history.js";

/**
 * Time to recover from each injected fault (ms from injection):
 * - master-kill / -stop / -depose / -partition: until a master begins a term with an epoch above every epoch
 *   seen before.
 * - worker-kill / -stop / -evict / -partition: until every execution the victim had running (started, not
 *   finished) was started again by another worker or its task ended (an at-most-once task failed "outcome
 *   unknown"); a victim that ran nothing is not a sample.
 * - server-kill / zk-leader-kill / zk-follower-kill: until the next result is committed.
 */
export function recoveryTimes(history: readonly HistoryEvent[], final: FinalRead): Figures["recovery"] {
  const out: Figures["recovery"] = {};
  const record = (kind: FaultKind, ms: number | undefined): void => {
    const r = (out[kind] ??= { samples: [], unrecovered: 0 });
    if (ms === undefined) r.unrecovered++;
    else r.samples.push(ms);
  };
  for (const f of history) {
    if (f.ev !== "fault" || f.phase !== "inject") continue;
    const t0 = f.t;
    const before = history.filter((e) => e.t <= t0);
    const after = history.filter((e) => e.t > t0);
    switch (f.kind) {
      case "master-kill":
      case "master-stop":
      case "master-depose":
      case "master-partition": {
        const maxEpoch = Math.max(0, ...before.map((e) => (e.ev === "term" ? e.epoch : 0)));
        const next = after.find((e) => e.ev === "term" && e.epoch > maxEpoch);
        record(f.kind, next === undefined ? undefined : next.t - t0);
        break;
      }
      case "worker-kill":
      case "worker-stop":
      case "worker-evict":
      case "worker-partition": {
        const open = new Map<string, number>();
        for (const e of before) {
          if (e.ev === "started" && e.p === f.target) open.set(e.id, e.token);
          if ((e.ev === "committed" || e.ev === "rejected") && e.p === f.target) open.delete(e.id);
        }
        // Finished before the fault, its log line not yet written: not open.
        for (const id of open.keys()) {
          const at = final.tasks[id]?.status?.at;
          if (at !== undefined && at <= t0) open.delete(id);
        }
        if (open.size === 0) break;
        let worst = 0;
        for (const id of open.keys()) {
          const again = after.find((e) => e.ev === "started" && e.id === id && e.p !== f.target);
          const status = final.tasks[id]?.status;
          const endedAt =
            status !== null && status !== undefined && status.at !== undefined && status.at > t0
              ? status.at
              : undefined;
          const times = [again?.t, endedAt].filter((x): x is number => x !== undefined);
          if (times.length === 0) {
            worst = Infinity;
            break;
          }
          worst = Math.max(worst, Math.min(...times) - t0);
        }
        record(f.kind, Number.isFinite(worst) ? worst : undefined);
        break;
      }
      default: {
        const next = after.find((e) => e.ev === "committed");
        record(f.kind, next === undefined ? undefined : next.t - t0);
      }
    }
  }
  return out;
}

export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
