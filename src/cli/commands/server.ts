/** `overseer server`: run the embedded ZooKeeper-compatible server until SIGINT/SIGTERM. */
import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import {
  ConfigError,
  InvalidArgumentError as ServerOptionError,
  parseConfig,
  startServer,
  DEFAULT_PORT,
  type ServerOptions,
} from "../../server/index.js";
import { createLogger } from "../logger.js";

function integer(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

interface ServerFlags {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  tickTime?: number;
  "4lw"?: string;
}

/** zoo.cfg first, then flags given on the command line override it. */
function resolveOptions(flags: ServerFlags): ServerOptions {
  let opts: ServerOptions = {};
  if (flags.config !== undefined) {
    const parsed = parseConfig(readFileSync(flags.config, "utf8"));
    for (const w of parsed.warnings) console.error(`overseer: warning: ${flags.config}: ${w}`);
    opts = { ...parsed.options };
  }
  const override = <K extends keyof ServerOptions>(key: K, v: ServerOptions[K] | undefined): void => {
    if (v !== undefined) opts[key] = v;
  };
  override("port", flags.port);
  override("host", flags.host);
  override("dataDir", flags.dataDir);
  override("tickTime", flags.tickTime);
  override("fourLetterWords", flags["4lw"]);
  return { ...opts, port: opts.port ?? DEFAULT_PORT };
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run the embedded single-node ZooKeeper-compatible server")
    .option("-c, --config <file>", "ZooKeeper-style zoo.cfg (command-line flags override it)")
    .option("-p, --port <port>", `client port (0 = ephemeral; default ${DEFAULT_PORT})`, integer("--port"))
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option(
      "-d, --data-dir <dir>",
      "data directory: txn log + snapshots (without it the server is in-memory)",
    )
    .option("--tick-time <ms>", "tick time in ms", integer("--tick-time"))
    .option("--4lw <list>", 'comma-separated four-letter-word whitelist ("*" = all)')
    .action(async (flags: ServerFlags) => {
      let opts: ServerOptions;
      let server;
      try {
        opts = resolveOptions(flags);
        server = await startServer({ ...opts, logger: createLogger("server") });
      } catch (err) {
        // A bad configuration is the user's to fix: name it and exit 2, without a stack trace.
        if (err instanceof ConfigError || err instanceof ServerOptionError) {
          console.error(
            `overseer: ${flags.config !== undefined && err instanceof ConfigError ? `${flags.config}: ` : ""}${err.message}`,
          );
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      console.log(
        `overseer server listening on ${server.connectString}${opts.dataDir !== undefined ? ` (data dir ${opts.dataDir})` : " (in-memory)"}`,
      );
      const stop = (signal: string): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        server.close().then(
          () => console.error(`stopped (${signal})`),
          (err: unknown) => {
            console.error(err);
            process.exitCode = 1;
          },
        );
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
}
