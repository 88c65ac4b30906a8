/**
 * Schedules as stored in ZooKeeper: the spec a user gives (validated precisely here, before anything is
 * written), the task template each firing copies, and the master's progress. Shared by the Schedules API
 * (admin/schedules.ts), the master's firer (master/schedules.ts) and readers (CLI, dashboard).
 *
 * Cron expressions and time zones are read by croner (npm): no dependencies, IANA zones through Intl,
 * DST handled, five- or six-field expressions (seconds optional). A cron schedule without a `tz` is read
 * in UTC, so every master computes the same instants whatever its machine's zone.
 */
import { Cron } from "croner";
import { InvalidArgumentError } from "../client/index.js";
import type { StoredOptions } from "./envelope.js";
import { checkTaskId } from "./layout.js";
import { parseSubmitOptions, type SubmitOptions } from "./submit/options.js";
import { describe } from "./zk.js";
import { parseDuration } from "./duration.js";

export { parseDuration };

export type Missed = "skip" | "one" | "all";
export const MISSED: readonly Missed[] = ["skip", "one", "all"];

/** `missed: "all"` fires at most this many of the slots missed in one gap (the latest ones). */
export const MISSED_ALL_CAP = 1000;
/** Smallest `every`: each firing is one ZooKeeper multi. */
export const MIN_EVERY_MS = 100;

/** What a caller gives to `Schedules.upsert`: exactly one of `every` and `cron`. */
export interface ScheduleSpecInput {
  /** Interval: ms, or a duration "500ms", "1s", "5m", "1h", "1d". Slots are multiples of it since the
   * epoch, or `start + k·every` when `start` is given. */
  every?: number | string;
  /** Cron expression (5 fields, or 6 with seconds first), read in `tz`. */
  cron?: string;
  /** IANA time zone of `cron` (e.g. "Europe/Berlin"). Default "UTC". */
  tz?: string;
  /** No slot before this instant (Date, ISO 8601 string or ms since the epoch). */
  start?: Date | string | number;
  /** No slot after this instant. */
  end?: Date | string | number;
  /** Fire at most this many times in total. */
  limit?: number;
  /** Slots that came while no master ran (or while paused): "skip", "one" (default) or "all". */
  missed?: Missed;
}

/** A validated spec, as stored (times in ms since the epoch). */
export interface ScheduleSpec {
  every?: number;
  cron?: string;
  tz?: string;
  start?: number;
  end?: number;
  limit?: number;
  missed: Missed;
}

/** What each firing submits. `options` are submit options without `id` (the firing's id is its slot). */
export interface TaskTemplate {
  type: string;
  payload?: unknown;
  options?: Omit<SubmitOptions, "id">;
}

export interface StoredTemplate {
  type: string;
  payload: unknown;
  options: StoredOptions;
  /** ms after its slot before the task may start. */
  delay: number;
}

/** Data of `<root>/schedules/<id>` (written by the Schedules API only). */
export interface ScheduleNode {
  v: 1;
  spec: ScheduleSpec;
  task: StoredTemplate;
  paused: boolean;
  /** No slot before this (the first upsert's time): a new schedule never fires its past. */
  createdAt: number;
  /** Last resume: slots up to here count as missed, like slots without a master. */
  resumedAt?: number;
}

/** Data of `<root>/schedules/<id>/state` (written by the master only, with the firings). */
export interface ScheduleProgress {
  /** Latest slot dealt with (fired or missed); null before the first. */
  last: number | null;
  fired: number;
  missed: number;
}

export const INITIAL_PROGRESS: ScheduleProgress = { last: null, fired: 0, missed: 0 };

const ID_RE = /^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,99}$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const SPEC_KEYS = new Set(["every", "cron", "tz", "start", "end", "limit", "missed"]);

export function checkScheduleId(id: unknown): string {
  if (typeof id !== "string" || !ID_RE.test(id))
    throw new InvalidArgumentError(
      "id",
      `expected a schedule id of 1–100 characters of [A-Za-z0-9_.:-], got ${describe(id)}`,
    );
  return id;
}

/** "500ms", "1s", "5m", "1h", "1d" (or a plain number of ms) → ms. */

/** Date, ISO 8601 string or ms since the epoch → ms. */
export function parseInstant(name: string, v: unknown): number {
  let ms = NaN;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === "number" && Number.isSafeInteger(v)) ms = v;
  else if (typeof v === "string" && ISO_RE.test(v.trim())) ms = Date.parse(v.trim());
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError(
      name,
      `expected an ISO 8601 date (2026-01-31T09:00:00Z), a Date or ms since the epoch, got ${describe(v)}`,
    );
  return ms;
}

export function checkTimeZone(tz: unknown): string {
  if (typeof tz !== "string" || tz === "")
    throw new InvalidArgumentError("tz", `expected an IANA time zone, got ${describe(tz)}`);
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    throw new InvalidArgumentError(
      "tz",
      `unknown time zone ${JSON.stringify(tz)} (expected e.g. Europe/Berlin)`,
    );
  }
  return tz;
}

