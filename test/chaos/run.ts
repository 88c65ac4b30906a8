/**
 * The chaos orchestrator: starts a backend (the embedded server as a child process with a data dir, or a
 * 3-node Apache ZooKeeper ensemble), 3 master candidates, 4 workers and a submitter as separate processes
 * (fixtures/role.ts), injects faults on a seeded schedule while tasks flow, drains, reads ZooKeeper once more
 * and hands the merged history to the checker.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { ZooKeeperClient } from "../../src/client/index.js";
import { keyOfId } from "../../src/tasks/layout.js";
import { startApacheEnsemble, type ApacheEnsemble } from "../harness/apache-zk.js";
import { startChildServer, type ChildServer } from "../server/child-server.js";
import { check, type CheckResult, type FinalRead, type FinalStatus } from "./checker.js";
import { FAULT_KINDS, HistoryWriter, mulberry32, readHistory, type FaultKind } from "./history.js";
import type { RoleConfig } from "./fixtures/role.js";

const ROLE = fileURLToPath(new URL("./fixtures/role.ts", import.meta.url));

export type BackendKind = "embedded" | "ensemble";

export interface ChaosOptions {
  durationMs: number;
  backend: BackendKind;
  seed: number;
  /** Fault kinds to inject; default every kind the backend supports. */
  faults?: readonly FaultKind[];
  /** Session timeout of every role (ms); default 2000. */
  sessionTimeout?: number;
  /** Tasks per second; default 20. */
  rate?: number;
  /** Pause between faults: uniform in [min, max] ms; default [2500, 5000]. */
  gapMs?: readonly [number, number];
  /** How long the drain (no faults, no new tasks) may take before the final read; default 60 s. */
  drainMs?: number;
  unsafeDisableFencing?: boolean;
  unsafeDisableEpochFence?: boolean;
  /** Where the history goes; default a new temp dir. */
  dir?: string;
  log?: (line: string) => void;
}

export interface ChaosRun {
  options: ChaosOptions;
  dir: string;
  result: CheckResult;
  final: FinalRead;
  /** Fault kinds requested but not possible here, with the reason. */
  skipped: string[];
  elapsedMs: number;
}

const PROCESS_FAULTS: readonly FaultKind[] = [
  "master-kill",
  "master-stop",
  "worker-kill",
  "worker-stop",
  "master-depose",
  "worker-evict",
];
export const BACKEND_FAULTS: Record<BackendKind, readonly FaultKind[]> = {
  embedded: [...PROCESS_FAULTS, "server-kill"],
  ensemble: [...PROCESS_FAULTS, "zk-leader-kill", "zk-follower-kill"],
};

export const PARTITION_SKIPPED =
  "network partitions (ip netns): skipped — not implemented: `ip netns add` works here as root, but the " +
  "backends listen on 127.0.0.1 only, so isolating one process would need a veth pair and servers bound to " +
  "it; the faults above are all real, none is simulated";

interface Slot {
  base: string;
  role: RoleConfig["role"];
  incarnation: number;
  label: string;
  proc: ChildProcess | null;
  exited: Promise<unknown> | null;
  epoch: number;
  running: number;
}

const ROOT = "/chaos";

