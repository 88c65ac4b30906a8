/**
 * Network namespaces for the partition faults (root and iproute2 required), on this machine only:
 * - a bridge `ovc<r>b` in the host namespace with 10.213.<r>.1/24 — the backend listens on that address and
 *   nowhere else, so nothing is reachable from outside the machine;
 * - one namespace `ovch-<pid>-<r>-<slot>` per partitionable role slot, joined to the bridge by a veth pair
 *   (host side `ovc<r>h<i>`, namespace side `ovc<r>n<i>` = 10.213.<r>.<10+i>/24); the slot's processes run
 *   in it (`ip netns exec`, which execs, so the pid is the role's own).
 * A partition takes the slot's host-side veth down: every packet either way is dropped silently, as on a
 * cut link (no RST, connects hang); healing brings it up. Namespaces, veths and the bridge are removed by
 * `destroy()`, on process exit and on SIGINT/SIGTERM/SIGHUP; a detached watchdog shell removes them when
 * this process dies any other way (SIGKILL, or tsx escalating a Ctrl-C to SIGKILL mid-cleanup); and the next
 * run sweeps whatever is left (`<pid>` in the names, the run's pid in the bridge's alias).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";

const NS_PREFIX = "ovch-";
const ALIAS = "overseer-chaos pid ";

const ip = (...args: string[]): string =>
  execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const tryIp = (...args: string[]): void => {
  try {
    ip(...args);
  } catch {
    // already gone
  }
};
const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

let problem: string | null | undefined;
/** Why partitions cannot be injected here, or undefined when `ip netns` works. */
export function netnsProblem(): string | undefined {
  if (problem === undefined) problem = probe();
  return problem ?? undefined;
}

function probe(): string | null {
  if (process.platform !== "linux") return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return "not root (ip netns needs CAP_SYS_ADMIN)";
  const name = `${NS_PREFIX}${process.pid}-probe`;
  try {
    ip("netns", "add", name);
    ip("netns", "del", name);
    return null;
  } catch (err) {
    const msg = (err as { stderr?: string }).stderr?.trim() ?? String(err);
    return `\`ip netns add\` failed: ${msg || String(err)}`;
  }
}

const live = new Set<Partitions>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const p of live) p.destroy();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(sig, () => {
      for (const p of live) p.destroy();
      process.exit(sig === "SIGINT" ? 130 : sig === "SIGTERM" ? 143 : 129);
    });
}

/** Removes what SIGKILLed runs left behind: namespaces and bridges whose run's pid is gone. */
function sweepStale(): void {
  for (const line of ip("netns", "list").split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const m = /^ovch-(\d+)-/.exec(name);
    if (m === null || pidAlive(Number(m[1]))) continue;
    killInside(name);
    tryIp("netns", "del", name);
  }
  for (const line of ip("-o", "link", "show", "type", "bridge").split("\n")) {
    const m = /^\d+: (ovc\d+b)[:@].*alias overseer-chaos pid (\d+)/.exec(line);
    if (m?.[1] !== undefined && !pidAlive(Number(m[2]))) tryIp("link", "del", m[1]);
  }
}

function killInside(ns: string): void {
  let pids: string[] = [];
  try {
    pids = ip("netns", "pids", ns).split("\n").filter(Boolean);
  } catch {
    return;
  }
  for (const p of pids)
    try {
      process.kill(Number(p), "SIGKILL");
    } catch {
      // exited meanwhile
    }
}

interface Slot {
  ns: string;
  hostVeth: string;
  partitioned: boolean;
}

/** One run's bridge and namespaces. */
export class Partitions {
  /** The bridge address: where the backend listens and every role connects. */
  readonly hostAddress: string;
  private readonly slots = new Map<string, Slot>();
  private destroyed = false;
  private watchdog: ChildProcess | null = null;

  private constructor(
    private readonly r: number,
    private readonly bridge: string,
  ) {
    this.hostAddress = `10.213.${r}.1`;
  }

