/** `overseer events`: follow a cluster's task events, one line each, until interrupted. */
import { Option, type Command } from "commander";
import { TASK_EVENT_NAMES, TaskEvents, type TaskEvent } from "../../tasks/index.js";
import { addConnectionOptions, CliError, ExitCode, openClient, type ConnectionFlags } from "../connection.js";

interface EventsFlags extends ConnectionFlags {
  type?: string[];
  event?: string[];
}

export function formatEvent(e: TaskEvent): string {
  const parts = [new Date(e.at).toISOString(), e.event.padEnd(9), e.id, e.type ?? "(raw)"];
  if (e.worker !== undefined && e.worker !== "") parts.push(`worker ${e.worker}`);
  if (e.attempt !== undefined) parts.push(`attempt ${e.attempt}`);
  if (e.event === "progress") parts.push(JSON.stringify(e.progress));
  if (e.event === "completed") parts.push(`result ${JSON.stringify(e.result) ?? "undefined"}`);
  if (e.reason !== undefined) parts.push(e.reason);
  if (e.replayed === true) parts.push("(replayed after a reconnect)");
  return parts.join("  ");
}

export function registerEventsCommand(program: Command): void {
  addConnectionOptions(
    program
      .command("events")
      .description(
        "follow task events (submitted, active, progress, completed, failed, retrying, cancelled, stalled, " +
          "removed) as they happen, one a line, until Ctrl-C; with --json, JSON lines {event, id, type, at, …}",
      )
      .addOption(new Option("--type <type...>", "only tasks of these types"))
      .addOption(new Option("--event <name...>", "only these events").choices([...TASK_EVENT_NAMES])),
  ).action(async (flags: EventsFlags) => {
    const client = await openClient(flags);
    const events = new TaskEvents(client, {
      root: flags.root ?? "/",
      ...(flags.type ? { types: flags.type } : {}),
    });
    const stop = (): void => void events.close();
    process.once("SIGINT", stop).once("SIGTERM", stop);
    const only = flags.event === undefined ? null : new Set(flags.event);
    try {
      await events.start();
      console.error(`overseer: following task events under ${flags.root ?? "/"} (Ctrl-C to stop)`);
      for await (const e of events) {
        if (only !== null && !only.has(e.event)) continue;
        console.log(flags.json === true ? JSON.stringify(e) : formatEvent(e));
      }
    } catch (err) {
      throw new CliError(`following events failed: ${(err as Error).message}`, ExitCode.failed);
    } finally {
      process.off("SIGINT", stop).off("SIGTERM", stop);
      await events.close();
      await client.close();
    }
  });
}
