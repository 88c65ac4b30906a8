/** `overseer schedule add|ls|rm|pause|resume`: repeatable tasks that the active master fires. */
import { Option, type Command } from "commander";
import { InvalidArgumentError } from "../../client/index.js";
import {
  PayloadTooLargeError,
  ScheduleNotFoundError,
  Schedules,
  type Missed,
  type ScheduleInfo,
  type ScheduleSpecInput,
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
import { addTaskOptions, optionsOf, parsePayload, type TaskFlags } from "./submit.js";

interface AddFlags extends ConnectionFlags, TaskFlags {
  every?: string;
  cron?: string;
  tz?: string;
  missed?: Missed;
  start?: string;
  end?: string;
  limit?: number;
}

function specOf(flags: AddFlags): ScheduleSpecInput {
  if ((flags.every === undefined) === (flags.cron === undefined))
    throw new CliError("give exactly one of --every <duration> and --cron <expr>", ExitCode.usage);
  if (flags.tz !== undefined && flags.cron === undefined)
    throw new CliError("--tz applies to --cron only", ExitCode.usage);
  const spec: ScheduleSpecInput = {};
  if (flags.every !== undefined) spec.every = flags.every;
  if (flags.cron !== undefined) spec.cron = flags.cron;
  if (flags.tz !== undefined) spec.tz = flags.tz;
  if (flags.missed !== undefined) spec.missed = flags.missed;
  if (flags.start !== undefined) spec.start = flags.start;
  if (flags.end !== undefined) spec.end = flags.end;
  if (flags.limit !== undefined) spec.limit = flags.limit;
  return spec;
}

const iso = (ms: number | null): string => (ms === null ? "-" : new Date(ms).toISOString());

function when(s: ScheduleInfo): string {
  if (s.spec.every !== undefined) return `every ${s.spec.every} ms`;
  return `cron "${s.spec.cron ?? ""}" ${s.spec.tz ?? "UTC"}`;
}

function row(s: ScheduleInfo): string {
  return [
    s.id.padEnd(20),
    s.status.padEnd(8),
    `next ${iso(s.next)}`,
    `fired ${s.fired}`,
    `missed ${s.missed}`,
    `${s.task.type}`,
    when(s),
  ].join("  ");
}

function json(s: ScheduleInfo): Record<string, unknown> {
  return { ...s, nextIso: s.next === null ? null : iso(s.next) };
}

/** Library errors as CLI errors: bad input is usage (2), a missing schedule a failure (1). */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError || err instanceof PayloadTooLargeError)
      throw new CliError(`nothing written: ${err.message}`, ExitCode.usage);
    if (err instanceof ScheduleNotFoundError) throw new CliError(err.message, ExitCode.failed);
    throw err;
  }
}

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command("schedule")
    .description("repeatable tasks: each slot fires once, as task <id>@<slot ms> (docs/SEMANTICS.md)");

  const add = schedule
    .command("add <id> <type> [payload]")
    .description("create or update a schedule; payload is JSON (a bare word is a string)")
    .option(
      "--every <duration>",
      "interval: 500ms, 1s, 5m, 1h, 1d (slots are multiples of it since the epoch)",
    )
    .option("--cron <expr>", 'cron expression, 5 fields or 6 with seconds first ("0 9 * * 1-5")')
    .option("--tz <zone>", "IANA time zone of --cron (default UTC)")
    .addOption(
      new Option(
        "--missed <policy>",
        "slots that came while no master ran or while paused (default one)",
      ).choices(["skip", "one", "all"]),
    )
    .option("--start <iso>", "no slot before this instant (ISO 8601)")
    .option("--end <iso>", "no slot after this instant (ISO 8601)")
    .option("--limit <n>", "fire at most n times", (v) => positiveInt("--limit", v));
  addConnectionOptions(addTaskOptions(add)).action(
    async (id: string, type: string, payload: string | undefined, flags: AddFlags) => {
      const layout = layoutOf(flags);
      const spec = specOf(flags);
      const task = { type, payload: parsePayload(payload), options: optionsOf(flags) };
      await withClient(flags, async (client) => {
        const schedules = new Schedules(client, { root: layout.root });
        const { created } = await guarded(() => schedules.upsert(id, spec, task));
        const info = await schedules.get(id);
        if (flags.json) printJson({ created, ...(info === null ? {} : json(info)) });
        else console.log(`${created ? "added" : "updated"} ${id}; next firing ${iso(info?.next ?? null)}`);
      });
    },
  );

  addConnectionOptions(schedule.command("ls").description("list schedules with their next firing")).action(
    async (flags: ConnectionFlags) => {
      const layout = layoutOf(flags);
      const list = await withClient(flags, (c) => new Schedules(c, { root: layout.root }).list());
      if (flags.json) return printJson(list.map(json));
      for (const s of list) console.log(row(s));
      if (list.length === 0) console.log("no schedules");
    },
  );

  addConnectionOptions(
    schedule.command("rm <id>").description("delete a schedule (tasks it fired stay)"),
  ).action(async (id: string, flags: ConnectionFlags) => {
    const layout = layoutOf(flags);
    const removed = await withClient(flags, (c) =>
      guarded(() => new Schedules(c, { root: layout.root }).remove(id)),
    );
    if (!removed) throw new CliError(`no schedule ${id}`, ExitCode.failed);
    if (flags.json) printJson({ id, removed });
    else console.log(`removed ${id}`);
  });

  for (const verb of ["pause", "resume"] as const) {
    const what =
      verb === "pause"
        ? "stop firing (no slot fires while paused)"
        : "fire again (paused slots follow --missed)";
    addConnectionOptions(schedule.command(`${verb} <id>`).description(what)).action(
      async (id: string, flags: ConnectionFlags) => {
        const layout = layoutOf(flags);
        await withClient(flags, (c) => guarded(() => new Schedules(c, { root: layout.root })[verb](id)));
        if (flags.json) printJson({ id, [verb === "pause" ? "paused" : "resumed"]: true });
        else console.log(`${verb === "pause" ? "paused" : "resumed"} ${id}`);
      },
    );
  }
}
