/** Durations as users write them (`500ms`, `1s`, `1.5s`, `5m`, `1h`, `1d`), for schedules and limits alike. */
import { InvalidArgumentError } from "../client/index.js";
import { describe } from "./zk.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in whole milliseconds, from a string with a unit or a number of ms; at least 1 ms and at most
 * `max`. Anything else is an InvalidArgumentError naming `name`.
 */
export function parseDuration(name: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  const bound = max === Number.MAX_SAFE_INTEGER ? "" : ` of at most ${max} ms`;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v <= 0 || v > max)
      throw new InvalidArgumentError(name, `expected a positive whole number of ms${bound}, got ${v}`);
    return v;
  }
  const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim()) : null;
  const ms = m === null ? NaN : Number(m[1]) * (UNITS[m[2] ?? ""] ?? NaN);
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > max)
    throw new InvalidArgumentError(
      name,
      `expected a duration like 500ms, 1s, 5m, 1h or 1d (whole ms${bound}), got ${describe(v)}`,
    );
  return ms;
}