export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const started = performance.now();
  const log = options.log ?? ((): void => undefined);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `overseer-chaos-${options.seed}-`));
  mkdirSync(dir, { recursive: true });
  const sessionTimeout = options.sessionTimeout ?? 2000;
  const rand = mulberry32(options.seed);
  const supported = BACKEND_FAULTS[options.backend];
  const wanted = options.faults ?? supported;
  const skipped = wanted
    .filter((k) => !supported.includes(k))
    .map((k) => `${k}: skipped — not applicable to the ${options.backend} backend`);
  skipped.push(PARTITION_SKIPPED);
  const kinds = wanted.filter((k) => supported.includes(k));
  const h = new HistoryWriter(join(dir, "chaos.jsonl"), "chaos");

  // Backend
  let server: ChildServer | null = null;
  let ensemble: ApacheEnsemble | null = null;
  let connectString: string;
  const serverData = join(dir, "server-data");
  if (options.backend === "embedded") {
    server = await startChildServer(serverData, 0, { maxSessionTimeout: 60_000 });
    connectString = `127.0.0.1:${server.port}`;
  } else {
    ensemble = await startApacheEnsemble(3, { tickTime: 200 });
    connectString = ensemble.connectString;
  }
  log(`backend ${options.backend} at ${connectString}; history in ${dir}`);
  const admin = await openClient(connectString, sessionTimeout);
  await admin.create(ROOT, null).catch(() => undefined);
  await admin.close();

  // Roles
  let shuttingDown = false;
  let draining = false;
  const slots: Slot[] = [
    ...["m1", "m2", "m3"].map((base) => newSlot(base, "master")),
    ...["w1", "w2", "w3", "w4"].map((base) => newSlot(base, "worker")),
    newSlot("s1", "submitter"),
  ];
  function newSlot(base: string, role: Slot["role"]): Slot {
    return { base, role, incarnation: 0, label: base, proc: null, exited: null, epoch: 0, running: 0 };
  }
  const spawnSlot = (slot: Slot): Promise<void> => {
    slot.incarnation++;
    slot.label = `${slot.base}.${slot.incarnation}`;
    slot.epoch = 0;
    const cfg: RoleConfig = {
      role: slot.role,
      p: slot.label,
      connectString,
      root: ROOT,
      sessionTimeout,
      history: join(dir, `${slot.label}.jsonl`),
      seed: options.seed * 1000 + slot.incarnation,
      concurrency: 4,
      rate: options.rate ?? 20,
      ...(options.unsafeDisableFencing === true ? { unsafeDisableFencing: true } : {}),
      ...(options.unsafeDisableEpochFence === true ? { unsafeDisableEpochFence: true } : {}),
    };
    const proc = spawn(process.execPath, ["--import", "tsx", ROLE, JSON.stringify(cfg)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    slot.proc = proc;
    slot.exited = once(proc, "exit");
    let buf = "";
    const ready = new Promise<void>((resolve) => {
      proc.stdout?.on("data", (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split("\n");
        buf = lines.pop() ?? "";
        for (const l of lines) {
          if (!l.startsWith("{")) continue;
          const msg = JSON.parse(l) as { ready?: number; term?: number };
          if (msg.ready !== undefined) resolve();
          if (msg.term !== undefined) slot.epoch = msg.term;
        }
      });
      void slot.exited?.then(() => resolve());
    });
    void slot.exited.then(() => {
      if (slot.proc !== proc || shuttingDown || (draining && slot.role === "submitter")) return;
      slot.proc = null;
      // A supervisor restarts what died (killed, or exited after its session was lost).
      setTimeout(() => void (shuttingDown ? undefined : spawnSlot(slot)), 300);
    });
    return ready;
  };
  await Promise.all(slots.filter((s) => s.role !== "submitter").map(spawnSlot));
  const submitter = slots.find((s) => s.role === "submitter");
  if (submitter !== undefined) await spawnSlot(submitter);
  log(`3 masters, 4 workers, 1 submitter running; faults: ${kinds.join(", ") || "none"}`);

  const alive = (s: Slot): boolean =>
    s.proc !== null && s.proc.exitCode === null && s.proc.signalCode === null;
  const activeMaster = (): Slot | undefined =>
    slots.filter((s) => s.role === "master" && alive(s) && s.epoch > 0).sort((a, b) => b.epoch - a.epoch)[0];
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(rand() * xs.length)];
  const stopFor = sessionTimeout + 1500;

  // Faults
  const deadline = performance.now() + options.durationMs;
  const [gapMin, gapMax] = options.gapMs ?? [2500, 5000];
  await sleep(Math.min(2000, options.durationMs / 4));
  while (kinds.length > 0 && performance.now() < deadline) {
    const kind = pick(kinds);
    if (kind === undefined) break;
    await inject(kind);
    const gap = gapMin + rand() * (gapMax - gapMin);
    await sleep(Math.max(0, Math.min(gap, deadline - performance.now())));
  }
  while (performance.now() < deadline) await sleep(Math.min(500, deadline - performance.now()));

  async function inject(kind: FaultKind): Promise<void> {
    switch (kind) {
      case "master-kill":
      case "master-stop": {
        const m = activeMaster();
        if (m?.proc == null) return;
        h.write({ ev: "fault", kind, target: m.label, phase: "inject" });
        log(`fault ${kind} ${m.label} (epoch ${m.epoch})`);
        if (kind === "master-kill") m.proc.kill("SIGKILL");
        else await pause(m);
        return;
      }
      case "worker-kill":
      case "worker-stop": {
        const w = pick(slots.filter((s) => s.role === "worker" && alive(s)));
        if (w?.proc == null) return;
        h.write({ ev: "fault", kind, target: w.label, phase: "inject" });
        log(`fault ${kind} ${w.label}`);
        if (kind === "worker-kill") w.proc.kill("SIGKILL");
        else await pause(w);
        return;
      }
      case "master-depose": {
        // Paused, and deposed while its session still lives: its candidate node is deleted (an operator,
        // a faster failure detector), so the next candidate leads with a new epoch; resumed before expiry.
        const m = activeMaster();
        if (m?.proc == null) return;
        const zk = await openClient(connectString, sessionTimeout);
        try {
          const cands = (await zk.getChildren(`${ROOT}/election/candidates`)).sort(
            (a, b) => seqOf(a) - seqOf(b),
          );
          const first = cands[0];
          if (first === undefined) return;
          h.write({ ev: "fault", kind, target: m.label, phase: "inject", note: first });
          log(`fault ${kind} ${m.label} (epoch ${m.epoch}, candidate ${first})`);
          m.proc.kill("SIGSTOP");
          await zk.delete(`${ROOT}/election/candidates/${first}`).catch(() => undefined);
          await zombie(m, kind);
        } finally {
          await zk.close();
        }
        return;
      }
      case "worker-evict": {
        // Paused, and its /workers node deleted while its session lives: the master takes its tasks back
        // and reassigns them; resumed before expiry, the zombie finishes and tries to commit late results.
        const w = pick(slots.filter((s) => s.role === "worker" && alive(s)));
        if (w?.proc == null) return;
        const zk = await openClient(connectString, sessionTimeout);
        try {
          h.write({ ev: "fault", kind, target: w.label, phase: "inject" });
          log(`fault ${kind} ${w.label}`);
          w.proc.kill("SIGSTOP");
          await zk.delete(`${ROOT}/workers/${w.label}`).catch(() => undefined);
          await zombie(w, kind);
        } finally {
          await zk.close();
        }
        return;
      }
      case "server-kill": {
        if (server === null) return;
        h.write({ ev: "fault", kind, target: "server", phase: "inject" });
        log(`fault ${kind}`);
        const port = server.port;
        await server.kill("SIGKILL");
        server = await startChildServer(serverData, port, { maxSessionTimeout: 60_000 });
        h.write({ ev: "fault", kind, target: "server", phase: "heal", note: "restarted" });
        return;
      }
      case "zk-leader-kill":
      case "zk-follower-kill": {
        if (ensemble === null) return;
        const leader = await ensemble.leader();
        const target =
          kind === "zk-leader-kill"
            ? leader
            : pick(ensemble.members.filter((m) => m !== leader && m.running));
        if (target === undefined) return;
        h.write({ ev: "fault", kind, target: `zk${target.id}`, phase: "inject" });
        log(`fault ${kind} zk${target.id}`);
        await target.kill("SIGKILL");
        await sleep(1000);
        await target.start();
        h.write({ ev: "fault", kind, target: `zk${target.id}`, phase: "heal", note: "restarted" });
        return;
      }
    }
  }

  /** Resumes a process stopped for an eviction (before its session expires), lets it act as a zombie for
   * a while, then SIGKILLs it (the supervisor starts a fresh incarnation). */
  async function zombie(s: Slot, kind: FaultKind): Promise<void> {
    const proc = s.proc;
    if (proc === null) return;
    await sleep(Math.round(sessionTimeout * 0.6));
    proc.kill("SIGCONT");
    h.write({ ev: "fault", kind, target: s.label, phase: "heal", note: "resumed as a zombie" });
    await sleep(1500);
    proc.kill("SIGKILL");
  }

  async function pause(s: Slot): Promise<void> {
    const proc = s.proc;
    if (proc === null) return;
    proc.kill("SIGSTOP");
    await sleep(stopFor);
    proc.kill("SIGCONT");
    h.write({
      ev: "fault",
      kind: s.role === "master" ? "master-stop" : "worker-stop",
      target: s.label,
      phase: "heal",
    });
  }

  // Drain: no new tasks, no faults; wait until every acknowledged task has an outcome.
  log("drain");
  draining = true;
  if (submitter?.proc != null) submitter.proc.kill("SIGTERM");
  const drainDeadline = performance.now() + (options.drainMs ?? 60_000);
  const reader = await openClient(connectString, 10_000);
  const pending = new Set<string>();
  const seen = new Set<string>();
  while (performance.now() < drainDeadline) {
    for (const e of readHistory(dir))
      if (e.ev === "acked" && !seen.has(e.id)) {
        seen.add(e.id);
        pending.add(e.id);
      }
    for (const id of [...pending])
      if ((await reader.exists(`${ROOT}/tasks/${keyOfId(id)}/status`)) !== null) pending.delete(id);
    if (pending.size === 0) break;
    await sleep(1000);
  }
  await sleep(1500); // let the submitter record what it observes
  shuttingDown = true;
  const final = await finalRead(reader);
  await reader.close();
  for (const s of slots) if (s.proc !== null && alive(s)) s.proc.kill("SIGKILL");
  await Promise.all(slots.map((s) => s.exited ?? Promise.resolve()));
  if (server !== null) await server.kill("SIGKILL");
  if (ensemble !== null) await ensemble.stop();
  h.close();
  writeFileSync(join(dir, "final.json"), JSON.stringify(final));
  const history = readHistory(dir);
  return {
    options,
    dir,
    result: check(history, final),
    final,
    skipped,
    elapsedMs: performance.now() - started,
  };
}

