#!/usr/bin/env node
/** The `overseer` command. Each subcommand lives in its own file under commands/. */
import { Command } from "commander";
import { registerServerCommand } from "./commands/server.js";

export function buildProgram(): Command {
  const program = new Command("overseer").description("Master–worker task coordination on the ZooKeeper protocol");
  registerServerCommand(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