/** The croner pattern of a spec (throws InvalidArgumentError naming the field for a bad expression). */
export function cronOf(expr: string, tz: string | undefined): Cron {
  try {
    return new Cron(expr, { timezone: tz ?? "UTC", paused: true });
  } catch (err) {
    throw new InvalidArgumentError(
      "cron",
      `${JSON.stringify(expr)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function parseScheduleSpec(input: ScheduleSpecInput): ScheduleSpec {
  if (typeof input !== "object" || input === null)
    throw new InvalidArgumentError("spec", "expected { every | cron, tz?, start?, end?, limit?, missed? }");
  for (const k of Object.keys(input))
    if (!SPEC_KEYS.has(k)) throw new InvalidArgumentError(k, "unknown option");
  const { every, cron, tz, start, end, limit, missed } = input;
  if ((every === undefined) === (cron === undefined))
    throw new InvalidArgumentError("spec", "give exactly one of `every` and `cron`");
  const spec: ScheduleSpec = { missed: missed ?? "one" };
  if (!MISSED.includes(spec.missed))
    throw new InvalidArgumentError("missed", `expected one of ${MISSED.join(", ")}, got ${describe(missed)}`);
  if (every !== undefined) {
    if (tz !== undefined) throw new InvalidArgumentError("tz", "applies to `cron` only");
    spec.every = parseDuration("every", every);
    if (spec.every < MIN_EVERY_MS)
      throw new InvalidArgumentError("every", `at least ${MIN_EVERY_MS} ms, got ${spec.every} ms`);
  } else {
    if (typeof cron !== "string")
      throw new InvalidArgumentError("cron", `expected a string, got ${describe(cron)}`);
    if (tz !== undefined) spec.tz = checkTimeZone(tz);
    if (cronOf(cron, spec.tz).nextRun() === null)
      throw new InvalidArgumentError("cron", `${JSON.stringify(cron)} never fires`);
    spec.cron = cron.trim();
  }
  if (start !== undefined) spec.start = parseInstant("start", start);
  if (end !== undefined) spec.end = parseInstant("end", end);
  if (spec.start !== undefined && spec.end !== undefined && spec.end < spec.start)
    throw new InvalidArgumentError("end", `is before start (${new Date(spec.end).toISOString()})`);
  if (limit !== undefined) {
    if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 1)
      throw new InvalidArgumentError("limit", `expected a positive integer, got ${describe(limit)}`);
    spec.limit = limit;
  }
  return spec;
}

export function parseTemplate(t: TaskTemplate): StoredTemplate {
  if (typeof t !== "object" || t === null)
    throw new InvalidArgumentError("task", "expected { type, payload?, options? }");
  const { type, payload, options } = t;
  if (typeof type !== "string" || type.length === 0 || type.length > 128)
    throw new InvalidArgumentError("type", "expected a string of 1–128 characters");
  if (options !== undefined && "id" in options)
    throw new InvalidArgumentError("options.id", "a firing's id is <schedule-id>@<slot>; give none");
  const parsed = parseSubmitOptions(options);
  let json: string | undefined;
  try {
    json = JSON.stringify(payload === undefined ? null : payload);
  } catch (err) {
    throw new InvalidArgumentError(
      "payload",
      `not JSON-serializable: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (json === undefined) throw new InvalidArgumentError("payload", "not JSON-serializable");
  return { type, payload: JSON.parse(json) as unknown, options: parsed.options, delay: parsed.delay };
}

/** The task id of the firing of `scheduleId` at `slot`. */
export function firingId(scheduleId: string, slot: number): string {
  return checkTaskId(`${scheduleId}@${slot}`);
}

export function encodeSchedule(n: ScheduleNode): string {
  return JSON.stringify(n);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Null when the node is not a schedule of ours (the master then leaves it alone). */
export function decodeSchedule(data: Buffer | null): ScheduleNode | null {
  if (data === null || data.length === 0) return null;
  try {
    const v: unknown = JSON.parse(data.toString("utf8"));
    if (!isObject(v) || v["v"] !== 1 || !isObject(v["spec"]) || !isObject(v["task"])) return null;
    return v as unknown as ScheduleNode;
  } catch {
    return null;
  }
}

export function decodeProgress(data: Buffer | null): ScheduleProgress {
  if (data === null || data.length === 0) return { ...INITIAL_PROGRESS };
  try {
    const v: unknown = JSON.parse(data.toString("utf8"));
    if (isObject(v) && typeof v["fired"] === "number" && typeof v["missed"] === "number")
      return {
        last: typeof v["last"] === "number" ? v["last"] : null,
        fired: v["fired"],
        missed: v["missed"],
      };
  } catch {
    // fall through: an unreadable state starts over (slots already fired are still deduplicated by id)
  }
  return { ...INITIAL_PROGRESS };
}