const seqOf = (name: string): number => Number(/(\d+)$/.exec(name)?.[1] ?? Infinity);

async function openClient(connectString: string, sessionTimeout: number): Promise<ZooKeeperClient> {
  const c = new ZooKeeperClient({ connectString, sessionTimeout, connectTimeout: 30_000 });
  await c.connect();
  return c;
}

/** Every structured task under <root>/tasks with its stored outcome, and the master epoch. */
export async function finalRead(zk: ZooKeeperClient): Promise<FinalRead> {
  const tasks: FinalRead["tasks"] = {};
  const buckets = (await zk.getChildren(`${ROOT}/tasks`)).filter((b) => b.startsWith("b-"));
  for (const b of buckets) {
    const names = (await zk.getChildren(`${ROOT}/tasks/${b}`)).filter((n) => n.startsWith("t-"));
    for (let i = 0; i < names.length; i += 200) {
      const chunk = names.slice(i, i + 200);
      const replies = await zk.multiRead(
        chunk.map((n) => ({ type: "getData" as const, path: `${ROOT}/tasks/${b}/${n}/status` })),
      );
      chunk.forEach((n, j) => {
        const r = replies[j];
        tasks[n.slice(2)] = { status: r?.type === "getData" ? parseStatus(r.data) : null };
      });
    }
  }
  const epoch = (await zk.exists(`${ROOT}/election/epoch`))?.version ?? 0;
  return { tasks, epoch };
}

function parseStatus(data: Buffer | null): FinalStatus {
  try {
    const o = JSON.parse(data?.toString("utf8") ?? "null") as {
      state?: string;
      result?: { worker?: unknown; token?: unknown } | null;
      reason?: string;
      at?: number;
    };
    const r = o.result;
    const result =
      r != null && typeof r.worker === "string" && typeof r.token === "number"
        ? { worker: r.worker, token: r.token }
        : null;
    return {
      state: o.state ?? "unknown",
      ...(o.state === "done" ? { result } : {}),
      ...(o.reason === undefined ? {} : { reason: o.reason }),
      ...(o.at === undefined ? {} : { at: o.at }),
    };
  } catch {
    return { state: "undecodable" };
  }
}

export { FAULT_KINDS };
