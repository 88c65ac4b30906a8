/** One task's full record for the detail view: payload, options, attempts, assignment, outcome, timeline. */
import { orNull, parseJson, readTask, type Layout } from "../tasks/index.js";
import { toRow, type TaskIndex } from "./task-index.js";
import { readFlowInfo } from "../tasks/index.js";
import type { TaskDetail } from "./types.js";
import { entryOf, type Reader } from "./zk-reads.js";

/** Text shown for data that is not JSON: UTF-8 when it decodes cleanly, else base64; capped. */
export const SHOW_BYTES = 64 * 1024;

export function showData(data: Buffer | null): unknown {
  if (data === null) return null;
  const cut = data.subarray(0, SHOW_BYTES);
  const text = cut.toString("utf8");
  const more = data.length > SHOW_BYTES ? `… (${data.length} bytes)` : "";
  if (!text.includes("\uFFFD")) return text + more;
  return { base64: cut.toString("base64"), bytes: data.length };
}

export async function readTaskDetail(
  client: Reader,
  layout: Layout,
  index: TaskIndex,
  key: string,
): Promise<TaskDetail | null> {
  if (!/^(task-[0-9]+|b-[0-9]+\/t-[A-Za-z0-9_.:@-]+)$/.test(key)) return null;
  const a = index.assignment(key);
  const [r, assignment] = await Promise.all([
    readTask(client, layout, key, { worker: a?.worker ?? null, progress: true }),
    a === undefined ? null : orNull(client.getData(layout.assignment(a.worker, key))),
  ]);
  if (r === null) return null;
  const env = r.envelope;
  const row = toRow(entryOf(r, index));
  const timeline: { at: number; what: string }[] = [{ at: r.ctime, what: "submitted" }];
  if (env !== null && env.run.notBefore > 0) timeline.push({ at: env.run.notBefore, what: "not before" });
  if (r.failures > 0)
    timeline.push({ at: r.mtime, what: `${r.failures} failed attempt(s): ${env?.run.error ?? ""}` });
  if (row.startedAt !== null) timeline.push({ at: row.startedAt, what: `assigned to ${row.worker}` });
  if (r.finishedAt !== null) timeline.push({ at: r.finishedAt, what: r.state });
  timeline.sort((x, y) => x.at - y.at);
  const flow =
    env?.flow === undefined ? null : await orNull(readFlowInfo(client, row.id, { root: layout.root }));
  return {
    ...row,
    path: layout.task(key),
    payload: env === null ? showData(Buffer.from(r.raw ?? "", "utf8")) : env.payload,
    options: env?.options ?? null,
    run: env?.run ?? null,
    progress: r.progress ?? null,
    outcome: r.outcome,
    assignment: assignment === null ? null : { worker: a?.worker, data: shownAssignment(assignment.data) },
    timeline,
    flow,
  };
}

/** An assignment's JSON as shown: without the copy of the task's bytes it may carry (`data`, base64; the
 * payload is shown above), which only saves the worker a read (docs/SEMANTICS.md). */
function shownAssignment(data: Buffer | null): unknown {
  const v = parseJson(data) ?? null;
  if (v === null || typeof v !== "object" || Array.isArray(v) || !("data" in v)) return v;
  const { data: _carried, ...rest } = v as Record<string, unknown>;
  return rest;
}
