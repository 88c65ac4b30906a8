/**
 * The reads and writes one execution makes besides its outcome commit (commit.ts): the token re-check
 * after a wait for a slot, the hand-back, the at-most-once `started` mark and the dropped assignment.
 * Each is token-checked where it matters and safe to send again after a lost reply.
 */
import { resend } from "./commit.js";
import { bestEffort, SILENT } from "../../logger.js";
import { isStale, parseRecord, type ExecutionEnv } from "./types.js";

/** Which assignment of which task, under which token. */
export interface Held {
  readonly key: string;
  readonly assignPath: string;
  readonly token: number;
}

/** The task's version is still `h.token` (always true without fencing). */
export async function stillCurrent(env: ExecutionEnv, h: Held): Promise<boolean> {
  if (env.unsafeDisableFencing) return true;
  const ops = [{ type: "getData", path: env.layout.task(h.key) }] as const;
  const [t] = await (env.reader?.read(ops) ?? env.client.multiRead(ops));
  return t?.type === "getData" && t.stat.version === h.token;
}

/**
 * Gives the assignment back unrun: rewriting the task's same bytes bumps its version, so the master
 * sees the task change and requeues it. A resend after a lost reply that finds the first one applied
 * fails the check: handed back too, as is a task someone else moved on meanwhile.
 */
export async function handBackAssignment(env: ExecutionEnv, h: Held, data: Buffer | null): Promise<void> {
  try {
    await resend(() =>
      env.client.transaction().setData(env.layout.task(h.key), data, h.token).delete(h.assignPath),
    );
  } catch (err) {
    if (!isStale(err)) throw err;
  }
}

/**
 * Marks the assignment started (at-most-once), checked against the token; idempotent when sent again
 * after a lost reply. Throws the stale error when the token is no longer current.
 */
export async function markAssignmentStarted(
  env: ExecutionEnv,
  h: Held,
  assignData: Buffer | null,
): Promise<void> {
  const info = { ...parseRecord(assignData), started: true, startedAt: Date.now() };
  await resend(() =>
    env.client
      .transaction()
      .check(env.layout.task(h.key), h.token)
      .setData(h.assignPath, JSON.stringify(info)),
  );
}

/** Deletes the assignment (a superseded or unreadable one); failures are left to the master. */
export async function dropAssignment(env: ExecutionEnv, h: Pick<Held, "assignPath">): Promise<void> {
  await bestEffort(env.logger ?? SILENT, "dropping an assignment", env.client.delete(h.assignPath));
}
