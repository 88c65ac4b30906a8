/**
 * The chaos checker: a pure function of the merged history and a final read of ZooKeeper. It returns every
 * invariant violation (none = pass) and the figures of the run. Invariants, precisely:
 *
 * - lost: every acknowledged task (an `acked` event) still exists in ZooKeeper at the end.
 * - terminal: every acknowledged task has a status at the end (the run drains before the final read); named
 *   per delivery mode, at-least-once and fenced first.
 * - at-most-once: an at-most-once task has at most one `started` event (a started handler is never run again).
 * - one-result: the results committed for a task — each worker's `committed` event, plus the result stored in
 *   its status node — are one and the same execution (worker, token): at most one per task, exactly one for a
 *   fenced task that ended done, and a task whose stored outcome is not "done" has no committed result.
 *   An at-most-once task the master failed ("outcome unknown", a `reassigned` event) has no result done.
 * - stale-result: the committed execution's token is the greatest token the task was ever assigned or started
 *   with (a smaller one is a zombie's late result that got through).
 * - deposed-master: (a) no two masters began a term with the same epoch; (b) no two accepted assignments of
 *   one task carry the same token under different epochs — the task version only changes when a task is taken
 *   away, so a second assignment at the same token means a master assigned a task it no longer owned, i.e. a
 *   write of a deposed master was accepted; (c) no assignment carries an epoch above the final epoch version.
 * - observed: every outcome a submitter observed equals the stored outcome (state, and for "done" the
 *   executing worker and token).
 */
import type { Delivery, FaultKind, HistoryEvent, ResultId } from "./history.js";
import { recoveryTimes } from "./recovery.js";

export { percentile, recoveryTimes } from "./recovery.js";

export interface FinalStatus {
  state: string;
  /** For "done": the execution whose result was stored (the handler returns { worker, token }). */
  result?: ResultId | null;
  reason?: string;
  /** When the outcome was written (ms, the writer's clock). */
  at?: number;
}

export interface FinalRead {
  /** Every task found under <root>/tasks, by id: null status = not finished. */
  tasks: Record<string, { status: FinalStatus | null }>;
  /** Version of <root>/election/epoch: the latest master epoch. */
  epoch: number;
}

export type Invariant =
  "lost" | "terminal" | "at-most-once" | "one-result" | "stale-result" | "deposed-master" | "observed";

export interface Violation {
  invariant: Invariant;
  id?: string;
  detail: string;
}

export interface Figures {
  submitted: number;
  acked: number;
  byDelivery: Record<Delivery, number>;
  outcomes: Record<string, number>;
  notTerminal: number;
  lost: number;
  /** Handler starts (raw executions), results committed by workers, results refused as stale. */
  executions: number;
  committed: number;
  rejected: number;
  /** Tasks that ran more than once, and the extra executions. */
  rerunTasks: number;
  extraExecutions: number;
  assignments: number;
  terms: number;
  observed: number;
  faults: Partial<Record<FaultKind, number>>;
  /** Recovery times (ms) per fault kind, and how many injections of that kind never recovered. */
  recovery: Partial<Record<FaultKind, { samples: number[]; unrecovered: number }>>;
}

export interface CheckResult {
  ok: boolean;
  violations: Violation[];
  figures: Figures;
}

type Ev<K extends HistoryEvent["ev"]> = Extract<HistoryEvent, { ev: K }>;

const sameResult = (a: ResultId | null | undefined, b: ResultId | null | undefined): boolean =>
  a != null && b != null && a.worker === b.worker && a.token === b.token;

