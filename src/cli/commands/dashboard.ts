/** `overseer dashboard`: the live web page, JSON API and /metrics for one cluster. */
import { Option, type Command } from "commander";
import { parseConnectString, type HostPort } from "../../client/index.js";
import {
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  DashboardMetrics,
  DashboardOptionError,
  TaskSystemActions,
  checkBind,
  ZkClusterSource,
  startDashboard,
} from "../../dashboard/index.js";
import { TaskLimits } from "../../tasks/index.js";
import { Schedules, type ScheduleInfo } from "../../tasks/index.js";
import { addConnectionOptions, CliError, ExitCode, openClient, type ConnectionFlags } from "../connection.js";
import { createLogger } from "../logger.js";

interface DashboardFlags extends ConnectionFlags {
  port: number;
  host: string;
  token?: string;
  /** Hosts to ask for `mntr`; false with --no-mntr. */
  mntr?: string | false;
}

function port(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535)
    throw new CliError(`--port must be 0–65535, got "${v}"`, ExitCode.usage);
  return Number(v);
}

function mntrHosts(flags: DashboardFlags): HostPort[] {
  if (flags.mntr === false) return [];
  try {
    return parseConnectString(flags.mntr ?? flags.connect).hosts;
  } catch (err) {
    throw new CliError(`--mntr: ${err instanceof Error ? err.message : String(err)}`, ExitCode.usage);
  }
}

export function registerDashboardCommand(program: Command): void {
  const cmd = program
    .command("dashboard")
    .description("serve a live web dashboard, a JSON API and Prometheus /metrics for a cluster")
    .addOption(
      new Option("-p, --port <port>", "HTTP port (0 picks a free one)")
        .default(DEFAULT_DASHBOARD_PORT)
        .argParser(port),
    )
    .addOption(
      new Option("--host <host>", "address to bind (non-loopback needs --token)").default(
        DEFAULT_DASHBOARD_HOST,
      ),
    )
    .addOption(
      new Option("--token <secret>", "required for actions and for binding a non-loopback address").env(
        "OVERSEER_DASHBOARD_TOKEN",
      ),
    )
    .option("--mntr <hosts>", "servers to read `mntr` from for /metrics (default: the --connect hosts)")
    .option("--no-mntr", "do not read `mntr`");
  addConnectionOptions(cmd).action(async (flags: DashboardFlags) => {
    try {
      checkBind(flags.host, flags.token);
    } catch (err) {
      if (err instanceof DashboardOptionError) throw new CliError(err.message, ExitCode.usage);
      throw err;
    }
    const log = createLogger("dashboard");
    const mntr = mntrHosts(flags);
    const root = flags.root ?? "/";
    let client;
    try {
      client = await openClient(flags);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(
        `cannot connect: ${err instanceof Error ? err.message : String(err)}`,
        ExitCode.unreachable,
      );
    }
    const source = new ZkClusterSource({ client, root, logger: log.child({ part: "source" }) });
    const schedules = (): Promise<ScheduleInfo[]> => new Schedules(client, { root }).list();
    const metrics = new DashboardMetrics({ source, mntr, schedules });
    let dash;
    try {
      await source.start();
      dash = await startDashboard({
        source,
        client,
        actions: new TaskSystemActions(client, root),
        limits: () => new TaskLimits(client, { root }).usage(),
        metrics,
        root,
        schedules,
        host: flags.host,
        port: flags.port,
        ...(flags.token === undefined ? {} : { token: flags.token }),
        logger: log,
      });
    } catch (err) {
      await source.close();
      await client.close();
      if (err instanceof DashboardOptionError) throw new CliError(err.message, ExitCode.usage);
      throw err;
    }
    console.log(`overseer dashboard on ${dash.url} (cluster root ${root} at ${flags.connect})`);
    log.info(
      { url: dash.url, root, connect: flags.connect, mntr: mntr.map((h) => `${h.host}:${h.port}`) },
      "dashboard started",
    );
    const stop = async (why: string, code: number): Promise<void> => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await dash.close();
      metrics.close();
      await source.close();
      await client.close();
      log.info({ why }, "dashboard stopped");
      process.exitCode = code;
    };
    const onSignal = (signal: string): void => void stop(signal, 0);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    client.on("state", (e) => {
      if (e.type === "lost") {
        // A lost session is final for this client; a supervisor restarts us with a fresh one.
        log.error({ reason: e.reason.message }, "ZooKeeper session lost; exiting");
        void stop("session lost", ExitCode.unreachable);
      } else if (e.type === "suspended")
        log.warn({ server: e.server }, "ZooKeeper connection lost; reconnecting");
      else if (e.type === "reconnected")
        log.info({ server: e.server }, "ZooKeeper reconnected; re-reading the cluster");
    });
  });
}
