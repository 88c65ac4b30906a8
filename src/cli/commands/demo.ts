/**
 * `overseer demo` (what `npm start` runs): an embedded server in a temporary data dir, master candidates and
 * workers as separate processes, a batch of tasks; midway the active master and one worker are SIGKILLed.
 * It ends with a summary and exits 0 only if every task completed with exactly one committed result.
 */
import { Option, type Command } from "commander";
import { CliError, ExitCode, positiveInt } from "../connection.js";
import { Demo } from "../demo/run.js";
import { formatSummary } from "../demo/summary.js";
import type { DemoFlags, DemoSummary } from "../demo/types.js";
import { printJson } from "../output.js";

function fraction(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new CliError(`--kill-at must be between 0 and 1, got "${v}"`, ExitCode.usage);
  return n;
}

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "run a demo cluster (what `npm start` runs): embedded server, 2 masters and 3 workers as processes, " +
        "2,000 tasks; kills the active master and a worker midway; exits 0 only if every task completed once",
    )
    .addOption(
      new Option("--tasks <n>", "tasks to submit").default(2000).argParser((v) => positiveInt("--tasks", v)),
    )
    .addOption(
      new Option("--masters <n>", "master candidates")
        .default(2)
        .argParser((v) => positiveInt("--masters", v)),
    )
    .addOption(
      new Option("--workers <n>", "workers").default(3).argParser((v) => positiveInt("--workers", v)),
    )
    .addOption(
      new Option("--concurrency <n>", "tasks per worker at once")
        .default(16)
        .argParser((v) => positiveInt("--concurrency", v)),
    )
    .addOption(
      new Option("--work-ms <ms>", "average simulated work per task")
        .default(20)
        .argParser((v) => positiveInt("--work-ms", v)),
    )
    .addOption(
      new Option("--kill-at <fraction>", "kill when this fraction is done").default(0.4).argParser(fraction),
    )
    .option("--no-kill", "do not kill anything")
    .addOption(
      new Option("--session-timeout <ms>", "session timeout of masters and workers (crash detection time)")
        .default(2000)
        .argParser((v) => positiveInt("--session-timeout", v)),
    )
    .addOption(
      new Option("--timeout <ms>", "fail if the tasks are not all done this long after the first submit")
        .default(50_000)
        .argParser((v) => positiveInt("--timeout", v)),
    )
    .addOption(
      new Option("--port <port>", "the embedded server's port (0 = a free one)").default(0).argParser((v) => {
        if (!/^\d+$/.test(v) || Number(v) > 65535)
          throw new CliError(`--port must be 0–65535, got "${v}"`, ExitCode.usage);
        return Number(v);
      }),
    )
    .option("--keep", "leave the cluster running afterwards (with `overseer dashboard`), until Ctrl-C")
    .option("--json", "print the summary as JSON")
    .action(async (flags: DemoFlags) => {
      if (flags.workers < 2 && flags.kill)
        throw new CliError(
          "--workers must be at least 2 when a worker is killed (or pass --no-kill)",
          ExitCode.usage,
        );
      if (flags.masters < 2 && flags.kill)
        throw new CliError(
          "--masters must be at least 2 when the master is killed (or pass --no-kill)",
          ExitCode.usage,
        );
      const demo = new Demo(flags);
      const stop = (): void => {
        void demo.close().finally(() => process.exit(130));
      };
      if (!flags.keep) process.once("SIGINT", stop);
      let summary: DemoSummary;
      try {
        summary = await demo.run();
        if (flags.json) printJson(summary);
        else console.log(formatSummary(summary));
        if (flags.keep) await demo.keep(program.commands.some((c) => c.name() === "dashboard"));
      } finally {
        process.off("SIGINT", stop);
        await demo.close();
      }
      process.exitCode = summary.ok ? ExitCode.ok : ExitCode.failed;
    });
}
