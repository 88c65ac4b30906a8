/** One task's full record for the detail view: payload, options, attempts, assignment, outcome, timeline. */
import { decodeEnvelope, decodeOutcome } from "../tasks/envelope.js";
import { isRawKey, type Layout } from "../tasks/layout.js";
import { toRow, type TaskIndex } from "./task-index.js";
import { readFlowInfo } from "../tasks/index.js";
import type { TaskDetail } from "./types.js";
import { orNull, readTaskEntry, type Reader } from "./zk-reads.js";

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

function json(data: Buffer | null): unknown {
  if (data === null) return null;
  try {
    return JSON.parse(data.toString("utf8")) as unknown;
  } catch {
    return showData(data);
  }
}

export async function readTaskDetail(
  client: Reader,
  layout: Layout,
  index: TaskIndex,
  key: string,
): Promise<TaskDetail | null> {
  if (!/^(task-[0-9]+|b-[0-9]+\/t-[A-Za-z0-9_.:-]+)$/.test(key)) return null;
  const [got, status, progress, current] = await Promise.all([
    orNull(client.getData(layout.task(key))),
    orNull(client.getData(layout.status(key))),
    orNull(client.getData(layout.progress(key))),
    readTaskEntry(client, layout, index, key),
  ]);
  if (got === null || current === null) return null;
  const env = isRawKey(key) ? null : decodeEnvelope(got.data);
  const a = index.assignment(key);
  const assignment = a === undefined ? null : await orNull(client.getData(layout.assignment(a.worker, key)));
  const row = toRow(current.entry);
  const timeline: { at: number; what: string }[] = [{ at: got.stat.ctime, what: "submitted" }];
  if (env !== null && env.run.notBefore > 0) timeline.push({ at: env.run.notBefore, what: "not before" });
  if (env !== null && env.run.failures > 0)
    timeline.push({
      at: got.stat.mtime,
      what: `${env.run.failures} failed attempt(s): ${env.run.error ?? ""}`,
    });
  if (row.startedAt !== null) timeline.push({ at: row.startedAt, what: `assigned to ${row.worker}` });
  if (status !== null) timeline.push({ at: status.stat.ctime, what: decodeOutcome(status.data).state });
  timeline.sort((x, y) => x.at - y.at);
  const flow =
    env?.flow === undefined ? null : await orNull(readFlowInfo(client, row.id, { root: layout.root }));
  return {
    ...row,
    path: layout.task(key),
    payload: env === null ? showData(got.data) : env.payload,
    options: env?.options ?? null,
    run: env?.run ?? null,
    progress: progress === null ? null : json(progress.data),
    outcome: status === null ? null : isRawKey(key) ? showData(status.data) : json(status.data),
    assignment: assignment === null ? null : { worker: a?.worker, data: json(assignment.data) },
    timeline,
    flow,
  };
}
