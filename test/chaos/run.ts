/**
 * The chaos orchestrator: starts a backend (the embedded server as a child process with a data dir, or a
 * 3-node Apache ZooKeeper ensemble), 3 master candidates, 4 workers and a submitter as separate processes
 * (fixtures/role.ts), injects faults on a seeded schedule while tasks flow, drains, reads ZooKeeper once more
 * and hands the merged history to the checker.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { keyOfId } from "../../src/tasks/layout.js";
import { LOOPBACK } from "../harness/ports.js";
import { finalRead, openClient, startBackend, type BackendKind } from "./backend.js";
import { check, type CheckResult, type FinalRead } from "./checker.js";
import { alive, inject, type Slot } from "./faults.js";
import type { RoleConfig } from "./fixtures/role.js";
import { FAULT_KINDS, HistoryWriter, mulberry32, readHistory, type FaultKind } from "./history.js";
import { netnsProblem, Partitions } from "./netns.js";

const ROLE = fileURLToPath(new URL("./fixtures/role.ts", import.meta.url));

export type { BackendKind };

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
  /** Worker faults hit the busiest worker instead of a random one (faults.ts); default false. */
  targetBusy?: boolean;
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
export const PARTITION_FAULTS: readonly FaultKind[] = ["worker-partition", "master-partition"];
/** Every fault kind each backend supports (partitions only where `ip netns` works, see netns.ts). */
export const BACKEND_FAULTS: Record<BackendKind, readonly FaultKind[]> = {
  embedded: [...PROCESS_FAULTS, "server-kill", ...PARTITION_FAULTS],
  ensemble: [...PROCESS_FAULTS, "zk-leader-kill", "zk-follower-kill", ...PARTITION_FAULTS],
};

/** The faults a run injects by default: every kind the backend supports that works on this machine. */
export function defaultFaults(backend: BackendKind): FaultKind[] {
  const noNetns = netnsProblem() !== undefined;
  return BACKEND_FAULTS[backend].filter((k) => !(noNetns && PARTITION_FAULTS.includes(k)));
}

const ROOT = "/chaos";
const PARTITIONABLE = ["m1", "m2", "m3", "w1", "w2", "w3", "w4"];

export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const started = performance.now();
  const log = options.log ?? ((): void => undefined);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `overseer-chaos-${options.seed}-`));
  mkdirSync(dir, { recursive: true });
  const sessionTimeout = options.sessionTimeout ?? 2000;
  const rand = mulberry32(options.seed);
  const supported = BACKEND_FAULTS[options.backend];
  const wanted = options.faults ?? BACKEND_FAULTS[options.backend];
  const skipped = wanted
    .filter((k) => !supported.includes(k))
    .map((k) => `${k}: skipped — not applicable to the ${options.backend} backend`);
  const netProblem = wanted.some((k) => PARTITION_FAULTS.includes(k)) ? netnsProblem() : undefined;
  if (netProblem !== undefined)
    skipped.push(
      `${wanted.filter((k) => PARTITION_FAULTS.includes(k)).join(", ")}: skipped — network namespaces ` +
        `unavailable here: ${netProblem}`,
    );
  const kinds = wanted.filter(
    (k) => supported.includes(k) && !(netProblem !== undefined && PARTITION_FAULTS.includes(k)),
  );
  const h = new HistoryWriter(join(dir, "chaos.jsonl"), "chaos");

  // Network namespaces (partitions) and the backend, listening on their bridge or on 127.0.0.1
  const net = kinds.some((k) => PARTITION_FAULTS.includes(k)) ? Partitions.create(PARTITIONABLE) : null;
  let backend;
  try {
    backend = await startBackend(options.backend, join(dir, "server-data"), net?.hostAddress ?? LOOPBACK);
  } catch (err) {
    net?.destroy();
    throw err;
  }
  const connectString = backend.connectString;
  log(
    `backend ${options.backend} at ${connectString}; history in ${dir}` +
      (net === null ? "" : `; masters and workers in network namespaces on bridge ${net.hostAddress}/24`),
  );
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
    return { base, role, incarnation: 0, label: base, proc: null, exited: null, epoch: 0 };
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
    const argv = [process.execPath, "--import", "tsx", ROLE, JSON.stringify(cfg)];
    const [cmd = process.execPath, ...args] = net?.wrap(slot.base, argv) ?? argv;
    const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
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
      log(`${slot.label} exited (${proc.exitCode ?? proc.signalCode ?? "?"}); restarting`);
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

  // Faults
  const targetBusy = options.targetBusy === true;
  const ctx = { h, log, rand, root: ROOT, sessionTimeout, slots, backend, net, dir, targetBusy };
  const deadline = performance.now() + options.durationMs;
  const [gapMin, gapMax] = options.gapMs ?? [2500, 5000];
  await sleep(Math.min(2000, options.durationMs / 4));
  try {
    while (kinds.length > 0 && performance.now() < deadline) {
      const kind = kinds[Math.floor(rand() * kinds.length)];
      if (kind === undefined) break;
      await inject(kind, ctx);
      const gap = gapMin + rand() * (gapMax - gapMin);
      await sleep(Math.max(0, Math.min(gap, deadline - performance.now())));
    }
    while (performance.now() < deadline) await sleep(Math.min(500, deadline - performance.now()));
    return await drainAndCheck();
  } finally {
    shuttingDown = true;
    for (const s of slots) if (s.proc !== null && alive(s)) s.proc.kill("SIGKILL");
    await backend.stop().catch(() => undefined);
    net?.destroy();
  }

  async function drainAndCheck(): Promise<ChaosRun> {
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
    const final = await finalRead(reader, ROOT);
    await reader.close();
    for (const s of slots) if (s.proc !== null && alive(s)) s.proc.kill("SIGKILL");
    await Promise.all(slots.map((s) => s.exited ?? Promise.resolve()));
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
}

export { FAULT_KINDS };
