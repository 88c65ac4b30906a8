/** Reading what schedules did, for the schedule tests: firing tasks by slot, waiting on progress. */
import assert from "node:assert/strict";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { Layout } from "../../src/tasks/index.js";

export interface Progress {
  last: number | null;
  fired: number;
  missed: number;
}

/** Slots of the tasks `<id>@<slot>` under `root`, ascending (each task listed once per bucket it is in). */
export async function firedSlots(zk: ZooKeeperClient, root: string, id: string): Promise<number[]> {
  const layout = new Layout(root);
  const slots: number[] = [];
  for (const b of await zk.getChildren(layout.tasks)) {
    if (!b.startsWith("b-")) continue;
    for (const name of await zk.getChildren(layout.bucket(b)))
      if (name.startsWith(`t-${id}@`)) slots.push(Number(name.slice(`t-${id}@`.length)));
  }
  return slots.sort((a, b) => a - b);
}

export async function progressOf(zk: ZooKeeperClient, root: string, id: string): Promise<Progress> {
  const { data } = await zk.getData(new Layout(root).scheduleState(id));
  return JSON.parse(data?.toString() ?? "{}") as Progress;
}

/** Resolves with the progress once `pred` holds, re-checked on each change of the state node. */
export async function waitProgress(
  zk: ZooKeeperClient,
  root: string,
  id: string,
  pred: (p: Progress) => boolean,
  what: string,
  ms = 20_000,
): Promise<Progress> {
  const w = await zk.addWatch(new Layout(root).scheduleState(id));
  const timer = setTimeout(() => void w.close(), ms);
  try {
    let p = await progressOf(zk, root, id);
    if (pred(p)) return p;
    for await (const e of w) {
      if (e.type !== "NodeDataChanged") continue;
      p = await progressOf(zk, root, id);
      if (pred(p)) return p;
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what}; progress ${JSON.stringify(p)}`);
  } finally {
    clearTimeout(timer);
    await w.close().catch(() => undefined);
  }
}

/** One task per slot, none missing, none twice: consecutive slots `step` apart. */
export function assertContiguous(slots: readonly number[], step: number): void {
  assert.equal(new Set(slots).size, slots.length, "no slot twice");
  for (let i = 1; i < slots.length; i++)
    assert.equal(
      (slots[i] ?? 0) - (slots[i - 1] ?? 0),
      step,
      `no slot missing between ${slots[i - 1]} and ${slots[i]}`,
    );
}