export function check(events: readonly HistoryEvent[], final: FinalRead): CheckResult {
  const history = [...events].sort((a, b) => a.t - b.t);
  const violations: Violation[] = [];
  const v = (invariant: Invariant, detail: string, id?: string): void =>
    void violations.push({ invariant, detail, ...(id === undefined ? {} : { id }) });
  const of = <K extends HistoryEvent["ev"]>(k: K): Ev<K>[] => history.filter((e): e is Ev<K> => e.ev === k);
  const group = <E extends { id: string }>(es: E[]): Map<string, E[]> => {
    const m = new Map<string, E[]>();
    for (const e of es) m.set(e.id, [...(m.get(e.id) ?? []), e]);
    return m;
  };

  const submitted = new Set(of("submit").map((e) => e.id));
  const acked = new Map<string, Delivery>();
  for (const e of of("acked")) acked.set(e.id, e.delivery);
  const started = group(of("started"));
  const committed = group(of("committed"));
  const assigned = group(of("assigned"));
  const rejected = of("rejected");
  const reassigned = group(of("reassigned"));
  const deliveryOf = (id: string): Delivery | undefined =>
    acked.get(id) ?? of("submit").find((e) => e.id === id)?.delivery;

  // lost + terminal
  const byDelivery: Record<Delivery, number> = { "at-least-once": 0, "at-most-once": 0, fenced: 0 };
  const outcomes: Record<string, number> = {};
  let lost = 0;
  let notTerminal = 0;
  for (const [id, delivery] of acked) {
    byDelivery[delivery]++;
    const f = final.tasks[id];
    if (f === undefined) {
      lost++;
      v("lost", `acknowledged ${delivery} task is not in ZooKeeper`, id);
      continue;
    }
    if (f.status === null) {
      notTerminal++;
      v("terminal", `${delivery} task never finished (no status)`, id);
      continue;
    }
    outcomes[f.status.state] = (outcomes[f.status.state] ?? 0) + 1;
  }

  // at-most-once
  for (const [id, ss] of started)
    if (deliveryOf(id) === "at-most-once" && ss.length > 1)
      v(
        "at-most-once",
        `started ${ss.length} times: ${ss.map((s) => `${s.worker}@${s.token}`).join(", ")}`,
        id,
      );

  // one-result + stale-result
  const ids = new Set([...committed.keys(), ...Object.keys(final.tasks)]);
  for (const id of ids) {
    const status = final.tasks[id]?.status ?? null;
    const logged = committed.get(id) ?? [];
    const results: ResultId[] = [];
    const add = (r: ResultId): void => void (results.some((x) => sameResult(x, r)) || results.push(r));
    const loggedDone = logged.filter((c) => c.state === "done");
    for (const c of loggedDone) add({ worker: c.worker, token: c.token });
    const stored = status?.state === "done" ? (status.result ?? null) : null;
    if (stored !== null) add(stored);
    if (results.length > 1)
      v(
        "one-result",
        `${results.length} results committed: ${results.map((r) => `${r.worker}@${r.token}`).join(", ")}`,
        id,
      );
    if (status !== null && status.state !== "done" && loggedDone.length > 0)
      v(
        "one-result",
        `stored outcome is ${status.state} but ${loggedDone[0]?.worker ?? "?"} committed a result`,
        id,
      );
    const loggedFailed = logged.find((c) => c.state === "failed");
    if (status?.state === "done" && loggedFailed !== undefined)
      v("one-result", `stored done but ${loggedFailed.worker}@${loggedFailed.token} committed failed`, id);
    const failedByMaster = (reassigned.get(id) ?? []).filter((r) => r.outcome === "failed");
    const doneByWorker = loggedDone;
    if (failedByMaster.length > 0 && (doneByWorker.length > 0 || status?.state === "done"))
      v(
        "one-result",
        `failed "outcome unknown" by ${failedByMaster[0]?.p ?? "?"} and also committed done${doneByWorker[0] === undefined ? "" : ` by ${doneByWorker[0].worker}@${doneByWorker[0].token}`}`,
        id,
      );
    if (deliveryOf(id) === "fenced" && status?.state === "done" && results.length === 0)
      v("one-result", "fenced task done without a committed result", id);
    const tokens = [...(assigned.get(id) ?? []), ...(started.get(id) ?? [])].map((e) => e.token);
    const maxToken = tokens.length === 0 ? -Infinity : Math.max(...tokens);
    for (const r of results)
      if (r.token < maxToken)
        v("stale-result", `result of ${r.worker}@${r.token} committed; token ${maxToken} was issued`, id);
  }

  // deposed-master
  const terms = of("term");
  const epochOwner = new Map<number, string>();
  for (const t of terms) {
    const prev = epochOwner.get(t.epoch);
    if (prev !== undefined && prev !== t.master)
      v("deposed-master", `epoch ${t.epoch} claimed by ${prev} and by ${t.master}`);
    epochOwner.set(t.epoch, t.master);
  }
  for (const [id, as] of assigned) {
    const byToken = new Map<number, Ev<"assigned">>();
    for (const a of as) {
      const prev = byToken.get(a.token);
      if (prev !== undefined && (prev.epoch !== a.epoch || prev.p !== a.p))
        v(
          "deposed-master",
          `token ${a.token} assigned twice: to ${prev.worker} by ${prev.p} (epoch ${prev.epoch}) and to ${a.worker} by ${a.p} (epoch ${a.epoch})`,
          id,
        );
      byToken.set(a.token, a);
      if (a.epoch > final.epoch)
        v("deposed-master", `assignment under epoch ${a.epoch} > final epoch ${final.epoch}`, id);
    }
  }

  // observed
  const observed = of("observed");
  for (const o of observed) {
    const status = final.tasks[o.id]?.status ?? null;
    if (status === null) {
      v("observed", `submitter observed ${o.state} but no outcome is stored`, o.id);
      continue;
    }
    if (status.state !== o.state) v("observed", `observed ${o.state}, stored ${status.state}`, o.id);
    else if (o.state === "done" && !sameResult(o.result, status.result))
      v(
        "observed",
        `observed result ${JSON.stringify(o.result)}, stored ${JSON.stringify(status.result)}`,
        o.id,
      );
  }

  // figures
  let rerunTasks = 0;
  let extraExecutions = 0;
  for (const ss of started.values())
    if (ss.length > 1) {
      rerunTasks++;
      extraExecutions += ss.length - 1;
    }
  const faults: Partial<Record<FaultKind, number>> = {};
  for (const f of of("fault")) if (f.phase === "inject") faults[f.kind] = (faults[f.kind] ?? 0) + 1;

  return {
    ok: violations.length === 0,
    violations,
    figures: {
      submitted: submitted.size,
      acked: acked.size,
      byDelivery,
      outcomes,
      notTerminal,
      lost,
      executions: of("started").length,
      committed: of("committed").length,
      rejected: rejected.length,
      rerunTasks,
      extraExecutions,
      assignments: of("assigned").length,
      terms: terms.length,
      observed: observed.length,
      faults,
      recovery: recoveryTimes(history, final),
    },
  };
}
