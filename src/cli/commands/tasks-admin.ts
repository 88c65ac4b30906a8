/** `overseer tasks rm|update|promote|drain|obliterate`: the admin API (TaskAdmin) from the shell. */
import { Option, type Command } from "commander";
import {
  InvalidArgumentError,
  TaskAdmin,
  TaskNotFoundError,
  TaskStateError,
  WorkersRegisteredError,
  type Layout,
} from "../../tasks/index.js";
import { addConnectionOptions, CliError, ExitCode, withClient, type ConnectionFlags } from "../connection.js";
import { printJson } from "../output.js";
import { layoutOf } from "./status.js";
import { parsePayload } from "./submit.js";

/** Runs `fn` with a TaskAdmin; the admin API's refusals become CLI errors with their exit codes. */
async function withAdmin<T>(
  flags: ConnectionFlags,
  fn: (admin: TaskAdmin, layout: Layout) => Promise<T>,
): Promise<T> {
  const layout = layoutOf(flags);
  return withClient(flags, async (c) => {
    try {
      return await fn(new TaskAdmin(c, { root: layout.root }), layout);
    } catch (err) {
      if (err instanceof TaskNotFoundError)
        throw new CliError(`no task ${err.taskId} under ${layout.tasks} (wrong --root?)`, ExitCode.failed);
      if (err instanceof InvalidArgumentError) throw new CliError(err.message, ExitCode.usage);
      if (err instanceof TaskStateError || err instanceof WorkersRegisteredError)
        throw new CliError(err.message, ExitCode.failed);
      throw err;
    }
  });
}

function say(flags: ConnectionFlags, json: unknown, text: string): void {
  if (flags.json) printJson(json);
  else console.log(text);
}

export function registerTasksAdminCommands(tasks: Command): void {
  addConnectionOptions(
    tasks
      .command("rm <ids...>")
      .alias("remove")
      .description("remove tasks with their outcome and progress (a running one is cancelled first)"),
  ).action(async (ids: string[], flags: ConnectionFlags) => {
    const removed = await withAdmin(flags, async (admin) => {
      const out: Record<string, boolean> = {};
      for (const id of ids) out[id] = await admin.remove(id);
      return out;
    });
    const missing = ids.filter((id) => removed[id] !== true);
    say(
      flags,
      { removed },
      ids.map((id) => (removed[id] === true ? `removed ${id}` : `${id}: no such task`)).join("\n"),
    );
    if (missing.length > 0) process.exitCode = ExitCode.failed;
  });

  addConnectionOptions(
    tasks
      .command("update <id> <payload>")
      .description("replace the payload (JSON) of a waiting or delayed task; options and attempts stay"),
  ).action(async (id: string, payload: string, flags: ConnectionFlags) => {
    const value = parsePayload(payload);
    await withAdmin(flags, (admin) => admin.update(id, value));
    say(flags, { id, updated: true }, `updated ${id}`);
  });

  addConnectionOptions(tasks.command("promote <id>").description("make a delayed task due now")).action(
    async (id: string, flags: ConnectionFlags) => {
      await withAdmin(flags, (admin) => admin.promote(id));
      say(flags, { id, promoted: true }, `promoted ${id}`);
    },
  );

  addConnectionOptions(
    tasks
      .command("drain")
      .description("remove every waiting task (running and finished ones stay)")
      .option("--delayed", "remove the delayed tasks too"),
  ).action(async (flags: ConnectionFlags & { delayed?: boolean }) => {
    const removed = await withAdmin(flags, (admin) => admin.drain({ delayed: flags.delayed === true }));
    say(flags, { removed }, `removed ${removed} task(s)`);
  });

  addConnectionOptions(
    tasks
      .command("obliterate")
      .description(
        "remove every task and assignment under the root; refused while workers are registered unless --force",
      )
      .addOption(new Option("--yes", "confirm: this cannot be undone").makeOptionMandatory())
      .option("--force", "go ahead even with workers registered (their running tasks are revoked)"),
  ).action(async (flags: ConnectionFlags & { force?: boolean }) => {
    const removed = await withAdmin(flags, (admin) => admin.obliterate({ force: flags.force === true }));
    say(flags, { removed }, `removed ${removed} task(s)`);
  });
}
