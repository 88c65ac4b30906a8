/**
 * What a worker knows of its `<root>/assign/<id>` folder: one persistent recursive watch names every
 * assignment created or deleted, so no listing is needed per change (a one-shot child watch costs a
 * getChildren of the whole folder per assignment). The folder is listed once after the watch is set and
 * again after every reconnect, because a persistent watch misses what happened while disconnected.
 */
import {
  isRetriable,
  type PersistentWatch,
  type WatchEvent,
  type ZooKeeperClient,
} from "../../client/index.js";
import { watchRecursive } from "../zk.js";
import { bestEffort, type Logger } from "../logger.js";

export interface AssignmentSink {
  /** A new assignment name (not seen before, or seen again after it went away); `data`: the
   * assignment's data when its event carried it (PROTOCOL.md §10), else undefined. */
  added(name: string, data?: Buffer | null): void;
  /** The assignment is gone (committed, taken back, dropped). */
  removed(name: string): void;
  /** A full listing: every name not in it is gone. */
  listed(names: ReadonlySet<string>): void;
  failed(err: unknown): void;
}

export class AssignmentFeed {
  private watch: PersistentWatch | null = null;
  private closed = false;
  private listing: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly sink: AssignmentSink,
  ) {}

  async start(): Promise<void> {
    for (;;) {
      try {
        this.watch = await watchRecursive(this.client, this.dir, (e) => this.event(e), this.logger);
        break;
      } catch (err) {
        if (this.closed) return;
        if (!isRetriable(err)) return this.sink.failed(err);
        await sleep(100);
      }
    }
    if (this.closed) await bestEffort(this.logger, "removing the assignment watch", this.watch.close());
    else this.relist();
  }

  /** Lists the folder (after a reconnect); concurrent calls coalesce into one more listing. */
  relist(): void {
    if (this.closed) return;
    if (this.listing !== null) {
      this.again = true;
      return;
    }
    this.listing = (async () => {
      do {
        this.again = false;
        for (;;) {
          try {
            const names = await this.client.getChildren(this.dir);
            if (!this.closed) this.sink.listed(new Set(names));
            break;
          } catch (err) {
            if (this.closed) return;
            if (!isRetriable(err)) return this.sink.failed(err);
            await sleep(100);
          }
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.listing = null));
  }

  private event(e: WatchEvent): void {
    if (this.closed || !e.path.startsWith(`${this.dir}/`)) return;
    const name = e.path.slice(this.dir.length + 1);
    if (name.includes("/")) return;
    if (e.type === "NodeCreated") this.sink.added(name, e.data);
    else if (e.type === "NodeDeleted") this.sink.removed(name);
  }

  close(): void {
    this.closed = true;
    if (this.watch !== null)
      void bestEffort(this.logger, "removing the assignment watch", this.watch.close());
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