  /** Creates the bridge and one namespace per slot name (e.g. `w1`); throws if `ip` fails. */
  static create(slotNames: readonly string[]): Partitions {
    sweepStale();
    const used = ip("-o", "addr", "show");
    let p: Partitions | undefined;
    for (let r = 0; r < 256 && p === undefined; r++) {
      if (used.includes(` 10.213.${r}.`)) continue;
      const bridge = `ovc${r}b`;
      try {
        ip("link", "add", "name", bridge, "type", "bridge");
      } catch {
        continue; // another run holds this index
      }
      p = new Partitions(r, bridge);
    }
    if (p === undefined) throw new Error("no free 10.213.<r>.0/24 network for the chaos bridge");
    hookExit();
    live.add(p);
    try {
      p.setUp(slotNames);
    } catch (err) {
      p.destroy();
      throw err;
    }
    return p;
  }

  private setUp(slotNames: readonly string[]): void {
    const { r, bridge } = this;
    ip("link", "set", "dev", bridge, "alias", `${ALIAS}${process.pid}`);
    ip("addr", "add", `${this.hostAddress}/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    slotNames.forEach((name, i) => {
      const ns = `${NS_PREFIX}${process.pid}-${r}-${name}`;
      const hostVeth = `ovc${r}h${i}`;
      const nsVeth = `ovc${r}n${i}`;
      ip("netns", "add", ns);
      this.slots.set(name, { ns, hostVeth, partitioned: false });
      ip("link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth);
      ip("link", "set", nsVeth, "netns", ns);
      ip("link", "set", hostVeth, "master", bridge);
      ip("link", "set", hostVeth, "up");
      ip("-n", ns, "addr", "add", `10.213.${r}.${10 + i}/24`, "dev", nsVeth);
      ip("-n", ns, "link", "set", nsVeth, "up");
      ip("-n", ns, "link", "set", "lo", "up");
    });
    this.startWatchdog();
  }

  /** A shell in its own process group (a Ctrl-C does not reach it) that cleans up once this process is gone. */
  private startWatchdog(): void {
    const cleanup = [...this.slots.values()].map(
      (s) =>
        `ip netns pids ${s.ns} 2>/dev/null | xargs -r kill -9; ip link del ${s.hostVeth} 2>/dev/null; ` +
        `ip netns del ${s.ns} 2>/dev/null`,
    );
    const script =
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${cleanup.join("; ")}; ` +
      `ip link del ${this.bridge} 2>/dev/null; exit 0`;
    this.watchdog = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
    this.watchdog.unref();
  }

  has(slot: string): boolean {
    return this.slots.has(slot);
  }

  /** The command that runs `argv` inside the slot's namespace (argv unchanged for other slots). */
  wrap(slot: string, argv: readonly string[]): string[] {
    const s = this.slots.get(slot);
    return s === undefined ? [...argv] : ["ip", "netns", "exec", s.ns, ...argv];
  }

  partition(slot: string): void {
    const s = this.need(slot);
    ip("link", "set", s.hostVeth, "down");
    s.partitioned = true;
  }

  heal(slot: string): void {
    const s = this.need(slot);
    ip("link", "set", s.hostVeth, "up");
    s.partitioned = false;
  }

  isPartitioned(slot: string): boolean {
    return this.slots.get(slot)?.partitioned ?? false;
  }

  private need(slot: string): Slot {
    const s = this.slots.get(slot);
    if (s === undefined) throw new Error(`no namespace for slot ${slot}`);
    return s;
  }

  /** Kills whatever still runs in the namespaces and removes them, the veths and the bridge. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const s of this.slots.values()) {
      killInside(s.ns);
      tryIp("link", "del", s.hostVeth);
      tryIp("netns", "del", s.ns);
    }
    tryIp("link", "del", this.bridge);
    this.watchdog?.kill();
  }
}
