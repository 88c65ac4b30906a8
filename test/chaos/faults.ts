/**
 * The faults of a chaos run (see docs/RELIABILITY.md, "Faults"): each `inject` records `fault` events in the
 * history (inject, and heal where the fault ends), hits a process chosen at that moment, and returns when the
 * fault is over.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RoleConfig } from "./fixtures/role.js";
import { openClient, type Backend } from "./backend.js";
import type { FaultKind, HistoryWriter } from "./history.js";
import type { Partitions } from "./netns.js";

export interface Slot {
  base: string;
  role: RoleConfig["role"];
  incarnation: number;
  label: string;
  proc: ChildProcess | null;
  exited: Promise<unknown> | null;
  epoch: number;
}

export interface FaultContext {
  h: HistoryWriter;
  log: (line: string) => void;
  rand: () => number;
  root: string;
  sessionTimeout: number;
  slots: readonly Slot[];
  backend: Backend;
  /** The namespaces, when partitions are on. */
  net: Partitions | null;
  /** The run's history dir (see `targetBusy`). */
  dir: string;
  /**
   * Worker faults hit the worker with the most executions in flight (per its history file), waiting up to
   * 3 s for one that runs something; default a random worker. Makes a zombie's late result certain.
   */
  targetBusy?: boolean;
}

/** Executions a worker incarnation started and has not finished, per its own history file. */
function inFlight(dir: string, label: string): number {
  const path = join(dir, `${label}.jsonl`);
  if (!existsSync(path)) return 0;
  const open = new Set<string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /"ev":"(started|committed|rejected)","id":"([^"]+)"/.exec(line);
    if (m?.[2] === undefined) continue;
    if (m[1] === "started") open.add(m[2]);
    else open.delete(m[2]);
  }
  return open.size;
}

export const alive = (s: Slot): boolean =>
  s.proc !== null && s.proc.exitCode === null && s.proc.signalCode === null;

/** The live master with the highest epoch it announced. */
export const activeMaster = (slots: readonly Slot[]): Slot | undefined =>
  slots.filter((s) => s.role === "master" && alive(s) && s.epoch > 0).sort((a, b) => b.epoch - a.epoch)[0];

const seqOf = (name: string): number => Number(/(\d+)$/.exec(name)?.[1] ?? Infinity);

