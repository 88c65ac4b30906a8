#!/usr/bin/env node
/** The `overseer` command. Each subcommand lives in its own file under commands/. */
import { createRequire } from "node:module";
import { Command } from "commander";
import { registerServerCommand } from "./commands/server.js";
import { describeError } from "./errors.js";

function version(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("overseer")
    .description("Master–worker task coordination on the ZooKeeper protocol")
    .version(version(), "-V, --version");
  registerServerCommand(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const { message, exitCode } = describeError(err);
    console.error(`overseer: ${message}`);
    process.exitCode = exitCode;
  });
