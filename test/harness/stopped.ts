/**
 * Has a SIGSTOP taken effect? The kernel stops a many-threaded process (a JVM, Node with its thread pool)
 * thread by thread, and kill() returns before it is done: meanwhile the process may still answer a request
 * or take a lock. These read each thread's state from /proc (T: stopped).
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'. */
function statOf(path: string): { state: string; pgrp: number } | null {
  let stat: string;
  try {
    stat = readFileSync(path, "utf8");
  } catch {
    return null; // gone meanwhile
  }
  const [state = "", , pgrp = ""] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state, pgrp: Number(pgrp) };
}

/** Is every live thread of `pid` stopped? (A process that is gone counts as stopped.) */
export function processStopped(pid: number): boolean {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return true;
  }
  return tids.every((tid) => {
    const t = statOf(`/proc/${pid}/task/${tid}/stat`);
    return t === null || t.state === "T" || t.state === "Z" || t.state === "X";
  });
}

/** Is every process of group `pgid` stopped? */
export function groupStopped(pgid: number): boolean {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p) && statOf(`/proc/${p}/stat`)?.pgrp === pgid)
    .every((p) => processStopped(Number(p)));
}

/** Resolves once `stopped()` holds (checked every millisecond), or throws after `ms`. */
export async function untilStopped(stopped: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !stopped(); await sleep(1))
    if (Date.now() > deadline) throw new Error(`${what} not stopped ${ms} ms after SIGSTOP`);
}