export async function inject(kind: FaultKind, c: FaultContext): Promise<void> {
  const { h, log, root, sessionTimeout } = c;
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(c.rand() * xs.length)];
  const candidates = (): Slot[] =>
    c.slots.filter((s) => s.role === "worker" && alive(s) && c.net?.isPartitioned(s.base) !== true);
  const aliveWorker = async (): Promise<Slot | undefined> => {
    if (c.targetBusy !== true) return pick(candidates());
    const until = performance.now() + 3000;
    for (;;) {
      const busiest = candidates()
        .map((s) => ({ s, n: inFlight(c.dir, s.label) }))
        .sort((a, b) => b.n - a.n)[0];
      if (busiest === undefined || busiest.n > 0 || performance.now() > until) return busiest?.s;
      await sleep(50);
    }
  };
  const begin = (target: string, note?: string): void =>
    h.write({ ev: "fault", kind, target, phase: "inject", ...(note === undefined ? {} : { note }) });
  const end = (target: string, note?: string): void =>
    h.write({ ev: "fault", kind, target, phase: "heal", ...(note === undefined ? {} : { note }) });

  /** SIGSTOP past the session timeout, then SIGCONT: the process finds its session expired. */
  const pause = async (s: Slot): Promise<void> => {
    const proc = s.proc;
    if (proc === null) return;
    proc.kill("SIGSTOP");
    await sleep(sessionTimeout + 1500);
    proc.kill("SIGCONT");
    end(s.label);
  };
  /** Resumed before its session expires (a zombie with a live session), SIGKILLed 1.5 s later. */
  const zombie = async (s: Slot): Promise<void> => {
    const proc = s.proc;
    if (proc === null) return;
    await sleep(Math.round(sessionTimeout * 0.6));
    proc.kill("SIGCONT");
    end(s.label, "resumed as a zombie");
    await sleep(1500);
    proc.kill("SIGKILL");
  };

  switch (kind) {
    case "master-kill":
    case "master-stop": {
      const m = activeMaster(c.slots);
      if (m?.proc == null) return;
      begin(m.label);
      log(`fault ${kind} ${m.label} (epoch ${m.epoch})`);
      if (kind === "master-kill") m.proc.kill("SIGKILL");
      else await pause(m);
      return;
    }
    case "worker-kill":
    case "worker-stop": {
      const w = await aliveWorker();
      if (w?.proc == null) return;
      begin(w.label);
      log(`fault ${kind} ${w.label}`);
      if (kind === "worker-kill") w.proc.kill("SIGKILL");
      else await pause(w);
      return;
    }
    case "master-depose": {
      // Paused, its candidate node deleted while its session lives (an operator, a faster failure
      // detector): the next candidate leads with a new epoch; resumed before expiry.
      const m = activeMaster(c.slots);
      if (m?.proc == null) return;
      const zk = await openClient(c.backend.connectString, sessionTimeout);
      try {
        const cands = (await zk.getChildren(`${root}/election/candidates`)).sort(
          (a, b) => seqOf(a) - seqOf(b),
        );
        const first = cands[0];
        if (first === undefined) return;
        begin(m.label, first);
        log(`fault ${kind} ${m.label} (epoch ${m.epoch}, candidate ${first})`);
        m.proc.kill("SIGSTOP");
        await zk.delete(`${root}/election/candidates/${first}`).catch(() => undefined);
        await zombie(m);
      } finally {
        await zk.close();
      }
      return;
    }
    case "worker-evict": {
      // Paused, its /workers node deleted while its session lives: the master takes its tasks back and
      // reassigns them; resumed before expiry, the zombie finishes and tries to commit late results.
      const w = await aliveWorker();
      if (w?.proc == null) return;
      const zk = await openClient(c.backend.connectString, sessionTimeout);
      try {
        begin(w.label);
        log(`fault ${kind} ${w.label}`);
        w.proc.kill("SIGSTOP");
        await zk.delete(`${root}/workers/${w.label}`).catch(() => undefined);
        await zombie(w);
      } finally {
        await zk.close();
      }
      return;
    }
    case "worker-partition":
    case "master-partition": {
      // The slot's namespace cut off from the backend past the session timeout, the process running on:
      // its session expires, its work is taken over; healed, it finds its session gone.
      const net = c.net;
      const s = kind === "master-partition" ? activeMaster(c.slots) : await aliveWorker();
      if (net === null || s === undefined || !net.has(s.base) || net.isPartitioned(s.base)) return;
      const forMs = sessionTimeout + 1500;
      // Recorded once the link is down: `ip` itself can take a few hundred ms on a loaded machine.
      net.partition(s.base);
      begin(s.label, `link down ${forMs} ms`);
      log(`fault ${kind} ${s.label}${s.role === "master" ? ` (epoch ${s.epoch})` : ""}`);
      await sleep(forMs);
      net.heal(s.base);
      end(s.label, "link up");
      return;
    }
    case "server-kill": {
      if (c.backend.server() === null) return;
      begin("server");
      log(`fault ${kind}`);
      await c.backend.restartServer();
      end("server", "restarted");
      return;
    }
    case "zk-leader-kill":
    case "zk-follower-kill": {
      const ensemble = c.backend.ensemble;
      if (ensemble === null) return;
      const leader = await ensemble.leader();
      const target =
        kind === "zk-leader-kill" ? leader : pick(ensemble.members.filter((m) => m !== leader && m.running));
      if (target === undefined) return;
      begin(`zk${target.id}`);
      log(`fault ${kind} zk${target.id}`);
      await target.kill("SIGKILL");
      await sleep(1000);
      await target.start();
      end(`zk${target.id}`, "restarted");
      return;
    }
  }
}
