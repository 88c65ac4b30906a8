/**
 * A task's log (`ctx.log(line)`): lines handlers write, kept in one znode `<task>/logs` as JSON, across
 * attempts, bounded so the node stays far below jute.maxbuffer. Lines are buffered and written a few
 * milliseconds later in one token-checked multi (a stale execution cannot write); the execution flushes
 * before it commits its outcome, so a finished task's log is complete.
 */
import { NoNodeError, type ZooKeeperClient } from "../../../client/index.js";
import type { Layout } from "../../layout.js";
import type { ExecutionEnv } from "./types.js";

/** Lines kept per task (oldest dropped first). */
export const MAX_LOG_LINES = 1000;
/** Characters of line text kept per task, all lines together (oldest dropped first). */
export const MAX_LOG_CHARS = 64 * 1024;
/** A longer line is cut to this many characters and ends with "…". */
export const MAX_LINE_CHARS = 2000;
/** How long lines wait to be written together. */
const FLUSH_DELAY_MS = 20;

export interface TaskLogLine {
  /** ms since the epoch, when the handler logged it. */
  at: number;
  attempt: number;
  line: string;
}

export interface TaskLog {
  lines: TaskLogLine[];
  /** Lines dropped to stay within the bounds. */
  dropped: number;
}

/** Adds lines to a log and drops the oldest past the bounds. */
export function appendBounded(log: TaskLog, add: readonly TaskLogLine[]): TaskLog {
  const lines = [...log.lines];
  for (const l of add)
    lines.push(
      l.line.length > MAX_LINE_CHARS ? { ...l, line: l.line.slice(0, MAX_LINE_CHARS - 1) + "…" } : l,
    );
  let chars = lines.reduce((n, l) => n + l.line.length, 0);
  let drop = Math.max(0, lines.length - MAX_LOG_LINES);
  for (let i = 0; i < drop; i++) chars -= lines[i]?.line.length ?? 0;
  while (chars > MAX_LOG_CHARS && drop < lines.length) chars -= lines[drop++]?.line.length ?? 0;
  return { lines: lines.slice(drop), dropped: log.dropped + drop };
}

export function decodeTaskLog(data: Buffer | null): TaskLog {
  try {
    const v = JSON.parse(data?.toString("utf8") ?? "") as Partial<TaskLog>;
    if (Array.isArray(v.lines))
      return { lines: v.lines, dropped: typeof v.dropped === "number" ? v.dropped : 0 };
  } catch {
    // no log yet, or not ours
  }
  return { lines: [], dropped: 0 };
}

export async function readTaskLog(client: ZooKeeperClient, layout: Layout, key: string): Promise<TaskLog> {
  try {
    return decodeTaskLog((await client.getData(layout.logs(key))).data);
  } catch (err) {
    if (err instanceof NoNodeError) return { lines: [], dropped: 0 };
    throw err;
  }
}

/** One execution's log writer. */
export class TaskLogWriter {
  #pending: TaskLogLine[] = [];
  #base: TaskLog | null = null;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #stale = false;

  constructor(
    private readonly env: ExecutionEnv,
    private readonly key: string,
    private readonly token: number,
    private readonly attempt: number,
  ) {}

  append(line: string): void {
    if (this.#stale) return;
    this.#pending.push({ at: Date.now(), attempt: this.attempt, line: String(line) });
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes what is buffered; resolves when it is stored (or refused: a stale token ends the log). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  async #write(): Promise<void> {
    if (this.#pending.length === 0 || this.#stale) return;
    const add = this.#pending;
    this.#pending = [];
    const { client, layout } = this.env;
    try {
      const existed = this.#base !== null || (await this.#readBase());
      const next = appendBounded(this.#base ?? { lines: [], dropped: 0 }, add);
      const data = JSON.stringify(next);
      const tx = client.transaction().check(layout.task(this.key), this.token);
      await (
        existed ? tx.setData(layout.logs(this.key), data) : tx.create(layout.logs(this.key), data)
      ).commit();
      this.#base = next;
    } catch (err) {
      this.#stale = true;
      this.env.logger?.debug(
        { err, key: this.key },
        "tasks: a task log write was refused; later lines are dropped",
      );
    }
  }

  async #readBase(): Promise<boolean> {
    try {
      this.#base = decodeTaskLog((await this.env.client.getData(this.env.layout.logs(this.key))).data);
      return true;
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      this.#base = { lines: [], dropped: 0 };
      return false;
    }
  }
}
