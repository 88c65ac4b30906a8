/** `overseer worker --handlers <module>`: runs tasks with the handlers an ESM module exports. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Option, type Command } from "commander";
import { InvalidArgumentError } from "../../client/index.js";
import { Worker, type AnyHandler, type RawHandler } from "../../tasks/index.js";
import { CliError, ExitCode, nonNegativeInt, positiveInt } from "../connection.js";
import { createLogger } from "../logger.js";
import { addRoleOptions, connectRole, eventPrinter, runUntilSignal, type RoleFlags } from "./master.js";

interface WorkerFlags extends RoleFlags {
  handlers?: string;
  concurrency: number;
  prefetch?: number | "auto";
  labels?: string;
  shell?: boolean;
  shutdownTimeout?: number;
  isolation?: "none" | "thread" | "process";
}

export interface LoadedHandlers {
  handlers: Record<string, AnyHandler>;
  raw?: RawHandler;
}

const SHAPE =
  "expected `export const handlers = { <type>: async (ctx) => result }` (or the same object as the default export)";

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

/** Imports the handler module; every problem names the file and what is missing. */
export async function loadHandlers(file: string): Promise<LoadedHandlers> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new CliError(`--handlers ${file}: no such file (resolved to ${path})`, ExitCode.usage);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(
      `--handlers ${file}: cannot import it as an ES module: ${err instanceof Error ? err.message : String(err)}`,
      ExitCode.usage,
    );
  }
  const table = mod["handlers"] ?? mod["default"];
  if (table === undefined)
    throw new CliError(
      `--handlers ${file}: missing export \`handlers\` (and no default export); ${SHAPE}`,
      ExitCode.usage,
    );
  if (typeof table !== "object" || table === null || Array.isArray(table))
    throw new CliError(`--handlers ${file}: \`handlers\` is ${kind(table)}; ${SHAPE}`, ExitCode.usage);
  const handlers: Record<string, AnyHandler> = {};
  for (const [type, h] of Object.entries(table)) {
    if (typeof h !== "function")
      throw new CliError(
        `--handlers ${file}: handlers.${type} is ${kind(h)}, expected a function`,
        ExitCode.usage,
      );
    handlers[type] = h as AnyHandler;
  }
  const raw = mod["raw"];
  if (raw !== undefined && typeof raw !== "function")
    throw new CliError(
      `--handlers ${file}: \`raw\` is ${kind(raw)}, expected a function (ctx) => "done"`,
      ExitCode.usage,
    );
  if (Object.keys(handlers).length === 0 && raw === undefined)
    throw new CliError(`--handlers ${file}: \`handlers\` has no entries; ${SHAPE}`, ExitCode.usage);
  return raw === undefined ? { handlers } : { handlers, raw: raw as RawHandler };
}

/** The --handlers file, checked to exist, as a path the sandboxes import. */
function handlerPath(file: string | undefined): string {
  const path = resolve(file ?? "");
  if (!existsSync(path))
    throw new CliError(`--handlers ${file ?? ""}: no such file (resolved to ${path})`, ExitCode.usage);
  return path;
}

