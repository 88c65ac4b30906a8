/** `overseer master`: one master candidate, until SIGINT/SIGTERM (then a graceful handover). */
import { Option, type Command } from "commander";
import { InvalidArgumentError, type ZooKeeperClient } from "../../client/index.js";
import { Master } from "../../tasks/index.js";
import {
  addConnectionOptions,
  CliError,
  ExitCode,
  openClient,
  positiveInt,
  type ConnectionFlags,
} from "../connection.js";
import { createLogger, type CliLogger } from "../logger.js";

export const DEFAULT_ROLE_SESSION_TIMEOUT = 10_000;

export interface RoleFlags extends ConnectionFlags {
  id?: string;
  sessionTimeout: number;
}

/** The options every long-running role shares: its identity and its session timeout (= crash detection time). */
export function addRoleOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .option("--id <id>", "identity (default <host>-<pid>-<random>)")
    .addOption(
      new Option(
        "--session-timeout <ms>",
        "ZooKeeper session timeout: how fast a crash of this process is noticed",
      )
        .default(DEFAULT_ROLE_SESSION_TIMEOUT)
        .argParser((v) => positiveInt("--session-timeout", v)),
    );
}

/** Connect with the role's session timeout, or fail naming the address and the two ways out. */
export function connectRole(flags: RoleFlags): Promise<ZooKeeperClient> {
  return openClient(flags, flags.sessionTimeout);
}

/** Prints one line per event: text for people, or one JSON object per line with --json. */
export function eventPrinter(
  json: boolean | undefined,
): (text: string, fields: Record<string, unknown>) => void {
  return (text, fields) => {
    if (json) console.log(JSON.stringify({ ...fields, at: Date.now() }));
    else console.log(text);
  };
}

/**
 * Runs until SIGINT/SIGTERM or the loss of the session; `stop` does the graceful part. Resolves with the
 * exit code. A second signal exits at once.
 */
export function runUntilSignal(
  client: ZooKeeperClient,
  log: CliLogger,
  stop: () => Promise<void>,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const finish = (code: number, why: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ why }, "stopping");
      stop()
        .catch((err: unknown) => log.error({ err }, "graceful stop failed"))
        .then(() => client.close())
        .then(
          () => resolve(code),
          () => resolve(code),
        );
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(128 + (signal === "SIGINT" ? 2 : 15));
      finish(ExitCode.ok, signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    client.on("state", (e) => {
      if (e.type === "lost") {
        // A lost session is final: a supervisor restarts us with a fresh one.
        log.error({ reason: e.reason.message }, "ZooKeeper session lost; exiting");
        finish(ExitCode.unreachable, "session lost");
      } else if (e.type === "suspended")
        log.warn({ server: e.server }, "ZooKeeper connection lost; reconnecting");
      else if (e.type === "reconnected") log.info({ server: e.server }, "ZooKeeper reconnected");
    });
  });
}

export function registerMasterCommand(program: Command): void {
  const cmd = program
    .command("master")
    .description(
      "run a master candidate until SIGINT/SIGTERM: one candidate leads, the others are hot backups; " +
        "on a signal the leader hands over at once",
    );
  addRoleOptions(cmd).action(async (flags: RoleFlags) => {
    const log = createLogger("master");
    const say = eventPrinter(flags.json);
    const client = await connectRole(flags);
    let master: Master;
    try {
      master = new Master(client, {
        root: flags.root ?? "/",
        logger: log,
        ...(flags.id ? { id: flags.id } : {}),
      });
    } catch (err) {
      await client.close();
      if (err instanceof InvalidArgumentError) throw new CliError(err.message, ExitCode.usage);
      throw err;
    }
    master.on("leader", (epoch) =>
      say(`leading (epoch ${epoch})`, { event: "leader", id: master.id, epoch }),
    );
    master.on("follower", () => say("no longer leading", { event: "follower", id: master.id }));
    master.on("recovered", (worker, count) =>
      say(`took back ${count} task(s) of lost worker ${worker}`, { event: "recovered", worker, count }),
    );
    master.on("error", (err) => log.warn({ err }, "master term failed; rebuilding"));
    await master.start();
    say(`master ${master.id} is a candidate at ${flags.connect} (root ${flags.root ?? "/"})`, {
      event: "ready",
      id: master.id,
      pid: process.pid,
    });
    process.exitCode = await runUntilSignal(client, log, () => master.close());
  });
}
