#!/usr/bin/env node
/** The `overseer` command. Each subcommand lives in its own file under commands/. */
import { createRequire } from "node:module";
import { Command } from "commander";
import { registerDashboardCommand } from "./commands/dashboard.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerEventsCommand } from "./commands/events.js";
import { registerLimitCommand } from "./commands/limit.js";
import { registerFlowCommand } from "./commands/flow.js";
import { registerMasterCommand } from "./commands/master.js";
import { registerScheduleCommand } from "./commands/schedule.js";
import { registerServerCommand } from "./commands/server.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerSubmitCommand } from "./commands/submit.js";
import { registerTasksCommand } from "./commands/tasks.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { registerWorkersCommand } from "./commands/workers.js";
import { registerZkCommand } from "./commands/zk.js";
import { describeError } from "./errors.js";

function version(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("overseer")
    .description("Master–worker task coordination on the ZooKeeper protocol")
    .version(version(), "-V, --version");
  program.exitOverride();
  program.addHelpText(
    "after",
    "\nExit codes: 0 ok, 1 the operation failed, 2 bad usage or configuration, 3 ZooKeeper unreachable.",
  );
  registerServerCommand(program);
  registerMasterCommand(program);
  registerWorkerCommand(program);
  registerSubmitCommand(program);
  registerScheduleCommand(program);
  registerFlowCommand(program);
  registerStatusCommand(program);
  registerTasksCommand(program);
  registerWorkersCommand(program);
  registerEventsCommand(program);
  registerZkCommand(program);
  registerDashboardCommand(program);
  registerDemoCommand(program);
  registerLimitCommand(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const { message, exitCode } = describeError(err);
    if (message !== "") console.error(`overseer: ${message}`);
    process.exitCode = exitCode;
  });
