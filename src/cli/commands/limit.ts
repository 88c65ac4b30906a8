/** `overseer limit set|ls|rm`: rate and concurrency limits per task type, applied live by the master. */
import type { Command } from "commander";
import { InvalidArgumentError } from "../../client/index.js";
import {
  formatRate,
  parseRateText,
  TaskLimits,
  type LimitsInput,
  type TypeLimits,
} from "../../tasks/index.js";
import {
  addConnectionOptions,
  CliError,
  ExitCode,
  positiveInt,
  withClient,
  type ConnectionFlags,
} from "../connection.js";
import { printJson } from "../output.js";
import { layoutOf } from "./status.js";

interface SetFlags extends ConnectionFlags {
  rate?: string;
  concurrency?: number;
  groupRate?: string;
  groupConcurrency?: number;
}

function rate(flag: string): (v: string) => string {
  return (v) => {
    try {
      parseRateText(flag, v);
    } catch (err) {
      throw new CliError(`${flag}: ${err instanceof Error ? err.message : String(err)}`, ExitCode.usage);
    }
    return v;
  };
}

export function describeLimits(l: TypeLimits): string {
  const parts: string[] = [];
  if (l.rate !== undefined) parts.push(`rate ${formatRate(l.rate)}`);
  if (l.concurrency !== undefined) parts.push(`concurrency ${l.concurrency}`);
  if (l.groupRate !== undefined) parts.push(`group rate ${formatRate(l.groupRate)}`);
  if (l.groupConcurrency !== undefined) parts.push(`group concurrency ${l.groupConcurrency}`);
  return parts.join(", ");
}

async function usageError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new CliError(err.message, ExitCode.usage);
    throw err;
  }
}

export function registerLimitCommand(program: Command): void {
  const limit = program
    .command("limit")
    .description(
      "rate and concurrency limits per task type (applied live by the master, exact across failover)",
    );
  addConnectionOptions(
    limit
      .command("set <type>")
      .description("replace a type's limits; durations: 500ms, 1s, 5m, 1h")
      .option(
        "--rate <n/duration>",
        "at most n starts of this type in any window of <duration>",
        rate("--rate"),
      )
      .option(
        "--concurrency <n>",
        "at most n assignments of this type held at once (running or prefetched)",
        (v) => positiveInt("--concurrency", v),
      )
      .option("--group-rate <n/duration>", "like --rate, for each group separately", rate("--group-rate"))
      .option("--group-concurrency <n>", "like --concurrency, for each group separately", (v) =>
        positiveInt("--group-concurrency", v),
      ),
  ).action(async (type: string, flags: SetFlags) => {
    const input: LimitsInput = {};
    if (flags.rate !== undefined) input.rate = flags.rate;
    if (flags.concurrency !== undefined) input.concurrency = flags.concurrency;
    if (flags.groupRate !== undefined) input.groupRate = flags.groupRate;
    if (flags.groupConcurrency !== undefined) input.groupConcurrency = flags.groupConcurrency;
    if (Object.keys(input).length === 0)
      throw new CliError(
        "give at least one of --rate, --concurrency, --group-rate, --group-concurrency",
        ExitCode.usage,
      );
    const layout = layoutOf(flags);
    const set = await withClient(flags, (c) =>
      usageError(() => new TaskLimits(c, { root: layout.root }).set(type, input)),
    );
    if (flags.json) printJson({ type, limits: set });
    else console.log(`${type}: ${describeLimits(set)}`);
  });
  addConnectionOptions(
    limit.command("ls").description("list limits with current use (starts in the window, assignments held)"),
  ).action(async (flags: ConnectionFlags) => {
    const layout = layoutOf(flags);
    const usage = await withClient(flags, (c) => new TaskLimits(c, { root: layout.root }).usage());
    if (flags.json) return printJson(usage);
    if (usage.length === 0)
      return void console.log("no limits (set one with `overseer limit set <type> --rate 20/1s`)");
    for (const u of usage) {
      const started =
        u.started === null ? "" : `  started ${u.started}/${u.limits.rate?.limit ?? "-"} in window`;
      const held = `  held ${u.held}${u.limits.concurrency === undefined ? "" : `/${u.limits.concurrency}`}`;
      const groups = Object.keys(u.heldByGroup).length;
      console.log(
        `${u.type}  ${describeLimits(u.limits)}${started}${held}${groups > 1 ? ` in ${groups} groups` : ""}`,
      );
    }
  });
  addConnectionOptions(limit.command("rm <type>").description("remove a type's limits")).action(
    async (type: string, flags: ConnectionFlags) => {
      const layout = layoutOf(flags);
      const removed = await withClient(flags, (c) =>
        usageError(() => new TaskLimits(c, { root: layout.root }).remove(type)),
      );
      if (flags.json) printJson({ type, removed });
      else if (removed) console.log(`${type}: limits removed`);
      else throw new CliError(`${type} has no limits`, ExitCode.failed);
    },
  );
}