export function registerWorkerCommand(program: Command): void {
  const cmd = program
    .command("worker")
    .description("run a worker: joins /workers and runs the tasks the master assigns with your handlers")
    .option(
      "--handlers <module>",
      "ES module exporting `handlers = { <type>: async (ctx) => result }` (and optionally `raw` for seed tasks); " +
        "required unless --shell",
    )
    .addOption(
      new Option("-c, --concurrency <n>", "tasks run at once")
        .default(4)
        .argParser((v) => positiveInt("--concurrency", v)),
    )
    .addOption(
      new Option(
        "--prefetch <n|auto>",
        "assignments queued beyond --concurrency so a freed slot never waits for the master " +
          "(the capacity the master sees is concurrency + prefetch; default auto: sized to cover ~50 ms of " +
          "work (and at most 16 MiB of task data) from the handlers' mean time, up to max(256, 8 × concurrency); " +
          "priority order stays strict)",
      ).argParser((v): number | "auto" => (v === "auto" ? "auto" : nonNegativeInt("--prefetch", v))),
    )
    .option("--labels <a,b>", "labels tasks can require (comma-separated)")
    .addOption(
      new Option(
        "--isolation <mode>",
        "where handlers run: none (the worker's own event loop), thread (a worker thread each) or process " +
          "(a child process each); thread/process keep heartbeats and commits free of handler code, " +
          "terminate a handler past its timeout and survive its crash (docs/SEMANTICS.md)",
      ).choices(["none", "thread", "process"]),
    )
    .option("--shell", 'run raw seed tasks (`create -s /tasks/task- "cmd"`) as shell commands with sh -c')
    .addOption(
      new Option("--shutdown-timeout <ms>", "on SIGINT/SIGTERM, wait this long for running tasks").argParser(
        (v) => positiveInt("--shutdown-timeout", v),
      ),
    );
  addRoleOptions(cmd).action(async (flags: WorkerFlags) => {
    if (flags.handlers === undefined && flags.shell !== true)
      throw new CliError(
        "worker: give --handlers <module>, or --shell to run raw seed tasks only",
        ExitCode.usage,
      );
    const sandboxed = flags.isolation === "thread" || flags.isolation === "process";
    if (sandboxed && flags.handlers === undefined)
      throw new CliError(`--isolation ${flags.isolation ?? ""} needs --handlers <module>`, ExitCode.usage);
    // A sandboxed worker loads the module only in its sandboxes (checked there when it starts).
    const loaded: LoadedHandlers =
      flags.handlers === undefined || sandboxed ? { handlers: {} } : await loadHandlers(flags.handlers);
    if (loaded.raw !== undefined && flags.shell)
      throw new CliError(
        `--shell conflicts with the \`raw\` handler exported by ${flags.handlers ?? ""}: use one of them`,
        ExitCode.usage,
      );
    const log = createLogger("worker");
    const say = eventPrinter(flags.json);
    const labels = flags.labels === undefined ? [] : flags.labels.split(",").filter((l) => l !== "");
    const client = await connectRole(flags);
    let worker: Worker;
    try {
      worker = new Worker(client, sandboxed ? handlerPath(flags.handlers) : loaded.handlers, {
        root: flags.root ?? "/",
        concurrency: flags.concurrency,
        ...(flags.prefetch === undefined ? {} : { prefetch: flags.prefetch }),
        labels,
        rawShell: flags.shell === true,
        ...(sandboxed ? { isolation: flags.isolation } : {}),
        logger: log,
        ...(loaded.raw === undefined ? {} : { raw: loaded.raw }),
        ...(flags.id === undefined ? {} : { id: flags.id }),
        ...(flags.shutdownTimeout === undefined ? {} : { shutdownTimeout: flags.shutdownTimeout }),
      });
    } catch (err) {
      await client.close();
      if (err instanceof InvalidArgumentError) throw new CliError(`worker: ${err.message}`, ExitCode.usage);
      throw err;
    }
    worker.on("completed", (id) => say(`completed ${id}`, { event: "completed", task: id }));
    worker.on("failed", (id, reason, willRetry) =>
      say(`failed ${id}: ${reason}${willRetry ? " (will retry)" : ""}`, {
        event: "failed",
        task: id,
        reason,
        willRetry,
      }),
    );
    worker.on("stale", (id, token) =>
      say(`stale result of ${id} (token ${token}) rejected`, { event: "stale", task: id, token }),
    );
    worker.on("error", (err) => log.warn({ err }, "worker error"));
    try {
      await worker.start();
    } catch (err) {
      await client.close();
      if (err instanceof InvalidArgumentError) throw new CliError(`worker: ${err.message}`, ExitCode.usage);
      throw err;
    }
    const types = [...worker.types];
    const raw = loaded.raw !== undefined ? "raw (module)" : flags.shell ? "raw (shell)" : null;
    say(
      `worker ${worker.id} ready at ${flags.connect}: ${[...types, ...(raw === null ? [] : [raw])].join(", ")}; ` +
        `concurrency ${flags.concurrency}`,
      {
        event: "ready",
        id: worker.id,
        pid: process.pid,
        types,
        raw: raw !== null,
        concurrency: flags.concurrency,
        isolation: flags.isolation ?? "none",
      },
    );
    process.exitCode = await runUntilSignal(client, log, () => worker.close());
  });
}
