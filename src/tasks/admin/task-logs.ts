/** A task's log by its id, for tools that have no handle (the CLI, the dashboard). */
import type { ZooKeeperClient } from "../../client/index.js";
import { TaskNotFoundError } from "../errors.js";
import { keyOfId, Layout } from "../layout.js";
import { readTaskLog, type TaskLog } from "../worker/execution/task-log.js";

/** Rejects with TaskNotFoundError when there is no such task; a task that logged nothing has no lines. */
export async function getTaskLogs(
  client: ZooKeeperClient,
  id: string,
  opts: { root?: string } = {},
): Promise<TaskLog> {
  const key = /^task-\d{10}$/.test(id) ? id : keyOfId(id);
  const layout = new Layout(opts.root ?? "/");
  const log = await readTaskLog(client, layout, key);
  if (log.lines.length === 0 && (await client.exists(layout.task(key))) === null)
    throw new TaskNotFoundError(id);
  return log;
}
