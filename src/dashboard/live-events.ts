/**
 * The dashboard's live event feed: a TaskEvents follower (the same one `overseer events` uses) whose
 * events go to every open page as `task` server-sent events, with the last RECENT kept for a page that
 * opens later.
 */
import type { Logger, ZooKeeperClient } from "../client/index.js";
import { TaskEvents, type TaskEvent } from "../tasks/index.js";
import type { SseHub } from "./sse.js";

const RECENT = 100;

export class LiveTaskEvents {
  readonly #recent: TaskEvent[] = [];

  private constructor(private readonly events: TaskEvents) {}

  static async start(
    client: ZooKeeperClient,
    root: string,
    hub: SseHub,
    log?: Logger,
  ): Promise<LiveTaskEvents> {
    const events = new TaskEvents(client, { root, ...(log === undefined ? {} : { logger: log }) });
    const live = new LiveTaskEvents(events);
    events.on("event", (e) => {
      live.#recent.push(e);
      if (live.#recent.length > RECENT) live.#recent.shift();
      hub.send("task", JSON.stringify(e));
    });
    await events.start();
    return live;
  }

  /** Newest first. */
  recent(): TaskEvent[] {
    return [...this.#recent].reverse();
  }

  close(): Promise<void> {
    return this.events.close();
  }
}
