/** `overseer tasks logs <id>`: the lines a task's handlers logged with ctx.log, every attempt. */
import type { Command } from "commander";
import { getTaskLogs, TaskNotFoundError } from "../../tasks/index.js";
import { addConnectionOptions, CliError, ExitCode, withClient, type ConnectionFlags } from "../connection.js";
import { printJson } from "../output.js";

export function registerTaskLogsCommand(tasks: Command): void {
  addConnectionOptions(
    tasks.command("logs <id>").description("the lines a task's handlers logged (ctx.log), oldest first"),
  ).action(async (id: string, flags: ConnectionFlags) => {
    const log = await withClient(flags, async (c) => {
      const root = flags.root ?? "/";
      let l;
      try {
        l = await getTaskLogs(c, id, { root });
      } catch (err) {
        if (err instanceof TaskNotFoundError) throw new CliError(err.message, ExitCode.failed);
        throw new CliError(`"${id}" is not a task id: ${(err as Error).message}`, ExitCode.usage);
      }
      return l;
    });
    if (flags.json === true) return printJson(log);
    if (log.dropped > 0)
      console.log(`(${log.dropped} older lines dropped: a task keeps its last lines only)`);
    for (const l of log.lines)
      console.log(`${new Date(l.at).toISOString()}  attempt ${l.attempt}  ${l.line}`);
    if (log.lines.length === 0) console.log(`(task ${id} has no log lines)`);
  });
}
