/**
 * Progress pushed to a TaskHandle (`handle.on("progress", fn)`): a TaskEvents follower scoped to the one
 * task, opened with the first listener and closed with the last one or when the task ends.
 */
import type { ZooKeeperClient } from "../../client/index.js";
import { TaskEvents } from "../admin/task-events.js";
import type { TaskEvent } from "../admin/event-types.js";
import type { Logger } from "../logger.js";

export type ProgressListener = (progress: unknown, event: TaskEvent) => void;

export class ProgressFollow {
  readonly listeners = new Set<ProgressListener>();
  #events: TaskEvents | null = null;
  #closed = false;

  constructor(client: ZooKeeperClient, root: string, id: string, log: Logger) {
    const events = new TaskEvents(client, { root, task: id, logger: log });
    events.on("progress", (e) => {
      for (const l of [...this.listeners]) {
        try {
          l(e.progress, e);
        } catch (err) {
          log.error({ err, id }, "tasks: progress listener threw");
        }
      }
    });
    const end = (): void => void this.close();
    events.on("completed", end).on("failed", end).on("cancelled", end).on("removed", end);
    events.start().then(
      () => {
        if (this.#closed) void events.close();
        else this.#events = events;
      },
      (err: unknown) => log.warn({ err, id }, "tasks: following a task's progress failed"),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.listeners.clear();
    await this.#events?.close();
    this.#events = null;
  }
}
