/** `overseer tasks list|show|cancel|retry`: look at and act on tasks, through the task system's own API. */
import { Option, type Command } from "commander";
import type { ZooKeeperClient } from "../../client/index.js";
import {
  isRawKey,
  keyOfTaskId,
  readTask,
  readFlowInfo,
  TaskAdmin,
  retryTask,
  Submitter,
  TASK_STATES,
  TaskNotFoundError,
  TaskNotRetryableError,
  type FlowInfo,
  type Layout,
  type TaskRecord,
  type TaskState,
} from "../../tasks/index.js";
import {
  addConnectionOptions,
  CliError,
  ExitCode,
  nonNegativeInt,
  positiveInt,
  withClient,
  type ConnectionFlags,
} from "../connection.js";
import { printJson } from "../output.js";
import { registerTaskLogsCommand } from "./task-logs.js";
import { layoutOf } from "./status.js";
import { registerTasksAdminCommands } from "./tasks-admin.js";

interface ListFlags extends ConnectionFlags {
  state?: string;
  type?: string;
  group?: string;
  offset: number;
  limit: number;
}

/** A raw seed task is named `task-<10 digits>`; anything else is a structured task id. */
export function keyOf(id: string): string {
  try {
    return keyOfTaskId(id);
  } catch {
    throw new CliError(`"${id}" is not a task id (1–128 characters of [A-Za-z0-9_.:-])`, ExitCode.usage);
  }
}

async function findTask(client: ZooKeeperClient, layout: Layout, id: string): Promise<TaskRecord> {
  const row = await readTask(client, layout, keyOf(id));
  if (row === null) throw noTask(layout, id);
  return row;
}

function noTask(layout: Layout, id: string): CliError {
  return new CliError(
    `no task ${id} under ${layout.tasks} (wrong --root? \`overseer tasks list\` shows what there is)`,
    ExitCode.failed,
  );
}

function line(r: TaskRecord): string {
  const who = r.worker === null ? "" : `  ${r.worker}`;
  const why = r.outcome?.state === "failed" ? `  ${r.outcome.reason}` : "";
  return `${r.id}  ${r.type ?? "(raw)"}  ${r.state}  attempt ${r.attempt}${who}${why}`;
}

/** A flow task's parent and children, one child per line. */
function printFlow(f: FlowInfo): void {
  console.log(`${"parent:".padEnd(13)}${f.parent?.id ?? "(none: the flow's root)"}`);
  if (f.childCount === 0) return;
  const waiting = f.waiting ? " (waiting for them)" : "";
  console.log(`${"children:".padEnd(13)}${f.childCount}${waiting}`);
  for (const c of f.children)
    console.log(
      `  ${c.id}  ${c.state}${c.onFailure === "fail-parent" ? "" : `  (onFailure ${c.onFailure})`}`,
    );
  if (f.childCount > f.children.length) console.log(`  … ${f.childCount - f.children.length} more`);
}

