/**
 * Rate and concurrency limits per task type, as stored in `<root>/limits/<type>` (JSON) and applied by
 * the master (see docs/SEMANTICS.md "Limits and fair groups"). Shared by the master, which reads them,
 * and the admin API, which writes them; one precise validator for both.
 */
import { InvalidArgumentError } from "../client/index.js";
import { describe } from "./zk.js";
import { parseDuration } from "./duration.js";

/** At most `limit` starts in any window of `per` ms (a sliding window). */
export interface Rate {
  limit: number;
  per: number;
}

export interface TypeLimits {
  /** Starts of this type across the fleet. */
  rate?: Rate;
  /** Assignments of this type held at once across the fleet (running or prefetched). */
  concurrency?: number;
  /** Like `rate`, for each group's tasks of this type separately. */
  groupRate?: Rate;
  /** Like `concurrency`, for each group's tasks of this type separately. */
  groupConcurrency?: number;
}

const FIELDS = ["rate", "concurrency", "groupRate", "groupConcurrency"] as const;
/** Types a limit can name (they name a znode): the task id alphabet. */
const TYPE_RE = /^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,127}$/;
/** Groups name znodes too: the label alphabet without "/". */
const GROUP_RE = /^(?!\.\.?$)[A-Za-z0-9_.:=-]{1,64}$/;
/** The group of tasks submitted without one (not a valid group name, so it cannot collide). */
export const DEFAULT_GROUP = "";
const MAX_WINDOW = 7 * 24 * 3600_000;
const MAX_COUNT = 1_000_000_000;

export function checkLimitType(type: unknown): string {
  if (typeof type !== "string" || !TYPE_RE.test(type))
    throw new InvalidArgumentError(
      "type",
      `limits name types of 1–128 characters of [A-Za-z0-9_.:-], got ${describe(type)}`,
    );
  return type;
}

export function checkGroup(name: string, group: unknown): string {
  if (typeof group !== "string" || !GROUP_RE.test(group))
    throw new InvalidArgumentError(
      name,
      `expected 1–64 characters of [A-Za-z0-9_.:=-] (not "." or ".."), got ${describe(group)}`,
    );
  return group;
}

/** "500ms", "1s", "5m", "1h" (a number with one unit) → ms. */
/** A limit's window: a duration of at most a week. */
export function parseWindow(name: string, text: string): number {
  return parseDuration(name, text, MAX_WINDOW);
}

/** "20/1s" → { limit: 20, per: 1000 }. */
export function parseRateText(name: string, text: string): Rate {
  const slash = text.indexOf("/");
  if (slash < 0)
    throw new InvalidArgumentError(name, `expected N/<duration> such as 20/1s, got ${JSON.stringify(text)}`);
  const n = Number(text.slice(0, slash));
  return checkRate(name, { limit: n, per: parseWindow(name, text.slice(slash + 1)) });
}

export function formatDuration(ms: number): string {
  for (const [u, f] of [
    ["h", 3600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const)
    if (ms % f === 0) return `${ms / f}${u}`;
  return `${ms}ms`;
}

export function formatRate(r: Rate): string {
  return `${r.limit}/${formatDuration(r.per)}`;
}

function checkCount(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_COUNT)
    throw new InvalidArgumentError(name, `expected an integer from 1 to ${MAX_COUNT}, got ${describe(v)}`);
  return v;
}

function checkRate(name: string, v: unknown): Rate {
  if (typeof v === "string") return parseRateText(name, v);
  if (typeof v !== "object" || v === null)
    throw new InvalidArgumentError(name, `expected { limit, per } or "N/<duration>", got ${describe(v)}`);
  const r = v as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (k !== "limit" && k !== "per") throw new InvalidArgumentError(`${name}.${k}`, "unknown field");
  const per = r["per"];
  if (typeof per !== "number" || !Number.isInteger(per) || per < 1 || per > MAX_WINDOW)
    throw new InvalidArgumentError(
      `${name}.per`,
      `expected a window of 1 to ${MAX_WINDOW} ms, got ${describe(per)}`,
    );
  return { limit: checkCount(`${name}.limit`, r["limit"]), per };
}

/** Validates limits (rates as { limit, per } or "N/<duration>"); at least one field. Copies. */
export function parseLimits(v: unknown): TypeLimits {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new InvalidArgumentError("limits", `expected an object, got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!(FIELDS as readonly string[]).includes(k))
      throw new InvalidArgumentError(k, `unknown limit (expected ${FIELDS.join(", ")})`);
  const out: TypeLimits = {};
  if (o["rate"] !== undefined) out.rate = checkRate("rate", o["rate"]);
  if (o["concurrency"] !== undefined) out.concurrency = checkCount("concurrency", o["concurrency"]);
  if (o["groupRate"] !== undefined) out.groupRate = checkRate("groupRate", o["groupRate"]);
  if (o["groupConcurrency"] !== undefined)
    out.groupConcurrency = checkCount("groupConcurrency", o["groupConcurrency"]);
  if (Object.keys(out).length === 0)
    throw new InvalidArgumentError("limits", `set at least one of ${FIELDS.join(", ")}`);
  return out;
}

/** Reads a stored limits node; null when it is not valid (the master then applies no limit to it). */
export function decodeLimits(data: Buffer | null): TypeLimits | null {
  if (data === null) return null;
  try {
    return parseLimits(JSON.parse(data.toString("utf8")));
  } catch {
    return null;
  }
}