export function registerTasksCommand(program: Command): void {
  const tasks = program
    .command("tasks")
    .description(
      "list, show, cancel, retry, remove, update, promote, drain and obliterate tasks; read their logs",
    );
  registerTaskLogsCommand(tasks);

  addConnectionOptions(
    tasks
      .command("list")
      .alias("ls")
      .description("list tasks (oldest first), optionally by state, type or group"),
  )
    .addOption(new Option("--state <state>", "only tasks in this state").choices(TASK_STATES))
    .option("--type <type>", "only tasks of this type")
    .option("--group <group>", "only tasks of this group")
    .addOption(
      new Option("--offset <n>", "skip the first n matching tasks")
        .default(0)
        .argParser((v) => nonNegativeInt("--offset", v)),
    )
    .addOption(
      new Option("--limit <n>", "print at most n tasks")
        .default(100)
        .argParser((v) => positiveInt("--limit", v)),
    )
    .action(async (flags: ListFlags) => {
      const layout = layoutOf(flags);
      const { total, tasks: shown } = await withClient(flags, (c) =>
        new TaskAdmin(c, { root: layout.root }).getTasks({
          ...(flags.state === undefined ? {} : { state: flags.state as TaskState }),
          ...(flags.type === undefined ? {} : { type: flags.type }),
          ...(flags.group === undefined ? {} : { group: flags.group }),
          offset: flags.offset,
          limit: flags.limit,
        }),
      );
      if (flags.json) {
        printJson({
          total,
          tasks: shown.map((r) => ({
            id: r.id,
            type: r.type,
            state: r.state,
            attempt: r.attempt,
            worker: r.worker,
            requeues: r.requeues,
            priority: r.priority,
          })),
        });
        return;
      }
      for (const r of shown) console.log(line(r));
      const rest = total - flags.offset - shown.length;
      if (rest > 0) console.log(`… ${rest} more (--offset ${flags.offset + shown.length})`);
      if (total === 0) console.log("no tasks");
    });

  addConnectionOptions(
    tasks.command("show <id>").description("a task's type, payload, options, state and outcome"),
  ).action(async (id: string, flags: ConnectionFlags) => {
    const layout = layoutOf(flags);
    const [row, flow] = await withClient(flags, async (c) => {
      const r = await findTask(c, layout, id);
      return [r, isRawKey(r.key) ? null : await readFlowInfo(c, r.id, { root: layout.root })] as const;
    });
    const view = {
      id: row.id,
      path: layout.task(row.key),
      state: row.state,
      type: row.type,
      payload: row.envelope?.payload ?? row.raw,
      options: row.envelope?.options ?? null,
      attempt: row.attempt,
      requeues: row.requeues,
      worker: row.worker,
      submittedAt: row.submittedAt,
      outcome: row.outcome,
      ...(flow === null ? {} : { flow }),
    };
    if (flags.json) printJson(view);
    else {
      const { flow: _tree, ...fields } = view;
      for (const [k, v] of Object.entries(fields))
        console.log(`${`${k}:`.padEnd(13)}${typeof v === "string" ? v : JSON.stringify(v)}`);
      if (flow !== null) printFlow(flow);
    }
  });

  addConnectionOptions(tasks.command("cancel <id>").description("cancel a waiting or running task")).action(
    async (id: string, flags: ConnectionFlags) => {
      const layout = layoutOf(flags);
      const key = keyOf(id);
      if (!key.includes("/"))
        throw new CliError(`${id} is a raw seed task; raw tasks cannot be cancelled`, ExitCode.usage);
      const cancelled = await withClient(flags, async (c) => {
        try {
          return await new Submitter(c, { root: layout.root }).handle(id).cancel();
        } catch (err) {
          if (err instanceof TaskNotFoundError)
            throw new CliError(`no task ${id} under ${layout.tasks} (wrong --root?)`, ExitCode.failed);
          throw err;
        }
      });
      if (flags.json) printJson({ id, cancelled });
      else console.log(cancelled ? `cancelled ${id}` : `${id} had already finished; nothing to cancel`);
      if (!cancelled) process.exitCode = ExitCode.failed;
    },
  );

  addConnectionOptions(
    tasks
      .command("retry <id>")
      .description(
        "run a failed or cancelled task again: resubmits it as <id>.retry-<n> (prints the new id)",
      ),
  ).action(async (id: string, flags: ConnectionFlags) => {
    const layout = layoutOf(flags);
    const key = keyOf(id);
    const newId = await withClient(flags, async (c) => {
      if (isRawKey(key)) {
        await findTask(c, layout, id); // "no task" first, as for any other id
        throw new CliError(
          `${id} is a raw seed task; resubmit it with \`overseer zk create -s\``,
          ExitCode.usage,
        );
      }
      try {
        return await retryTask(c, id, { root: layout.root });
      } catch (err) {
        if (err instanceof TaskNotFoundError) throw noTask(layout, id);
        if (err instanceof TaskNotRetryableError)
          throw new CliError(err.message, err.reason === "raw" ? ExitCode.usage : ExitCode.failed);
        throw err;
      }
    });
    if (flags.json) printJson({ id, retry: newId });
    else console.log(newId);
  });
  registerTasksAdminCommands(tasks);
}
